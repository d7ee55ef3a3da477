from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Account, BillingAccount, Invoice, LedgerTransaction, Payment, WebhookEvent
from billing.selectors import payment_block_reason, wallet_balance
from billing.selectors.ledger import account_balance
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.payments import (
    PaymentError,
    ad_hoc_authorize,
    ad_hoc_capture_for_session,
    invoice_payments_collect,
    payments_retry_due,
    wallet_top_up,
)
from billing.tests.factories import BillingAccountFactory, completed_session, energy_tariff
from billing.tests.stripe_stub import DECLINING_CARD, signed_event
from drivers.models import Driver, SessionToken, Token
from drivers.selectors.tokens import token_authorization
from drivers.tests.factories import DriverFactory
from stations.models import ChargingSession
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal
RUN_AT = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def card_driver(card="pm_card_visa"):
    account = BillingAccountFactory(stripe_customer_id="cus_test", stripe_payment_method_id=card)
    return account.driver


def invoiced(connector, driver) -> Invoice:
    session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    return Invoice.objects.get(pk=invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)[0])


def receivable(driver):
    return account_balance(account=Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver))


def test_invoice_is_charged_to_the_saved_card_with_an_idempotency_key(stripe_server, connector):
    driver = card_driver()
    invoice = invoiced(connector, driver)
    [payment_id] = invoice_payments_collect(now=RUN_AT)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == Payment.Status.SUCCEEDED and payment.provider_reference.startswith("pi_test_")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert receivable(driver) == 0
    [request] = stripe_server.requests
    assert request["form"]["amount"] == "952" and request["form"]["off_session"] == "true"
    assert request["idempotency_key"] == f"invoice-{invoice.pk}-attempt-1"


def test_collecting_twice_charges_once(stripe_server, connector):
    invoiced(connector, card_driver())
    invoice_payments_collect(now=RUN_AT)
    assert invoice_payments_collect(now=RUN_AT) == []
    assert len(stripe_server.requests) == 1 and Payment.objects.count() == 1


def test_declined_card_retries_on_schedule_and_blocks_no_one_by_itself(stripe_server, connector):
    driver = card_driver(DECLINING_CARD)
    invoiced(connector, driver)
    [payment_id] = invoice_payments_collect(now=RUN_AT)
    payment = Payment.objects.get(pk=payment_id)
    assert payment.status == Payment.Status.FAILED and "declined" in payment.failure_message
    assert payment.next_retry_at == RUN_AT + timedelta(hours=24)
    driver.refresh_from_db()
    # Blocking is dunning's last step, after two e-mailed reminders (test_dunning.py).
    assert driver.account_status == Driver.AccountStatus.ACTIVE
    assert payment_block_reason(driver=driver) is None
    assert payments_retry_due(now=RUN_AT + timedelta(hours=1)) == []
    BillingAccount.objects.filter(driver=driver).update(stripe_payment_method_id="pm_card_visa")
    payments_retry_due(now=RUN_AT + timedelta(hours=25))
    payment.refresh_from_db()
    driver.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.attempts == 2
    assert driver.account_status == Driver.AccountStatus.ACTIVE and payment_block_reason(driver=driver) is None


def test_wallet_top_up_then_sessions_are_debited_and_low_balance_blocks(stripe_server, connector, settings):
    settings.BILLING_WALLET_MIN_BALANCE = "5.00"
    driver = card_driver()
    BillingAccount.objects.filter(driver=driver).update(mode=BillingAccount.Mode.WALLET)
    assert "top up" in payment_block_reason(driver=driver)
    wallet_top_up(driver=driver, amount=D("20.00"), currency="EUR", key="k1")
    wallet_top_up(driver=driver, amount=D("20.00"), currency="EUR", key="k1")  # a repeated request
    assert wallet_balance(driver=driver) == D("20.00")
    assert payment_block_reason(driver=driver) is None
    session_price(session_id=completed_session(connector=connector, driver=driver, energy_wh=20000).pk)
    assert wallet_balance(driver=driver) == D("10.48")
    assert receivable(driver) == 0
    session_price(
        session_id=completed_session(connector=connector, driver=driver, started_at=RUN_AT - timedelta(days=3)).pk
    )
    assert wallet_balance(driver=driver) == D("0.96")
    assert "too low" in payment_block_reason(driver=driver)


def test_top_up_must_be_positive(stripe_server):
    with pytest.raises(PaymentError):
        wallet_top_up(driver=DriverFactory(), amount=D("0"), currency="EUR", key="zero")


def test_ad_hoc_session_is_preauthorised_and_captured_for_its_price(stripe_server, connector):
    hold = ad_hoc_authorize(payment_method="pm_card_visa", currency="EUR", key="qr-1")
    assert hold.status == Payment.Status.REQUIRES_CAPTURE and hold.id_tag.startswith("ADHOC")
    assert token_authorization(id_tag=hold.id_tag).status == "Accepted"
    session = completed_session(connector=connector, energy_wh=20000)
    ChargingSession.objects.filter(pk=session.pk).update(id_tag=hold.id_tag)
    SessionToken.objects.filter(session=session).update(token=Token.objects.get(uid=hold.id_tag))
    session_price(session_id=session.pk)
    payment = ad_hoc_capture_for_session(session_id=session.pk)
    assert payment.status == Payment.Status.SUCCEEDED and payment.amount == D("9.52")
    assert stripe_server.requests[-1]["form"] == {"amount_to_capture": "952"}
    assert ad_hoc_capture_for_session(session_id=session.pk).pk == payment.pk
    assert len([r for r in stripe_server.requests if r["path"].endswith("/capture")]) == 1
    assert token_authorization(id_tag=hold.id_tag).status == "Blocked"  # one session per hold


def webhook(client, payload, signature):
    return client.post(
        "/billing/stripe/webhook/", data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )


def test_webhook_with_a_bad_signature_is_refused_and_stores_nothing(client, stripe_server):
    payload, _ = signed_event(secret="whsec_test_secret", event_type="payment_intent.succeeded", intent={"id": "pi_x"})
    _, forged = signed_event(secret="whsec_someone_else", event_type="payment_intent.succeeded", intent={"id": "pi_x"})
    response = webhook(client, payload, forged)
    assert response.status_code == 400 and b"signature" in response.content.lower()
    assert not WebhookEvent.objects.exists()


def test_webhook_settles_a_pending_payment_and_a_replay_changes_nothing(client, stripe_server, connector):
    driver = card_driver()
    invoice = invoiced(connector, driver)
    payment = Payment.objects.create(
        provider="stripe",
        purpose="invoice",
        driver=driver,
        invoice=invoice,
        amount=invoice.total_incl_vat,
        currency="EUR",
        idempotency_key=f"invoice-{invoice.pk}",
        provider_reference="pi_async_1",
        status=Payment.Status.PENDING,
        attempts=1,
    )
    intent = {"id": "pi_async_1", "object": "payment_intent", "status": "succeeded", "amount": 952}
    payload, signature = signed_event(secret="whsec_test_secret", event_type="payment_intent.succeeded", intent=intent)
    assert webhook(client, payload, signature).status_code == 200
    assert webhook(client, payload, signature).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert WebhookEvent.objects.count() == 1
    assert LedgerTransaction.objects.filter(reference=f"payment:{payment.pk}").count() == 1
    assert receivable(driver) == 0


def test_refund_after_a_credit_note_returns_the_money_once(stripe_server, connector):
    from billing.services.cdrs import cdr_credit
    from billing.services.invoices import credit_note_issue
    from billing.services.payments import payment_refund

    driver = card_driver()
    invoice = invoiced(connector, driver)
    [payment_id] = invoice_payments_collect(now=RUN_AT)
    payment = Payment.objects.get(pk=payment_id)
    credit = cdr_credit(cdr=invoice.lines.get().cdr, reason="Charger fault")
    credit_note_issue(credit_cdr=credit, now=RUN_AT)
    assert receivable(driver) == D("-9.52")  # we owe the driver
    refund = payment_refund(payment=payment, amount=D("9.52"), key="cn-1")
    assert payment_refund(payment=payment, amount=D("9.52"), key="cn-1").pk == refund.pk
    assert refund.status == Payment.Status.SUCCEEDED and refund.provider_reference.startswith("re_test_")
    assert receivable(driver) == 0
    assert [r["form"] for r in stripe_server.requests if r["path"] == "/v1/refunds"] == [
        {"payment_intent": payment.provider_reference, "amount": "952"}
    ]
    with pytest.raises(PaymentError, match="at most"):
        payment_refund(payment=payment, amount=D("0.01"), key="cn-2")


def test_admin_retry_now_retries_only_the_selected_payments(admin_client, stripe_server, connector):
    first, second = card_driver(DECLINING_CARD), card_driver(DECLINING_CARD)
    invoiced(connector, first)
    invoiced(connector, second)
    selected, other = (Payment.objects.get(pk=pk) for pk in invoice_payments_collect(now=RUN_AT))
    Payment.objects.update(next_retry_at=RUN_AT)  # both are due
    response = admin_client.post(
        reverse("admin:billing_payment_changelist"), {"action": "retry_now", "_selected_action": [selected.pk]}
    )
    assert response.status_code == 302
    selected.refresh_from_db()
    other.refresh_from_db()
    assert (selected.attempts, other.attempts) == (2, 1)
