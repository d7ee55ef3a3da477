"""Invoicing a closed month on demand: the command and the admin page, both idempotent."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from billing.models import Invoice
from billing.services.cdrs import session_price
from billing.tests.factories import completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced_session_in_may():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site)
    return session_price(session_id=completed_session(connector=connector, driver=DriverFactory()).pk)


def test_command_invoices_a_closed_month_once(priced_session_in_may, capsys):
    call_command("invoices_issue", "--month", "2026-05")
    call_command("invoices_issue", "--month", "2026-05")
    assert Invoice.objects.filter(driver=priced_session_in_may.driver).count() == 1
    assert "0 invoice(s) issued for 2026-05" in capsys.readouterr().out


def test_command_refuses_a_month_that_has_not_ended():
    this_month = timezone.now().date().replace(day=1)
    with pytest.raises(CommandError, match="has not ended"):
        call_command("invoices_issue", "--month", f"{this_month:%Y-%m}")
    with pytest.raises(CommandError, match="2026-05"):
        call_command("invoices_issue", "--month", "May")


def test_staff_invoice_a_closed_month_from_the_admin(admin_client, priced_session_in_may):
    url = reverse("admin:billing_invoice_issue")
    assert url in admin_client.get(reverse("admin:billing_invoice_changelist")).content.decode()
    response = admin_client.post(url, {"month": "2026-05"}, follow=True)
    assert "1 invoice(s) issued for 2026-05" in response.content.decode()
    admin_client.post(url, {"month": "2026-05"})
    assert Invoice.objects.count() == 1


def test_admin_refuses_the_current_month(admin_client):
    month = (timezone.localdate().replace(day=1) + timedelta(days=1)).strftime("%Y-%m")
    response = admin_client.post(reverse("admin:billing_invoice_issue"), {"month": month})
    assert "Only a month that has ended" in response.content.decode()
    assert not Invoice.objects.exists()


def test_invoice_issue_page_is_for_staff_only(client):
    response = client.get(reverse("admin:billing_invoice_issue"))
    assert response.status_code == 302 and "login" in response["Location"]
