"""An OCPP 2.0.1 transaction's events cost the same however long it runs, and its running
cost is worked out once a minute of the transaction's time, not for every event
(ocpp_gateway/protocols/v201/costs.py). Through the gateway's own frame path
(exchange.call_answer), as a consumer's worker thread runs it."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.tests.factories import energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import TokenFactory
from ocpp_gateway import exchange, frames, protocols
from ocpp_gateway.models import TransactionEventRecord
from ocpp_gateway.protocols.v201.costs import RUNNING_COST_INTERVAL, RunningCostClock
from stations.models import ChargingSession, RegistrationStatus

pytestmark = pytest.mark.django_db

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def event(station, event_type: str, seq_no: int, *, seconds: int, wh: int, token=None) -> dict:
    at = (START + timedelta(seconds=seconds)).isoformat()
    payload = {
        "eventType": event_type,
        "timestamp": at,
        "triggerReason": {"Started": "Authorized", "Ended": "StopAuthorized"}.get(event_type, "MeterValuePeriodic"),
        "seqNo": seq_no,
        "transactionInfo": {"transactionId": "TX-COST"},
        "evse": {"id": 1, "connectorId": 1},
        "meterValue": [
            {
                "timestamp": at,
                "sampledValue": [{"value": wh, "measurand": "Energy.Active.Import.Register"}],
            }
        ],
    }
    if token is not None:
        payload["idToken"] = {"idToken": token.uid, "type": "ISO14443"}
    text = json.dumps([2, f"m{seq_no}", "TransactionEvent", payload])
    protocol = protocols.OCPP201
    answer = exchange.call_answer(
        protocol=protocol,
        station_id=station.pk,
        identity=station.identity,
        registration_status=RegistrationStatus.ACCEPTED,
        frame=frames.parse(text, formation_violation=protocol.formation_violation),
        received_at=datetime.now(UTC),
        touch_seen=False,
    )
    reply = json.loads(answer.text)
    assert reply[0] == frames.CALLRESULT, reply
    return reply[2]


@pytest.fixture
def station():
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40")
    return connector.station


def test_the_running_cost_is_shown_once_a_minute_of_the_transaction_and_always_at_its_end(station):
    token = TokenFactory()
    started = event(station, "Started", 0, seconds=0, wh=20_000, token=token)
    assert started["idTokenInfo"]["status"] == "Accepted"
    assert Decimal(str(started["totalCost"])) == Decimal("0.00")
    # 10 s later: the display still shows the last figure; no pricing for this event.
    assert "totalCost" not in event(station, "Updated", 1, seconds=10, wh=20_100)
    # A minute after the last one: 5 kWh at 0.40 + 19 % VAT.
    assert Decimal(str(event(station, "Updated", 2, seconds=60, wh=25_000)["totalCost"])) == Decimal("2.38")
    assert "totalCost" not in event(station, "Updated", 3, seconds=90, wh=27_000)
    # The end always has the final figure, whenever it comes: 8 kWh.
    ended = event(station, "Ended", 4, seconds=95, wh=28_000, token=token)
    assert Decimal(str(ended["totalCost"])) == Decimal("3.81")
    assert ChargingSession.objects.get(charger_transaction_id="TX-COST").energy_wh == 8_000


def test_an_event_costs_as_many_queries_late_in_a_transaction_as_early(station):
    event(station, "Started", 0, seconds=0, wh=20_000, token=TokenFactory())
    event(station, "Updated", 1, seconds=1, wh=20_010)
    with CaptureQueriesContext(connection) as early:
        event(station, "Updated", 2, seconds=2, wh=20_020)
    for seq_no in range(3, 40):
        event(station, "Updated", seq_no, seconds=seq_no, wh=20_000 + 10 * seq_no)
    with CaptureQueriesContext(connection) as late:
        event(station, "Updated", 40, seconds=40, wh=20_400)
    # Neither worked out the running cost (within the minute); nothing read the earlier events.
    assert len(late.captured_queries) == len(early.captured_queries)
    table = TransactionEventRecord._meta.db_table
    assert not [q for q in late.captured_queries if q["sql"].startswith("SELECT") and table in q["sql"]]


def test_the_clock_works_a_cost_out_on_the_first_event_then_after_each_interval():
    clock = RunningCostClock()
    assert clock.due(session_id=1, at=START)
    clock.note(session_id=1, at=START)
    assert not clock.due(session_id=1, at=START + RUNNING_COST_INTERVAL - timedelta(seconds=1))
    # An event queued offline, older than the last worked out, is not due either.
    assert not clock.due(session_id=1, at=START - timedelta(minutes=5))
    assert clock.due(session_id=1, at=START + RUNNING_COST_INTERVAL)
    assert clock.due(session_id=2, at=START)
    clock.forget(session_id=1)
    assert clock.due(session_id=1, at=START)


def test_the_clock_forgets_everything_beyond_its_limit_instead_of_growing():
    clock = RunningCostClock()
    clock.LIMIT = 3
    for session_id in range(3):
        clock.note(session_id=session_id, at=START)
    clock.note(session_id=99, at=START)
    assert clock.due(session_id=0, at=START) and not clock.due(session_id=99, at=START)
