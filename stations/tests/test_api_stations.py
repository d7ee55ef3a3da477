"""`stations/`: staff CRUD with nested connectors and a write-only password; owners read theirs."""

import pytest

from stations import passwords
from stations.models import ChargingStation
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stations/"


def _new_station_body(site, **overrides):
    body = {
        "identity": "CP-API-0001",
        "site": site.pk,
        "owner": site.operator.pk,
        "vendor": "ABB",
        "model": "Terra AC",
        "security_profile": 1,
        "password": "a-very-secret-charger-pw",
        "connectors": [
            {"connector_id": 1, "standard": "IEC_62196_T2", "power_type": "AC_3_PHASE", "max_power_kw": "22"},
            {"connector_id": 2, "standard": "IEC_62196_T2_COMBO", "power_type": "DC", "max_power_kw": "50"},
        ],
    }
    body.update(overrides)
    return body


def test_staff_creates_a_station_with_connectors_and_the_password_is_never_returned(staff_client):
    site = SiteFactory()

    response = staff_client.post(URL, _new_station_body(site), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert "password" not in body
    assert body["has_password"] is True
    assert [c["connector_id"] for c in body["connectors"]] == [1, 2]
    station = ChargingStation.objects.get(identity="CP-API-0001")
    assert passwords.check_password("a-very-secret-charger-pw", station.password_hash)


def test_invalid_station_reports_field_errors_and_creates_nothing(staff_client):
    site = SiteFactory()
    body = _new_station_body(site, identity="has spaces", password="short")
    body["connectors"][1]["connector_id"] = 1

    response = staff_client.post(URL, body, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"identity", "password", "connectors"} <= set(errors)
    assert not ChargingStation.objects.exists()


def test_staff_replaces_connectors_and_changes_fields(staff_client):
    station = ChargingStationFactory()
    ConnectorFactory(station=station, connector_id=1)
    ConnectorFactory(station=station, connector_id=2)

    response = staff_client.patch(
        f"{URL}{station.pk}/",
        {
            "vendor": "Alpitronic",
            "connectors": [
                {"connector_id": 1, "standard": "IEC_62196_T2_COMBO", "power_type": "DC", "max_power_kw": "300"}
            ],
        },
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["vendor"] == "Alpitronic"
    assert [(c["connector_id"], c["max_power_kw"]) for c in response.json()["connectors"]] == [(1, "300.00")]


def test_a_new_connector_without_its_equipment_data_is_a_field_error(staff_client):
    station = ChargingStationFactory()

    response = staff_client.patch(f"{URL}{station.pk}/", {"connectors": [{"connector_id": 3}]}, format="json")

    assert response.status_code == 400
    assert "connectors" in response.json()["errors"]
    assert not station.connectors.exists()


def test_removing_a_connector_with_sessions_is_a_conflict(staff_client):
    session = ChargingSessionFactory()

    response = staff_client.patch(f"{URL}{session.station_id}/", {"connectors": []}, format="json")

    assert response.status_code == 409
    assert response.json()["type"] == "conflict"
    assert session.station.connectors.count() == 1


def test_deleting_a_station_with_sessions_is_a_conflict_and_without_is_done(staff_client):
    used = ChargingSessionFactory().station
    unused = ChargingStationFactory()

    assert staff_client.delete(f"{URL}{used.pk}/").status_code == 409
    assert staff_client.delete(f"{URL}{unused.pk}/").status_code == 204
    assert ChargingStation.objects.filter(pk=used.pk).exists()
    assert not ChargingStation.objects.filter(pk=unused.pk).exists()


def test_owner_reads_own_stations_only_and_cannot_write(owner_client, owner_organisation):
    own = ChargingStationFactory(owner=owner_organisation, agreement=None)
    foreign = ChargingStationFactory()

    listed = [station["id"] for station in owner_client.get(URL).json()["results"]]

    assert listed == [own.pk]
    assert owner_client.get(f"{URL}{foreign.pk}/").status_code == 404
    assert owner_client.patch(f"{URL}{own.pk}/", {"vendor": "X"}, format="json").status_code == 403
    assert owner_client.post(URL, {}, format="json").status_code == 403


def test_drivers_and_anonymous_callers_may_not_use_the_station_registry(driver_client, client):
    assert driver_client.get(URL).status_code == 403
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"


def test_staff_create_a_site_with_opening_hours_and_owners_read_only_theirs(
    staff_client, owner_client, owner_organisation
):
    operator = ChargingStationFactory().site.operator
    body = {
        "name": "Depot",
        "operator": operator.pk,
        "address": "Am Hafen 2",
        "city": "Hamburg",
        "postal_code": "20457",
        "country": "DE",
        "latitude": "53.541000",
        "longitude": "9.984000",
        "time_zone": "Europe/Berlin",
        "is_open_24_7": False,
        "opening_hours": [{"weekday": 0, "opens_at": "07:00", "closes_at": "19:00"}],
    }

    created = staff_client.post("/api/v1/sites/", body, format="json")
    bad_zone = staff_client.post("/api/v1/sites/", {**body, "time_zone": "Mars/Olympus"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["opening_hours"] == [{"weekday": 0, "opens_at": "07:00", "closes_at": "19:00"}]
    assert bad_zone.status_code == 400
    assert "time_zone" in bad_zone.json()["errors"]
    own_site = ChargingStationFactory(owner=owner_organisation, agreement=None).site
    assert [site["id"] for site in owner_client.get("/api/v1/sites/").json()["results"]] == [own_site.pk]
    assert owner_client.get(f"/api/v1/sites/{created.json()['id']}/").status_code == 404


def test_a_site_with_stations_cannot_be_deleted(staff_client):
    site = ChargingStationFactory().site

    assert staff_client.delete(f"/api/v1/sites/{site.pk}/").status_code == 409
