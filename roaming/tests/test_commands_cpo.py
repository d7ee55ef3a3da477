"""Commands as CPO (Receiver): a partner's START_SESSION and STOP_SESSION become charger
command requests; a real charger on a real server answers, and the result reaches the
partner's response_url through a real Celery worker."""

import asyncio
import json
import time
import urllib.request

import pytest
from ocpp.v16 import call

from ocpp_gateway.tests.charger import connected, in_db, now_iso, run
from roaming.credentials_token import header_encode
from roaming.models import PartnerCommand
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid
from roaming.tests.test_tokens_cpo import token_object
from stations.models import ChargingStation, CommandRequest, Connector
from stations.services.charging import MESSAGES, Refusal

URL = "/ocpi/cpo/2.2.1/commands"


def start_body(connector, response_url="http://127.0.0.1:9/result", **changes):
    return {
        "response_url": response_url,
        "token": token_object(whitelist="NEVER"),
        "location_id": str(connector.station.site_id),
        "evse_uid": f"{connector.station.pk}-1",
        "connector_id": "1",
        **changes,
    }


def post(client, command, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(
        f"{URL}/{command}", data=data, content_type="application/json", HTTP_AUTHORIZATION=header_encode("emsp")
    )


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture(autouse=True)
    def _partner(self):
        registered_partner(token="emsp")

    def test_unknown_location_or_evse_is_2003(self, client):
        connector = public_connector()
        for changes in ({"location_id": "999999"}, {"evse_uid": "nope"}):
            response = post(client, "START_SESSION", start_body(connector, **changes))
            assert response.json()["status_code"] == 2003
        assert not CommandRequest.objects.exists()

    def test_malformed_or_unknown_command_is_2001(self, client):
        connector = public_connector()
        assert post(client, "START_SESSION", start_body(connector, response_url="nope")).json()["status_code"] == 2001
        assert post(client, "START_SESSION", b"[").status_code == 400
        assert post(client, "SELF_DESTRUCT", {}).json()["status_code"] == 2001
        assert not CommandRequest.objects.exists()

    def test_offline_charger_invalid_token_unknown_session_and_reservation_are_answered(self, client):
        connector = public_connector()
        valid("start_session", start_body(connector))
        invalid = post(client, "START_SESSION", start_body(connector, token=token_object(valid=False))).json()
        assert valid("command_response", invalid["data"]).result == "REJECTED"
        connector.station.is_connected = False
        connector.station.save()
        offline = post(client, "START_SESSION", start_body(connector)).json()["data"]
        assert offline["result"] == "REJECTED"
        unknown = post(client, "STOP_SESSION", {"response_url": "http://127.0.0.1:9/r", "session_id": "12345"})
        assert unknown.json()["data"]["result"] == "UNKNOWN_SESSION"
        reserve = post(client, "CANCEL_RESERVATION", {"response_url": "http://127.0.0.1:9/r", "reservation_id": "1"})
        assert reserve.json()["data"]["result"] == "REJECTED"
        assert not CommandRequest.objects.exists()

    def test_start_and_stop_go_through_the_charge_rule_like_every_other_door(self, client):
        """A busy connector or an offline charger is refused here as at the portal, the API,
        the ops dashboard, the admin and ocpp_send (config/tests/test_charge_doors.py). (A
        Pending station is not public, so partners cannot name it: 2003.)"""
        connector = public_connector()
        Connector.objects.filter(pk=connector.pk).update(status="Charging")
        busy = post(client, "START_SESSION", start_body(connector)).json()["data"]
        Connector.objects.filter(pk=connector.pk).update(status="Available")
        ChargingStation.objects.filter(pk=connector.station_id).update(is_connected=False)
        offline = post(client, "START_SESSION", start_body(connector)).json()["data"]

        assert (busy["result"], busy["message"][0]["text"]) == ("REJECTED", MESSAGES[Refusal.CONNECTOR_BUSY])
        assert (offline["result"], offline["message"][0]["text"]) == ("REJECTED", MESSAGES[Refusal.STATION_OFFLINE])
        assert not CommandRequest.objects.exists()
        assert not PartnerCommand.objects.exists()


def ocpi_post(base_url, path, body):
    request = urllib.request.Request(  # noqa: S310 - loopback URL of the test server
        f"{base_url}{path}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": header_encode("emsp"), "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())


async def wait_for_result(partner_api, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        results = [r for r in partner_api.requests if r["path"].startswith("/result")]
        if len(results) >= count:
            return results[count - 1]
        await asyncio.sleep(0.1)
    raise AssertionError("no CommandResult reached the partner")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_start_and_stop_at_a_real_charger_with_results_on_response_url(ocpi_server, celery_worker_process, partner_api):
    registered_partner(token="emsp")
    connector = public_connector()
    identity = connector.station.identity

    async def scenario():
        async with connected(ocpi_server, identity) as charger:
            await charger.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            body = start_body(connector, response_url=f"{partner_api.url}/result/start")
            answer = await asyncio.to_thread(ocpi_post, ocpi_server, f"{URL}/START_SESSION", body)
            assert valid("command_response", answer["data"]).result == "ACCEPTED"
            remote_start = await charger.wait_for_call("RemoteStartTransaction")
            assert (remote_start["id_tag"], remote_start["connector_id"]) == ("04A1B2C3D4", 1)
            result = await wait_for_result(partner_api, 1)
            assert valid("command_result", result["json"]).result == "ACCEPTED"
            # The charger starts: the token (whitelist NEVER, no real-time endpoint) is
            # accepted because its EMSP asked for this start.
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag="04A1B2C3D4", meter_start=0, timestamp=now_iso())
            )
            assert started.id_tag_info["status"] == "Accepted"
            session_id = await in_db(lambda: str(PartnerCommand.objects.get().request.station.sessions.get().pk))()
            stop = {"response_url": f"{partner_api.url}/result/stop", "session_id": session_id}
            answer = await asyncio.to_thread(ocpi_post, ocpi_server, f"{URL}/STOP_SESSION", stop)
            assert answer["data"]["result"] == "ACCEPTED"
            remote_stop = await charger.wait_for_call("RemoteStopTransaction")
            assert remote_stop["transaction_id"] == started.transaction_id
            result = await wait_for_result(partner_api, 2)
            assert result["path"] == "/result/stop" and result["json"] == {"result": "ACCEPTED"}

    run(scenario())
