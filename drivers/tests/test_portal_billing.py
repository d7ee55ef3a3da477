"""Money pages of the portal: invoices with their PDF, payments, wallet top-up, membership."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Payment, Subscription
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.tests.factories import MembershipPlanFactory, completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    return driver


def test_invoices_are_listed_with_their_pdf_and_only_the_drivers_own(client, driver):
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    driver.emsp = connector.station.site.operator
    driver.save()
    session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    other = DriverFactory(emsp=driver.emsp)
    session_price(session_id=completed_session(connector=connector, driver=other, energy_wh=5000).pk)
    invoices_issue_for_month(period_start=date(2026, 5, 1), now=datetime(2026, 6, 1, 2, tzinfo=UTC))
    page = client.get(reverse("portal-billing"))
    [invoice] = page.context["invoices"]
    assert invoice.driver == driver
    pdf_url = reverse("billing:invoice-pdf", args=[invoice.number])
    assert pdf_url in page.content.decode()
    pdf = client.get(pdf_url)
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_top_up_is_not_offered_without_card_processor_keys_and_a_click_stores_nothing(client, driver, settings):
    settings.STRIPE_API_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    page = client.get(reverse("portal-billing")).content.decode()
    assert 'id="top-up"' not in page and reverse("portal-top-up") not in page
    key = str(uuid.uuid4())
    answer = client.post(reverse("portal-top-up"), {"amount": "20", "key": key}, follow=True)
    assert "not configured" in answer.content.decode()
    assert not Payment.objects.exists()
    assert answer.context["wallet_balance"] == Decimal("0")


def test_top_up_without_a_saved_card_is_refused_before_anything_is_stored(client, driver, settings):
    settings.STRIPE_API_KEY = "sk_test_configured"
    assert 'id="top-up"' not in client.get(reverse("portal-billing")).content.decode()
    answer = client.post(reverse("portal-top-up"), {"amount": "20", "key": str(uuid.uuid4())}, follow=True)
    assert "Save a card first" in answer.content.decode()
    assert not Payment.objects.exists()


def test_top_up_refuses_amounts_not_offered(client, driver):
    page = client.post(reverse("portal-top-up"), {"amount": "-5", "key": str(uuid.uuid4())}, follow=True)
    assert "choose an amount" in page.content.decode()
    assert not Payment.objects.exists()


def test_compare_subscribe_and_cancel_a_membership(client, driver):
    plus = MembershipPlanFactory(name="Plus", discount_percent=Decimal("10"))
    MembershipPlanFactory(name="Basic")
    page = client.get(reverse("portal-memberships")).content.decode()
    assert "Plus" in page and "Basic" in page and "−10 %" in page
    client.post(reverse("portal-membership-subscribe"), {"plan": plus.pk})
    subscription = Subscription.objects.get(driver=driver)
    assert subscription.plan == plus
    again = client.post(reverse("portal-membership-subscribe"), {"plan": plus.pk}, follow=True)
    assert Subscription.objects.filter(driver=driver).count() == 1
    assert "Your plan" in again.content.decode()
    client.post(reverse("portal-membership-cancel"))
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELLING and subscription.ends_on is not None
