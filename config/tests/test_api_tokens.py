"""API tokens: stored only as a hash, with an expiry; their owner lists, issues and revokes
them through `auth/tokens/`, and nobody else sees or touches them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from config.api.tokens import api_token_create
from config.tests.api_clients import api_key_for

pytestmark = pytest.mark.django_db


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_database_never_holds_a_tokens_key(driver, private_throttle_cache):
    key = api_key_for(driver.user)

    assert _client(key).get("/api/v1/me/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        stored = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert key not in stored
    assert key[:15] in stored  # the id its owner sees, too short to use


def test_a_token_expires(driver, private_throttle_cache):
    token, key = api_token_create(user=driver.user, expires_in=timedelta(days=1))
    assert token.expiry - timezone.now() == pytest.approx(timedelta(days=1), abs=timedelta(minutes=1))

    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - timedelta(seconds=1))

    assert _client(key).get("/api/v1/me/").status_code == 401


def test_owner_issues_lists_and_revokes_tokens(driver, private_throttle_cache):
    client = _client(api_key_for(driver.user))

    issued = client.post("/api/v1/auth/tokens/", {"expires_in_days": 7}, format="json")
    assert issued.status_code == 201
    new_key = issued.json()["token"]
    listed = client.get("/api/v1/auth/tokens/").json()["results"]
    assert {t["id"] for t in listed} == {issued.json()["id"], next(t["id"] for t in listed if t["current"])}
    assert "token" not in listed[0]
    assert _client(new_key).get("/api/v1/me/").status_code == 200

    assert client.delete(f"/api/v1/auth/tokens/{issued.json()['id']}/").status_code == 204

    assert _client(new_key).get("/api/v1/me/").status_code == 401
    assert len(client.get("/api/v1/auth/tokens/").json()["results"]) == 1


def test_nobody_lists_or_revokes_another_logins_tokens(driver, other_driver, private_throttle_cache):
    victims_token, victims_key = api_token_create(user=driver.user)
    intruder = _client(api_key_for(other_driver.user))

    assert victims_token.token_key not in str(intruder.get("/api/v1/auth/tokens/").json())
    assert intruder.delete(f"/api/v1/auth/tokens/{victims_token.token_key}/").status_code == 404
    assert _client(victims_key).get("/api/v1/me/").status_code == 200


def test_a_token_lives_at_most_the_configured_maximum(driver, private_throttle_cache, settings):
    client = _client(api_key_for(driver.user))

    too_long = client.post(
        "/api/v1/auth/tokens/", {"expires_in_days": settings.API_TOKEN_MAX_TTL_DAYS + 1}, format="json"
    )

    assert too_long.status_code == 400
    assert APIClient().post("/api/v1/auth/tokens/", {}, format="json").status_code == 401


def test_a_login_holds_a_bounded_number_of_tokens(driver, private_throttle_cache, settings):
    settings.API_TOKEN_LIMIT_PER_USER = 2
    client = _client(api_key_for(driver.user))
    assert client.post("/api/v1/auth/tokens/", {}, format="json").status_code == 201

    refused = client.post("/api/v1/auth/tokens/", {}, format="json")

    assert refused.status_code == 409
    assert AuthToken.objects.filter(user=driver.user).count() == 2
