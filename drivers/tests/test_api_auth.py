"""API authentication: token keys from `api_token_create`, session auth with CSRF enforced."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_api_token_create_command_issues_a_key_that_authenticates(driver, private_throttle_cache):
    output = io.StringIO()
    call_command("api_token_create", driver.user.username, stdout=output, stderr=io.StringIO())
    key = output.getvalue().strip()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")

    assert client.get("/api/v1/me/").json()["email"] == driver.user.email


def test_session_auth_works_for_reads_and_requires_csrf_for_writes(driver, private_throttle_cache):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(driver.user)

    read = client.get("/api/v1/me/")
    write_without_csrf = client.post("/api/v1/me/vehicles/", {"make": "Kia", "model": "EV6"}, format="json")

    assert read.status_code == 200
    assert write_without_csrf.status_code == 403
    assert "CSRF" in write_without_csrf.json()["detail"]


def test_an_invalid_token_is_401_in_the_error_shape(private_throttle_cache):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"
