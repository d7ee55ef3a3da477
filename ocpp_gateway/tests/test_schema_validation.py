"""The compiled validators and orjson framing classify every frame as the `ocpp` package's
jsonschema validators and json.loads did: the same payloads valid, the same CALLERROR for
the rest, for every schema of 1.6, 2.0.1 and 2.1. No database."""

import json
import random
from decimal import Decimal
from pathlib import Path

import ocpp
import pytest
from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case

from ocpp_gateway import frames, protocols
from ocpp_gateway.protocols import schemas
from ocpp_gateway.protocols.base import OcppCallError, camel_case_keys, snake_case_keys

VERSIONS = {"1.6": protocols.OCPP16, "2.0.1": protocols.OCPP201, "2.1": protocols.OCPP21}
# Values of the wrong kind that every generated field sometimes gets instead of its own.
ODD_VALUES = [None, True, False, 0, -1, 1.0, 2.5, 2**31, 2**40, "", "x" * 30, [], {}, [1], {"a": 1}, float("nan")]
SAMPLES_PER_SCHEMA = 25


def messages():
    """(version, message type, action) of every schema the gateway validates."""
    for version, protocol in VERSIONS.items():
        for action in sorted(protocol.charger_actions | protocol.csms_actions):
            for message_type in (schemas.CALL, schemas.CALLRESULT):
                yield version, message_type, action
        for action in sorted(protocol.send_actions):
            yield version, schemas.SEND, action


def sample(schema: dict, definitions: dict, rng: random.Random, *, clean: bool = False, depth: int = 0):
    """A payload shaped by `schema`: often valid, sometimes wrong in one of many ways; with
    `clean`, valid (every required field, values within bounds)."""
    if "$ref" in schema:
        schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
    dirty = 0 if clean else 1

    def child(sub):
        return sample(sub, definitions, rng, clean=clean, depth=depth + 1)

    if rng.random() < 0.04 * dirty or depth > 12:
        return rng.choice(ODD_VALUES)
    if "enum" in schema:
        return rng.choice(schema["enum"]) if rng.random() < 1 - 0.05 * dirty else "NotInTheEnum"
    kind = schema.get("type")
    if kind == "object":
        required = set(schema.get("required", []))
        payload = {
            name: child(sub)
            for name, sub in schema.get("properties", {}).items()
            if (name in required and rng.random() < 1 - 0.03 * dirty) or rng.random() < 0.4
        }
        if rng.random() < 0.03 * dirty:
            payload["unexpectedKey"] = 1
        return payload
    if kind == "array":
        low, high = schema.get("minItems", 0), schema.get("maxItems", 4)
        count = rng.randint(max(0, low - dirty), min(high + dirty, low + 2))
        return [child(schema.get("items", {})) for _ in range(count)]
    if kind == "string":
        low, high = schema.get("minLength", 0), min(schema.get("maxLength", 20), 60)
        return "".join(rng.choice("abcXYZ019-:T") for _ in range(rng.randint(low, high + dirty)))
    if kind == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 10**6)
        if clean:
            return rng.randint(int(low), int(high))
        return rng.choice([low, high, low - 1, high + 1, rng.randint(int(low), int(high)), 3.0])
    if kind == "number":
        low, high = schema.get("minimum", -1e6), schema.get("maximum", 1e6)
        return rng.choice([max(low, 0), min(high, 12.5)] if clean else [0, 1, -2.5, 0.1, 12.34, 1e6, low - 1])
    if kind == "boolean":
        return rng.choice([True, False])
    return rng.choice(ODD_VALUES) if not clean else 1


@pytest.mark.parametrize(("version", "message_type", "action"), list(messages()))
def test_compiled_validator_accepts_exactly_what_the_reference_accepts(version, message_type, action):
    reference = schemas.reference_validator(version, message_type, action)
    compiled = schemas.compiled_validator(version, message_type, action)
    assert compiled is not None, "every OCPP schema compiles"
    rng = random.Random(f"{version}/{message_type}/{action}")
    definitions = reference.schema.get("definitions", {})
    # Valid payloads too, or the comparison below could be all refusals and prove little.
    cleans = [sample(reference.schema, definitions, rng, clean=True) for _ in range(10)]
    cleans = [payload for payload in cleans if not list(reference.iter_errors(payload))]
    assert cleans, "the generator makes valid payloads of this schema"
    for payload in cleans:
        compiled(payload)
    for _ in range(SAMPLES_PER_SCHEMA):
        payload = sample(reference.schema, definitions, rng)
        expected = next(iter(sorted(reference.iter_errors(payload), key=lambda e: e.path)), None)
        try:
            compiled(payload)
            accepted = True
        except Exception:
            accepted = False
        assert accepted == (expected is None), f"{payload!r}: reference says {expected}"
        found = schemas.first_error(version, message_type, action, payload)
        assert (found and (found.validator, list(found.path))) == (
            expected and (expected.validator, list(expected.path))
        )


@pytest.mark.parametrize(
    ("version", "action", "payload", "code"),
    [
        # Draft 4, as the `ocpp` package validates: 1.0 is no integer, even in 2.0.1's draft-06 files.
        ("2.0.1", "Heartbeat", {"extra": 1}, "FormatViolation"),
        (
            "2.0.1",
            "StatusNotification",
            {"timestamp": "t", "connectorStatus": "Available", "evseId": 1.0, "connectorId": 1},
            "TypeConstraintViolation",
        ),
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 1.0, "errorCode": "NoError", "status": "Available"},
            "TypeConstraintViolation",
        ),
        # 1.6 spells it so (OCPP-J 1.6 §4.2.3).
        ("1.6", "StatusNotification", {"connectorId": 1, "errorCode": "NoError"}, "OccurenceConstraintViolation"),
        (
            "1.6",
            "StatusNotification",
            {"connectorId": 1, "errorCode": "Nope", "status": "Available"},
            "PropertyConstraintViolation",
        ),
        ("1.6", "Heartbeat", {"extra": 1}, "FormationViolation"),
        ("2.1", "MeterValues", {"evseId": 1, "meterValue": []}, "OccurrenceConstraintViolation"),
    ],
)
def test_schema_errors_keep_their_callerror_codes(version, action, payload, code):
    with pytest.raises(OcppCallError) as error:
        VERSIONS[version].validate_call(action, payload)
    assert error.value.code == code


def test_decimal_schemas_still_take_one_decimal_values():
    profile = {
        "chargingProfileId": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}]},
    }  # fmt: skip
    protocols.OCPP16.validate_call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    profile["chargingSchedule"]["chargingSchedulePeriod"][0]["limit"] = 21.45
    with pytest.raises(OcppCallError) as error:
        protocols.OCPP16.validate_call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    assert error.value.code == "PropertyConstraintViolation"


@pytest.mark.parametrize(
    "text",
    [
        '[2,"a","MeterValues",{"connectorId":1,"meterValue":[{"timestamp":"t","sampledValue":[{"value":NaN}]}]}]',
        '[2,"a","Heartbeat",{"x":Infinity}]',
        '[2,"a","StatusNotification",{"connectorId":18446744073709551616}]',
        '[2,"a","StatusNotification",{"connectorId":-9223372036854775809}]',
        '[2,"a","DataTransfer",{"vendorId":"\\ud800"}]',
        '[2,"a","Heartbeat",{"a":1,"a":2}]',
        '[2,"a","Heartbeat",{"x":1.5e308,"y":0.30000000000000004}]',
        '[2,"\u00e9\u00e9","Heartbeat",{}]',
        '[2,"a","Heart',
        "[2,\"a\",'Heartbeat',{}]",
    ],
)
def test_frames_parse_as_the_standard_library_parses_them(text):
    try:
        expected = json.loads(text)
    except ValueError:
        with pytest.raises(frames.FrameError):
            frames.parse(text, formation_violation="FormationViolation")
        return
    frame = frames.parse(text, formation_violation="FormationViolation")
    assert repr(frame.payload) == repr(expected[3])
    assert [type(value) for value in frame.payload.values()] == [type(value) for value in expected[3].values()]


def test_an_id_beyond_64_bits_is_still_a_type_violation_not_a_parse_error():
    frame = frames.parse('[2,"a","StatusNotification",{"connectorId":2361183241434822606848,"errorCode":"NoError",'
                         '"status":"Available"}]', formation_violation="FormationViolation")  # fmt: skip
    assert frame.payload["connectorId"] == 2**71
    with pytest.raises(OcppCallError) as error:
        protocols.OCPP16.answer(None, frame.action, frame.payload)
    assert error.value.code == "TypeConstraintViolation"


@pytest.mark.parametrize(
    "message",
    [
        [3, "a", {"currentTime": "2026-11-29T10:00:00.000Z", "text": "é ✓ \u2028", "n": 1.5, "big": 2**70}],
        [4, "a", "FormationViolation", "bad", {}],
        [2, "a", "X", {"when": __import__("datetime").datetime(2026, 11, 29), "amount": Decimal("1.50"), 3: "k"}],
    ],
)
def test_frames_are_written_as_the_standard_library_wrote_them_but_for_spacing(message):
    written = frames.dumps(message)
    assert written == json.dumps(message, separators=(",", ":"), ensure_ascii=False, default=str)


def test_key_conversion_matches_the_ocpp_package_for_every_schema_key():
    keys = set()
    for path in Path(ocpp.__file__).parent.glob("v*/schemas/*.json"):
        keys |= set(_keys(json.loads(path.read_text(encoding="utf-8-sig"))))
    payload = {key: [{key: 1}] for key in keys}
    assert snake_case_keys(payload) == camel_to_snake_case(payload)
    snake = camel_to_snake_case(payload)
    assert camel_case_keys(snake) == snake_to_camel_case(snake)


def _keys(schema):
    if isinstance(schema, dict):
        yield from schema.get("properties", {}) if isinstance(schema.get("properties"), dict) else ()
        for value in schema.values():
            yield from _keys(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from _keys(value)


def test_outgoing_datetimes_behind_a_ref_are_formatted():
    """2.0.1 reaches a charging schedule's startSchedule through "$ref": it is written in the
    gateway's one form like a top-level dateTime."""
    profile = {
        "id": 1, "stackLevel": 0, "chargingProfilePurpose": "TxDefaultProfile", "chargingProfileKind": "Absolute",
        "chargingSchedule": [{"id": 1, "startSchedule": "2026-11-29T11:00:00+01:00", "chargingRateUnit": "W",
                              "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 1000}]}],
    }  # fmt: skip
    payload = protocols.OCPP201.call_times_formatted("SetChargingProfile", {"evseId": 1, "chargingProfile": profile})
    assert payload["chargingProfile"]["chargingSchedule"][0]["startSchedule"] == "2026-11-29T10:00:00.000Z"
    assert payload["chargingProfile"]["id"] == 1
    reserve = protocols.OCPP201.call_times_formatted(
        "ReserveNow",
        {"id": 1, "expiryDateTime": "2026-11-29T10:00:00", "idToken": {"idToken": "A", "type": "ISO14443"}},
    )
    assert reserve["expiryDateTime"] == "2026-11-29T10:00:00.000Z"
