"""Throttling: per-IP for anonymous callers, per-user for signed-in ones; 429 with Retry-After."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }


def test_anonymous_callers_are_limited_per_ip_with_retry_after(low_rates, anonymous_client):
    statuses = [anonymous_client.get("/api/v1/locations/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = anonymous_client.get("/api/v1/locations/")
    assert response.json()["type"] == "throttled"
    assert int(response.headers["Retry-After"]) > 0


def test_anonymous_callers_are_counted_by_the_per_ip_rate_only(settings, anonymous_client):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "10/minute", "user": "2/minute"},
    }

    statuses = [anonymous_client.get("/api/v1/locations/").status_code for _ in range(5)]

    assert statuses == [200] * 5


def test_signed_in_callers_are_limited_per_user(low_rates, staff_client):
    statuses = [staff_client.get("/api/v1/stations/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
