"""Tokens as EMSP (Sender): partner CPOs pull our drivers' tokens and authorize them in real
time through the one token rule."""

import json

import pytest

from drivers.models import Token
from drivers.tests.factories import TokenFactory
from roaming.credentials_token import header_encode
from roaming.tests.factories import registered_partner
from roaming.tests.reference import valid, valid_envelope

pytestmark = pytest.mark.django_db
URL = "/ocpi/emsp/2.2.1/tokens"


@pytest.fixture(autouse=True)
def partner():
    return registered_partner(token="cpo", role="CPO")


def authorize(client, uid, body=None):
    return client.post(
        f"{URL}/{uid}/authorize?type=RFID",
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=header_encode("cpo"),
    )


def test_our_drivers_tokens_are_listed_for_partners(client):
    token = TokenFactory(contract_id="DE-EVC-C00000001-X")
    TokenFactory(status=Token.Status.BLOCKED)
    data = valid_envelope(client.get(URL, HTTP_AUTHORIZATION=header_encode("cpo")).json())["data"]
    listed = [valid("token", item) for item in data]
    assert [t.uid.upper() for t in listed] == [token.uid.upper(), data[1]["uid"].upper()]
    assert [item["valid"] for item in data] == [True, False]
    assert data[0]["whitelist"] == "ALLOWED_OFFLINE" and data[0]["contract_id"] == "DE-EVC-C00000001-X"


def test_real_time_authorization_answers_with_the_one_token_rule(client):
    token = TokenFactory()
    location = {"location_id": "LOC1", "evse_uids": ["EVSE1"]}
    allowed = valid_envelope(authorize(client, token.uid, location).json())["data"]
    assert valid("authorization_info", allowed).allowed == "ALLOWED"
    assert allowed["location"] == location
    token.status = Token.Status.BLOCKED
    token.save()
    assert authorize(client, token.uid).json()["data"]["allowed"] == "BLOCKED"


def test_unknown_token_or_bad_location_reference(client):
    unknown = authorize(client, "NOBODY")
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)
    token = TokenFactory()
    bad = authorize(client, token.uid, {"location_id": "L" * 37})
    assert bad.json()["status_code"] == 2001
