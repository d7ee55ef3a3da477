"""Finding stations: filters, text search, nearest first within a radius, open now,
availability colours; the portal and the API's `locations/` give the same answer."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse

from drivers.selectors import stations as driver_stations
from drivers.selectors.stations import Availability
from stations.models import ChargePointStatus, Connector, OpeningHours, RegistrationStatus
from stations.selectors.locations import LocationQuery, site_is_open
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


def _site_with(name="Site", *, standard=Connector.Standard.TYPE_2, kw="22", status=ChargePointStatus.AVAILABLE, **site):
    connector = ConnectorFactory(
        station=ChargingStationFactory(site=SiteFactory(name=name, **site), is_connected=True, is_online=True),
        standard=standard,
        max_power_kw=Decimal(kw),
        status=status,
    )
    return connector.station.site


def _names(query: LocationQuery, **kwargs) -> list[str]:
    return [result.site.name for result in driver_stations.station_search(query=query, **kwargs)]


def test_filters_by_connector_standard_and_minimum_power():
    _site_with("AC corner", kw="22")
    _site_with("Fast lane", standard=Connector.Standard.CCS2, kw="150")
    _site_with("Slow CCS", standard=Connector.Standard.CCS2, kw="50")
    assert _names(LocationQuery(connector_standard=Connector.Standard.CCS2)) == ["Fast lane", "Slow CCS"]
    assert _names(LocationQuery(min_power_kw=Decimal("100"))) == ["Fast lane"]
    assert _names(LocationQuery(connector_standard=Connector.Standard.TYPE_2, min_power_kw=Decimal("50"))) == []


def test_text_search_matches_name_address_or_city_words():
    _site_with("Harbour Park", city="Hamburg", address="Kaistraße 5")
    _site_with("Messe", city="Köln", address="Messeplatz 1")
    assert _names(LocationQuery(text="hamburg")) == ["Harbour Park"]
    assert _names(LocationQuery(text="messeplatz köln")) == ["Messe"]
    assert _names(LocationQuery(text="nowhere")) == []


def test_available_now_needs_a_free_connector_on_a_connected_station():
    _site_with("Free", status=ChargePointStatus.AVAILABLE)
    _site_with("Busy", status=ChargePointStatus.CHARGING)
    offline = _site_with("Offline but free", status=ChargePointStatus.AVAILABLE)
    offline.stations.update(is_connected=False, is_online=False)
    assert _names(LocationQuery(available=True)) == ["Free"]


def test_availability_colour_reflects_the_best_connector():
    free = _site_with("Free")
    ConnectorFactory(station=free.stations.get(), connector_id=2, status=ChargePointStatus.CHARGING)
    _site_with("Busy", status=ChargePointStatus.CHARGING)
    _site_with("Broken", status=ChargePointStatus.FAULTED)
    colours = {r.site.name: r.availability for r in driver_stations.station_search(query=LocationQuery())}
    assert colours == {"Free": Availability.AVAILABLE, "Busy": Availability.BUSY, "Broken": Availability.OUT_OF_ORDER}


def test_near_me_orders_nearest_first_with_distance_within_the_radius():
    _site_with("Leipzig", latitude=Decimal("51.339695"), longitude=Decimal("12.373075"))
    _site_with("Berlin", latitude=Decimal("52.520008"), longitude=Decimal("13.404954"))
    _site_with("Potsdam", latitude=Decimal("52.390569"), longitude=Decimal("13.064473"))
    _site_with("Munich", latitude=Decimal("48.137154"), longitude=Decimal("11.576124"))
    results = driver_stations.station_search(query=LocationQuery(near=(52.51, 13.39), radius_km=200))
    assert [r.site.name for r in results] == ["Berlin", "Potsdam", "Leipzig"]
    assert results[0].distance_km < 2 < results[1].distance_km < 40 < 140 < results[2].distance_km < 160
    assert _names(LocationQuery(near=(52.51, 13.39))) == ["Berlin"]  # 25 km unless told


def test_open_now_reads_opening_hours_in_the_site_time_zone():
    site = _site_with("Shop", is_open_24_7=False, time_zone="America/New_York")
    OpeningHours.objects.create(site=site, weekday=0, opens_at=time(8), closes_at=time(20))
    _site_with("Always")
    # Monday 2026-03-02 13:30 UTC is 08:30 in New York (open); 12:30 UTC is 07:30 (closed).
    assert _names(LocationQuery(open_now=True), at=datetime(2026, 3, 2, 13, 30, tzinfo=UTC)) == ["Always", "Shop"]
    assert _names(LocationQuery(open_now=True), at=datetime(2026, 3, 2, 12, 30, tzinfo=UTC)) == ["Always"]


def test_opening_hours_past_midnight_count_on_the_next_morning():
    site = _site_with("Night", is_open_24_7=False, time_zone="Europe/Berlin")
    OpeningHours.objects.create(site=site, weekday=4, opens_at=time(18), closes_at=time(2))
    friday_late = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Berlin
    saturday_noon = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    assert site_is_open(site=site, hours=list(site.opening_hours.all()), at=friday_late)
    assert not site_is_open(site=site, hours=list(site.opening_hours.all()), at=saturday_noon)
    assert _names(LocationQuery(open_now=True), at=friday_late) == ["Night"]
    assert _names(LocationQuery(open_now=True), at=saturday_noon) == []


def test_unregistered_or_unplaced_stations_are_not_listed():
    pending = _site_with("Pending")
    pending.stations.update(registration_status=RegistrationStatus.PENDING)
    ChargingStationFactory(site=None, owner=pending.operator)
    assert _names(LocationQuery()) == []


def test_search_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(12):
        _site_with(f"Site {n:02d}")
    # Our sites (and their equipment) in four, other networks' sites (roaming) in one more.
    with django_assert_max_num_queries(6):
        results = driver_stations.station_search(query=LocationQuery(open_now=True, min_power_kw=Decimal("11")))
    assert len(results) == 12


def test_search_page_lists_and_maps_results_without_login(client):
    _site_with("Fast lane", standard=Connector.Standard.CCS2, kw="150")
    _site_with("AC corner")
    response = client.get(reverse("portal-home"), {"standard": Connector.Standard.CCS2, "min_power": "50"})
    assert response.status_code == 200
    assert [m["name"] for m in response.context["markers"]] == ["Fast lane"]
    assert b"/static/vendor/leaflet/leaflet.js" in response.content
    assert b'<label for="id_q">' in response.content


def test_bad_filter_values_are_ignored_not_errors(client):
    _site_with("Anything")
    response = client.get(reverse("portal-home"), {"min_power": "lots", "lat": "999"})
    assert response.status_code == 200
    assert [m["name"] for m in response.context["markers"]] == ["Anything"]


def test_site_page_shows_connectors_and_opening_hours(client):
    site = _site_with("Shop", is_open_24_7=False)
    OpeningHours.objects.create(site=site, weekday=0, opens_at=time(7), closes_at=time(22))
    response = client.get(reverse("portal-site", args=[site.pk]))
    assert response.status_code == 200
    assert "07:00–22:00" in response.content.decode()
    assert b"Start charging" in response.content
    assert client.get(reverse("portal-site", args=[site.pk + 999])).status_code == 404


def test_portal_and_api_return_the_same_sites_for_the_same_query(client, anonymous_client):
    berlin = {"latitude": Decimal("52.520008"), "longitude": Decimal("13.404954")}
    _site_with("Mitte fast", standard=Connector.Standard.CCS2, kw="150", **berlin)
    _site_with("Mitte busy", standard=Connector.Standard.CCS2, kw="150", status=ChargePointStatus.CHARGING, **berlin)
    offline = _site_with("Mitte offline", standard=Connector.Standard.CCS2, kw="150", **berlin)
    offline.stations.update(is_connected=False, is_online=False)
    _site_with("Mitte AC", **berlin)
    shop = _site_with("Mitte shop", standard=Connector.Standard.CCS2, kw="50", is_open_24_7=False, **berlin)
    OpeningHours.objects.create(site=shop, weekday=0, opens_at=time(0), closes_at=time(0, 1))
    _site_with("Potsdam", latitude=Decimal("52.390569"), longitude=Decimal("13.064473"))
    _site_with("Hamburg", latitude=Decimal("53.551086"), longitude=Decimal("9.993682"))
    near = {"lat": "52.52", "lng": "13.405"}
    queries = [
        ({}, {}),
        ({"q": "mitte"}, {"q": "mitte"}),
        (near, {"near": "52.52,13.405"}),
        ({**near, "radius": "50"}, {"near": "52.52,13.405", "radius_km": "50"}),
        ({**near, "radius": "500"}, {"near": "52.52,13.405", "radius_km": "500"}),
        ({"standard": "IEC_62196_T2_COMBO", "min_power": "50"}, {"connector_standard": "IEC_62196_T2_COMBO", "min_power_kw": "50"}),
        ({"available": "on"}, {"available": "true"}),
        ({"open": "on"}, {"open": "true"}),
        ({**near, "available": "on", "open": "on", "standard": "IEC_62196_T2_COMBO"},
         {"near": "52.52,13.405", "available": "true", "open": "true", "connector_standard": "IEC_62196_T2_COMBO"}),
    ]  # fmt: skip
    answers = set()
    for portal_params, api_params in queries:
        portal = [r.site.pk for r in client.get(reverse("portal-home"), portal_params).context["results"]]
        api = [location["id"] for location in anonymous_client.get("/api/v1/locations/", api_params).json()["results"]]
        assert portal == api, (portal_params, api_params)
        answers.add(tuple(portal))
    assert len(answers) >= 6  # the queries really filter: the doors agree on different answers
