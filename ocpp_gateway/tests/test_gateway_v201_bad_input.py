"""The 1.6 gateway's bad-input rules hold for OCPP 2.0.1, in 2.0.1's error codes: a clear
CALLERROR (or nothing, for frames that get no answer), the socket stays open, nothing
from the bad frame is kept but its log row. Raw frames over a real socket."""

import asyncio
import json

import pytest
import websockets

from ocpp_gateway.models import MessageLog, TransactionEventRecord
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, eventually, now_iso, run, ws_url
from stations.models import ChargingSession, ChargingStation, RegistrationStatus
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

EVENT = {
    "eventType": "Started",
    "timestamp": "2026-11-29T10:00:00Z",
    "triggerReason": "Authorized",
    "seqNo": 0,
    "transactionInfo": {"transactionId": "TX-BAD"},
    "idToken": {"idToken": "NOBODY", "type": "ISO14443"},
}


@pytest.fixture
def identity():
    return ConnectorFactory().station.identity


async def _exchange(base_url: str, identity: str, frames: list[str]) -> list:
    """Each frame followed by a Heartbeat probe; each frame's answer (None when none came)."""
    answers = []
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=["ocpp2.0.1"], additional_headers=basic_auth(identity)
    ) as socket:
        for number, frame in enumerate(frames):
            probe_id = f"probe-{number}"
            await socket.send(frame)
            await socket.send(json.dumps([2, probe_id, "Heartbeat", {}]))
            received = []
            while True:
                message = json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))
                if message[:2] == [3, probe_id]:
                    break
                received.append(message)
            answers.append(received[0] if received else None)
    return answers


def _codes(answers: list) -> list:
    return [(answer[1], answer[2]) if answer else None for answer in answers]


def test_bad_frames_get_201_error_codes_and_nothing_is_kept(asgi_server, identity):
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [
                "this is not json",
                '[2, "readable-id", "Heartbeat", {',
                json.dumps([2, "bad-payload", "Heartbeat", "not an object"]),
                json.dumps([2, "u1", "MakeCoffee", {}]),
                json.dumps(
                    [
                        2,
                        "u2",
                        "RequestStartTransaction",
                        {"idToken": {"idToken": "x", "type": "Central"}, "remoteStartId": 1},
                    ]
                ),
                json.dumps([2, "s1", "TransactionEvent", {**EVENT, "seqNo": "zero"}]),
                json.dumps([2, "s2", "TransactionEvent", {k: v for k, v in EVENT.items() if k != "triggerReason"}]),
                json.dumps([2, "s3", "TransactionEvent", {**EVENT, "eventType": "Paused"}]),
                json.dumps([2, "s4", "TransactionEvent", {**EVENT, "extra": 1}]),
                json.dumps([2, "s5", "TransactionEvent", {**EVENT, "timestamp": "yesterday"}]),
                json.dumps([6, "send-1", "NotifyPeriodicEventStream", {}]),
            ],
        )
    )
    assert _codes(answers) == [
        ("-1", "ProtocolError"),
        ("readable-id", "FormatViolation"),
        ("bad-payload", "FormatViolation"),
        ("u1", "NotImplemented"),
        ("u2", "NotSupported"),
        ("s1", "TypeConstraintViolation"),
        ("s2", "OccurrenceConstraintViolation"),
        ("s3", "PropertyConstraintViolation"),
        ("s4", "FormatViolation"),
        ("s5", "PropertyConstraintViolation"),
        None,  # SEND is 2.1's; on 2.0.1 an unknown message type, ignored
    ]
    assert not ChargingSession.objects.exists() and not TransactionEventRecord.objects.exists()
    assert eventually(MessageLog.objects.filter(message_id="s5", direction="in").exists)


def test_a_pending_station_may_only_boot_and_report(asgi_server, identity):
    ChargingStation.objects.filter(identity=identity).update(registration_status=RegistrationStatus.PENDING)
    boot = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [
                json.dumps([2, "b1", "BootNotification", boot]),
                json.dumps([2, "t1", "TransactionEvent", {**EVENT, "timestamp": now_iso()}]),
                json.dumps([2, "r1", "NotifyReport", {"requestId": 1, "generatedAt": now_iso(), "seqNo": 0}]),
            ],
        )
    )
    assert answers[0][2]["status"] == "Pending" and answers[0][2]["interval"] == 60
    assert _codes(answers[1:2]) == [("t1", "SecurityError")]
    assert answers[2] == [3, "r1", {}]
    assert not TransactionEventRecord.objects.exists()
