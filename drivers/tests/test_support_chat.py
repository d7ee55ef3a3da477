"""Support as a chat: the staff desk (inbox, conversation, canned answers), the driver
e-mailed once per staff answer (never a closed account), the support inbox e-mailed once
per new ticket, a chat opened from a session page attached to it, the 24/7 helpline."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from config.celery import app
from drivers.models import Driver, SupportTicket, TicketMessage
from drivers.services import support
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUPPORT_INBOX_EMAIL = "support@voltway.example"
    settings.PORTAL_URL = "https://charge.example.com"
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def agent():
    return get_user_model().objects.create_superuser("agent", "agent@example.com", "agent-password-123")


def test_new_ticket_reaches_the_inbox_by_mail_once_and_a_staff_answer_the_driver_once(
    eager_mail, agent, django_capture_on_commit_callbacks
):
    driver = DriverFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = support.support_ticket_open(driver=driver, subject="Card refused", body="My card was refused.")
    assert [m.to for m in mail.outbox] == [["support@voltway.example"]]
    assert "Card refused" in mail.outbox[0].subject and "My card was refused." in mail.outbox[0].body
    assert support.ticket_opened_notify(ticket_id=ticket.pk) is False  # once

    with django_capture_on_commit_callbacks(execute=True):
        answer = support.ticket_message_post(ticket=ticket, author=agent, body="Try again now, please.")
    answered = mail.outbox[1]
    assert answered.to == [driver.user.email] and "Try again now, please." in answered.body
    assert f"https://charge.example.com/support/{ticket.pk}/" in answered.body
    assert support.ticket_answer_notify(message_id=answer.pk) is False  # once
    assert len(mail.outbox) == 2
    assert TicketMessage.objects.get(pk=answer.pk).notified_at is not None


def test_a_closed_account_is_not_mailed(eager_mail, agent):
    driver = DriverFactory()
    ticket = support.support_ticket_open(driver=driver, subject="Hello", body="Question")
    answer = support.ticket_message_post(ticket=ticket, author=agent, body="Answer")
    Driver.objects.filter(pk=driver.pk).update(account_status=Driver.AccountStatus.CLOSED)
    assert support.ticket_answer_notify(message_id=answer.pk) is False
    assert mail.outbox == []


def test_the_desk_lists_waiting_tickets_first_and_answers_with_the_one_reply_service(client, agent):
    answered = support.support_ticket_open(driver=DriverFactory(), subject="Already answered", body="?")
    support.ticket_message_post(ticket=answered, author=agent, body="Done.")
    waiting = support.support_ticket_open(driver=DriverFactory(), subject="Still waiting", body="?")
    client.force_login(agent)
    page = client.get(reverse("support-desk")).content.decode()
    assert page.index("Still waiting") < page.index("Already answered")

    conversation = client.get(reverse("support-desk-ticket", args=[waiting.pk])).content.decode()
    assert "I have restarted the charger remotely" in conversation and f"/ws/support/{waiting.pk}/" in conversation
    client.post(reverse("support-desk-ticket", args=[waiting.pk]), {"body": "On it."})
    waiting.refresh_from_db()
    assert waiting.status == SupportTicket.Status.ANSWERED


def test_the_desk_is_for_staff_only(client):
    client.force_login(DriverFactory().user)
    assert client.get(reverse("support-desk")).status_code == 302


def test_chat_from_a_session_page_attaches_the_session_and_every_page_shows_the_helpline(client, settings):
    settings.SUPPORT_PHONE = "+44 20 7946 0000"
    driver = DriverFactory()
    connector = ConnectorFactory()
    session = ChargingSessionFactory(station=connector.station, connector=connector, token=TokenFactory(driver=driver))
    client.force_login(driver.user)
    session_page = client.get(reverse("portal-session", args=[session.pk])).content.decode()
    assert f"/support/?session={session.pk}" in session_page and "+44 20 7946 0000" in session_page
    client.post(
        reverse("portal-support") + f"?session={session.pk}",
        {"topic": "charging", "subject": "It stopped", "body": "The charge stopped at 20 %."},
    )
    assert SupportTicket.objects.get().session == session
