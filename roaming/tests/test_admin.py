"""Partners in the admin: staff issue token A (shown once, kept hashed) and read what
partners told us."""

import pytest

from config.celery import app
from roaming.credentials_token import token_hash
from roaming.models import Partner
from roaming.tests.factories import registered_partner

pytestmark = pytest.mark.django_db


def test_staff_issue_token_a_shown_once_and_stored_hashed(admin_client):
    partner = Partner.objects.create(name="New network")
    response = admin_client.post(
        "/admin/roaming/partner/", {"action": "issue_token_a", "_selected_action": [partner.pk]}, follow=True
    )
    message = next(str(m) for m in response.context["messages"] if "token A" in str(m))
    token = message.split("token A ", 1)[1].split(" ", 1)[0]
    partner.refresh_from_db()
    assert partner.inbound_token_hash == token_hash(token) and partner.inbound_token_is_a
    assert token not in str(Partner.objects.filter(pk=partner.pk).values().get())
    assert "/ocpi/versions" in message


@pytest.mark.parametrize(
    "page", ["partner", "partnertoken", "partnerlocation", "partnersession", "partnercdr", "partnertariff",
             "partnercommand", "cdrpush"],
)  # fmt: skip
def test_admin_pages_open(admin_client, page):
    assert admin_client.get(f"/admin/roaming/{page}/").status_code == 200


def test_pull_now_pulls_tokens_locations_and_tariffs(
    admin_client, partner_api, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(app.conf, "task_always_eager", True)  # run the real tasks in-process
    base = f"{partner_api.url}/ocpi"
    partner = registered_partner(
        role="CPO",
        endpoints=[
            ("tokens", "SENDER", f"{base}/emsp/2.2.1/tokens"),
            ("locations", "SENDER", f"{base}/cpo/2.2.1/locations"),
            ("tariffs", "SENDER", f"{base}/cpo/2.2.1/tariffs"),
        ],
    )
    empty = (200, {"data": [], "status_code": 1000, "timestamp": "2026-01-01T00:00:00Z"})
    partner_api.answers.update(
        {"/ocpi/emsp/2.2.1/tokens": empty, "/ocpi/cpo/2.2.1/locations": empty, "/ocpi/cpo/2.2.1/tariffs": empty}
    )

    with django_capture_on_commit_callbacks(execute=True):  # tasks are sent after commit
        response = admin_client.post(
            "/admin/roaming/partner/", {"action": "pull_now", "_selected_action": [partner.pk]}, follow=True
        )

    assert any("Queued pulls" in str(m) for m in response.context["messages"])
    pulled = {request["path"].split("?")[0] for request in partner_api.requests if request["method"] == "GET"}
    assert pulled == {"/ocpi/emsp/2.2.1/tokens", "/ocpi/cpo/2.2.1/locations", "/ocpi/cpo/2.2.1/tariffs"}
