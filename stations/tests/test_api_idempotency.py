"""Idempotency-Key on creating POSTs: a repeat replays, a different body is 422, a
request still in progress is 409."""

import pytest

from config.api.models import IdempotencyRecord
from stations.models import ChargingStation
from stations.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stations/"


def _body(site, identity="CP-IDEM-1"):
    return {"identity": identity, "site": site.pk, "security_profile": 0}


def test_repeat_with_same_key_returns_the_stored_response_and_creates_nothing_more(staff_client):
    site = SiteFactory()

    first = staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="key-1")
    second = staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="key-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert ChargingStation.objects.count() == 1


def test_same_key_with_a_different_body_is_422(staff_client):
    site = SiteFactory()
    staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    response = staff_client.post(URL, _body(site, identity="CP-OTHER"), format="json", HTTP_IDEMPOTENCY_KEY="key-2")

    assert response.status_code == 422
    assert response.json()["type"] == "unprocessable"
    assert not ChargingStation.objects.filter(identity="CP-OTHER").exists()


def test_duplicate_while_the_first_is_in_progress_is_409(staff_client, staff_user):
    site = SiteFactory()
    first = staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="key-3")
    # What a concurrent duplicate sees: the first request's claim, not yet completed.
    IdempotencyRecord.objects.filter(key="key-3").update(status_code=None, response_body=None)
    ChargingStation.objects.all().delete()

    response = staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="key-3")

    assert first.status_code == 201
    assert response.status_code == 409
    assert not ChargingStation.objects.exists()


def test_a_failed_request_releases_its_key_so_a_corrected_retry_runs(staff_client):
    site = SiteFactory()
    failed = staff_client.post(URL, _body(site, identity="bad identity"), format="json", HTTP_IDEMPOTENCY_KEY="k4")

    retried = staff_client.post(URL, _body(site), format="json", HTTP_IDEMPOTENCY_KEY="k4")

    assert failed.status_code == 400
    assert retried.status_code == 201


def test_keys_are_scoped_per_user(staff_client):
    from config.tests.api_clients import client_for
    from drivers.tests.factories import UserFactory

    other_staff = client_for(UserFactory(is_staff=True))
    site = SiteFactory()

    first = staff_client.post(URL, _body(site, identity="CP-A"), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    second = other_staff.post(URL, _body(site, identity="CP-B"), format="json", HTTP_IDEMPOTENCY_KEY="shared")

    assert first.status_code == second.status_code == 201
    assert ChargingStation.objects.count() == 2


def test_records_older_than_a_day_are_purged_and_newer_ones_kept(staff_client):
    from datetime import timedelta

    from django.utils import timezone

    from config.api.idempotency import idempotency_records_purge

    site = SiteFactory()
    staff_client.post(URL, _body(site, identity="CP-OLD"), format="json", HTTP_IDEMPOTENCY_KEY="old")
    staff_client.post(URL, _body(site, identity="CP-NEW"), format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))

    assert idempotency_records_purge(now=timezone.now()) == 1
    assert idempotency_records_purge(now=timezone.now()) == 0
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
