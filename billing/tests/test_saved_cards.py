"""Saving, replacing and removing a driver's card: the real `stripe` library talks to the
loopback stand-in of Stripe's API; webhooks are signed as Stripe signs them."""

import pytest

from billing.models import BillingAccount, WebhookEvent
from billing.services.cards import card_remove, card_setup_begin
from billing.services.providers import CardSetupError
from billing.tests.factories import BillingAccountFactory
from billing.tests.stripe_stub import signed_event
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"


def webhook(client, payload, signature):
    return client.post(
        "/billing/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def setup_succeeded(client, stub, driver, card="pm_card_visa", event_id="evt_setup_1"):
    """The driver saves a card through Stripe's form; Stripe then calls our webhook."""
    card_setup_begin(driver=driver, key=event_id)
    intent_id = BillingAccount.objects.get(driver=driver).stripe_setup_intent_id
    payload, signature = signed_event(
        secret=SECRET,
        event_type="setup_intent.succeeded",
        intent=stub.setup_succeed(intent_id, card),
        event_id=event_id,
    )
    return webhook(client, payload, signature), payload, signature


def test_setup_creates_the_customer_once_and_an_off_session_setup_intent(stripe_server):
    driver = DriverFactory()
    secret = card_setup_begin(driver=driver, key="form-1")
    account = BillingAccount.objects.get(driver=driver)
    customer_call, intent_call = stripe_server.requests
    assert customer_call["path"] == "/v1/customers" and customer_call["form"]["email"] == driver.email
    assert intent_call["path"] == "/v1/setup_intents"
    assert account.stripe_customer_id.startswith("cus_test_")
    assert intent_call["form"]["customer"] == account.stripe_customer_id
    assert intent_call["form"]["usage"] == "off_session"
    assert intent_call["form"]["metadata[billing_account]"] == str(account.pk)
    assert intent_call["idempotency_key"] == f"card-setup-{account.pk}-form-1"
    assert secret == stripe_server.setup_intents[account.stripe_setup_intent_id]["client_secret"]

    card_setup_begin(driver=driver, key="form-2")
    assert [r["path"] for r in stripe_server.requests[2:]] == ["/v1/setup_intents"]
    assert stripe_server.requests[2]["form"]["customer"] == account.stripe_customer_id


def test_the_same_form_twice_gives_the_same_setup_intent(stripe_server):
    driver = DriverFactory()
    assert card_setup_begin(driver=driver, key="form-1") == card_setup_begin(driver=driver, key="form-1")
    assert len(stripe_server.setup_intents) == 1 and len(stripe_server.customers) == 1


def test_an_existing_customer_is_reused(stripe_server):
    account = BillingAccountFactory(stripe_customer_id="cus_existing")
    card_setup_begin(driver=account.driver, key="k")
    [request] = stripe_server.requests
    assert request["path"] == "/v1/setup_intents" and request["form"]["customer"] == "cus_existing"


def test_stripe_unreachable_gives_a_clear_error_and_saves_nothing(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.STRIPE_API_KEY = "sk_test_stub"
    driver = DriverFactory()
    with pytest.raises(CardSetupError):
        card_setup_begin(driver=driver, key="k")
    account = BillingAccount.objects.get(driver=driver)
    assert account.stripe_customer_id == "" and account.stripe_payment_method_id == ""


def test_signed_setup_intent_succeeded_stores_the_card_and_a_replay_changes_nothing(client, stripe_server):
    driver = DriverFactory()
    response, payload, signature = setup_succeeded(client, stripe_server, driver)
    assert response.status_code == 200
    account = BillingAccount.objects.get(driver=driver)
    saved = (account.stripe_payment_method_id, account.card_brand, account.card_last4)
    assert saved == ("pm_card_visa", "visa", "4242")
    assert (account.card_exp_month, account.card_exp_year) == (12, 2030)

    requests_before = len(stripe_server.requests)
    assert webhook(client, payload, signature).status_code == 200
    assert WebhookEvent.objects.filter(type="setup_intent.succeeded").count() == 1
    assert len(stripe_server.requests) == requests_before
    account.refresh_from_db()
    assert (account.stripe_payment_method_id, account.card_brand, account.card_last4) == saved


def test_a_setup_intent_webhook_with_a_bad_signature_is_refused(client, stripe_server):
    driver = DriverFactory()
    card_setup_begin(driver=driver, key="k")
    intent_id = BillingAccount.objects.get(driver=driver).stripe_setup_intent_id
    payload, _ = signed_event(
        secret=SECRET,
        event_type="setup_intent.succeeded",
        intent=stripe_server.setup_succeed(intent_id, "pm_card_visa"),
    )
    _, forged = signed_event(secret="whsec_someone_else", event_type="setup_intent.succeeded", intent={})
    response = webhook(client, payload, forged)
    assert response.status_code == 400 and b"signature" in response.content.lower()
    assert not WebhookEvent.objects.exists()
    assert BillingAccount.objects.get(driver=driver).stripe_payment_method_id == ""


def test_a_setup_intent_that_is_not_the_accounts_latest_is_ignored(client, stripe_server):
    driver = DriverFactory()
    card_setup_begin(driver=driver, key="old-form")
    old_intent = BillingAccount.objects.get(driver=driver).stripe_setup_intent_id
    card_setup_begin(driver=driver, key="new-form")
    payload, signature = signed_event(
        secret=SECRET,
        event_type="setup_intent.succeeded",
        intent=stripe_server.setup_succeed(old_intent, "pm_card_visa"),
    )
    assert webhook(client, payload, signature).status_code == 200
    assert BillingAccount.objects.get(driver=driver).stripe_payment_method_id == ""


def test_replacing_the_card_stores_the_new_one_and_detaches_the_old(
    client, stripe_server, django_capture_on_commit_callbacks
):
    driver = DriverFactory()
    setup_succeeded(client, stripe_server, driver, "pm_card_visa", "evt_first")
    with django_capture_on_commit_callbacks(execute=True):
        response, _, _ = setup_succeeded(client, stripe_server, driver, "pm_card_mastercard", "evt_second")
    assert response.status_code == 200
    account = BillingAccount.objects.get(driver=driver)
    assert (account.stripe_payment_method_id, account.card_brand, account.card_last4) == (
        "pm_card_mastercard",
        "mastercard",
        "4444",
    )
    assert "pm_card_visa" not in stripe_server.attached and "pm_card_mastercard" in stripe_server.attached


def test_removing_the_card_detaches_it_at_stripe_and_clears_it_here(client, stripe_server):
    driver = DriverFactory()
    setup_succeeded(client, stripe_server, driver)
    assert card_remove(driver=driver) is True
    detach = stripe_server.requests[-1]
    assert detach["path"] == "/v1/payment_methods/pm_card_visa/detach"
    assert detach["idempotency_key"] == "card-detach-pm_card_visa"
    assert "pm_card_visa" not in stripe_server.attached
    account = BillingAccount.objects.get(driver=driver)
    assert (account.stripe_payment_method_id, account.card_brand, account.card_last4, account.card_exp_year) == (
        "",
        "",
        "",
        None,
    )
    assert account.stripe_customer_id != ""  # the customer stays for the next card
    assert card_remove(driver=driver) is False


def test_removing_a_card_already_detached_at_stripe_still_clears_it(stripe_server):
    account = BillingAccountFactory(stripe_customer_id="cus_x", stripe_payment_method_id="pm_card_visa")
    assert card_remove(driver=account.driver) is True
    account.refresh_from_db()
    assert account.stripe_payment_method_id == ""


def test_removal_when_stripe_is_unreachable_keeps_the_card(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_API_KEY = "sk_test_stub"
    account = BillingAccountFactory(stripe_customer_id="cus_x", stripe_payment_method_id="pm_card_visa")
    with pytest.raises(CardSetupError):
        card_remove(driver=account.driver)
    account.refresh_from_db()
    assert account.stripe_payment_method_id == "pm_card_visa"
