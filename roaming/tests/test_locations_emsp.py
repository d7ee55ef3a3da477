"""Locations as EMSP (Receiver): a partner CPO's Locations pushed (PUT, PATCH at each level)
and pulled. The objects fed in are what our own CPO side sends, so both sides of the module
are checked against each other as well as against the reference models."""

import json

import pytest

from roaming.credentials_token import header_encode
from roaming.models import Partner, PartnerLocation, PartnerRole
from roaming.selectors import locations
from roaming.services.partner_locations import locations_pull
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid

URL = "/ocpi/emsp/2.2.1/locations/DE/EVC"


def our_location(connector):
    return locations.location_object(locations.ocpi_location(location_id=str(connector.station.site_id)))


def send(client, method, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client, method)(
        f"{URL}/{path}", data=data, content_type="application/json", HTTP_AUTHORIZATION=header_encode("cpo")
    )


@pytest.mark.django_db
class TestPushes:
    @pytest.fixture(autouse=True)
    def _partner(self):
        registered_partner(token="cpo", role="CPO", country_code="DE", party_id="EVC")

    def test_location_put_then_evse_patch_and_read_back(self, client):
        connector = public_connector()
        location = valid("location", our_location(connector)) and our_location(connector)
        site_id, uid = location["id"], location["evses"][0]["uid"]
        assert send(client, "put", site_id, location).status_code == 201
        assert send(client, "put", site_id, location).status_code == 200
        patch = {"status": "CHARGING", "last_updated": "2030-01-01T00:00:00Z"}
        assert send(client, "patch", f"{site_id}/{uid}", patch).json()["status_code"] == 1000
        stale = {"status": "AVAILABLE", "last_updated": "2029-01-01T00:00:00Z"}
        assert send(client, "patch", f"{site_id}/{uid}", stale).json()["status_code"] == 1000
        evse = client.get(f"{URL}/{site_id}/{uid}", HTTP_AUTHORIZATION=header_encode("cpo")).json()["data"]
        assert valid("evse", evse).status == "CHARGING"
        held = PartnerLocation.objects.get()
        assert held.data["last_updated"] == "2030-01-01T00:00:00Z"
        valid("location", held.data)

    def test_bad_pushes_change_nothing(self, client):
        connector = public_connector()
        location = our_location(connector)
        site_id, uid = location["id"], location["evses"][0]["uid"]
        assert send(client, "put", site_id, {**location, "address": "x" * 46}).json()["status_code"] == 2001
        assert send(client, "put", site_id, {**location, "id": "other"}).json()["status_code"] == 2001
        assert send(client, "put", site_id, b"{").status_code == 400
        unknown = send(client, "put", f"{site_id}/{uid}", location["evses"][0])
        assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2003)
        assert not PartnerLocation.objects.exists()
        send(client, "put", site_id, location)
        no_time = send(client, "patch", f"{site_id}/{uid}", {"status": "CHARGING"})
        assert no_time.json()["status_code"] == 2001
        bad_status = send(
            client, "patch", f"{site_id}/{uid}", {"status": "ON_FIRE", "last_updated": "2030-01-01T00:00:00Z"}
        )
        assert bad_status.json()["status_code"] == 2001
        assert PartnerLocation.objects.get().data["evses"][0]["status"] == "AVAILABLE"
        other = client.put(
            f"/ocpi/emsp/2.2.1/locations/FR/XYZ/{site_id}",
            data=json.dumps(location),
            content_type="application/json",
            HTTP_AUTHORIZATION=header_encode("cpo"),
        )
        assert other.status_code == 404


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_pull_follows_pages_of_our_own_cpo_side(ocpi_server, settings):
    settings.OCPI_PUBLIC_URL = ocpi_server
    for _ in range(3):
        public_connector()
    # The server sees the puller as an EMSP partner; the puller sees the server as a CPO.
    registered_partner(token="emsp-pulls", role="EMSP", country_code="DE", party_id="EVC")
    cpo = Partner.objects.create(
        name="Our CPO side",
        status=Partner.Status.REGISTERED,
        outbound_token="emsp-pulls",
        endpoints=[{"identifier": "locations", "role": "SENDER", "url": f"{ocpi_server}/ocpi/cpo/2.2.1/locations"}],
    )
    PartnerRole.objects.create(partner=cpo, role="CPO", country_code="DE", party_id="EVC")
    assert locations_pull(partner=cpo) == 3
    assert PartnerLocation.objects.filter(partner=cpo).count() == 3
    cpo.refresh_from_db()
    assert cpo.locations_pulled_at is not None
