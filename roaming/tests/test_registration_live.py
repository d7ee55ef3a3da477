"""The credentials handshake over real HTTP, both roles at once: this test process is the
Sender (it registers, updates and unregisters with partner_register/partner_unregister, as
the admin actions do) and the live server is the Receiver that issued token A and fetches
the Sender's versions back. Both sides share the test database, so each side's view of the
other is its own Partner row."""

import pytest
import requests

from roaming.credentials_token import header_encode
from roaming.models import Partner
from roaming.services.partners import RegistrationError, partner_register, partner_unregister
from roaming.tests.factories import pending_partner
from roaming.tests.reference import valid, valid_envelope

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.integration]


def get(url, token):
    return requests.get(url, headers={"Authorization": header_encode(token)}, timeout=10)


def test_register_update_and_unregister_over_http(ocpi_server, settings):
    settings.OCPI_PUBLIC_URL = ocpi_server
    receiver_side, token_a = pending_partner(name="Sender as the server sees it")
    sender_side = Partner.objects.create(
        name="Receiver as the client sees it", versions_url=f"{ocpi_server}/ocpi/versions", outbound_token=token_a
    )

    partner_register(partner=sender_side)

    sender_side.refresh_from_db()
    receiver_side.refresh_from_db()
    assert sender_side.status == receiver_side.status == Partner.Status.REGISTERED
    assert sender_side.version == receiver_side.version == "2.2.1"
    assert {(role.role, role.party_id) for role in receiver_side.roles.all()} == {("CPO", "EVC"), ("EMSP", "EVC")}
    assert sender_side.endpoint_url("credentials", "RECEIVER") == f"{ocpi_server}/ocpi/2.2.1/credentials"
    token_c = sender_side.outbound_token
    # A is spent; C works; what the server keeps is a hash, never C itself.
    assert get(f"{ocpi_server}/ocpi/versions", token_a).status_code == 401
    assert token_c not in {receiver_side.inbound_token_hash, receiver_side.outbound_token}
    credentials = valid_envelope(get(f"{ocpi_server}/ocpi/2.2.1/credentials", token_c).json())["data"]
    assert valid("credentials", credentials).token == token_c

    partner_register(partner=sender_side)  # now a PUT: new tokens both ways

    sender_side.refresh_from_db()
    assert sender_side.outbound_token != token_c
    assert get(f"{ocpi_server}/ocpi/versions", token_c).status_code == 401
    assert get(f"{ocpi_server}/ocpi/versions", sender_side.outbound_token).status_code == 200

    token_c2 = sender_side.outbound_token
    partner_unregister(partner=sender_side)

    receiver_side.refresh_from_db()
    assert receiver_side.status == Partner.Status.UNREGISTERED
    assert Partner.objects.get(pk=sender_side.pk).status == Partner.Status.UNREGISTERED
    assert get(f"{ocpi_server}/ocpi/versions", token_c2).status_code == 401


def test_registering_with_a_wrong_token_a_changes_nothing(ocpi_server, settings):
    settings.OCPI_PUBLIC_URL = ocpi_server
    sender_side = Partner.objects.create(
        name="Receiver", versions_url=f"{ocpi_server}/ocpi/versions", outbound_token="not-a-token-a"
    )
    with pytest.raises(RegistrationError) as refusal:
        partner_register(partner=sender_side)
    assert refusal.value.status == 3001
    sender_side.refresh_from_db()
    assert sender_side.status == Partner.Status.PENDING and sender_side.inbound_token_hash is None
