"""Absurd meter data over a real socket: every frame gets its proper answer, the socket
stays open, and nothing absurd is counted. Raw frames, because the `ocpp` client would
not send most of these values."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import websockets

from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, run, ws_url
from stations.models import ChargingSession, MeterSample
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def identity():
    return ConnectorFactory(max_power_kw=22).station.identity


@pytest.fixture
def id_tag():
    return TokenFactory().uid


def _at(seconds: int) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return (base + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def _calls(base_url: str, identity: str, calls: list) -> list:
    """Send each [action, payload] as a CALL and return the answers; a last Heartbeat
    proves the socket still open."""
    answers = []
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=["ocpp1.6"], additional_headers=basic_auth(identity)
    ) as socket:
        for number, (action, payload) in enumerate([*calls, ("Heartbeat", {})]):
            # A frame built by hand: json.dumps writes 1e+30 for a float, as a charger would send 1e30.
            await socket.send(json.dumps([2, f"c{number}", action, payload]))
            answers.append(json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT)))
    assert answers[-1][0] == 3, answers[-1]
    return answers[:-1]


def _meter(transaction_id: int, seconds: int, value: str) -> tuple[str, dict]:
    meter_value = [
        {"timestamp": _at(seconds), "sampledValue": [{"value": value, "measurand": "Energy.Active.Import.Register"}]}
    ]
    return ("MeterValues", {"connectorId": 1, "transactionId": transaction_id, "meterValue": meter_value})


def test_absurd_meter_values_are_answered_kept_raw_and_never_counted(asgi_server, identity, id_tag):
    start = {"connectorId": 1, "idTag": id_tag, "meterStart": 1000, "timestamp": _at(0)}
    [started] = run(_calls(asgi_server, identity, [("StartTransaction", start)]))
    transaction_id = started[2]["transactionId"]
    absurd = ["-5000", "1e30", "NaN", "-Infinity", "1500"]
    answers = run(
        _calls(asgi_server, identity, [_meter(transaction_id, 60 * (i + 1), v) for i, v in enumerate(absurd)])
    )
    assert [answer[0] for answer in answers] == [3] * len(absurd)
    session = ChargingSession.objects.get(pk=transaction_id)
    assert session.energy_wh == 500
    assert "meter_value_rejected" in session.flags
    rejected = dict(
        MeterSample.objects.filter(session=session).exclude(rejected="").values_list("raw_value", "rejected")
    )
    assert rejected == {"-5000": "negative", "1e30": "out_of_range", "NaN": "not_finite", "-Infinity": "not_finite"}


def test_absurd_meter_start_and_stop_are_answered_and_flagged_not_billed_as_energy(asgi_server, identity, id_tag):
    start = {"connectorId": 1, "idTag": id_tag, "meterStart": -1000, "timestamp": _at(0)}
    [started] = run(_calls(asgi_server, identity, [("StartTransaction", start)]))
    transaction_id = started[2]["transactionId"]
    assert started[2]["idTagInfo"]["status"] == "Accepted"
    stop = {"transactionId": transaction_id, "meterStop": 2**31 - 1, "timestamp": _at(100)}
    [stopped] = run(_calls(asgi_server, identity, [("StopTransaction", stop)]))
    assert stopped[0] == 3
    session = ChargingSession.objects.get(pk=transaction_id)
    assert session.status == ChargingSession.Status.COMPLETED
    assert session.energy_wh == 0
    assert session.energy_in_doubt


def test_register_values_beyond_any_column_get_a_proper_answer(asgi_server, identity, id_tag):
    huge_start = {"connectorId": 1, "idTag": id_tag, "meterStart": 2**63, "timestamp": _at(0)}
    [started] = run(_calls(asgi_server, identity, [("StartTransaction", huge_start)]))
    transaction_id = started[2]["transactionId"]
    float_stop = {"transactionId": transaction_id, "meterStop": 1e30, "timestamp": _at(100)}
    huge_stop = {"transactionId": transaction_id, "meterStop": 10**30, "timestamp": _at(100)}
    float_answer, huge_answer = run(
        _calls(asgi_server, identity, [("StopTransaction", float_stop), ("StopTransaction", huge_stop)])
    )
    # 1e30 is not an integer to the 1.6 schema; 10**30 is, and is kept raw.
    assert float_answer[:3] == [4, "c0", "TypeConstraintViolation"]
    assert huge_answer[0] == 3
    session = ChargingSession.objects.get(pk=transaction_id)
    assert "meter_start_rejected" in session.flags
    assert session.energy_wh == 0
    assert MeterSample.objects.get(session=session, context="Transaction.End").raw_value == str(10**30)
