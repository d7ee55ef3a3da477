"""`python -m bench.frame_path`: the CPU one frame costs the gateway outside the database,
today's code against the way it was done before issue 24, in the same process.

Per frame: parse the text, validate the CALL, check its identifiers, convert its keys to
snake_case, validate our CALLRESULT and write it. "before" is json + the `ocpp` package's
jsonschema validators + its key conversion (what frames.py and protocols/base.py did);
"now" is the gateway's own functions (orjson, compiled validators, cached key conversion).
CPU time (process_time), best of 5 rounds, pinned to no core: read the ratio, not the µs."""

import json
import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from ocpp.charge_point import camel_to_snake_case  # noqa: E402

from ocpp_gateway import frames, protocols  # noqa: E402
from ocpp_gateway.protocols import base, schemas  # noqa: E402

NOW = "2026-11-29T10:00:00.000Z"
SAMPLED = [
    {"value": "12345.6", "measurand": "Energy.Active.Import.Register", "unit": "Wh", "context": "Sample.Periodic"},
    {"value": "7200", "measurand": "Power.Active.Import", "unit": "W"},
    {"value": "31.2", "measurand": "Current.Import", "unit": "A", "phase": "L1"},
]
CASES = [
    (protocols.OCPP16, "Heartbeat", {}, {"currentTime": NOW}),
    (
        protocols.OCPP16,
        "MeterValues",
        {"connectorId": 1, "transactionId": 12345, "meterValue": [{"timestamp": NOW, "sampledValue": SAMPLED}]},
        {},
    ),
    (
        protocols.OCPP201,
        "TransactionEvent",
        {
            "eventType": "Updated",
            "timestamp": NOW,
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 7,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [
                {"timestamp": NOW, "sampledValue": [{"value": 12345.6, "measurand": "Power.Active.Import"}]}
            ],
        },
        {},
    ),
]


def before(protocol, action, text, reply) -> None:
    message = json.loads(text)
    for message_type, payload in ((schemas.CALL, message[3]), (schemas.CALLRESULT, reply)):
        validator = schemas.reference_validator(protocol.ocpp_version, message_type, action)
        next(iter(sorted(validator.iter_errors(payload), key=lambda error: error.path)), None)
    base._id_beyond_32_bits(message[3])
    camel_to_snake_case(message[3])
    json.dumps([3, message[1], reply], separators=(",", ":"), ensure_ascii=False, default=str)


def now(protocol, action, text, reply) -> None:
    frame = frames.parse(text, formation_violation=protocol.formation_violation)
    protocol.validate_call(action, frame.payload)
    base._id_beyond_32_bits(frame.payload)
    base.snake_case_keys(frame.payload)
    protocol.validate_result(action, reply)
    frames.call_result(frame.message_id, reply)


def best_microseconds(function, args, rounds: int = 5, count: int = 2000) -> float:
    for _ in range(200):
        function(*args)
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(count):
            function(*args)
        best = min(best, (time.process_time() - started) / count * 1e6)
    return best


def main() -> int:
    print("| frame | before µs | now µs | before ÷ now |")
    print("|---|---|---|---|")
    for protocol, action, payload, reply in CASES:
        # A refused frame would take the reference path in both columns.
        assert schemas.first_error(protocol.ocpp_version, schemas.CALL, action, payload) is None, action
        args = (protocol, action, json.dumps([2, "0f6c5c2e-frame", action, payload]), reply)
        old, new = best_microseconds(before, args), best_microseconds(now, args)
        print(f"| {protocol.ocpp_version} {action} | {old:.1f} | {new:.1f} | {old / new:.1f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
