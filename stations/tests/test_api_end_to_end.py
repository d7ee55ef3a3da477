"""The API end to end on real servers: staff create a site, a station and a tariff over
HTTP; a real `ocpp` charger connects; a driver starts a session with POST sessions/start,
the charger receives RemoteStartTransaction, charges with meter values, the driver stops
it, and the session, its CDR (priced by a real Celery worker) and the cost are read back."""

import asyncio
import json
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v16 import call

from config.tests.api_clients import api_key_for
from drivers.tests.factories import DriverFactory, UserFactory
from ocpp_gateway.tests.charger import connected
from stations.tests.factories import STATION_PASSWORD, OrganisationFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

WAIT_SECONDS = 60
SCENARIO_SECONDS = 180


class Api:
    """A tiny HTTP client for one caller of the live server."""

    def __init__(self, base_url: str, user):
        self.base_url = base_url
        self.token = api_key_for(user)

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL of the test server
            f"{self.base_url}/api/v1/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    async def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        return await asyncio.to_thread(self.request, method, path, body)

    async def wait_for(self, path: str, predicate) -> dict:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            status, body = await self.call("GET", path)
            if status == 200 and predicate(body):
                return body
            assert time.monotonic() < deadline, f"GET {path} never satisfied the condition; last: {status} {body}"
            await asyncio.sleep(0.2)


def _setup_network_as_staff(staff: Api, operator_id: int) -> int:
    status, site = staff.request(
        "POST",
        "sites/",
        {
            "name": "E2E Depot",
            "operator": operator_id,
            "address": "Teststraße 1",
            "city": "Berlin",
            "postal_code": "10115",
            "country": "DE",
            "latitude": "52.520000",
            "longitude": "13.405000",
            "time_zone": "Europe/Berlin",
        },
    )
    assert status == 201, site
    status, station = staff.request(
        "POST",
        "stations/",
        {
            "identity": "CP-E2E-API-1",
            "site": site["id"],
            "owner": operator_id,
            "security_profile": 1,
            "password": STATION_PASSWORD,
            "connectors": [
                {"connector_id": 1, "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE", "max_power_kw": "22"}
            ],
        },
    )
    assert status == 201, station
    status, tariff = staff.request(
        "POST",
        "tariffs/",
        {
            "name": "E2E energy",
            "operator": operator_id,
            "currency": "EUR",
            "site": site["id"],
            "valid_from": "2025-01-01T00:00:00Z",
            "elements": [{"price_components": [{"type": "ENERGY", "price": "0.40", "vat": "19", "step_size": 1}]}],
        },
    )
    assert status == 201, tariff
    return station["id"]


def test_driver_charges_through_the_api_on_a_real_charger(asgi_server, celery_worker_process):
    operator = OrganisationFactory(name="E2E Operator", is_owner=True, is_operator=True)
    staff = Api(asgi_server, UserFactory(is_staff=True))
    driver = Api(asgi_server, DriverFactory(email_verified_at=datetime.now(UTC)).user)
    station_id = _setup_network_as_staff(staff, operator.pk)
    start = datetime.now(UTC)

    async def scenario():
        async with connected(asgi_server, "CP-E2E-API-1") as charger:
            await charger.boot()
            await charger.call(call.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
            await staff.wait_for(f"stations/{station_id}/", lambda body: body["is_connected"])

            status, command = await driver.call("POST", "sessions/start/", {"station": station_id, "connector": 1})
            assert status == 202, command
            remote_start = await charger.wait_for_call("RemoteStartTransaction")
            await driver.wait_for(f"commands/{command['id']}/", lambda body: body["status"] == "accepted")

            started = await charger.call(
                call.StartTransaction(
                    connector_id=remote_start["connector_id"],
                    id_tag=remote_start["id_tag"],
                    meter_start=1000,
                    timestamp=start.isoformat(),
                )
            )
            session_id = started.transaction_id
            await charger.call(
                call.MeterValues(
                    connector_id=1,
                    transaction_id=session_id,
                    meter_value=[
                        {
                            "timestamp": (start + timedelta(minutes=10)).isoformat(),
                            "sampledValue": [
                                {"value": "11000", "unit": "Wh", "measurand": "Energy.Active.Import.Register"},
                                {"value": "11000", "unit": "W", "measurand": "Power.Active.Import"},
                            ],
                        }
                    ],
                )
            )
            running = await driver.wait_for(f"sessions/{session_id}/", lambda body: body["energy_wh"] == 10000)

            status, stop_command = await driver.call("POST", f"sessions/{session_id}/stop/")
            assert status == 202, stop_command
            remote_stop = await charger.wait_for_call("RemoteStopTransaction")
            await charger.call(
                call.StopTransaction(
                    meter_stop=21000,
                    timestamp=(start + timedelta(minutes=20)).isoformat(),
                    transaction_id=remote_stop["transaction_id"],
                    reason="Remote",
                )
            )
            stopped = await driver.wait_for(f"sessions/{session_id}/", lambda body: body["status"] == "completed")
            again = await driver.call("POST", f"sessions/{session_id}/stop/")
            cdrs = await driver.wait_for(f"cdrs/?session={session_id}", lambda body: body["count"] == 1)
            final = await driver.wait_for(f"sessions/{session_id}/", lambda body: body["cost"]["final"])
            return remote_start, running, stopped, again, cdrs["results"][0], final

    remote_start, running, stopped, again, cdr, final = asyncio.run(asyncio.wait_for(scenario(), SCENARIO_SECONDS))

    assert remote_start["connector_id"] == 1
    assert running["status"] == "active"
    assert running["cost"]["currency"] == "EUR"
    assert running["cost"]["amount"] == "4.76"  # 10 kWh × 0.40 × 1.19 so far
    assert (stopped["energy_wh"], stopped["stop_reason"]) == (20000, "Remote")
    assert again[0] == 409
    assert (cdr["energy_wh"], cdr["total_excl_vat"], cdr["total_incl_vat"]) == (20000, "8.00", "9.52")
    assert final["cost"] == {"amount": "9.52", "currency": "EUR", "final": True}
