"""Concurrent duplicates of one Idempotency-Key on a real server and PostgreSQL: one
request does the work; the others get 409 (still in progress) or the stored response."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from config.tests.api_clients import api_key_for
from drivers.tests.factories import UserFactory
from stations.models import ChargingStation
from stations.tests.factories import SiteFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PARALLEL = 8


def test_parallel_duplicates_create_one_station(asgi_server):
    key = api_key_for(UserFactory(is_staff=True))
    body = json.dumps({"identity": "CP-RACE-1", "site": SiteFactory().pk, "security_profile": 0}).encode()

    def post(_):
        request = urllib.request.Request(  # noqa: S310 - loopback URL of the test server
            f"{asgi_server}/api/v1/stations/",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Token {key}",
                "Content-Type": "application/json",
                "Idempotency-Key": "race-1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    with ThreadPoolExecutor(PARALLEL) as pool:
        results = list(pool.map(post, range(PARALLEL)))

    statuses = [status for status, _ in results]
    assert set(statuses) <= {201, 409}, results
    assert 201 in statuses
    created_ids = {body["id"] for status, body in results if status == 201}
    assert len(created_ids) == 1
    assert ChargingStation.objects.filter(identity="CP-RACE-1").count() == 1
    assert all(body["type"] == "conflict" for status, body in results if status == 409)
