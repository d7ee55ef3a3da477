"""A driver reserves at a partner network's EVSE from the portal's partner site page and
cancels it there, over real HTTP in one loop: our EMSP side sends RESERVE_NOW and
CANCEL_RESERVATION to our own CPO side, whose real charger (on a real server) gets ReserveNow
and CancelReservation; the CPO side's worker POSTs each result back, and the page shows it."""

import asyncio
import time

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from drivers.models import Reservation
from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import connected, in_db, run
from roaming.models import Partner, PartnerLocation, SentCommand
from roaming.selectors import locations
from roaming.tests.factories import public_connector, registered_partner


async def wait_for_result(sent_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = await in_db(SentCommand.objects.get)(pk=sent_id)
        if sent.result:
            return sent.result
        await asyncio.sleep(0.2)
    raise AssertionError("no CommandResult reached our EMSP side")


def loop_partners(ocpi_server):
    """The CPO side's view of the EMSP and the EMSP side's view of the CPO (commands only)."""
    emsp = registered_partner(token="emsp-calls-cpo", role="EMSP", country_code="DE", party_id="EVC")
    cpo = registered_partner(token="cpo-calls-emsp", role="CPO", country_code="DE", party_id="EVC", name="CPO")
    Partner.objects.filter(pk=emsp.pk).update(outbound_token="cpo-calls-emsp")
    Partner.objects.filter(pk=cpo.pk).update(
        outbound_token="emsp-calls-cpo",
        endpoints=[{"identifier": "commands", "role": "RECEIVER", "url": f"{ocpi_server}/ocpi/cpo/2.2.1/commands"}],
    )
    return Partner.objects.get(pk=cpo.pk)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_driver_reserves_and_cancels_at_a_partner_evse_from_the_portal(
    ocpi_server, celery_worker_process, settings, client
):
    settings.OCPI_PUBLIC_URL = ocpi_server
    connector = public_connector()
    token = TokenFactory(uid="DRIVER0002", driver__email_verified_at=timezone.now())
    cpo = loop_partners(ocpi_server)
    site = locations.ocpi_location(location_id=str(connector.station.site_id))
    PartnerLocation.objects.create(
        partner=cpo,
        country_code="DE",
        party_id="EVC",
        location_id=str(site.pk),
        data=locations.location_object(site),
        latitude=site.latitude,
        longitude=site.longitude,
        last_updated=site.last_updated,
    )
    evse_uid = f"{connector.station.pk}-1"
    page_url = f"/partner-sites/DE/EVC/{site.pk}/"
    client.force_login(token.driver.user)

    async def scenario():
        async with connected(ocpi_server, connector.station.identity) as charger:
            await charger.boot()
            page = (await in_db(client.get)(page_url)).content.decode()
            assert "Reserve" in page and "Cancel reservation" not in page

            response = await in_db(client.post)(f"{page_url}reserve/", {"evse_uid": evse_uid, "minutes": "15"})

            sent = await in_db(SentCommand.objects.get)(command="RESERVE_NOW")
            assert response["Location"] == f"{page_url}?command={sent.pk}"
            assert sent.response == "ACCEPTED" and sent.reservation_id == str(sent.pk)
            # The portal reserves with the driver's app token, as it starts with it.
            app_uid = await in_db(lambda: SentCommand.objects.select_related("token").get(pk=sent.pk).token.uid)()
            assert app_uid != token.uid
            reserve_now = await charger.wait_for_call("ReserveNow")
            assert (reserve_now["id_tag"], reserve_now["connector_id"]) == (app_uid, 1)
            assert await wait_for_result(sent.pk) == "ACCEPTED"
            status = (await in_db(client.get)(f"/partner-sites/commands/{sent.pk}/status/")).json()
            assert status["done"] and "holds this charging point for you until" in status["text"]
            # The CPO side holds it by the one reservation rule, for the driver's uid.
            held = await in_db(Reservation.objects.get)()
            assert (held.id_tag, held.status) == (app_uid, Reservation.Status.ACCEPTED)
            assert 14 * 60 < (held.expires_at - timezone.now()).total_seconds() <= 15 * 60
            page = (await in_db(client.get)(page_url)).content.decode()
            assert "Cancel reservation" in page

            response = await in_db(client.post)(f"{page_url}cancel-reservation/", {"reservation": sent.pk})

            cancel = await in_db(SentCommand.objects.get)(command="CANCEL_RESERVATION")
            assert response["Location"] == f"{page_url}?command={cancel.pk}"
            cancelled = await charger.wait_for_call("CancelReservation")
            assert cancelled["reservation_id"] == held.pk
            assert await wait_for_result(cancel.pk) == "CANCELED_RESERVATION"
            status = (await in_db(client.get)(f"/partner-sites/commands/{cancel.pk}/status/")).json()
            assert status["text"] == "Your reservation is cancelled."
            assert (await in_db(Reservation.objects.get)()).status == Reservation.Status.CANCELLED
            page = (await in_db(client.get)(page_url)).content.decode()
            assert "Cancel reservation" not in page

    run(scenario())


@pytest.mark.django_db
def test_another_drivers_reservation_cannot_be_cancelled_and_a_bad_duration_asks_nothing(client):
    cpo = registered_partner(token="cpo", role="CPO", country_code="DE", party_id="EVC")
    PartnerLocation.objects.create(
        partner=cpo,
        country_code="DE",
        party_id="EVC",
        location_id="7",
        data={"evses": [{"uid": "1-1"}]},
        latitude=0,
        longitude=0,
        last_updated=timezone.now(),
    )
    owner = TokenFactory(driver__email_verified_at=timezone.now())
    reservation = SentCommand.objects.create(
        partner=cpo, command="RESERVE_NOW", token=owner, location_id="7", evse_uid="1-1", reservation_id="1"
    )
    client.force_login(TokenFactory(driver__email_verified_at=timezone.now()).driver.user)
    assert (
        client.post("/partner-sites/DE/EVC/7/cancel-reservation/", {"reservation": reservation.pk}).status_code == 404
    )
    assert client.post("/partner-sites/DE/EVC/7/reserve/", {"evse_uid": "nope", "minutes": "15"}).status_code == 404
    refused = client.post("/partner-sites/DE/EVC/7/reserve/", {"evse_uid": "1-1", "minutes": "999"})
    assert refused.status_code == 302
    assert [str(m) for m in get_messages(refused.wsgi_request)] == ["Choose how long to hold the charging point."]
    assert SentCommand.objects.count() == 1
