"""Right after a partner registers with us, a real Celery worker PUTs our Locations and
Tariffs to its Receivers (no waiting for its pull or our next change); running the push
again sends the same objects, which the partner already holds."""

import time

import pytest

from billing.tests.factories import energy_tariff
from roaming import tasks
from roaming.services.partners import credentials_accept
from roaming.tests.factories import pending_partner, public_connector
from roaming.tests.reference import valid

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def envelope(data) -> tuple[int, dict]:
    return 200, {"data": data, "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


def puts(partner_api) -> dict[str, dict]:
    return {request["path"]: request["json"] for request in partner_api.requests if request["method"] == "PUT"}


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_registration_pushes_our_locations_and_tariffs(celery_worker_process, partner_api):
    connector = public_connector()
    tariff = energy_tariff(station=connector.station, price="0.45", vat="19")
    site_id = connector.station.site_id
    emsp = f"{partner_api.url}/ocpi/emsp/2.2.1"
    partner_api.answers["/ocpi/versions"] = envelope([{"version": "2.2.1", "url": f"{partner_api.url}/ocpi/2.2.1"}])
    partner_api.answers["/ocpi/2.2.1"] = envelope(
        {
            "version": "2.2.1",
            "endpoints": [
                {"identifier": "credentials", "role": "RECEIVER", "url": f"{partner_api.url}/ocpi/2.2.1/credentials"},
                {"identifier": "locations", "role": "RECEIVER", "url": f"{emsp}/locations"},
                {"identifier": "tariffs", "role": "RECEIVER", "url": f"{emsp}/tariffs/"},
            ],
        }
    )
    partner, _ = pending_partner(name="Registering EMSP")
    credentials = {
        "token": "emsp-token-b",
        "url": f"{partner_api.url}/ocpi/versions",
        "roles": [
            {"role": "EMSP", "country_code": "NL", "party_id": "PAR", "business_details": {"name": "Registering EMSP"}}
        ],
    }

    credentials_accept(partner=partner, credentials=credentials, update=False)

    location_path = f"/ocpi/emsp/2.2.1/locations/DE/EVC/{site_id}"
    tariff_path = f"/ocpi/emsp/2.2.1/tariffs/DE/EVC/{tariff.pk}"
    assert wait_for(lambda: {location_path, tariff_path} <= puts(partner_api).keys()), partner_api.requests
    first = puts(partner_api)
    assert valid("location", first[location_path]).id == str(site_id)
    pushed_tariff = valid("tariff", first[tariff_path])
    assert pushed_tariff.id == str(tariff.pk)
    assert first[tariff_path]["elements"][0]["price_components"][0]["price"] == 0.45
    headers = {
        name.lower(): value
        for request in partner_api.requests
        if request["path"] == tariff_path
        for name, value in request["headers"].items()
    }
    assert (headers["ocpi-to-country-code"], headers["ocpi-to-party-id"]) == ("NL", "PAR")

    # A repeated run (a retried task, a second registration) sends the very same objects.
    count = len(partner_api.requests)
    assert tasks.registration_push.delay(partner.pk).get(timeout=30) == ["locations", "tariffs"]
    assert wait_for(lambda: len(partner_api.requests) >= count + 2)
    again = [request for request in partner_api.requests[count:] if request["method"] == "PUT"]
    assert {request["path"] for request in again} == {location_path, tariff_path}
    assert all(request["json"] == first[request["path"]] for request in again)


def test_no_push_to_a_partner_without_receivers_or_no_longer_registered(partner_api):
    partner, _ = pending_partner(name="Not registered")
    assert tasks.registration_push.apply(args=[partner.pk]).get() == []
    assert partner_api.requests == []
