"""Staff work in the admin: lists with filters and search, the station form with its
write-only password."""

import pytest
from django.urls import reverse

from stations.models import ChargingStation
from stations.selectors import registry as selectors
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=CP-TEST",
        "?power_class=ac",
        "?power_class=dc",
        "?power_class=hpc",
        "?is_online__exact=1",
        "?registration_status__exact=Pending",
    ],
)
def test_station_list_with_filters_and_search(staff_client, query):
    ConnectorFactory()
    response = staff_client.get(reverse("admin:stations_chargingstation_changelist") + query)
    assert response.status_code == 200


def test_power_class_filter_separates_ac_from_high_power_dc(staff_client):
    ac = ConnectorFactory(max_power_kw="22").station
    hpc = ConnectorFactory(standard="IEC_62196_T2_COMBO", power_type="DC", max_power_kw="350").station
    response = staff_client.get(reverse("admin:stations_chargingstation_changelist") + "?power_class=hpc")
    assert hpc.identity in response.content.decode()
    assert ac.identity not in response.content.decode()


@pytest.mark.parametrize(
    "model", ["site", "organisation", "operatingagreement", "connector", "chargingsession", "statuschange"]
)
def test_every_registry_list_renders(staff_client, model):
    ConnectorFactory()
    assert staff_client.get(reverse(f"admin:stations_{model}_changelist")).status_code == 200


def test_station_change_page_shows_computed_fields_and_inline_connectors(staff_client):
    station = ConnectorFactory().station
    response = staff_client.get(reverse("admin:stations_chargingstation_change", args=[station.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Password set" in body
    assert "Level 2 (AC)" in body


def test_password_set_in_admin_is_stored_hashed_only(staff_client):
    station = ChargingStationFactory(password_hash="")
    url = reverse("admin:stations_chargingstation_change", args=[station.pk])
    form = {
        "identity": station.identity,
        "site": station.site_id,
        "owner": station.owner_id,
        "agreement": station.agreement_id,
        "registration_status": "Accepted",
        "ocpp_protocol": "ocpp1.6",
        "security_profile": 1,
        "new_password": "fresh-admin-set-password",
        "connectors-TOTAL_FORMS": 0,
        "connectors-INITIAL_FORMS": 0,
    }
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    station = ChargingStation.objects.get(pk=station.pk)
    assert "fresh-admin-set-password" not in station.password_hash
    assert selectors.station_password_matches(station=station, password="fresh-admin-set-password")


def test_too_short_password_in_admin_is_a_form_error(staff_client):
    station = ChargingStationFactory()
    url = reverse("admin:stations_chargingstation_change", args=[station.pk])
    response = staff_client.post(
        url,
        {
            "identity": station.identity,
            "new_password": "short",
            "connectors-TOTAL_FORMS": 0,
            "connectors-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "16–40 characters" in response.content.decode()
