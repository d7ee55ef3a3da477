"""Tokens as CPO (Receiver): partner tokens pushed and pulled, and the one token rule at the
charger answering for them with OCPI's whitelist semantics and real-time authorization."""

import json

import pytest
from django.core.cache import cache

from drivers.selectors.tokens import token_authorization
from roaming.credentials_token import header_encode
from roaming.models import PartnerToken
from roaming.services.tokens import tokens_pull
from roaming.tests.factories import registered_partner
from roaming.tests.reference import valid
from stations.authorization import id_tag_authorize
from stations.tests.factories import ChargingSessionFactory

pytestmark = pytest.mark.django_db
URL = "/ocpi/cpo/2.2.1/tokens/NL/PAR"
ENVELOPE = {"status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def token_object(uid="04A1B2C3D4", **changes):
    return {
        "country_code": "NL",
        "party_id": "PAR",
        "uid": uid,
        "type": "RFID",
        "contract_id": "NL-PAR-C12345678-X",
        "issuer": "Partner Mobility",
        "valid": True,
        "whitelist": "ALLOWED",
        "last_updated": "2026-01-01T10:00:00Z",
        **changes,
    }


@pytest.fixture
def partner(partner_api):
    return registered_partner(
        token="emsp", endpoints=[("tokens", "SENDER", f"{partner_api.url}/ocpi/emsp/2.2.1/tokens")]
    )


def put(client, body, uid="04A1B2C3D4", method="put"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return getattr(client, method)(
        f"{URL}/{uid}?type=RFID", data=data, content_type="application/json", HTTP_AUTHORIZATION=header_encode("emsp")
    )


def test_put_creates_then_updates_and_get_returns_it(client, partner):
    valid("token", token_object())
    assert put(client, token_object()).status_code == 201
    assert put(client, token_object(whitelist="NEVER", last_updated="2026-01-02T10:00:00Z")).status_code == 200
    response = client.get(f"{URL}/04A1B2C3D4", HTTP_AUTHORIZATION=header_encode("emsp"))
    token = valid("token", response.json()["data"])
    assert token.whitelist == "NEVER"
    assert PartnerToken.objects.count() == 1


def test_an_older_push_changes_nothing(client, partner):
    put(client, token_object(valid=False, last_updated="2026-01-05T00:00:00Z"))
    assert put(client, token_object(valid=True, last_updated="2026-01-01T00:00:00Z")).json()["status_code"] == 1000
    assert PartnerToken.objects.get().valid is False


@pytest.mark.parametrize(
    ("body", "http_status", "status_code"),
    [
        (token_object(uid="OTHER"), 200, 2001),
        (token_object(contract_id="C" * 37), 200, 2001),
        (token_object(whitelist="SOMETIMES"), 200, 2001),
        (token_object(valid="yes"), 200, 2001),
        (token_object(last_updated="yesterday"), 200, 2001),
        ({k: v for k, v in token_object().items() if k != "issuer"}, 200, 2001),
        (b"{", 400, 2001),
    ],
)
def test_bad_tokens_are_refused_and_nothing_is_stored(client, partner, body, http_status, status_code):
    response = put(client, body)
    assert (response.status_code, response.json()["status_code"]) == (http_status, status_code)
    assert not PartnerToken.objects.exists()


def test_tokens_of_another_party_or_unknown_tokens(client, partner):
    other = client.put(
        "/ocpi/cpo/2.2.1/tokens/FR/XYZ/1",
        data=json.dumps(token_object()),
        content_type="application/json",
        HTTP_AUTHORIZATION=header_encode("emsp"),
    )
    assert other.status_code == 404
    unknown = client.get(f"{URL}/NOPE", HTTP_AUTHORIZATION=header_encode("emsp"))
    assert (unknown.status_code, unknown.json()["status_code"]) == (404, 2004)
    patch = put(client, {"valid": False, "last_updated": "2026-02-01T00:00:00Z"}, uid="NOPE", method="patch")
    assert (patch.status_code, patch.json()["status_code"]) == (404, 2004)


def test_patch_needs_last_updated_and_blocks_the_token_at_the_charger(client, partner):
    put(client, token_object())
    assert token_authorization(id_tag="04a1b2c3d4").status == "Accepted"
    assert put(client, {"valid": False}, method="patch").json()["status_code"] == 2001
    valid("token_patch", {"valid": False, "last_updated": "2026-02-01T00:00:00Z"})
    assert (
        put(client, {"valid": False, "last_updated": "2026-02-01T00:00:00Z"}, method="patch").json()["status_code"]
        == 1000
    )
    assert token_authorization(id_tag="04A1B2C3D4").status == "Blocked"
    assert id_tag_authorize(id_tag="04A1B2C3D4").accepted is False


def test_a_partner_token_already_charging_is_concurrent(client, partner):
    put(client, token_object())
    ChargingSessionFactory(id_tag="04A1B2C3D4")
    assert token_authorization(id_tag="04A1B2C3D4").status == "ConcurrentTx"


def authorization_answer(allowed, **token_changes):
    info = {"allowed": allowed, "token": token_object(**token_changes), "authorization_reference": "AUTH1"}
    valid("authorization_info", info)
    return (200, {**ENVELOPE, "data": info})


@pytest.mark.parametrize(
    ("whitelist", "answer", "expected"),
    [
        ("NEVER", "ALLOWED", "Accepted"),
        ("NEVER", "NOT_ALLOWED", "Invalid"),
        ("NEVER", "EXPIRED", "Expired"),
        ("NEVER", None, "Invalid"),
        ("ALLOWED_OFFLINE", None, "Accepted"),
        ("ALLOWED_OFFLINE", "BLOCKED", "Blocked"),
        ("ALWAYS", None, "Accepted"),
    ],
)
def test_whitelist_semantics_with_real_time_authorization(client, partner, partner_api, whitelist, answer, expected):
    put(client, token_object(whitelist=whitelist))
    prefix = "/ocpi/emsp/2.2.1/tokens/04A1B2C3D4/authorize"
    partner_api.answers[prefix] = authorization_answer(answer) if answer else (503, {**ENVELOPE, "status_code": 3000})
    assert token_authorization(id_tag="04A1B2C3D4").status == expected
    asked = [r for r in partner_api.requests if r["path"].startswith(prefix)]
    assert len(asked) == (0 if whitelist == "ALWAYS" else 1)
    if asked:
        assert asked[0]["method"] == "POST" and asked[0]["path"].endswith("?type=RFID")


def test_unknown_token_is_authorized_in_real_time_and_kept(partner, partner_api):
    partner_api.answers["/ocpi/emsp/2.2.1/tokens/NEWCARD/authorize"] = authorization_answer("ALLOWED", uid="NEWCARD")
    partner_api.answers["/ocpi/emsp/2.2.1/tokens/UNKNOWN/authorize"] = (404, {**ENVELOPE, "status_code": 2004})
    assert token_authorization(id_tag="NEWCARD").status == "Accepted"
    assert PartnerToken.objects.filter(uid="NEWCARD", partner=partner).exists()
    assert token_authorization(id_tag="UNKNOWN").status == "Invalid"


def test_pull_stores_the_partners_tokens_and_skips_malformed_ones(partner, partner_api):
    tokens = [token_object(uid="AAA"), token_object(uid="B" * 40), token_object(uid="CCC", party_id="XYZ")]
    partner_api.answers["/ocpi/emsp/2.2.1/tokens"] = (200, {**ENVELOPE, "data": tokens})
    assert tokens_pull(partner=partner) == 1
    assert list(PartnerToken.objects.values_list("uid", flat=True)) == ["AAA"]
    partner.refresh_from_db()
    assert partner.tokens_pulled_at is not None
    tokens_pull(partner=partner)
    assert "date_from=" in partner_api.requests[-1]["path"]
