"""Transport and format: the token, the envelope and its HTTP pairing, request/correlation
ids, malformed and oversized input, pagination."""

import base64
import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from roaming.credentials_token import header_encode
from roaming.envelope import OcpiError
from roaming.models import Partner
from roaming.pagination import paginated_response
from roaming.tests.factories import pending_partner, registered_partner
from roaming.tests.reference import valid, valid_envelope

pytestmark = pytest.mark.django_db


def auth(token):
    return {"HTTP_AUTHORIZATION": header_encode(token)}


def test_missing_or_unknown_token_is_401_with_envelope(client):
    for headers in ({}, auth("nobody-has-this"), {"HTTP_AUTHORIZATION": "Bearer x"}):
        response = client.get("/ocpi/versions", **headers)
        assert response.status_code == 401
        body = valid_envelope(response.json())
        assert body["status_code"] == 2000


def test_token_a_reads_versions_and_details_checked_by_the_reference_models(client):
    _, token_a = pending_partner()
    response = client.get("/ocpi/versions", **auth(token_a))
    assert response.status_code == 200
    versions = valid_envelope(response.json())["data"]
    assert valid("version", versions)[0].version == "2.2.1"
    details = client.get("/ocpi/2.2.1/", **auth(token_a)).json()["data"]
    valid("version_details", details)
    assert {(e["identifier"], e["role"]) for e in details["endpoints"]} >= {("credentials", "SENDER")}


def test_unencoded_token_of_older_implementations_is_accepted(client):
    _, token_a = pending_partner()
    assert client.get("/ocpi/versions", HTTP_AUTHORIZATION=f"Token {token_a}").status_code == 200


def test_request_and_correlation_ids_are_echoed_or_generated(client):
    _, token_a = pending_partner()
    response = client.get("/ocpi/versions", HTTP_X_REQUEST_ID="req-1", HTTP_X_CORRELATION_ID="corr-1", **auth(token_a))
    assert (response["X-Request-ID"], response["X-Correlation-ID"]) == ("req-1", "corr-1")
    response = client.get("/ocpi/versions", **auth(token_a))
    assert response["X-Request-ID"] and response["X-Correlation-ID"]


def test_malformed_json_is_400_with_2001_and_stores_nothing(client):
    partner, token_a = pending_partner()
    response = client.post(
        "/ocpi/2.2.1/credentials", data=b"{not json", content_type="application/json", **auth(token_a)
    )
    assert response.status_code == 400
    assert response.json()["status_code"] == 2001
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING and partner.inbound_token_is_a


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"token": "x" * 65}, "token"),
        ({"token": "has space"}, "token"),
        ({"url": "ftp://example.com"}, "url"),
        ({"roles": []}, "roles"),
        (
            {"roles": [{"role": "DRIVER", "party_id": "ABC", "country_code": "NL", "business_details": {"name": "X"}}]},
            "role",
        ),
        (
            {"roles": [{"role": "CPO", "party_id": "ABCD", "country_code": "NL", "business_details": {"name": "X"}}]},
            "party_id",
        ),
        (
            {
                "roles": [
                    {"role": "CPO", "party_id": "ABC", "country_code": "NL", "business_details": {"name": "X" * 101}}
                ]
            },
            "name",
        ),
    ],
)
def test_bad_credentials_object_is_2001_naming_the_field_and_stores_nothing(client, change, field):
    partner, token_a = pending_partner()
    credentials = {
        "token": "b-token",
        "url": "http://127.0.0.1:9/ocpi/versions",
        "roles": [{"role": "CPO", "party_id": "ABC", "country_code": "NL", "business_details": {"name": "X"}}],
        **change,
    }
    response = client.post(
        "/ocpi/2.2.1/credentials", data=json.dumps(credentials), content_type="application/json", **auth(token_a)
    )
    assert response.status_code == 200
    body = valid_envelope(response.json())
    assert body["status_code"] == 2001
    assert field in body["status_message"]
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING and partner.roles.count() == 0


def test_partner_api_unreachable_during_registration_is_3001(client):
    partner, token_a = pending_partner()
    credentials = {
        "token": "b-token",
        "url": "http://127.0.0.1:9/ocpi/versions",
        "roles": [{"role": "CPO", "party_id": "ABC", "country_code": "NL", "business_details": {"name": "X"}}],
    }
    response = client.post(
        "/ocpi/2.2.1/credentials", data=json.dumps(credentials), content_type="application/json", **auth(token_a)
    )
    assert response.json()["status_code"] == 3001
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING and partner.outbound_token == ""


def test_credentials_in_the_wrong_registration_state_are_405(client):
    registered_partner(token="c-token")
    body = json.dumps({"token": "t", "url": "http://127.0.0.1:9/v", "roles": []})
    assert (
        client.post(
            "/ocpi/2.2.1/credentials", data=body, content_type="application/json", **auth("c-token")
        ).status_code
        == 405
    )
    _, token_a = pending_partner()
    assert (
        client.put("/ocpi/2.2.1/credentials", data=body, content_type="application/json", **auth(token_a)).status_code
        == 405
    )
    assert client.delete("/ocpi/2.2.1/credentials", **auth(token_a)).status_code == 405
    assert (
        client.patch("/ocpi/2.2.1/credentials", data="{}", content_type="application/json", **auth(token_a)).status_code
        == 405
    )


def test_get_credentials_returns_the_presented_token_and_our_roles(client):
    registered_partner(token="c-token")
    data = client.get("/ocpi/2.2.1/credentials", **auth("c-token")).json()["data"]
    assert valid("credentials", data).token == "c-token"
    assert {role["role"] for role in data["roles"]} == {"CPO", "EMSP"}


def test_authorization_header_is_base64_of_the_token():
    assert header_encode("example-token") == "Token " + base64.b64encode(b"example-token").decode()


def _page(rf, query, settings, limit=2):
    settings.OCPI_PAGE_LIMIT = limit
    request = rf.get("/ocpi/cpo/2.2.1/things", query)
    return paginated_response(request, Partner.objects.all(), lambda p: p.name, date_field="created_at")


def test_pagination_headers_link_and_filters(settings):
    rf = RequestFactory()
    for index in range(5):
        pending_partner(name=f"P{index}")
    response = _page(rf, {"limit": "10"}, settings)
    assert json.loads(response.content)["data"] == ["P0", "P1"]
    assert response["X-Total-Count"] == "5" and response["X-Limit"] == "2"
    assert 'offset=2&limit=2>; rel="next"' in response["Link"]
    last = _page(rf, {"offset": "4"}, settings)
    assert json.loads(last.content)["data"] == ["P4"] and not last.has_header("Link")
    past_end = _page(rf, {"offset": "50"}, settings)
    assert json.loads(past_end.content)["data"] == [] and past_end["X-Total-Count"] == "5"
    Partner.objects.filter(name="P0").update(created_at=timezone.now() - timedelta(days=2))
    date_to = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    early = _page(rf, {"date_to": date_to}, settings)
    assert json.loads(early.content)["data"] == ["P0"]
    late = _page(rf, {"date_from": date_to}, settings)
    assert late["X-Total-Count"] == "4" and "date_from=" in late["Link"]


def test_bad_pagination_parameters_are_2001(settings):
    rf = RequestFactory()
    for query in ({"offset": "-1"}, {"limit": "ten"}, {"date_from": "yesterday"}):
        with pytest.raises(OcpiError) as refusal:
            _page(rf, query, settings)
        assert refusal.value.status == 2001
