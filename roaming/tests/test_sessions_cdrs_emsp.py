"""Sessions and CDRs as EMSP (Receiver): our drivers' sessions and CDRs at a partner CPO,
fed with what our own CPO side sends (so both sides agree) and checked against the
reference models."""

import json

import pytest

from billing.services.cdrs import session_price
from drivers.tests.factories import TokenFactory
from roaming.credentials_token import header_encode
from roaming.models import PartnerCdr, PartnerSession, PartnerToken
from roaming.selectors import sessions
from roaming.tests.factories import registered_partner
from roaming.tests.reference import valid
from roaming.tests.test_sessions_cdrs_cpo import partner_session
from roaming.tests.test_tokens_cpo import token_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def cpo_side_token():
    """The CPO side's view of the token (a partner EMSP's), for building what it sends."""
    emsp = registered_partner(token="unused", role="EMSP", country_code="NL", party_id="PAR")
    data = token_object()
    return PartnerToken.objects.create(
        partner=emsp,
        country_code="NL",
        party_id="PAR",
        uid=data["uid"],
        type="RFID",
        contract_id=data["contract_id"],
        valid=True,
        whitelist="ALLOWED",
        data=data,
        last_updated="2026-01-01T10:00:00Z",
    )


@pytest.fixture
def driver_token():
    """Our side as EMSP: the same uid is one of our drivers' tokens."""
    return TokenFactory(uid="04A1B2C3D4")


@pytest.fixture(autouse=True)
def cpo_partner():
    return registered_partner(token="cpo", role="CPO", country_code="DE", party_id="EVC")


def send(client, method, url, body):
    data = body if isinstance(body, bytes) else json.dumps(body)
    return getattr(client, method)(
        url, data=data, content_type="application/json", HTTP_AUTHORIZATION=header_encode("cpo")
    )


def test_sessions_are_kept_as_last_pushed(client, cpo_side_token, driver_token):
    session = partner_session()
    body = sessions.session_object(session=session, token=cpo_side_token)
    valid("session", body)
    url = f"/ocpi/emsp/2.2.1/sessions/DE/EVC/{session.pk}"
    assert send(client, "put", url, body).status_code == 201
    assert send(client, "put", url, body).status_code == 200
    patch = {"kwh": 21.5, "last_updated": "2031-01-01T00:00:00Z"}
    assert send(client, "patch", url, patch).json()["status_code"] == 1000
    held = PartnerSession.objects.get()
    assert held.token == driver_token and float(held.kwh) == 21.5
    assert send(client, "patch", url, {"kwh": 1, "last_updated": "2030-01-01T00:00:00Z"}).json()["status_code"] == 1000
    assert float(PartnerSession.objects.get().kwh) == 21.5
    other = send(client, "put", f"/ocpi/emsp/2.2.1/sessions/DE/EVC/{session.pk}9", body)
    assert other.json()["status_code"] == 2001


def test_a_session_of_a_token_we_do_not_know_is_2004(client, cpo_side_token):
    session = partner_session()
    body = sessions.session_object(session=session, token=cpo_side_token)
    response = send(client, "put", f"/ocpi/emsp/2.2.1/sessions/DE/EVC/{session.pk}", body)
    assert response.json()["status_code"] == 2004
    assert not PartnerSession.objects.exists()


def test_cdrs_are_stored_once_and_readable_at_their_location(client, cpo_side_token, driver_token):
    session = partner_session()
    cdr = session_price(session_id=session.pk)
    body = sessions.cdr_object(cdr=cdr, token=cpo_side_token)
    first = send(client, "post", "/ocpi/emsp/2.2.1/cdrs", body)
    assert first.json()["status_code"] == 1000
    assert send(client, "post", "/ocpi/emsp/2.2.1/cdrs", body).json()["status_code"] == 1000
    held = PartnerCdr.objects.get()
    assert held.token == driver_token and held.total_incl_vat == cdr.total_incl_vat
    location = first["Location"].split("/ocpi/", 1)[1]
    read = client.get(f"/ocpi/{location}", HTTP_AUTHORIZATION=header_encode("cpo")).json()["data"]
    assert valid("cdr", read).id == str(cdr.pk)


def test_malformed_or_foreign_cdrs_are_refused(client, cpo_side_token, driver_token):
    session = partner_session()
    body = sessions.cdr_object(cdr=session_price(session_id=session.pk), token=cpo_side_token)
    assert send(client, "post", "/ocpi/emsp/2.2.1/cdrs", {**body, "charging_periods": []}).json()["status_code"] == 2001
    assert send(client, "post", "/ocpi/emsp/2.2.1/cdrs", {**body, "party_id": "XYZ"}).status_code == 404
    assert not PartnerCdr.objects.exists()
