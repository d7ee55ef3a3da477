"""SEPA direct debit through the card processor: the mandate saved with what the driver
accepted, a pre-notification before each debit, the debit `processing` until a webhook
decides, and a debit returned after it succeeded reopening the invoice with an e-mail.
The real `stripe` library talks to the loopback stand-in of Stripe's API; webhooks are
signed as Stripe signs them."""

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import BillingAccount, Invoice, Payment, SepaMandate
from billing.selectors.ledger import ledger_totals
from billing.selectors.payment_methods import top_up_available
from billing.services.cdrs import session_price
from billing.services.dunning import invoices_dun
from billing.services.invoices import invoices_issue_for_month
from billing.services.payments import PaymentError, invoice_payments_collect, payments_retry_due, wallet_top_up
from billing.services.providers import CardSetupError
from billing.services.sepa_debits import sepa_mandate_text, sepa_setup_begin
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.stripe_stub import signed_event
from drivers.models import DriverNotification
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
SECRET = "whsec_test_secret"
RUN_AT = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def webhook(client, event_type, obj, event_id):
    payload, signature = signed_event(secret=SECRET, event_type=event_type, intent=obj, event_id=event_id)
    response = client.post(
        "/billing/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert response.status_code == 200, response.content
    return response


def mandate_saved(client, stub, driver, iban="pm_sepa_debit_de"):
    text = sepa_mandate_text(creditor="Demo Charging GmbH")
    sepa_setup_begin(
        driver=driver, key="form-1", mandate_text=text, ip_address="203.0.113.7", user_agent="Firefox/140", now=RUN_AT
    )
    mandate = SepaMandate.objects.get(account__driver=driver)
    webhook(client, "setup_intent.succeeded", stub.setup_succeed(mandate.setup_intent_id, iban), "evt_seti")
    mandate.refresh_from_db()
    return mandate


@pytest.fixture
def invoice(settings):
    settings.BILLING_PAYMENT_TERMS_DAYS = 14
    settings.BILLING_SEPA_PRENOTICE_DAYS = 2
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    driver = DriverFactory(user__email="anna@example.com")
    session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    return Invoice.objects.get(pk=invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)[0])


def test_saving_an_iban_stores_the_mandate_and_makes_it_the_payment_method(client, stripe_server):
    driver = DriverFactory()
    mandate = mandate_saved(client, stripe_server, driver)
    setup_call = next(r for r in stripe_server.requests if r["path"] == "/v1/setup_intents")
    assert setup_call["form"]["payment_method_types[0]"] == "sepa_debit"
    assert setup_call["form"]["usage"] == "off_session"
    assert mandate.status == SepaMandate.Status.ACTIVE and mandate.accepted_at == RUN_AT
    assert mandate.ip_address == "203.0.113.7" and mandate.user_agent == "Firefox/140"
    assert "Demo Charging GmbH" in mandate.text and "at least 2 days before" in mandate.text
    assert mandate.iban_last4 == "3000" and mandate.stripe_mandate_id.startswith("mandate_test_")
    account = BillingAccount.objects.get(driver=driver)
    assert account.payment_method_type == "sepa_debit" and account.stripe_payment_method_id == "pm_sepa_debit_de"


def test_direct_debit_is_not_offered_without_the_processor(settings):
    settings.STRIPE_API_KEY = ""
    with pytest.raises(CardSetupError, match="not configured"):
        sepa_setup_begin(
            driver=DriverFactory(), key="k", mandate_text="text", ip_address="203.0.113.7", user_agent="x", now=RUN_AT
        )
    assert not SepaMandate.objects.exists()


def test_debit_is_announced_then_taken_processing_then_settled_by_webhook(client, stripe_server, invoice):
    mandate_saved(client, stripe_server, invoice.driver)
    mail.outbox.clear()
    (payment_id,) = invoice_payments_collect(now=RUN_AT)
    payment = Payment.objects.get(pk=payment_id)
    # Announced, not taken: amount and date e-mailed, nothing sent to the processor yet.
    assert payment.status == Payment.Status.PENDING and payment.debit_on == date(2026, 6, 3)
    assert not [r for r in stripe_server.requests if r["path"] == "/v1/payment_intents"]
    (notice,) = mail.outbox
    assert notice.to == ["anna@example.com"] and "03 Jun 2026" in notice.subject and "3000" in notice.body
    assert f"€{invoice.total_incl_vat:.2f}" in notice.subject
    assert invoice_payments_collect(now=RUN_AT) == [] and len(mail.outbox) == 1
    assert payments_retry_due(now=RUN_AT + timedelta(days=1)) == []

    assert payments_retry_due(now=RUN_AT + timedelta(days=2)) == [payment_id]
    (debit,) = [r for r in stripe_server.requests if r["path"] == "/v1/payment_intents"]
    assert debit["form"]["payment_method_types[0]"] == "sepa_debit" and debit["form"]["off_session"] == "true"
    payment.refresh_from_db()
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.PENDING and invoice.status == Invoice.Status.OPEN
    # While the bank decides, the invoice is not dunned even long after its due date.
    assert invoices_dun(now=RUN_AT + timedelta(days=60)) == {"reminder_1": [], "reminder_2": [], "block": []}
    assert payments_retry_due(now=RUN_AT + timedelta(days=3)) == []

    webhook(
        client, "payment_intent.succeeded", stripe_server.debit_outcome(payment.provider_reference, "succeeded"), "e1"
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_a_debit_returned_after_it_succeeded_reopens_the_invoice_and_tells_the_driver(client, stripe_server, invoice):
    mandate_saved(client, stripe_server, invoice.driver)
    (payment_id,) = invoice_payments_collect(now=RUN_AT)
    payments_retry_due(now=RUN_AT + timedelta(days=2))
    reference = Payment.objects.get(pk=payment_id).provider_reference
    webhook(client, "payment_intent.succeeded", stripe_server.debit_outcome(reference, "succeeded"), "e1")
    mail.outbox.clear()

    returned = stripe_server.debit_outcome(reference, "requires_payment_method")
    webhook(client, "payment_intent.payment_failed", returned, "e2")
    webhook(client, "payment_intent.payment_failed", returned, "e2")  # replayed: applied once
    invoice.refresh_from_db()
    payment = Payment.objects.get(pk=payment_id)
    assert invoice.status == Invoice.Status.OPEN and invoice.paid_at is None
    assert payment.status == Payment.Status.FAILED and "insufficient funds" in payment.failure_message
    assert payment.next_retry_at is None  # no re-debit without a new notice
    (told,) = mail.outbox
    assert invoice.number in told.subject and "open again" in told.body
    assert DriverNotification.objects.filter(kind=DriverNotification.Kind.DIRECT_DEBIT_FAILED).count() == 1
    assert all(total == 0 for total in ledger_totals().values())
    # Dunning starts afresh: a reminder first, never a block straight away.
    done = invoices_dun(now=datetime.combine(invoice.due_date, datetime.min.time(), tzinfo=UTC) + timedelta(days=30))
    assert done["reminder_1"] == [invoice.pk] and done["block"] == []


def test_a_debit_that_fails_while_processing_leaves_the_invoice_open_and_tells_the_driver(
    client, stripe_server, invoice
):
    mandate_saved(client, stripe_server, invoice.driver, iban="pm_sepa_debit_failing")
    (payment_id,) = invoice_payments_collect(now=RUN_AT)
    payments_retry_due(now=RUN_AT + timedelta(days=2))
    mail.outbox.clear()
    reference = Payment.objects.get(pk=payment_id).provider_reference
    webhook(
        client, "payment_intent.payment_failed", stripe_server.debit_outcome(reference, "requires_payment_method"), "e3"
    )
    payment = Payment.objects.get(pk=payment_id)
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.FAILED and payment.next_retry_at is None and payment.debit_on is None
    assert invoice.status == Invoice.Status.OPEN
    assert len(mail.outbox) == 1 and "failed" in mail.outbox[0].subject
    # A driver notice: listed in the portal, once per debit attempt.
    assert DriverNotification.objects.get().kind == DriverNotification.Kind.DIRECT_DEBIT_FAILED


def test_the_portal_offers_direct_debit_with_its_mandate_and_stores_the_acceptance(client, stripe_server, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_stub"
    driver = DriverFactory()
    client.force_login(driver.user)
    page = client.get(reverse("portal-billing")).content.decode()
    assert 'id="direct-debit"' in page and "at least 2 days before" in page
    client.post(reverse("portal-sepa-setup"), {"key": str(uuid.uuid4())})  # mandate not accepted
    assert not SepaMandate.objects.exists()
    response = client.post(
        reverse("portal-sepa-setup"), {"key": str(uuid.uuid4()), "accept": "on"}, HTTP_USER_AGENT="Firefox/140"
    )
    mandate = SepaMandate.objects.get(account__driver=driver)
    assert stripe_server.setup_intents[mandate.setup_intent_id]["client_secret"] in response.content.decode()
    assert mandate.ip_address == "127.0.0.1" and mandate.user_agent == "Firefox/140"
    assert mandate.text in response.content.decode()


def test_the_portal_does_not_offer_direct_debit_without_the_processor(client, settings):
    settings.STRIPE_API_KEY = ""
    driver = DriverFactory()
    client.force_login(driver.user)
    assert 'id="direct-debit"' not in client.get(reverse("portal-billing")).content.decode()
    client.post(reverse("portal-sepa-setup"), {"key": str(uuid.uuid4()), "accept": "on"})
    assert not SepaMandate.objects.exists()


def test_pay_now_offers_the_direct_debit_once_and_announces_it(client, stripe_server, invoice, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_stub"
    mandate_saved(client, stripe_server, invoice.driver)
    client.force_login(invoice.driver.user)
    assert "Pay by direct debit (announced" in client.get(reverse("portal-billing")).content.decode()
    mail.outbox.clear()
    page = client.post(
        reverse("portal-invoice-pay", args=[invoice.number]), {"method": "direct_debit"}, follow=True
    ).content.decode()
    assert "announced by e-mail and taken on" in page
    assert len(mail.outbox) == 1 and "Direct debit of" in mail.outbox[0].subject
    assert "Pay by direct debit (announced" not in page  # announced: not offered twice
    assert not [r for r in stripe_server.requests if r["path"] == "/v1/payment_intents"]


def test_staff_see_the_mandates_but_cannot_edit_them(admin_client, client, stripe_server):
    mandate = mandate_saved(client, stripe_server, DriverFactory())
    page = admin_client.get(reverse("admin:billing_sepamandate_changelist")).content.decode()
    assert mandate.stripe_mandate_id in page and "203.0.113.7" in page
    assert admin_client.post(reverse("admin:billing_sepamandate_change", args=[mandate.pk]), {}).status_code == 403


def test_a_wallet_is_not_topped_up_from_a_direct_debit_mandate(client, stripe_server):
    driver = DriverFactory()
    mandate_saved(client, stripe_server, driver)
    assert not top_up_available(driver=driver)
    with pytest.raises(PaymentError, match="Save a card"):
        wallet_top_up(driver=driver, amount=Decimal("20"), currency="EUR", key="k1")
    assert not [r for r in stripe_server.requests if r["path"] == "/v1/payment_intents"]
