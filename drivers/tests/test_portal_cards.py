"""The saved card on the portal's billing page: Stripe's form when Stripe is configured, a
clear message when it is not; removal; each driver touches only their own card."""

import uuid

import pytest
from django.urls import reverse

from billing.models import BillingAccount
from billing.tests.factories import BillingAccountFactory
from billing.tests.stripe_stub import StripeStub
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def driver(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    return driver


@pytest.fixture
def stripe_configured(settings):
    """Stripe's API stand-in on loopback (billing's test helper) and both Stripe keys set."""
    stub = StripeStub().start()
    settings.STRIPE_API_BASE = stub.url
    settings.STRIPE_API_KEY = "sk_test_stub"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_stub"
    yield stub
    stub.stop()


def saved_card(driver, method="pm_card_visa"):
    return BillingAccountFactory(
        driver=driver,
        stripe_customer_id="cus_test_1",
        stripe_payment_method_id=method,
        card_brand="visa",
        card_last4="4242",
        card_exp_month=3,
        card_exp_year=2030,
    )


def test_without_stripe_keys_the_page_says_cards_are_not_configured(client, driver, settings):
    settings.STRIPE_API_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = ""
    page = client.get(reverse("portal-billing")).content.decode()
    assert "Card payments are not configured" in page
    assert reverse("portal-card-setup") not in page and "js.stripe.com" not in page
    response = client.post(reverse("portal-card-setup"), {"key": str(uuid.uuid4())}, follow=True)
    assert "Card payments are not configured" in response.content.decode()
    assert not BillingAccount.objects.filter(driver=driver).exclude(stripe_customer_id="").exists()


def test_with_stripe_configured_save_opens_stripes_form_with_the_setup_intent(client, driver, stripe_configured):
    page = client.get(reverse("portal-billing")).content.decode()
    assert reverse("portal-card-setup") in page and "Save a card" in page
    assert "csrfmiddlewaretoken" in page
    key = str(uuid.uuid4())
    form_page = client.post(reverse("portal-card-setup"), {"key": key})
    html = form_page.content.decode()
    account = BillingAccount.objects.get(driver=driver)
    intent = stripe_configured.setup_intents[account.stripe_setup_intent_id]
    assert intent["customer"] == account.stripe_customer_id and intent["usage"] == "off_session"
    assert f'data-client-secret="{intent["client_secret"]}"' in html
    assert 'data-publishable-key="pk_test_stub"' in html
    assert '<script src="https://js.stripe.com/v3/"></script>' in html
    assert stripe_configured.requests[-1]["idempotency_key"] == f"card-setup-{account.pk}-{key}"


def test_the_saved_card_is_shown_with_replace_and_remove(client, driver, stripe_configured):
    saved_card(driver)
    page = client.get(reverse("portal-billing")).content.decode()
    assert "Visa •••• 4242" in page and "expires 03/2030" in page
    assert "Replace card" in page and reverse("portal-card-remove") in page
    assert "pm_card_visa" not in page and "cus_test_1" not in page


def test_coming_back_from_stripe_says_the_card_is_on_its_way(client, driver, stripe_configured):
    page = client.get(reverse("portal-billing"), {"setup_intent": "seti_x", "redirect_status": "succeeded"})
    assert "Your card is being saved" in page.content.decode()


def test_remove_detaches_the_card_and_clears_it(client, driver, stripe_configured):
    saved_card(driver)
    stripe_configured.attached["pm_card_visa"] = "cus_test_1"
    page = client.post(reverse("portal-card-remove"), follow=True).content.decode()
    assert "Your card is removed" in page and "•••• 4242" not in page
    assert stripe_configured.requests[-1]["path"] == "/v1/payment_methods/pm_card_visa/detach"
    assert BillingAccount.objects.get(driver=driver).stripe_payment_method_id == ""


def test_a_driver_cannot_remove_or_set_up_another_drivers_card(client, driver, stripe_configured):
    other = saved_card(DriverFactory())
    page = client.post(reverse("portal-card-remove"), {"account": other.pk, "driver": other.driver_id}, follow=True)
    assert "No card is saved" in page.content.decode()
    other.refresh_from_db()
    assert other.stripe_payment_method_id == "pm_card_visa"
    assert not any("detach" in r["path"] for r in stripe_configured.requests)

    client.post(reverse("portal-card-setup"), {"key": str(uuid.uuid4()), "account": other.pk})
    [setup] = [r for r in stripe_configured.requests if r["path"] == "/v1/setup_intents"]
    assert setup["form"]["customer"] != "cus_test_1"
    assert setup["form"]["metadata[billing_account]"] == str(BillingAccount.objects.get(driver=driver).pk)


def test_card_forms_need_a_logged_in_driver_and_a_post_with_csrf(client, stripe_configured):
    other = saved_card(DriverFactory())
    response = client.post(reverse("portal-card-remove"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    csrf_client = client.__class__(enforce_csrf_checks=True)
    csrf_client.force_login(DriverFactory().user)
    assert csrf_client.post(reverse("portal-card-remove")).status_code == 403
    assert client.get(reverse("portal-card-remove")).status_code in (302, 405)
    other.refresh_from_db()
    assert other.stripe_payment_method_id == "pm_card_visa"
