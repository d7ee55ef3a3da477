"""What every OCPP version plugs into the gateway: its subprotocol name, its schemas, one
handler per charger→CSMS action, one translation per domain command request (the
request's neutral parameters → the version's CALL), one result hook per CSMS→charger action.

The consumer, the outbox and the domain services are version-neutral; a version is a
`Protocol` instance (see protocols/v16/) registered in protocols/__init__.py."""

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, is_dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from jsonschema.exceptions import ValidationError as SchemaValidationError
from ocpp.charge_point import camel_to_snake_case, remove_nones, serialize_as_dict, snake_to_camel_case

from ocpp_gateway.protocols import schemas
from ocpp_gateway.seen_writer import seen_writer
from stations.services import status as station_status

logger = logging.getLogger(__name__)


class OcppCallError(Exception):
    """Becomes a CALLERROR with this code; `description` is shown to the charger, so it
    never carries internal details."""

    def __init__(self, code: str, description: str, details: dict | None = None):
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.details = details or {}


@dataclass
class CallContext:
    """What a handler knows about the call it answers. Handlers run in a worker thread,
    inside the database transaction that commits before the answer is sent (but for a
    Heartbeat answered on the event loop: `on_event_loop`)."""

    station_id: int
    identity: str
    message_id: str
    received_at: datetime
    protocol: "Protocol"
    # Set by BootNotification so the connection learns its new registration status.
    registration_status: str | None = None
    # A Heartbeat answered on the event loop (ocpp_gateway/heartbeat.py): no transaction,
    # no database; what it records goes to the process's batcher.
    on_event_loop: bool = False

    def heartbeat_record(self) -> None:
        """The station's Heartbeat: its last_seen_at and last_heartbeat_at, written in this
        call's transaction, or, answered on the event loop, by the process's seen writer
        within about a second (ocpp_gateway/seen_writer.py says why that delay is harmless)."""
        if self.on_event_loop:
            seen_writer.note(station_id=self.station_id, at=self.received_at)
        else:
            station_status.station_seen(station_id=self.station_id, at=self.received_at, heartbeat=True)


Handler = Callable[..., Any]
ResultHook = Callable[..., None]
# A domain request's neutral parameters → the payload of the version's CALL.
Translation = Callable[[dict], tuple[str, dict]]


class Protocol:
    # Actions whose handler records the station as seen itself (every version's Heartbeat
    # writes last_seen_at with last_heartbeat_at): the exchange does not write it again.
    # Writing it twice, two UPDATEs of one row in one transaction, was a quarter of an idle
    # socket's CPU.
    seen_by_handler = frozenset({"Heartbeat"})

    def __init__(
        self,
        *,
        subprotocol: str,
        ocpp_version: str,
        csms_actions: frozenset[str],
        charger_actions: frozenset[str],
        formation_violation: str,
        occurrence_violation: str,
        decimal_calls: frozenset[str] = frozenset(),
        decimal_results: frozenset[str] = frozenset(),
        positive_statuses: frozenset[str] = frozenset({"Accepted"}),
        allowed_before_acceptance: frozenset[str] = frozenset(),
        not_while_pending: frozenset[str] = frozenset(),
        known_actions: frozenset[str] = frozenset(),
        send_actions: frozenset[str] = frozenset(),
    ):
        self.subprotocol = subprotocol
        self.ocpp_version = ocpp_version
        self.csms_actions = csms_actions
        self.charger_actions = charger_actions
        self.formation_violation = formation_violation
        self.occurrence_violation = occurrence_violation
        self.decimal_calls = decimal_calls
        self.decimal_results = decimal_results
        self.positive_statuses = positive_statuses
        self.allowed_before_acceptance = allowed_before_acceptance
        # CSMS→charger actions held back while the station's registration is Pending.
        self.not_while_pending = not_while_pending
        # Actions the version defines (e.g. its security extension) that we do not take.
        self.known_actions = known_actions | csms_actions | charger_actions | send_actions
        # OCPP 2.1's SEND frames (a CALL that gets no answer) the charger may send; a version
        # with any also speaks CALLRESULTERROR.
        self.send_actions = send_actions
        self.handlers: dict[str, Handler] = {}
        self.result_hooks: dict[str, ResultHook] = {}
        self.translations: dict[str, Translation] = {}
        # Translations that also need the request itself (its id, e.g. 2.0.1's remoteStartId).
        self.request_translations: set[str] = set()
        # Domain action → the CALL that carries it (what not_while_pending holds back).
        self.calls: dict[str, str] = {}

    @property
    def speaks_send(self) -> bool:
        return bool(self.send_actions)

    def __repr__(self) -> str:
        return f"<Protocol {self.subprotocol}>"

    # --- registration ---------------------------------------------------------------
    def on(self, action: str) -> Callable[[Handler], Handler]:
        """Register the handler of a charger→CSMS action: `handler(ctx, **snake_case_payload)`
        returning the `ocpp` call_result dataclass (or a camelCase dict)."""
        if action not in self.charger_actions | self.send_actions:
            raise ValueError(f"{action} is not a charger→CSMS action of {self.subprotocol}")

        def register(handler: Handler) -> Handler:
            self.handlers[str(action)] = handler
            return handler

        return register

    def on_result(self, action: str) -> Callable[[ResultHook], ResultHook]:
        """Register what a CSMS→charger command's outcome changes: `hook(command)`, called
        in the transaction that records any final status (answer, error, timeout, expiry)."""
        if action not in self.csms_actions:
            raise ValueError(f"{action} is not a CSMS→charger action of {self.subprotocol}")

        def register(hook: ResultHook) -> ResultHook:
            self.result_hooks[str(action)] = hook
            return hook

        return register

    def translates(
        self, domain_action: str, call: str, *, with_request: bool = False
    ) -> Callable[[Translation], Translation]:
        """Register how a domain command request becomes this version's `call`:
        `translation(parameters) -> payload`, or `translation(parameters, request)` with
        `with_request` (the request is unsaved, pk None, while it is being validated)."""

        def register(translation: Translation) -> Translation:
            self.calls[str(domain_action)] = str(call)
            self.translations[str(domain_action)] = translation
            if with_request:
                self.request_translations.add(str(domain_action))
            return translation

        return register

    def adopt(self, other: "Protocol") -> None:
        """Take `other`'s handlers, result hooks and translations for every action this
        version shares with it (OCPP 2.1 keeps 2.0.1's messages; its additions are optional
        fields, which handlers take as **kwargs). Registrations of this version's own win."""
        for action, handler in other.handlers.items():
            if action in self.charger_actions | self.send_actions:
                self.handlers.setdefault(action, handler)
        for action, hook in other.result_hooks.items():
            if action in self.csms_actions:
                self.result_hooks.setdefault(action, hook)
        for domain_action, call in other.calls.items():
            if call in self.csms_actions and domain_action not in self.translations:
                self.calls[domain_action] = call
                self.translations[domain_action] = other.translations[domain_action]
                if domain_action in other.request_translations:
                    self.request_translations.add(domain_action)

    # --- command requests -------------------------------------------------------------
    def call_for(self, request) -> tuple[str, dict]:
        """The (action, payload) of the CALL that carries `request` (a CommandRequest),
        its dateTimes in the gateway's one form. Raises OcppCallError NotSupported for a
        domain action this version cannot carry."""
        if request.action == "raw":
            action, payload = request.raw_action, request.parameters
        elif request.action in self.translations:
            translation = self.translations[request.action]
            action = self.calls[request.action]
            if request.action in self.request_translations:
                payload = translation(request.parameters, request)
            else:
                payload = translation(request.parameters)
            if isinstance(payload, tuple):
                # The translation chose another CALL for these parameters (1.6 carries a
                # signed firmware update in SignedUpdateFirmware, not UpdateFirmware).
                action, payload = payload
        else:
            raise OcppCallError("NotSupported", f"{self.subprotocol} has no command for {request.action!r}.")
        if action not in self.csms_actions or not isinstance(payload, dict):
            return action, payload
        return action, self.call_times_formatted(action, payload)

    def result_of(self, response: dict) -> dict:
        """The charger's CALLRESULT in neutral words: snake_case keys, and a snake_case
        `status` ("Accepted" → "accepted", "UnlockFailed" → "unlock_failed")."""
        result = snake_case_keys(response)
        if isinstance(result.get("status"), str):
            result["status"] = re.sub(r"(?<!^)(?=[A-Z])", "_", result["status"]).lower()
        return result

    # --- validation -------------------------------------------------------------------
    def validate_call(self, action: str, payload: dict) -> None:
        self._validate(2, action, payload, decimal_floats=action in self.decimal_calls)

    def call_times_formatted(self, action: str, payload: dict) -> dict:
        """`payload` with every dateTime its CALL schema declares in format_time()'s form,
        whatever form the caller wrote it in (ReserveNow expiryDate, UpdateFirmware
        retrieveDate, charging schedules' startSchedule, …)."""
        schema = schemas.reference_validator(
            self.ocpp_version, schemas.CALL, action, decimal_floats=action in self.decimal_calls
        ).schema
        return _times_formatted(schema, payload, definitions=schema.get("definitions", {}))

    def validate_send(self, action: str, payload: dict) -> None:
        """A SEND frame's payload (OCPP 2.1)."""
        error = schemas.first_error(self.ocpp_version, schemas.SEND, action, payload)
        if error is not None:
            raise self._schema_error(error)

    def validate_result(self, action: str, payload: dict) -> None:
        self._validate(3, action, payload, decimal_floats=action in self.decimal_results)

    def _validate(self, message_type: int, action: str, payload: dict, *, decimal_floats: bool) -> None:
        error = schemas.first_error(self.ocpp_version, message_type, action, payload, decimal_floats=decimal_floats)
        if error is not None:
            raise self._schema_error(error)

    def _schema_error(self, error: SchemaValidationError) -> OcppCallError:
        where = "/".join(str(part) for part in error.absolute_path) or "payload"
        if error.validator == "type":
            code = "TypeConstraintViolation"
        elif error.validator in ("required", "minItems", "maxItems"):
            code = self.occurrence_violation
        elif error.validator == "additionalProperties":
            code = self.formation_violation
        else:
            code = "PropertyConstraintViolation"
        return OcppCallError(code, f"{where}: {error.message}"[:500])

    # --- calls ------------------------------------------------------------------------
    def answer(self, ctx: CallContext, action: str, payload: dict) -> dict:
        """Validate and handle one CALL; return the CALLRESULT payload. Raises OcppCallError."""
        handler = self.handlers.get(action)
        if handler is None or action in self.send_actions:
            if action in self.known_actions:
                raise OcppCallError("NotSupported", f"{action} is not supported by this CSMS.")
            raise OcppCallError("NotImplemented", f"Unknown action {action[:64]!r}.")
        self.validate_call(action, payload)
        beyond = _id_beyond_32_bits(payload)
        if beyond is not None:
            raise OcppCallError("TypeConstraintViolation", f"{beyond}: OCPP integers are 32-bit signed.")
        result = handler(ctx, **snake_case_keys(payload))
        reply = to_payload(result)
        try:
            self.validate_result(action, reply)
        except OcppCallError as error:
            # Our own answer broke the schema: a bug on our side, not the charger's.
            logger.error("invalid %s answer %r: %s", action, reply, error)
            raise OcppCallError("InternalError", "The CSMS could not answer this request.") from error
        return reply

    def take(self, ctx: CallContext, action: str, payload: dict) -> None:
        """Validate and handle one SEND (OCPP 2.1): like a CALL, but nothing is answered.
        Raises OcppCallError, which the caller logs (a SEND gets no CALLERROR)."""
        handler = self.handlers.get(action)
        if action not in self.send_actions or handler is None:
            raise OcppCallError("NotSupported", f"{action[:64]} is not taken as a SEND by this CSMS.")
        self.validate_send(action, payload)
        handler(ctx, **snake_case_keys(payload))

    def is_positive(self, response: dict | None) -> bool:
        """Does a CALLRESULT mean the charger did what we asked? Responses without a status
        (GetConfiguration, GetLocalListVersion, UpdateFirmware, …) count as accepted."""
        status = (response or {}).get("status")
        return status is None or status in self.positive_statuses


INT32 = range(-(2**31), 2**31)


def _id_beyond_32_bits(value: Any, path: str = "") -> str | None:
    """The path of the first identifier (a key named `id` or `…Id`: connectorId, evseId,
    reservationId, transactionId, requestId, …) outside the 32-bit range every OCPP version
    defines for its integers (1.6 and 2.0.1 part 2: "32 bit (31 bit resolution, 1 sign bit)").
    The JSON schemas bound none, so 2**40 passed them and then failed the database column it
    reached as an InternalError. It names nothing we issued or know: a type violation.
    Measurements (meterStart, meterStop) are not identifiers: an absurd one is kept raw and
    flagged instead (docs/ocpp.md), so that the charger's transaction is not refused."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        where = f"{path}/{key}" if path else str(key)
        is_id = isinstance(key, str) and (key == "id" or key.endswith("Id"))
        if is_id and isinstance(item, int) and not isinstance(item, bool) and item not in INT32:
            return where
        found = _id_beyond_32_bits(item, where)
        if found is not None:
            return found
    return None


def to_payload(result: Any) -> dict:
    if is_dataclass(result) and not isinstance(result, type):
        return camel_case_keys(remove_nones(serialize_as_dict(result)))
    return result


def snake_case_keys(data: Any) -> Any:
    """The `ocpp` package's camel_to_snake_case, each key's conversion remembered: two
    regular expressions per key of every frame were a visible share of a frame's CPU."""
    if isinstance(data, dict):
        return {_snake_key(key): snake_case_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [snake_case_keys(value) for value in data]
    return data


def camel_case_keys(data: Any) -> Any:
    """The `ocpp` package's snake_to_camel_case, each key's conversion remembered."""
    if isinstance(data, dict):
        return {_camel_key(key): camel_case_keys(value) for key, value in data.items()}
    if isinstance(data, list):
        return [camel_case_keys(value) for value in data]
    return data


# Bounded: a charger may send keys of its own (2.0.1's customData) to fill it with.
@functools.lru_cache(maxsize=4096)
def _snake_key(key: str) -> str:
    return next(iter(camel_to_snake_case({key: None})))


@functools.lru_cache(maxsize=4096)
def _camel_key(key: str) -> str:
    return next(iter(snake_to_camel_case({key: None})))


def parse_time(value: str | None, field: str) -> datetime | None:
    """An OCPP dateTime, made aware (UTC when no offset is given). Raises
    PropertyConstraintViolation for text that is not a date-time."""
    if value is None:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise OcppCallError("PropertyConstraintViolation", f"{field}: {value[:40]!r} is not a date-time.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def format_time(value: datetime) -> str:
    """The one form in which the gateway emits a dateTime: UTC, milliseconds, `Z`
    (`2026-11-29T10:00:00.123Z`). Naive values are taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _times_formatted(schema: dict, value: Any, *, definitions: dict) -> Any:
    # 2.0.1 and 2.1 describe nested objects by reference ("$ref": "#/definitions/…Type"):
    # a charging profile's startSchedule is only found by following it.
    reference = schema.get("$ref", "")
    if reference.startswith("#/definitions/"):
        schema = definitions.get(reference.removeprefix("#/definitions/"), {})
    if schema.get("format") == "date-time" and isinstance(value, str):
        try:
            parsed = parse_datetime(value)
        except ValueError:
            parsed = None
        # Text that is no date-time is left for the schema validation to refuse.
        return format_time(parsed) if parsed is not None else value
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        return {
            key: _times_formatted(properties.get(key, {}), item, definitions=definitions) for key, item in value.items()
        }
    if isinstance(value, list):
        items = schema.get("items", {})
        items = items if isinstance(items, dict) else {}
        return [_times_formatted(items, item, definitions=definitions) for item in value]
    return value
