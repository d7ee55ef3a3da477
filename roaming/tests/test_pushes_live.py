"""Live status pushed as CPO: a StatusNotification's change reaches a partner's Locations
Receiver through a real Celery worker, as an idempotent PATCH, retried while the partner is down."""

import time

import pytest
from django.db import transaction
from django.utils import timezone

from roaming.services.pushes import location_push
from roaming.tests.factories import public_connector, registered_partner
from roaming.tests.reference import valid
from stations.services.status import connector_status_record


def wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_status_change_is_patched_to_the_partner_and_retried_while_it_is_down(celery_worker_process, partner_api):
    locations_url = f"{partner_api.url}/ocpi/emsp/2.2.1/locations"
    registered_partner(token="emsp", endpoints=[("locations", "RECEIVER", locations_url)])
    connector = public_connector()
    station = connector.station
    partner_api.answers["/ocpi/emsp/2.2.1/locations"] = (
        503,
        {"status_code": 3000, "timestamp": "2026-01-01T00:00:00Z"},
    )

    with transaction.atomic():  # as the gateway records a StatusNotification
        connector_status_record(
            station_id=station.pk,
            connector_number=1,
            status="Charging",
            error_code="NoError",
            received_at=timezone.now(),
        )

    assert wait_for(lambda: len(partner_api.requests) >= 1), "no push reached the partner"
    partner_api.answers.clear()  # the partner is back
    assert wait_for(lambda: len(partner_api.requests) >= 2, timeout=30), "the push was not retried"
    first, retried = partner_api.requests[:2]
    assert first["json"] == retried["json"]
    assert retried["method"] == "PATCH"
    assert retried["path"] == f"/ocpi/emsp/2.2.1/locations/DE/EVC/{station.site_id}/{station.pk}-1"
    assert retried["json"]["status"] == "CHARGING"
    valid("evse_patch", retried["json"])
    headers = {name.lower(): value for name, value in retried["headers"].items()}
    assert headers["authorization"].startswith("Token ")
    assert (headers["ocpi-from-country-code"], headers["ocpi-from-party-id"]) == ("DE", "EVC")
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("NL", "PAR")
    assert headers["x-request-id"] and headers["x-correlation-id"]


@pytest.mark.django_db
def test_a_whole_location_is_put_to_the_partner(partner_api):
    partner = registered_partner(token="emsp")
    connector = public_connector()
    url = f"{partner_api.url}/ocpi/emsp/2.2.1/locations"
    assert location_push(partner=partner, url=url, site_id=connector.station.site_id)
    request = partner_api.requests[-1]
    assert request["method"] == "PUT"
    assert request["path"] == f"/ocpi/emsp/2.2.1/locations/DE/EVC/{connector.station.site_id}"
    assert valid("location", request["json"]).id == str(connector.station.site_id)
