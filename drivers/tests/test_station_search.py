"""Finding stations: filters, text search, nearest first, open now, availability colours."""

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from django.urls import reverse

from drivers.selectors import stations as driver_stations
from drivers.selectors.stations import Availability, StationQuery
from stations.models import ChargePointStatus, Connector, OpeningHours, RegistrationStatus
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


def _names(query: StationQuery, **kwargs) -> list[str]:
    return [result.site.name for result in driver_stations.station_search(query=query, **kwargs)]


def test_filters_by_connector_standard_and_minimum_power():
    _site_with("AC corner", kw="22")
    _site_with("Fast lane", standard=Connector.Standard.CCS2, kw="150")
    _site_with("Slow CCS", standard=Connector.Standard.CCS2, kw="50")
    assert _names(StationQuery(standard=Connector.Standard.CCS2)) == ["Fast lane", "Slow CCS"]
    assert _names(StationQuery(min_power_kw=Decimal("100"))) == ["Fast lane"]
    assert _names(StationQuery(standard=Connector.Standard.TYPE_2, min_power_kw=Decimal("50"))) == []


def test_text_search_matches_name_address_or_city_words():
    _site_with("Harbour Park", city="Hamburg", address="Kaistraße 5")
    _site_with("Messe", city="Köln", address="Messeplatz 1")
    assert _names(StationQuery(text="hamburg")) == ["Harbour Park"]
    assert _names(StationQuery(text="messeplatz köln")) == ["Messe"]
    assert _names(StationQuery(text="nowhere")) == []


def test_available_now_needs_a_free_connector_on_a_connected_station():
    _site_with("Free", status=ChargePointStatus.AVAILABLE)
    _site_with("Busy", status=ChargePointStatus.CHARGING)
    offline = _site_with("Offline but free", status=ChargePointStatus.AVAILABLE)
    offline.stations.update(is_connected=False, is_online=False)
    assert _names(StationQuery(available_now=True)) == ["Free"]


def test_availability_colour_reflects_the_best_connector():
    free = _site_with("Free")
    ConnectorFactory(station=free.stations.get(), connector_id=2, status=ChargePointStatus.CHARGING)
    _site_with("Busy", status=ChargePointStatus.CHARGING)
    _site_with("Broken", status=ChargePointStatus.FAULTED)
    colours = {r.site.name: r.availability for r in driver_stations.station_search(query=StationQuery())}
    assert colours == {"Free": Availability.AVAILABLE, "Busy": Availability.BUSY, "Broken": Availability.OUT_OF_ORDER}


def test_near_me_orders_nearest_first_with_distance():
    _site_with("Munich", latitude=Decimal("48.137154"), longitude=Decimal("11.576124"))
    _site_with("Berlin", latitude=Decimal("52.520008"), longitude=Decimal("13.404954"))
    _site_with("Potsdam", latitude=Decimal("52.390569"), longitude=Decimal("13.064473"))
    results = driver_stations.station_search(query=StationQuery(latitude=Decimal("52.51"), longitude=Decimal("13.39")))
    assert [r.site.name for r in results] == ["Berlin", "Potsdam", "Munich"]
    assert results[0].distance_km < 2 < results[1].distance_km < 40 < results[2].distance_km


def test_open_now_reads_opening_hours_in_the_site_time_zone():
    site = _site_with("Shop", is_open_24_7=False, time_zone="America/New_York")
    OpeningHours.objects.create(site=site, weekday=0, opens_at=time(8), closes_at=time(20))
    _site_with("Always")
    # Monday 2026-03-02 13:30 UTC is 08:30 in New York (open); 12:30 UTC is 07:30 (closed).
    assert _names(StationQuery(open_now=True), at=datetime(2026, 3, 2, 13, 30, tzinfo=UTC)) == ["Always", "Shop"]
    assert _names(StationQuery(open_now=True), at=datetime(2026, 3, 2, 12, 30, tzinfo=UTC)) == ["Always"]


def test_opening_hours_past_midnight_count_on_the_next_morning():
    site = _site_with("Night", is_open_24_7=False, time_zone="Europe/Berlin")
    OpeningHours.objects.create(site=site, weekday=4, opens_at=time(18), closes_at=time(2))
    friday_late = datetime(2026, 3, 6, 23, 30, tzinfo=UTC)  # Saturday 00:30 in Berlin
    saturday_noon = datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    assert driver_stations.site_is_open(site=site, hours=list(site.opening_hours.all()), at=friday_late)
    assert not driver_stations.site_is_open(site=site, hours=list(site.opening_hours.all()), at=saturday_noon)


def test_unregistered_or_unplaced_stations_are_not_listed():
    pending = _site_with("Pending")
    pending.stations.update(registration_status=RegistrationStatus.PENDING)
    ChargingStationFactory(site=None, owner=pending.operator)
    assert _names(StationQuery()) == []


def test_search_costs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for n in range(12):
        _site_with(f"Site {n:02d}")
    with django_assert_max_num_queries(4):
        results = driver_stations.station_search(query=StationQuery(open_now=True, min_power_kw=Decimal("11")))
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
