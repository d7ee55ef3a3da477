"""Partner CPOs' Locations in our drivers' station search: pushed to our EMSP Receiver, then
found in the portal beside our own sites with the partner's network name, availability and
its tariff's price plus our markup; the search's filters mean the same for both."""

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from drivers.selectors import stations as driver_stations
from drivers.selectors.stations import ForeignSiteResult
from drivers.tests.factories import TokenFactory
from roaming.credentials_token import header_encode
from roaming.models import Partner, PartnerSession, SentCommand
from roaming.selectors.partner_locations import partner_site_results
from roaming.tests.factories import registered_partner
from roaming.tests.reference import valid
from stations.models import ChargePointStatus, Connector
from stations.selectors.locations import LocationQuery
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db
BASE = "/ocpi/emsp/2.2.1"
STAMP = "2030-01-01T10:00:00Z"


def partner_location(*, status="CHARGING"):
    return {
        "country_code": "NL",
        "party_id": "GRN",
        "id": "LOC1",
        "publish": True,
        "name": "Green Depot",
        "address": "Friedrichstraße 10",
        "city": "Berlin",
        "postal_code": "10117",
        "country": "DEU",
        "coordinates": {"latitude": "52.510000", "longitude": "13.390000"},
        "time_zone": "Europe/Berlin",
        "evses": [
            {
                "uid": "E1",
                "status": status,
                "connectors": [
                    {
                        "id": "1",
                        "standard": "IEC_62196_T2_COMBO",
                        "format": "CABLE",
                        "power_type": "DC",
                        "max_voltage": 400,
                        "max_amperage": 375,
                        "max_electric_power": 150000,
                        "tariff_ids": ["FAST"],
                        "last_updated": STAMP,
                    }
                ],
                "last_updated": STAMP,
            }
        ],
        "last_updated": STAMP,
    }


TARIFF = {
    "country_code": "NL",
    "party_id": "GRN",
    "id": "FAST",
    "currency": "EUR",
    "elements": [
        {
            "price_components": [
                {"type": "ENERGY", "price": 0.40, "vat": 21.0, "step_size": 1},
                {"type": "FLAT", "price": 1.00, "vat": 21.0, "step_size": 1},
            ]
        }
    ],
    "last_updated": STAMP,
}


def push(client, method, path, body):
    return getattr(client, method)(
        f"{BASE}/{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=header_encode("grn"),
    )


@pytest.fixture
def partner_pushed(client):
    registered_partner(name="GreenCharge", token="grn", role="CPO", country_code="NL", party_id="GRN")
    location = valid("location", partner_location()) and partner_location()
    valid("tariff", TARIFF)
    assert push(client, "put", "locations/NL/GRN/LOC1", location).status_code == 201
    assert push(client, "put", "tariffs/NL/GRN/FAST", TARIFF).status_code == 201


@pytest.fixture
def our_site():
    site = SiteFactory(name="Our Hub", latitude=Decimal("52.520008"), longitude=Decimal("13.404954"))
    station = ChargingStationFactory(site=site, is_connected=True, is_online=True)
    ConnectorFactory(station=station, standard=Connector.Standard.TYPE_2, status=ChargePointStatus.AVAILABLE)
    return site


def test_portal_search_shows_the_partner_station_beside_ours_with_network_and_marked_up_price(
    client, partner_pushed, our_site, settings
):
    settings.OCPI_ROAMING_MARKUP_PERCENT = Decimal("10")
    page = client.get("/", {"q": "berlin"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Our Hub" in html and "Green Depot" in html
    partner_card = html[html.index('data-partner-site="NL-GRN-LOC1"') :].split("</li>")[0]
    assert "Network: GreenCharge" in partner_card
    assert "0 of 1 free" in partner_card and "up to 150 kW" in partner_card
    # 0.40 excl. VAT × 1.10 markup × 1.21 VAT = 0.5324; 1.00 × 1.10 × 1.21 = 1.331.
    assert "€0.53/kWh + €1.33 per session" in partner_card
    markers = page.context["markers"]
    assert {(m["name"], m["availability"]) for m in markers} == {
        ("Our Hub", "available"),
        ("Green Depot (GreenCharge)", "busy"),
    }


def test_a_status_patch_changes_availability_and_filters_mean_the_same(client, partner_pushed, our_site):
    def names(**query):
        return [
            result.name if isinstance(result, ForeignSiteResult) else result.site.name
            for result in driver_stations.station_search(query=LocationQuery(**query))
        ]

    assert names(available=True) == ["Our Hub"]  # the partner's EVSE is CHARGING
    patch = {"status": "AVAILABLE", "last_updated": "2030-01-01T11:00:00Z"}
    assert push(client, "patch", "locations/NL/GRN/LOC1/E1", patch).json()["status_code"] == 1000
    assert names(available=True) == ["Green Depot", "Our Hub"]
    assert names(connector_standard=Connector.Standard.CCS2) == ["Green Depot"]
    assert names(min_power_kw=Decimal("100")) == ["Green Depot"]
    assert names(text="friedrichstraße") == ["Green Depot"]
    # Nearest first, both within 5 km.
    near = driver_stations.station_search(query=LocationQuery(near=(52.517, 13.39), radius_km=5))
    assert [round(result.distance_km, 1) for result in near] == sorted(round(r.distance_km, 1) for r in near)
    assert len(near) == 2
    assert names(near=(48.14, 11.58), radius_km=5) == []  # Munich


def test_only_published_locations_of_registered_partners_are_shown(client, partner_pushed):
    assert push(client, "put", "locations/NL/GRN/LOC1", {**partner_location(), "publish": False}).status_code == 200
    assert driver_stations.station_search(query=LocationQuery()) == []


def test_partner_sites_cost_two_queries_however_many(client, partner_pushed, django_assert_max_num_queries):
    for number in range(2, 8):
        location = {**partner_location(), "id": f"LOC{number}"}
        assert push(client, "put", f"locations/NL/GRN/LOC{number}", location).status_code == 201
    with django_assert_max_num_queries(2):  # the Locations, then the tariffs they name
        results = partner_site_results(query=LocationQuery(), at=timezone.now(), limit=100)
    assert len(results) == 7
    assert {result.price for result in results} == {"€0.53/kWh + €1.33 per session"}


def test_open_now_reads_the_partners_regular_hours_in_its_time_zone(client, partner_pushed):
    # Monday 06:00–22:00 and Friday 20:00 to Saturday 02:00, Berlin time (UTC+1 in January).
    hours = [
        {"weekday": 1, "period_begin": "06:00", "period_end": "22:00"},
        {"weekday": 5, "period_begin": "20:00", "period_end": "02:00"},
    ]
    location = {**partner_location(), "opening_times": {"twentyfourseven": False, "regular_hours": hours},
                "last_updated": "2030-01-02T00:00:00Z"}  # fmt: skip
    assert push(client, "put", "locations/NL/GRN/LOC1", location).status_code == 200

    def open_at(moment):
        return [r.name for r in driver_stations.station_search(query=LocationQuery(open_now=True), at=moment)]

    assert open_at(datetime(2030, 1, 7, 5, 30, tzinfo=UTC)) == ["Green Depot"]  # Monday 06:30 in Berlin
    assert open_at(datetime(2030, 1, 7, 4, 30, tzinfo=UTC)) == []  # Monday 05:30
    assert open_at(datetime(2030, 1, 12, 0, 30, tzinfo=UTC)) == ["Green Depot"]  # Saturday 01:30, overnight
    assert open_at(datetime(2030, 1, 12, 1, 30, tzinfo=UTC)) == []  # Saturday 02:30


def test_a_tariff_no_longer_in_force_gives_no_price(client, partner_pushed):
    ended = {**TARIFF, "end_date_time": "2030-01-01T00:00:00Z", "last_updated": "2030-01-02T00:00:00Z"}
    assert push(client, "put", "tariffs/NL/GRN/FAST", ended).status_code == 200
    later = datetime(2030, 6, 1, tzinfo=UTC)
    assert [r.price for r in partner_site_results(query=LocationQuery(), at=later, limit=10)] == [None]
    earlier = datetime(2029, 6, 1, tzinfo=UTC)
    assert partner_site_results(query=LocationQuery(), at=earlier, limit=10)[0].price.startswith("€0.53/kWh")


def test_the_partner_site_has_a_portal_page_linked_from_the_search(client, partner_pushed):
    page = client.get("/", {"q": "depot"})
    url = "/partner-sites/NL/GRN/LOC1/"
    assert f'href="{url}"' in page.content.decode()
    assert [m["url"] for m in page.context["markers"]] == [url]
    detail = client.get(url)
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Network: GreenCharge" in html and 'data-evse="E1"' in html
    assert "CCS2 (Combo 2) · 150 kW DC" in html
    assert "€0.53/kWh + €1.33 per session" in html
    hidden = {**partner_location(), "publish": False, "last_updated": "2030-01-02T00:00:00Z"}
    assert push(client, "put", "locations/NL/GRN/LOC1", hidden).status_code == 200
    assert client.get(url).status_code == 404
    assert client.get("/partner-sites/NL/GRN/NOPE/").status_code == 404


def test_a_driver_starts_at_a_partner_evse_from_its_page_and_follows_the_result(client, partner_pushed, partner_api):
    Partner.objects.filter(name="GreenCharge").update(
        endpoints=[{"identifier": "commands", "role": "RECEIVER", "url": f"{partner_api.url}/ocpi/cpo/2.2.1/commands"}]
    )
    partner_api.answers["/ocpi/cpo/2.2.1/commands"] = (
        200,
        {"data": {"result": "ACCEPTED", "timeout": 30}, "status_code": 1000, "timestamp": STAMP},
    )
    driver = TokenFactory(driver__email_verified_at=timezone.now()).driver
    client.force_login(driver.user)
    page_url = "/partner-sites/NL/GRN/LOC1/"
    evse_uid = partner_location()["evses"][0]["uid"]
    assert "Start charging" in client.get(page_url).content.decode()

    response = client.post(f"{page_url}start/", {"evse_uid": evse_uid})

    sent = SentCommand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{page_url}?command={sent.pk}"
    start = partner_api.requests[-1]
    assert start["path"] == "/ocpi/cpo/2.2.1/commands/START_SESSION" and start["json"]["evse_uid"] == evse_uid
    assert "waiting for the charger" in client.get(response["Location"]).content.decode()
    SentCommand.objects.filter(pk=sent.pk).update(result="ACCEPTED")  # the partner POSTs it to response_url
    status = client.get(f"/partner-sites/commands/{sent.pk}/status/").json()
    assert status["done"] and status["result"] == "ACCEPTED"
    assert client.post(f"{page_url}start/", {"evse_uid": "no-such-evse"}).status_code == 404


def test_a_driver_stops_their_partner_session_from_the_site_page(client, partner_pushed, partner_api):
    partner = Partner.objects.get(name="GreenCharge")
    Partner.objects.filter(pk=partner.pk).update(
        endpoints=[{"identifier": "commands", "role": "RECEIVER", "url": f"{partner_api.url}/ocpi/cpo/2.2.1/commands"}]
    )
    partner_api.answers["/ocpi/cpo/2.2.1/commands"] = (
        200,
        {"data": {"result": "ACCEPTED", "timeout": 30}, "status_code": 1000, "timestamp": STAMP},
    )
    token = TokenFactory(driver__email_verified_at=timezone.now())
    session = PartnerSession.objects.create(
        partner=partner, country_code="NL", party_id="GRN", session_id="S1", token=token, status="ACTIVE",
        kwh=3, data={"location_id": "LOC1"}, last_updated=timezone.now(),
    )  # fmt: skip
    page_url = "/partner-sites/NL/GRN/LOC1/"
    assert "Stop charging" not in client.get(page_url).content.decode()  # nobody's session for a visitor
    client.force_login(token.driver.user)
    assert "Stop charging" in client.get(page_url).content.decode()

    response = client.post(f"{page_url}stop/", {"session": session.pk})

    sent = SentCommand.objects.get(command="STOP_SESSION")
    assert response["Location"] == f"{page_url}?command={sent.pk}"
    assert partner_api.requests[-1]["json"]["session_id"] == "S1"
    other = TokenFactory(driver__email_verified_at=timezone.now()).driver
    client.force_login(other.user)
    assert client.post(f"{page_url}stop/", {"session": session.pk}).status_code == 404
