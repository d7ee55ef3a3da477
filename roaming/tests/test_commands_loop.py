"""Both roles in one loop over real HTTP: our EMSP side starts and stops a driver's charge at
our own CPO side's charger (a real one, on a real server), and the CPO side's worker POSTs
each result back to the EMSP side's response_url. Each side knows the other only as a
partner, as two platforms would."""

import asyncio
import time

import pytest
from django.utils import timezone
from ocpp.v16 import call

from drivers.tests.factories import TokenFactory
from ocpp_gateway.tests.charger import connected, in_db, now_iso, run
from roaming.models import Partner, PartnerLocation, PartnerSession, SentCommand
from roaming.selectors import locations
from roaming.services.sent_commands import CommandRefused, partner_charge_start, partner_charge_stop
from roaming.tests.factories import public_connector, registered_partner


async def wait_for_result(sent_id, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent = await in_db(SentCommand.objects.get)(pk=sent_id)
        if sent.result:
            return sent.result
        await asyncio.sleep(0.2)
    raise AssertionError("no CommandResult reached our EMSP side")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_emsp_side_starts_and_stops_at_the_cpo_side(ocpi_server, celery_worker_process, settings):
    settings.OCPI_PUBLIC_URL = ocpi_server
    connector = public_connector()
    token = TokenFactory(uid="DRIVER0001", driver__email_verified_at=timezone.now())
    # The CPO side's view of the EMSP, and the EMSP side's view of the CPO.
    emsp = registered_partner(token="emsp-calls-cpo", role="EMSP", country_code="DE", party_id="EVC")
    cpo = registered_partner(token="cpo-calls-emsp", role="CPO", country_code="DE", party_id="EVC", name="CPO")
    Partner.objects.filter(pk=emsp.pk).update(outbound_token="cpo-calls-emsp")
    Partner.objects.filter(pk=cpo.pk).update(
        outbound_token="emsp-calls-cpo",
        endpoints=[{"identifier": "commands", "role": "RECEIVER", "url": f"{ocpi_server}/ocpi/cpo/2.2.1/commands"}],
    )
    cpo.refresh_from_db()
    site = locations.ocpi_location(location_id=str(connector.station.site_id))
    location = PartnerLocation.objects.create(
        partner=cpo,
        country_code="DE",
        party_id="EVC",
        location_id=str(site.pk),
        data=locations.location_object(site),
        latitude=site.latitude,
        longitude=site.longitude,
        last_updated=site.last_updated,
    )
    uid = f"{connector.station.pk}-1"

    async def scenario():
        async with connected(ocpi_server, connector.station.identity) as charger:
            await charger.call(call.BootNotification(charge_point_model="M", charge_point_vendor="V"))
            sent = await in_db(partner_charge_start)(token=token, location=location, evse_uid=uid)
            assert sent.response == "ACCEPTED"
            remote_start = await charger.wait_for_call("RemoteStartTransaction")
            assert remote_start["id_tag"] == "DRIVER0001"
            assert await wait_for_result(sent.pk) == "ACCEPTED"
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag="DRIVER0001", meter_start=0, timestamp=now_iso())
            )
            assert started.id_tag_info["status"] == "Accepted"
            session_id = str(started.transaction_id)

            def our_view_of_the_session():
                return PartnerSession.objects.create(
                    partner=cpo,
                    country_code="DE",
                    party_id="EVC",
                    session_id=session_id,
                    token=token,
                    status="ACTIVE",
                    kwh=0,
                    data={},
                    last_updated=site.last_updated,
                )

            session = await in_db(our_view_of_the_session)()
            stop = await in_db(partner_charge_stop)(token=token, session=session)
            assert stop.response == "ACCEPTED"
            await charger.wait_for_call("RemoteStopTransaction")
            assert await wait_for_result(stop.pk) == "ACCEPTED"

    run(scenario())


@pytest.mark.django_db
def test_an_unverified_driver_is_refused_before_the_partner_is_asked():
    cpo = registered_partner(token="cpo", role="CPO", country_code="DE", party_id="EVC")
    location = PartnerLocation.objects.create(
        partner=cpo,
        country_code="DE",
        party_id="EVC",
        location_id="1",
        data={},
        latitude=0,
        longitude=0,
        last_updated=timezone.now(),
    )
    with pytest.raises(CommandRefused):
        partner_charge_start(token=TokenFactory(), location=location, evse_uid="1-1")
    assert not SentCommand.objects.exists()
