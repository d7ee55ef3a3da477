"""The JSON schemas of every OCPP version's messages, and the validators the gateway checks
frames with: one compiled validator per (version, message type, action), built on first
use and kept for the life of the process.

Two validators per schema, on purpose. The compiled one (fastjsonschema: the schema turned
into Python code) only answers "valid or not", quickly; nearly every frame is valid, so
that is all most frames cost. When it says no, the `ocpp` package's own jsonschema
validator finds the error the gateway reports, so that the CALLERROR a charger gets
(TypeConstraintViolation, OccurrenceConstraintViolation, …, chosen from the first error by
path) is exactly what it was before the compiled validators existed. The reference
validator has the last word both ways: a payload the compiled code refuses and it accepts
is accepted. tests/test_schema_validation.py compares the two over generated payloads for
every schema of 1.6, 2.0.1 and 2.1."""

import decimal
import functools
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastjsonschema
import ocpp
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import Draft4Validator, validator_for

logger = logging.getLogger(__name__)

CALL = 2
CALLRESULT = 3
SEND = 6


def reference_validator(ocpp_version: str, message_type: int, action: str, *, decimal_floats: bool = False):
    """The validator whose first error the gateway reports: jsonschema, draft 4 for CALLs and
    CALLRESULTs as the `ocpp` package's get_validator() builds them. Kept here rather than in
    that package's cache, which holds one validator per schema built with whichever float
    parser asked first (a Decimal payload then met a float `multipleOf` and raised).
    SEND frames' schemas (OCPP 2.1) keep their own draft, as before, and are found without
    the "Request" suffix that ocpp 2.1.0's get_validator() would look for."""
    if message_type == SEND:
        return _send_validator(ocpp_version, action)
    return _validator(ocpp_version, message_type, action, decimal_floats)


def _schema_path(ocpp_version: str, name: str) -> Path:
    return Path(ocpp.__file__).parent / f"v{ocpp_version.replace('.', '')}" / "schemas" / f"{name}.json"


@functools.cache
def _validator(ocpp_version: str, message_type: int, action: str, decimal_floats: bool) -> Validator:
    if message_type == CALLRESULT:
        name = f"{action}Response"
    else:
        name = action if ocpp_version == "1.6" else f"{action}Request"
    text = _schema_path(ocpp_version, name).read_text(encoding="utf-8-sig")
    return Draft4Validator(json.loads(text, parse_float=decimal.Decimal if decimal_floats else float))


@functools.cache
def _send_validator(ocpp_version: str, action: str) -> Validator:
    schema = json.loads(_schema_path(ocpp_version, action).read_text(encoding="utf-8-sig"))
    return validator_for(schema)(schema)


@functools.cache
def compiled_validator(ocpp_version: str, message_type: int, action: str) -> Callable[[Any], Any] | None:
    """The compiled validator of this message, or None when the schema cannot be compiled
    (then the reference validator does all the work)."""
    reference = reference_validator(ocpp_version, message_type, action)
    # The reference's draft, not the file's: the `ocpp` package validates CALLs and
    # CALLRESULTs of every version as draft 4, even the draft-06 files of 2.0.1 and 2.1
    # (where 1.0 would pass as an integer). No defaults written into the payload and no
    # "format" checks: the reference does neither.
    schema = {**reference.schema, "$schema": reference.META_SCHEMA["$schema"]}
    try:
        return fastjsonschema.compile(schema, use_default=False, use_formats=False, detailed_exceptions=False)
    except Exception:
        logger.warning("cannot compile the %s schema of %s %s", ocpp_version, message_type, action, exc_info=True)
        return None


def first_error(
    ocpp_version: str, message_type: int, action: str, payload: Any, *, decimal_floats: bool = False
) -> ValidationError | None:
    """The error the gateway reports for `payload` (the first by path), or None if valid.
    `decimal_floats`: the schema constrains decimals (OCPP 1.6's multipleOf 0.1), so the
    payload's floats are read as Decimal and checked by the reference validator alone."""
    if decimal_floats:
        payload = json.loads(json.dumps(payload), parse_float=decimal.Decimal)
    else:
        compiled = compiled_validator(ocpp_version, message_type, action)
        if compiled is not None and _accepts(compiled, payload):
            return None
    reference = reference_validator(ocpp_version, message_type, action, decimal_floats=decimal_floats)
    return next(iter(sorted(reference.iter_errors(payload), key=lambda error: error.path)), None)


def _accepts(compiled: Callable[[Any], Any], payload: Any) -> bool:
    try:
        compiled(payload)
    except Exception:
        # Refused (or a value the generated code cannot compare): the reference decides.
        return False
    return True
