"""`locations/`: public search by position and equipment, ordered by distance."""

from decimal import Decimal

import pytest

from stations.models import ChargePointStatus, ChargingStation, Connector, RegistrationStatus
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/locations/"


def _site_with_connector(*, name, latitude, longitude, **connector_fields):
    site = SiteFactory(name=name, latitude=Decimal(latitude), longitude=Decimal(longitude))
    station = ChargingStationFactory(site=site)
    ConnectorFactory(station=station, **connector_fields)
    return site


def test_anonymous_caller_sees_sites_with_stations_and_connectors(anonymous_client):
    site = _site_with_connector(name="Alexanderplatz", latitude="52.521918", longitude="13.413215")

    response = anonymous_client.get(URL)

    assert response.status_code == 200
    [location] = response.json()["results"]
    assert location["id"] == site.pk
    assert location["latitude"] == "52.521918"
    [station] = location["stations"]
    assert station["connectors"][0]["standard"] == Connector.Standard.TYPE_2
    assert station["connectors"][0]["max_power_kw"] == "22.00"
    assert location["distance_km"] is None


def test_near_orders_by_distance_and_drops_sites_outside_the_radius(anonymous_client):
    _site_with_connector(name="Potsdam", latitude="52.390569", longitude="13.064473")  # ~27 km
    _site_with_connector(name="Mitte", latitude="52.520008", longitude="13.404954")  # ~0 km
    _site_with_connector(name="Hamburg", latitude="53.551086", longitude="9.993682")  # ~255 km

    response = anonymous_client.get(URL, {"near": "52.52,13.405", "radius_km": 50})

    names = [location["name"] for location in response.json()["results"]]
    assert names == ["Mitte", "Potsdam"]
    distances = [location["distance_km"] for location in response.json()["results"]]
    assert distances[0] < 0.1
    assert 20 < distances[1] < 35


def test_connector_filters_keep_only_matching_sites(anonymous_client):
    _site_with_connector(
        name="Fast",
        latitude="52.5",
        longitude="13.4",
        standard=Connector.Standard.CCS2,
        power_type=Connector.PowerType.DC,
        max_power_kw=Decimal("150"),
        status=ChargePointStatus.AVAILABLE,
    )
    _site_with_connector(name="Slow busy", latitude="52.5", longitude="13.4", status=ChargePointStatus.CHARGING)
    # A free connector counts as available only on a station that is reachable.
    ChargingStation.objects.filter(site__name="Fast").update(is_connected=True)
    _site_with_connector(name="Unreachable", latitude="52.5", longitude="13.4", status=ChargePointStatus.AVAILABLE)

    def names(**params):
        return [location["name"] for location in anonymous_client.get(URL, params).json()["results"]]

    assert names(connector_standard=Connector.Standard.CCS2) == ["Fast"]
    assert names(min_power_kw="50") == ["Fast"]
    assert names(available="true") == ["Fast"]
    assert names() == ["Fast", "Slow busy", "Unreachable"]


def test_rejected_stations_and_empty_sites_are_not_public(anonymous_client):
    site = _site_with_connector(name="Hidden", latitude="52.5", longitude="13.4")
    site.stations.update(registration_status=RegistrationStatus.REJECTED)
    SiteFactory(name="No stations")

    assert anonymous_client.get(URL).json()["results"] == []
    assert anonymous_client.get(f"{URL}{site.pk}/").status_code == 404


def test_detail_shows_one_location(anonymous_client):
    site = _site_with_connector(name="Detail", latitude="52.5", longitude="13.4")

    response = anonymous_client.get(f"{URL}{site.pk}/")

    assert response.status_code == 200
    assert response.json()["name"] == "Detail"


def test_malformed_near_is_a_validation_error_in_the_api_error_shape(anonymous_client):
    response = anonymous_client.get(URL, {"near": "north-ish"})

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert "near" in body["errors"]


def test_unknown_api_path_answers_404_in_the_error_shape(anonymous_client):
    response = anonymous_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json() == {"type": "not_found", "detail": "Not found.", "errors": {}}


def test_location_search_reads_a_fixed_number_of_queries_however_many_sites(anonymous_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_search():
        with CaptureQueriesContext(connection) as captured:
            response = anonymous_client.get(URL, {"near": "52.5,13.4", "radius_km": 50})
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    _site_with_connector(name="One", latitude="52.5", longitude="13.4")
    few = queries_for_search()
    for index in range(5):
        _site_with_connector(name=f"More {index}", latitude="52.51", longitude="13.41")
    many = queries_for_search()

    assert few[1] == 1 and many[1] == 6
    assert many[0] == few[0]


@pytest.mark.parametrize("status_updated", [True, False])
def test_hand_written_station_and_connector_output_equals_the_declared_fields(anonymous_client, status_updated):
    from django.utils import timezone
    from rest_framework import serializers

    from stations.api.locations import PublicConnectorSerializer, PublicStationSerializer

    site = _site_with_connector(name="Mitte", latitude="52.520008", longitude="13.404954", max_power_kw=Decimal("7.4"))
    ConnectorFactory(
        station=site.stations.get(),
        connector_id=2,
        max_power_kw=Decimal("150"),
        status_updated_at=timezone.now() if status_updated else None,
    )

    [location] = anonymous_client.get(URL).json()["results"]
    [station_output] = location["stations"]

    station = site.stations.get()
    connectors = list(station.connectors.order_by("connector_id"))
    station.public_connectors = connectors
    declared = serializers.ModelSerializer.to_representation(PublicStationSerializer(), station)
    assert station_output == declared
    assert station_output["connectors"] == [
        serializers.ModelSerializer.to_representation(PublicConnectorSerializer(), connector)
        for connector in connectors
    ]
    assert [c["max_power_kw"] for c in station_output["connectors"]] == ["7.40", "150.00"]
