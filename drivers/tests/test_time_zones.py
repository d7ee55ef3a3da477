"""Support ticket and chat times in the driver's own zone: their profile setting, else the
zone their browser reports, else UTC; a bad zone is refused or ignored."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from drivers.models import SupportTicket, TicketMessage
from drivers.services import support
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db
NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def ticket(client):
    driver = DriverFactory(email_verified_at=timezone.now())
    client.force_login(driver.user)
    ticket = support.support_ticket_open(driver=driver, subject="Card refused", body="My card was refused.")
    TicketMessage.objects.filter(ticket=ticket).update(created_at=NOON_UTC)
    SupportTicket.objects.filter(pk=ticket.pk).update(updated_at=NOON_UTC)
    return ticket


def _pages(client, ticket) -> tuple[str, str]:
    detail = client.get(reverse("portal-ticket", args=[ticket.pk])).content.decode()
    listing = client.get(reverse("portal-support")).content.decode()
    return detail, listing


def test_times_follow_the_drivers_chosen_zone(client, ticket):
    ticket.driver.time_zone = "Europe/Berlin"
    ticket.driver.save(update_fields=["time_zone"])
    client.cookies["tz"] = "America/New_York"  # the setting wins over the browser
    detail, listing = _pages(client, ticket)
    assert "2026-01-15 13:00 CET" in detail and "2026-01-15 13:00 CET" in listing
    assert 'data-time-zone="Europe/Berlin"' in detail  # live chat messages are written in it too


def test_without_a_setting_the_browsers_zone_is_used_and_a_bad_one_ignored(client, ticket):
    client.cookies["tz"] = "America/New_York"
    detail, listing = _pages(client, ticket)
    assert "2026-01-15 07:00 EST" in detail and "2026-01-15 07:00 EST" in listing
    client.cookies["tz"] = "Mars/Olympus_Mons"
    detail, _ = _pages(client, ticket)
    assert "2026-01-15 12:00 UTC" in detail


def test_the_zone_is_chosen_in_the_profile_and_checked(client, ticket):
    form = {"preferred_language": "en", "time_zone": "Europe/Lisbon"}
    assert client.post(reverse("portal-account"), form).status_code == 302
    ticket.driver.refresh_from_db()
    assert ticket.driver.time_zone == "Europe/Lisbon"
    bad = client.post(reverse("portal-account"), {**form, "time_zone": "Europe/Atlantis"})
    assert bad.status_code == 200 and bad.context["form"].errors["time_zone"]
    assert client.post(reverse("portal-account"), {**form, "time_zone": ""}).status_code == 302
    ticket.driver.refresh_from_db()
    assert ticket.driver.time_zone == ""
