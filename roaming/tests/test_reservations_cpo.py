"""RESERVE_NOW and CANCEL_RESERVATION as CPO (Receiver): a partner's reservation goes
through the one reservation rule (drivers' `reservation_request`, `reservation_cancel`), a
real charger on a real server gets ReserveNow and CancelReservation, and its answer
reaches the partner's response_url through a real Celery worker."""

import asyncio
from datetime import timedelta

import pytest
from django.utils import timezone
from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action

from drivers.models import Reservation
from ocpp_gateway.tests.charger import SimulatedCharger, connected, in_db, run
from roaming.fields import datetime_format
from roaming.models import PartnerCommand, PartnerReservation
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid
from roaming.tests.test_commands_cpo import URL, ocpi_post, post, wait_for_result
from roaming.tests.test_tokens_cpo import token_object
from stations.models import ChargingStation, CommandRequest, Connector
from stations.tests.factories import ConnectorFactory


def reserve_body(connector, response_url="http://127.0.0.1:9/result", **changes):
    return {
        "response_url": response_url,
        "token": token_object(whitelist="NEVER"),
        "expiry_date": datetime_format(timezone.now() + timedelta(minutes=20)),
        "reservation_id": "EMSP-RES-1",
        "location_id": str(connector.station.site_id),
        "evse_uid": f"{connector.station.pk}-1",
        **changes,
    }


def cancel_body(reservation_id="EMSP-RES-1", response_url="http://127.0.0.1:9/result"):
    return {"response_url": response_url, "reservation_id": reservation_id}


@pytest.mark.django_db
class TestReceiving:
    @pytest.fixture(autouse=True)
    def _partner(self):
        self.partner = registered_partner(token="emsp")

    def test_a_reservation_is_made_by_the_one_reservation_rule(self, client):
        connector = public_connector()
        body = reserve_body(connector)
        valid("reserve_now", body)

        answer = post(client, "RESERVE_NOW", body).json()

        assert valid("command_response", answer["data"]).result == "ACCEPTED"
        reservation = Reservation.objects.get()
        assert (reservation.id_tag, reservation.token, reservation.driver) == ("04A1B2C3D4", None, None)
        assert (reservation.station_id, reservation.connector_number) == (connector.station_id, 1)
        assert reservation.status == Reservation.Status.REQUESTED
        request = CommandRequest.objects.get(action=CommandRequest.Action.RESERVE)
        assert request.parameters["reservation"] == reservation.pk
        assert request.parameters["id_tag"] == "04A1B2C3D4"
        held = PartnerReservation.objects.get()
        assert (held.partner, held.ocpi_reservation_id, held.reservation) == (self.partner, "EMSP-RES-1", reservation)
        assert PartnerCommand.objects.get().request == request

        valid("cancel_reservation", cancel_body())
        cancelled = post(client, "CANCEL_RESERVATION", cancel_body("emsp-res-1")).json()["data"]
        assert cancelled["result"] == "ACCEPTED"
        reservation.refresh_from_db()
        assert reservation.status == Reservation.Status.CANCEL_REQUESTED
        assert CommandRequest.objects.filter(action=CommandRequest.Action.CANCEL_RESERVATION).count() == 1
        # The same cancel again (a retry) queues nothing more.
        assert post(client, "CANCEL_RESERVATION", cancel_body()).json()["data"]["result"] == "ACCEPTED"
        assert CommandRequest.objects.filter(action=CommandRequest.Action.CANCEL_RESERVATION).count() == 1

    def test_bad_input_gets_its_ocpi_status_and_stores_nothing(self, client):
        connector = public_connector()
        past = datetime_format(timezone.now() - timedelta(minutes=1))
        for changes, status in (
            ({"location_id": "999999"}, 2003),
            ({"evse_uid": "nope"}, 2003),
            ({"expiry_date": past}, 2001),
            ({"expiry_date": "tomorrow"}, 2001),
            ({"reservation_id": "R" * 37}, 2001),
        ):
            body = {key: value for key, value in reserve_body(connector, **changes).items() if value is not None}
            response = post(client, "RESERVE_NOW", body)
            assert (response.status_code, response.json()["status_code"]) == (200, status), changes
        unknown = post(client, "CANCEL_RESERVATION", cancel_body("NEVER-MADE")).json()["data"]
        assert (unknown["result"], unknown["message"][0]["text"]) == ("REJECTED", "Unknown reservation NEVER-MADE.")
        assert not Reservation.objects.exists()
        assert not CommandRequest.objects.exists()
        assert not PartnerCommand.objects.exists()

    def test_a_reservation_of_the_whole_location_holds_its_first_free_evse(self, client):
        busy = public_connector(connector_id=1)
        Connector.objects.filter(pk=busy.pk).update(status="Charging")
        free = ConnectorFactory(station=busy.station, connector_id=2, status="Available")
        body = {key: value for key, value in reserve_body(busy).items() if key != "evse_uid"}
        valid("reserve_now", body)

        assert post(client, "RESERVE_NOW", body).json()["data"]["result"] == "ACCEPTED"
        reservation = Reservation.objects.get()
        assert (reservation.station_id, reservation.connector_number) == (free.station_id, 2)
        assert PartnerReservation.objects.get().evse_uid == f"{free.station_id}-2"

        # Nothing free left at the location: refused with the reason, nothing stored.
        Connector.objects.filter(pk=free.pk).update(status="Reserved")
        again = post(client, "RESERVE_NOW", {**body, "reservation_id": "EMSP-RES-2"}).json()["data"]
        assert (again["result"], again["message"][0]["text"]) == (
            "REJECTED",
            "No EVSE of this location is free to reserve.",
        )
        assert Reservation.objects.count() == 1

    def test_refusals_are_answered_rejected_with_the_reason(self, client):
        connector = public_connector()
        invalid = post(client, "RESERVE_NOW", reserve_body(connector, token=token_object(valid=False))).json()["data"]
        assert invalid["result"] == "REJECTED"
        ChargingStation.objects.filter(pk=connector.station_id).update(is_connected=False)
        offline = post(client, "RESERVE_NOW", reserve_body(connector)).json()["data"]
        assert (offline["result"], offline["message"][0]["text"]) == ("REJECTED", "The charger is offline.")
        assert not Reservation.objects.exists()

        ChargingStation.objects.filter(pk=connector.station_id).update(is_connected=True)
        assert post(client, "RESERVE_NOW", reserve_body(connector)).json()["data"]["result"] == "ACCEPTED"
        again = post(client, "RESERVE_NOW", reserve_body(connector)).json()["data"]
        assert again["result"] == "REJECTED" and "held already" in again["message"][0]["text"]
        # Once it has ended, the EMSP may use its id again.
        Reservation.objects.update(status=Reservation.Status.EXPIRED)
        assert post(client, "RESERVE_NOW", reserve_body(connector)).json()["data"]["result"] == "ACCEPTED"
        assert Reservation.objects.count() == 2
        assert PartnerReservation.objects.get().reservation == Reservation.objects.order_by("-pk").first()
        expired = post(client, "CANCEL_RESERVATION", cancel_body()).json()["data"]
        assert expired["result"] == "ACCEPTED"
        Reservation.objects.update(status=Reservation.Status.EXPIRED)
        ended = post(client, "CANCEL_RESERVATION", cancel_body()).json()["data"]
        assert (ended["result"], ended["message"][0]["text"]) == ("REJECTED", "The reservation is expired.")


class OccupiedCharger(SimulatedCharger):
    @on(Action.reserve_now)
    def on_reserve_now(self, **payload):
        self._record("ReserveNow", **payload)
        return call_result.ReserveNow(status="Occupied")

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, **payload):
        self._record("CancelReservation", **payload)
        return call_result.CancelReservation(status="Rejected")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_reserve_and_cancel_at_a_real_charger_with_results_on_response_url(
    ocpi_server, celery_worker_process, partner_api
):
    registered_partner(token="emsp")
    connector = public_connector()
    identity = connector.station.identity

    async def scenario():
        async with connected(ocpi_server, identity) as charger:
            await charger.boot()
            body = reserve_body(connector, response_url=f"{partner_api.url}/result/reserve")
            answer = await asyncio.to_thread(ocpi_post, ocpi_server, f"{URL}/RESERVE_NOW", body)
            assert valid("command_response", answer["data"]).result == "ACCEPTED"
            reserve_now = await charger.wait_for_call("ReserveNow")
            reservation = await in_db(Reservation.objects.get)()
            assert (reserve_now["id_tag"], reserve_now["connector_id"]) == ("04A1B2C3D4", 1)
            assert reserve_now["reservation_id"] == reservation.pk
            result = await wait_for_result(partner_api, 1)
            assert valid("command_result", result["json"]).result == "ACCEPTED"
            assert (await in_db(Reservation.objects.get)()).status == Reservation.Status.ACCEPTED

            cancel = cancel_body(response_url=f"{partner_api.url}/result/cancel")
            answer = await asyncio.to_thread(ocpi_post, ocpi_server, f"{URL}/CANCEL_RESERVATION", cancel)
            assert answer["data"]["result"] == "ACCEPTED"
            cancelled = await charger.wait_for_call("CancelReservation")
            assert cancelled["reservation_id"] == reservation.pk
            result = await wait_for_result(partner_api, 2)
            assert result["path"] == "/result/cancel"
            assert valid("command_result", result["json"]).result == "CANCELED_RESERVATION"
            assert (await in_db(Reservation.objects.get)()).status == Reservation.Status.CANCELLED

    run(scenario())


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_charger_refusal_reaches_the_partner_in_ocpi_words(ocpi_server, celery_worker_process, partner_api):
    registered_partner(token="emsp")
    connector = public_connector()

    async def scenario():
        async with connected(ocpi_server, connector.station.identity, charger_class=OccupiedCharger) as charger:
            await charger.boot()
            body = reserve_body(connector, response_url=f"{partner_api.url}/result/reserve")
            await asyncio.to_thread(ocpi_post, ocpi_server, f"{URL}/RESERVE_NOW", body)
            await charger.wait_for_call("ReserveNow")
            result = await wait_for_result(partner_api, 1)
            assert valid("command_result", result["json"]).result == "EVSE_OCCUPIED"
            assert (await in_db(Reservation.objects.get)()).status == Reservation.Status.REJECTED

    run(scenario())
