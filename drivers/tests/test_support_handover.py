"""Chat hand-over in the staff support desk: an agent takes a chat (or answers it and so
takes it), hands it over to another agent, releases it to the inbox; only active staff can
hold one; the inbox shows who handles what."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from drivers.models import SupportTicket
from drivers.services import support
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db


def _staff(username: str, **fields):
    return get_user_model().objects.create_user(
        username, f"{username}@voltway.example", "pw-123456!", is_staff=True, **fields
    )


@pytest.fixture
def ticket():
    return support.support_ticket_open(driver=DriverFactory(), subject="Cable stuck", body="It will not unlock.")


def test_take_hand_over_and_release_from_the_desk(client, ticket):
    anna, ben = _staff("anna"), _staff("ben")
    client.force_login(anna)
    page = client.get(reverse("support-desk-ticket", args=[ticket.pk])).content.decode()
    assert "Nobody handles this chat yet." in page and "Take it" in page

    client.post(reverse("support-desk-assign", args=[ticket.pk]))
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to == anna
    assert "with anna" in client.get(reverse("support-desk")).content.decode()

    response = client.post(reverse("support-desk-assign", args=[ticket.pk]), {"agent": ben.pk})
    assert response.url == reverse("support-desk-ticket", args=[ticket.pk])
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to == ben
    assert "Handled by ben." in client.get(response.url).content.decode()

    client.post(reverse("support-desk-release", args=[ticket.pk]))
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to is None


def test_answering_an_unassigned_chat_takes_it_but_not_someone_elses(ticket):
    anna, ben = _staff("anna"), _staff("ben")
    support.ticket_message_post(ticket=ticket, author=anna, body="Looking into it.")
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to == anna
    support.ticket_message_post(ticket=ticket, author=ben, body="Anna is on a call; I unlocked it.")
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to == anna


def test_only_active_staff_can_hold_a_chat(client, ticket):
    gone = _staff("gone", is_active=False)
    with pytest.raises(ValidationError):
        support.ticket_assign(ticket=ticket, agent=ticket.driver.user)
    with pytest.raises(ValidationError):
        support.ticket_assign(ticket=ticket, agent=gone)
    client.force_login(_staff("anna"))
    client.post(reverse("support-desk-assign", args=[ticket.pk]), {"agent": gone.pk})
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to is None
    client.force_login(ticket.driver.user)
    client.post(reverse("support-desk-release", args=[ticket.pk]))
    assert client.post(reverse("support-desk-assign", args=[ticket.pk])).status_code == 302  # to the admin login
    assert SupportTicket.objects.get(pk=ticket.pk).assigned_to is None
