"""Tariffs as CPO (Sender) and the open-data door (AFIR): our public tariffs and locations,
the latter also without a token, rate-limited."""

import pytest
from django.core.cache import cache

from billing.tests.factories import energy_tariff
from roaming.credentials_token import header_encode
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid, valid_envelope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def test_tariffs_are_served_and_linked_from_connectors(client):
    registered_partner(token="emsp")
    connector = public_connector()
    tariff = energy_tariff(site=connector.station.site, flat="1.00")
    auth = {"HTTP_AUTHORIZATION": header_encode("emsp")}
    data = valid_envelope(client.get("/ocpi/cpo/2.2.1/tariffs", **auth).json())["data"]
    served = valid("tariff", data[0])
    assert served.id == str(tariff.pk) and served.currency == "EUR"
    assert {c.type for c in served.elements[0].price_components} == {"FLAT", "ENERGY"}
    assert data[0]["elements"][0]["price_components"][1] == {
        "type": "ENERGY",
        "price": 0.4,
        "vat": 19.0,
        "step_size": 1,
    }
    location = client.get("/ocpi/cpo/2.2.1/locations", **auth).json()["data"][0]
    assert location["evses"][0]["connectors"][0]["tariff_ids"] == [str(tariff.pk)]
    assert client.get(f"/ocpi/cpo/2.2.1/tariffs/{tariff.pk}", **auth).json()["data"]["id"] == str(tariff.pk)
    assert client.get("/ocpi/cpo/2.2.1/tariffs/999999", **auth).status_code == 404


def test_open_data_needs_no_token_and_is_read_only(client):
    connector = public_connector()
    energy_tariff(site=connector.station.site)
    locations = client.get("/ocpi/open/2.2.1/locations")
    assert locations.status_code == 200 and locations["Access-Control-Allow-Origin"] == "*"
    valid("location", valid_envelope(locations.json())["data"][0])
    valid("tariff", client.get("/ocpi/open/2.2.1/tariffs").json()["data"][0])
    assert client.post("/ocpi/open/2.2.1/locations", data="{}", content_type="application/json").status_code == 405
    assert client.get("/ocpi/open/2.2.1/locations?offset=-3").json()["status_code"] == 2001


def test_open_data_is_rate_limited_per_client(client, settings):
    settings.OCPI_OPEN_DATA_RATE = "2/minute"
    assert client.get("/ocpi/open/2.2.1/locations").status_code == 200
    assert client.get("/ocpi/open/2.2.1/tariffs").status_code == 200
    refused = client.get("/ocpi/open/2.2.1/locations")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert valid_envelope(refused.json())["status_code"] == 2000
    assert client.get("/ocpi/open/2.2.1/locations", REMOTE_ADDR="192.0.2.7").status_code == 200
