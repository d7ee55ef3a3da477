"""Downstream of the gateway a 2.0.1 charger is like a 1.6 one. Money: the driver sees
their price on the charger (TransactionEvent's updatedPersonalMessage) and the running
cost (totalCost), and the stopped session is priced into a CDR by the real Celery worker.
The running cost is also pushed (CostUpdated) once it has moved by a step.
Operations: a Faulted connector opens an incident. Real uvicorn, real
`ocpp.v201.ChargePoint`, real worker, PostgreSQL and Redis."""

import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ocpp.v201 import call

from billing.models import ChargeDetailRecord
from billing.tests.factories import energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import run
from ocpp_gateway.tests.charger_v201 import connected, energy, now_iso
from stations.models import ChargingSession
from stations.operations.models.incidents import Incident
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_a_201_session_shows_its_price_and_running_cost_and_becomes_a_cdr(asgi_server, celery_worker_process):
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40")
    token = TokenFactory()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    id_token = {"id_token": token.uid, "type": "ISO14443"}

    async def scenario():
        async with connected(asgi_server, connector.station.identity) as charger:
            await charger.boot()
            started = await charger.transaction_event(
                "Started",
                "TX-BILL",
                trigger_reason="Authorized",
                timestamp=at(0),
                id_token=id_token,
                evse={"id": 1, "connector_id": 1},
                meter_value=[energy(20_000, "Transaction.Begin", at(0))],
            )
            updated = await charger.transaction_event(
                "Updated",
                "TX-BILL",
                trigger_reason="MeterValuePeriodic",
                timestamp=at(30),
                meter_value=[energy(30_000, at=at(30))],
            )
            # I02: the running cost moved from nothing to 4.76, so it is pushed as CostUpdated.
            cost_updated = await charger.wait_for_call("CostUpdated")
            ended = await charger.transaction_event(
                "Ended",
                "TX-BILL",
                trigger_reason="StopAuthorized",
                timestamp=at(60),
                id_token=id_token,
                meter_value=[energy(40_000, "Transaction.End", at(60))],
                transaction_info={"stopped_reason": "Local"},
            )
            return started, updated, cost_updated, ended

    started, updated, cost_updated, ended = run(scenario())
    # The price incl. 19 % VAT, and 10 kWh of it after half an hour.
    assert started.updated_personal_message == {"format": "UTF8", "content": "€0.48/kWh"}
    assert Decimal(str(updated.total_cost)) == Decimal("4.76")
    assert cost_updated["transaction_id"] == "TX-BILL"
    assert Decimal(str(cost_updated["total_cost"])) == Decimal("4.76")
    session = ChargingSession.objects.get(charger_transaction_id="TX-BILL")
    deadline = time.monotonic() + 60
    while not ChargeDetailRecord.objects.filter(session=session).exists():
        assert time.monotonic() < deadline, "the worker did not price the 2.0.1 session within 60 s"
        time.sleep(0.2)
    cdr = ChargeDetailRecord.objects.get(session=session)
    # 20 kWh × 0.40 = 8.00 excl. VAT, as for the same charge from a 1.6 charger.
    assert (cdr.energy_wh, cdr.total_excl_vat) == (20_000, Decimal("8.00"))
    assert Decimal(str(ended.total_cost)) == Decimal("9.52")


def test_a_faulted_201_connector_opens_an_incident(asgi_server, celery_worker_process):
    connector = ConnectorFactory()

    async def scenario():
        async with connected(asgi_server, connector.station.identity) as charger:
            await charger.boot()
            for status in ("Available", "Faulted"):
                await charger.call(
                    call.StatusNotification(timestamp=now_iso(), connector_status=status, evse_id=1, connector_id=1)
                )

    run(scenario())
    deadline = time.monotonic() + 60
    while not Incident.objects.filter(station=connector.station, connector_number=1).exists():
        assert time.monotonic() < deadline, "no incident within 60 s of the fault"
        time.sleep(0.2)
    incident = Incident.objects.get(station=connector.station, connector_number=1)
    assert incident.error_code == "OtherError" and "Faulted" in incident.summary
