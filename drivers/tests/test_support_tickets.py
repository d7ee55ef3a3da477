"""Support tickets: drivers open them in the portal, staff answer from the admin."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from drivers.models import BreakdownReport, SupportTicket
from drivers.services import support
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


def test_driver_opens_a_ticket_and_sees_the_staff_answer_from_the_admin(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    response = client.post(
        reverse("portal-support"), {"topic": "billing", "subject": "Double charge", "body": "I was billed twice."}
    )
    ticket = SupportTicket.objects.get()
    assert response.url == reverse("portal-ticket", args=[ticket.pk])
    assert ticket.status == SupportTicket.Status.OPEN

    staff = get_user_model().objects.create_superuser("agent", "agent@example.com", "agent-password-123")
    admin_client = client.__class__()
    admin_client.force_login(staff)
    admin_url = reverse("admin:drivers_supportticket_change", args=[ticket.pk])
    assert admin_client.get(admin_url).status_code == 200
    admin_client.post(admin_url, {"status": "open", "reply": "Refunded, sorry!", **_empty_inline(ticket)})
    ticket.refresh_from_db()
    assert ticket.status == SupportTicket.Status.ANSWERED

    page = client.get(reverse("portal-ticket", args=[ticket.pk])).content.decode()
    assert "Refunded, sorry!" in page and "VoltWay support" in page
    client.post(reverse("portal-ticket", args=[ticket.pk]), {"body": "Thanks!"})
    ticket.refresh_from_db()
    assert ticket.status == SupportTicket.Status.OPEN
    assert [m.from_staff for m in ticket.messages.all()] == [False, True, False]


def test_a_driver_cannot_read_or_write_in_another_drivers_ticket(client):
    ticket = support.support_ticket_open(driver=DriverFactory(), subject="Mine", body="Private")
    intruder = DriverFactory()
    client.force_login(intruder.user)
    assert client.get(reverse("portal-ticket", args=[ticket.pk])).status_code == 404
    assert client.post(reverse("portal-ticket", args=[ticket.pk]), {"body": "hi"}).status_code == 404
    with pytest.raises(ValidationError):
        support.ticket_message_post(ticket=ticket, author=intruder.user, body="hi")
    assert ticket.messages.count() == 1


def test_a_ticket_may_only_refer_to_the_drivers_own_session():
    driver = DriverFactory()
    foreign = ChargingSessionFactory(token=TokenFactory())
    with pytest.raises(ValidationError):
        support.support_ticket_open(driver=driver, subject="s", body="b", session=foreign)
    mine = ChargingSessionFactory(token=TokenFactory(driver=driver), meter_start_wh=7)
    assert support.support_ticket_open(driver=driver, subject="s", body="b", session=mine).session == mine


def test_empty_messages_are_refused_with_a_clear_error(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    response = client.post(reverse("portal-support"), {"topic": "other", "subject": "", "body": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"subject", "body"}
    assert not SupportTicket.objects.exists()


def test_closing_twice_changes_nothing():
    ticket = support.support_ticket_open(driver=DriverFactory(), subject="s", body="b")
    support.support_ticket_close(ticket=ticket)
    updated_at = SupportTicket.objects.get().updated_at
    support.support_ticket_close(ticket=ticket)
    assert SupportTicket.objects.get().updated_at == updated_at


def _empty_inline(ticket) -> dict:
    count = ticket.messages.count()
    return {
        "messages-TOTAL_FORMS": str(count),
        "messages-INITIAL_FORMS": str(count),
        "messages-MIN_NUM_FORMS": "0",
        "messages-MAX_NUM_FORMS": "1000",
        **{f"messages-{i}-id": str(m.pk) for i, m in enumerate(ticket.messages.all())},
        **{f"messages-{i}-ticket": str(ticket.pk) for i in range(count)},
    }


def test_breakdown_report_opens_a_corrective_work_order(client):
    connector = ConnectorFactory()
    driver = DriverFactory()
    client.force_login(driver.user)
    url = reverse("portal-report", args=[connector.station_id])
    assert client.get(url).status_code == 200
    data = {"connector": connector.pk, "category": "damaged", "description": "The cable is cut."}
    response = client.post(url, data)
    assert response.url == reverse("portal-site", args=[connector.station.site_id])
    report = BreakdownReport.objects.get()
    assert (report.driver, report.connector, report.category) == (driver, connector, "damaged")
    assert report.work_order is not None
    client.post(url, data)  # a double submit files nothing new
    assert BreakdownReport.objects.count() == 1


def test_breakdown_report_needs_a_description(client):
    connector = ConnectorFactory()
    client.force_login(DriverFactory().user)
    response = client.post(reverse("portal-report", args=[connector.station_id]), {"category": "other"})
    assert response.context["form"].errors["description"]
