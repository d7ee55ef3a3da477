"""Partners in the admin: staff issue token A (shown once, kept hashed) and read what
partners told us."""

import pytest

from roaming.credentials_token import token_hash
from roaming.models import Partner

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
