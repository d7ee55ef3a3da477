"""Locations as CPO (Sender): our public sites as OCPI Locations, pulled by partners."""

import pytest

from roaming.credentials_token import header_encode
from roaming.tests.factories import pending_partner, public_connector, registered_partner
from roaming.tests.reference import valid, valid_envelope
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/locations"


@pytest.fixture
def partner():
    return registered_partner(token="emsp-token")


def get(client, url, token="emsp-token", **headers):
    return client.get(url, HTTP_AUTHORIZATION=header_encode(token), **headers)


def test_locations_list_public_sites_valid_for_the_reference_models(client, partner):
    connector = public_connector()
    ConnectorFactory(
        station=connector.station,
        connector_id=2,
        standard="CHADEMO",
        power_type="DC",
        max_power_kw=50,
        status="Faulted",
    )
    ChargingStationFactory()  # pending registration: not public
    response = get(client, URL)
    assert response.status_code == 200
    data = valid_envelope(response.json())["data"]
    assert len(data) == 1
    location = valid("location", data[0])
    assert location.id == str(connector.station.site_id) and location.country == "DEU"
    assert [evse.status for evse in location.evses] == ["AVAILABLE", "OUTOFORDER"]
    assert location.evses[1].connectors[0].power_type == "DC"
    assert response["X-Total-Count"] == "1"


def test_location_evse_and_connector_by_id(client, partner):
    connector = public_connector()
    site_id, uid = connector.station.site_id, f"{connector.station.pk}-1"
    valid("location", get(client, f"{URL}/{site_id}").json()["data"])
    evse = valid("evse", get(client, f"{URL}/{site_id}/{uid}").json()["data"])
    assert evse.evse_id.upper() == f"DE*EVC*E{connector.station.pk}*1"  # a CiString there
    valid("connector", get(client, f"{URL}/{site_id}/{uid}/1").json()["data"])


def test_unknown_location_evse_or_connector_is_404_with_2003(client, partner):
    connector = public_connector()
    site_id = connector.station.site_id
    for url in (f"{URL}/999999", f"{URL}/abc", f"{URL}/{site_id}/nope", f"{URL}/{site_id}/{connector.station.pk}-1/9"):
        response = get(client, url)
        assert response.status_code == 404, url
        assert response.json()["status_code"] == 2003


def test_offline_station_shows_unknown(client, partner):
    connector = public_connector()
    connector.station.is_connected = False
    connector.station.save()
    data = get(client, URL).json()["data"]
    assert data[0]["evses"][0]["status"] == "UNKNOWN"


def test_token_a_and_unregistered_tokens_cannot_read_modules(client, partner):
    _, token_a = pending_partner()
    assert get(client, URL, token=token_a).status_code == 401


def test_routing_headers_checked_and_answered(client, partner):
    public_connector()
    response = get(
        client,
        URL,
        HTTP_OCPI_FROM_COUNTRY_CODE="NL",
        HTTP_OCPI_FROM_PARTY_ID="PAR",
        HTTP_OCPI_TO_COUNTRY_CODE="DE",
        HTTP_OCPI_TO_PARTY_ID="EVC",
    )
    assert response.json()["status_code"] == 1000
    assert (response["OCPI-to-country-code"], response["OCPI-to-party-id"]) == ("NL", "PAR")
    assert (response["OCPI-from-country-code"], response["OCPI-from-party-id"]) == ("DE", "EVC")
    spoofed = get(client, URL, HTTP_OCPI_FROM_COUNTRY_CODE="FR", HTTP_OCPI_FROM_PARTY_ID="XYZ")
    assert spoofed.json()["status_code"] == 2001
    elsewhere = get(client, URL, HTTP_OCPI_TO_COUNTRY_CODE="BE", HTTP_OCPI_TO_PARTY_ID="ABC")
    assert elsewhere.json()["status_code"] == 2001
