"""Charger command requests: any process queues one (`command_request`); the gateway
process holding the station's socket delivers it.

The row is the truth; the channel-layer message only wakes the consumer that holds the
socket (it also looks at its requests on connect and on the outbox poll, so a lost
wake-up delays a request, never loses it). Stations know no protocol: the gateway
registers at start-up (`command_validator_register`) the check that a request can be
put into the frame of the station's protocol, which is how `raw` frames are validated."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from stations.models import ChargingStation, CommandRequest

logger = logging.getLogger(__name__)
Action = CommandRequest.Action


class CommandError(ValueError):
    """The request cannot be queued: unknown action, or parameters that do not fit it."""


DATETIME = "datetime"
NUMBER = "number"
TRIGGERABLE = (
    "boot_notification",
    "diagnostics_status_notification",
    "firmware_status_notification",
    "heartbeat",
    "meter_values",
    "status_notification",
    # The security extension's: the charger sends a new CSR, or its log upload's status.
    "sign_certificate",
    "log_status_notification",
)
CERTIFICATE_TYPES = ("csms_root", "manufacturer_root", "v2g_root", "mo_root")
HASH_DATA = {
    "hash_algorithm": ("sha256", "sha384", "sha512"),
    "issuer_name_hash": str,
    "issuer_key_hash": str,
    "serial_number": str,
}
# name → type (or tuple of allowed values); a leading "?" marks an optional parameter.
PARAMETERS: dict[str, dict[str, object]] = {
    Action.START: {"connector": int, "id_tag": str, "?charging_profile": dict},
    Action.STOP: {"session": int},
    Action.RESET: {"type": ("soft", "hard")},
    Action.UNLOCK: {"connector": int},
    Action.SET_AVAILABILITY: {"connector": int, "operative": bool},
    Action.RESERVE: {
        "reservation": int,
        "connector": int,
        "id_tag": str,
        "expires_at": DATETIME,
        "?parent_id_tag": str,
    },
    Action.CANCEL_RESERVATION: {"reservation": int},
    Action.SEND_LOCAL_LIST: {"version": int, "update": ("full", "differential"), "?entries": list},
    Action.CHANGE_CONFIGURATION: {"key": str, "value": str},
    Action.GET_CONFIGURATION: {"?keys": list},
    Action.UPDATE_FIRMWARE: {
        "location": str,
        "retrieve_at": DATETIME,
        "?retries": int,
        "?retry_interval": int,
        # A signed update (1.6 SignedUpdateFirmware, 2.0.1 UpdateFirmware) names these.
        "?request_id": int,
        "?install_at": DATETIME,
        "?signing_certificate": str,
        "?signature": str,
    },
    Action.GET_DIAGNOSTICS: {
        "location": str,
        "?start_at": DATETIME,
        "?stop_at": DATETIME,
        "?retries": int,
        "?retry_interval": int,
    },
    Action.TRIGGER_MESSAGE: {"message": TRIGGERABLE, "?connector": int},
    Action.CLEAR_CACHE: {},
    Action.SET_CHARGING_PROFILE: {"connector": int, "profile": dict},
    Action.CLEAR_CHARGING_PROFILE: {"?profile_id": int, "?connector": int, "?purpose": str, "?stack_level": int},
    # Load management's limit on a session (`session` names it) or the station's fail-safe
    # default for when it loses us (connector 0: the whole station), in A per phase or W.
    Action.SET_CHARGING_LIMIT: {
        "connector": int,
        "scope": ("session", "default"),
        "limit": NUMBER,
        "unit": ("A", "W"),
        "?phases": int,
        "?session": int,
    },
    Action.CLEAR_CHARGING_LIMIT: {"scope": ("session", "default"), "?connector": int},
    Action.DATA_TRANSFER: {"vendor_id": str, "?message_id": str, "?data": str},
    Action.CERTIFICATE_SIGNED: {
        "certificate_chain": str,
        "?certificate_type": ("ChargingStationCertificate", "V2GCertificate"),
    },
    Action.INSTALL_CERTIFICATE: {"certificate_type": CERTIFICATE_TYPES, "certificate": str},
    Action.DELETE_CERTIFICATE: HASH_DATA,
    Action.GET_INSTALLED_CERTIFICATES: {"?certificate_type": CERTIFICATE_TYPES},
    Action.GET_LOG: {
        "log_type": ("diagnostics", "security"),
        "request_id": int,
        "location": str,
        "?start_at": DATETIME,
        "?stop_at": DATETIME,
        "?retries": int,
        "?retry_interval": int,
    },
    # The running cost of `session` (in the site's currency, VAT included) for the charger's
    # display; protocols without such a message (1.6) refuse it at queueing.
    Action.COST_UPDATE: {"session": int, "total_cost": NUMBER},
}

Validator = Callable[[CommandRequest], None]
_validators: list[Validator] = []


def command_validator_register(validator: Validator) -> None:
    """Called by a protocol adapter at start-up: `validator(request)` raises CommandError
    when the (unsaved) request cannot be put into the frame of its station's protocol."""
    if validator not in _validators:
        _validators.append(validator)


def command_request(
    *,
    station: ChargingStation,
    action: str,
    parameters: dict,
    requested_by=None,
    source: str = CommandRequest.Source.SYSTEM,
    ttl_seconds: int | None = None,
    raw_action: str = "",
    raw_protocol: str = "",
) -> CommandRequest:
    """Queue `action` with its neutral `parameters` for `station` and return the pending
    request (for `raw`: `raw_action` of `raw_protocol`, default the station's, with
    `parameters` as the frame's payload).

    Delivery happens after the surrounding transaction commits, once the station is
    connected and accepted, until `ttl_seconds` (default OCPP_COMMAND_TTL_SECONDS) pass.
    Raises CommandError (a ValueError) for an unknown action or parameters that do not
    fit it or the station's protocol; nothing is queued then."""
    if action not in Action.values:
        raise CommandError(f"{action!r} is not a command action.")
    if action == Action.RAW:
        if not raw_action:
            raise CommandError("A raw command names its protocol action.")
        if not isinstance(parameters, dict):
            raise CommandError("The payload must be a JSON object.")
        raw_protocol = raw_protocol or station.ocpp_protocol
    else:
        parameters = _checked(action, parameters)
        raw_action = raw_protocol = ""
    ttl = ttl_seconds if ttl_seconds is not None else settings.OCPP_COMMAND_TTL_SECONDS
    request = CommandRequest(
        station=station,
        action=action,
        parameters=parameters,
        raw_action=raw_action,
        raw_protocol=raw_protocol,
        requested_by=requested_by,
        source=source,
        expires_at=timezone.now() + timedelta(seconds=ttl),
    )
    for validator in _validators:
        validator(request)
    request.save()
    transaction.on_commit(lambda: command_wake(station_id=station.pk))
    return request


def _checked(action: str, parameters: dict) -> dict:
    if not isinstance(parameters, dict):
        raise CommandError("The parameters must be a JSON object.")
    spec = PARAMETERS[action]
    known = {name.lstrip("?") for name in spec}
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise CommandError(f"{action}: unknown parameter(s) {', '.join(unknown)}.")
    checked = {}
    for name, kind in spec.items():
        optional, name = name.startswith("?"), name.lstrip("?")
        value = parameters.get(name)
        if value is None:
            if not optional:
                raise CommandError(f"{action}: {name} is required.")
            continue
        checked[name] = _value(action, name, kind, value)
    if action == Action.SET_CHARGING_LIMIT and checked["scope"] == "session" and "session" not in checked:
        raise CommandError(f"{action}: a session limit names its session.")
    return checked


def _value(action: str, name: str, kind, value):
    if kind == DATETIME:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, str) and parse_datetime(value) is not None:
            return value
        raise CommandError(f"{action}: {name} must be a date-time.")
    if kind == NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1e7:
            raise CommandError(f"{action}: {name} must be a number from 0.")
        return value
    if isinstance(kind, tuple):
        if value not in kind:
            raise CommandError(f"{action}: {name} must be one of {', '.join(kind)}.")
        return value
    # bool is an int in Python; a flag is not a number here.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CommandError(f"{action}: {name} must be a {kind.__name__}.")
    return value


def command_group(station_id: int) -> str:
    """Channel-layer group of whatever holds this station's connection."""
    return f"station.link.{station_id}"


def command_wake(*, station_id: int) -> None:
    """Best effort: when the channel layer is down, the outbox poll of the process holding
    the socket delivers the request instead, so queueing never fails for it."""
    channel_layer = get_channel_layer()
    if channel_layer is None:
        return
    try:
        async_to_sync(channel_layer.group_send)(command_group(station_id), {"type": "outbox.wake"})
    except Exception as error:
        logger.warning(
            "station %s: wake-up not sent (%s: %s); the outbox poll delivers", station_id, type(error).__name__, error
        )
