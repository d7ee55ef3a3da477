"""Bad frames get a clear CALLERROR (or are ignored), the socket stays open, nothing from
the bad frame is persisted, and every frame is in the message log. Raw frames over a real
socket, because the `ocpp` client would refuse to send most of them."""

import asyncio
import json

import pytest
import websockets
from django.conf import settings

from ocpp_gateway.models import MessageLog
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, eventually, now_iso, run, ws_url
from stations.models import ChargingSession, CommandRequest, MeterSample
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def identity():
    return ConnectorFactory().station.identity


async def _exchange(base_url: str, identity: str, frames: list[str]) -> list:
    """Send each frame followed by a Heartbeat probe and return each frame's answer (None
    when none came). The gateway handles a socket's frames in order, so whatever arrives
    before the probe's answer is the frame's answer; the last probe proves the socket open."""
    answers = []
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=["ocpp1.6"], additional_headers=basic_auth(identity)
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
            assert len(received) <= 1, received
            answers.append(received[0] if received else None)
    return answers


def _codes(answers: list) -> list:
    return [(answer[1], answer[2]) if answer else None for answer in answers]


def test_unparsable_frames_get_protocol_error_or_formation_violation(asgi_server, identity):
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [
                "this is not json",
                json.dumps({"not": "an array"}),
                '[2, "readable-id", "Heartbeat", {',
                json.dumps([2, "id-only"]),
                json.dumps([2, "bad-payload", "Heartbeat", "not an object"]),
                json.dumps([2, "x" * 37, "Heartbeat", {}]),
                json.dumps([2, 12345, "Heartbeat", {}]),
            ],
        )
    )
    assert _codes(answers) == [
        ("-1", "ProtocolError"),
        ("-1", "ProtocolError"),
        ("readable-id", "FormationViolation"),
        ("id-only", "FormationViolation"),
        ("bad-payload", "FormationViolation"),
        ("x" * 36, "FormationViolation"),
        ("-1", "ProtocolError"),
    ]
    # One row per OCPP_MALFORMED_WINDOW_SECONDS per connection: the first; the rest are counted onto it.
    refused = MessageLog.objects.filter(direction="in", message_type=0)
    assert list(refused.values_list("raw", flat=True)) == ["this is not json"]


def test_unknown_message_type_is_ignored_and_logged(asgi_server, identity):
    answers = run(_exchange(asgi_server, identity, [json.dumps([7, "odd-one", {}])]))
    assert answers == [None]
    assert "Unknown message type" in MessageLog.objects.get(message_id="odd-one").note


def test_unknown_and_csms_only_actions(asgi_server, identity):
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [json.dumps([2, "u1", "MakeCoffee", {}]), json.dumps([2, "u2", "Reset", {"type": "Hard"}])],
        )
    )
    assert _codes(answers) == [("u1", "NotImplemented"), ("u2", "NotSupported")]


def test_schema_violations_map_to_ocpp16_error_codes(asgi_server, identity):
    start = {"connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": now_iso()}
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [
                json.dumps([2, "s1", "StartTransaction", {**start, "meterStart": "zero"}]),
                json.dumps([2, "s2", "StartTransaction", {k: v for k, v in start.items() if k != "idTag"}]),
                json.dumps([2, "s3", "StartTransaction", {**start, "idTag": "T" * 21}]),
                json.dumps([2, "s4", "StartTransaction", {**start, "extra": 1}]),
                json.dumps([2, "s5", "StatusNotification", {"connectorId": 1, "errorCode": "Oops", "status": "Ok"}]),
                json.dumps([2, "s6", "StartTransaction", {**start, "timestamp": "yesterday"}]),
            ],
        )
    )
    assert _codes(answers) == [
        ("s1", "TypeConstraintViolation"),
        ("s2", "OccurenceConstraintViolation"),
        ("s3", "PropertyConstraintViolation"),
        ("s4", "FormationViolation"),
        ("s5", "PropertyConstraintViolation"),
        ("s6", "PropertyConstraintViolation"),
    ]
    assert not ChargingSession.objects.exists()


def test_an_identifier_beyond_any_column_is_refused_before_the_handler_and_persists_nothing(asgi_server, identity):
    # Valid per schema (which bounds no integer), but a connectorId no column can hold:
    # refused as the type violation it is, before the handler, instead of failing there as
    # an InternalError. (A handler that fails is answered InternalError without details and
    # rolls back: test_protocol_v16::test_failing_handler_rolls_back_its_writes_and_answers_internal_error.)
    overflowing = [
        2,
        "crash-1",
        "MeterValues",
        {"connectorId": 2**40, "meterValue": [{"timestamp": now_iso(), "sampledValue": [{"value": "10"}]}]},
    ]
    answers = run(_exchange(asgi_server, identity, [json.dumps(overflowing)]))
    message_type, message_id, code, description, details = answers[0]
    assert (message_type, message_id, code, details) == (4, "crash-1", "TypeConstraintViolation", {})
    assert description.startswith("connectorId") and "Traceback" not in description
    assert not MeterSample.objects.exists()
    assert eventually(MessageLog.objects.filter(message_id="crash-1", direction="in").exists)


def test_response_to_a_call_we_never_sent_is_logged_and_dropped(asgi_server, identity):
    answers = run(
        _exchange(
            asgi_server,
            identity,
            [
                json.dumps([3, "never-sent", {"status": "Accepted"}]),
                json.dumps([4, "never-sent-2", "GenericError", "x", {}]),
            ],
        )
    )
    assert answers == [None, None]
    dropped = MessageLog.objects.filter(message_id__in=["never-sent", "never-sent-2"])
    assert eventually(lambda: dropped.count() == 2)
    assert all("dropped" in entry.note for entry in dropped)
    assert not CommandRequest.objects.exists()


def test_oversized_frame_is_refused(asgi_server, identity):
    huge = json.dumps([2, "big-1", "DataTransfer", {"vendorId": "x", "data": "a" * settings.OCPP_MAX_FRAME_BYTES}])
    answers = run(_exchange(asgi_server, identity, [huge]))
    assert _codes(answers) == [("big-1", "FormationViolation")]
    assert "exceeds" in answers[0][3]
