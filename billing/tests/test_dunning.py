"""Getting paid without locking people out: payment terms, the dunning sequence (two
e-mailed reminders before any block), "pay now" from the wallet or the saved card, staff
marking an invoice paid, and the block lifted by paying."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import BillingAccount, Invoice, Payment
from billing.selectors import payment_block_reason, wallet_balance
from billing.services.cdrs import session_price
from billing.services.dunning import invoices_dun
from billing.services.invoice_payments import invoice_mark_paid, invoice_pay_from_wallet
from billing.services.invoices import invoices_issue_for_month
from billing.services.ledger import account_get, transaction_post
from billing.services.payments import PaymentError, invoice_payments_collect
from billing.tests.factories import BillingAccountFactory, completed_session, energy_tariff
from drivers.models import Driver
from drivers.selectors.tokens import token_authorization
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.models import Organisation
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
RUN_AT = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


@pytest.fixture
def terms(settings):
    settings.BILLING_PAYMENT_TERMS_DAYS = 14
    settings.BILLING_REMINDER_1_DAYS = 3
    settings.BILLING_REMINDER_2_DAYS = 10
    settings.BILLING_BLOCK_GRACE_DAYS = 7


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def invoiced(connector, driver) -> Invoice:
    session_price(session_id=completed_session(connector=connector, driver=driver).pk)
    return Invoice.objects.get(pk=invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)[0])


def day(invoice, offset) -> datetime:
    return datetime.combine(invoice.due_date, datetime.min.time(), tzinfo=UTC) + timedelta(days=offset, hours=12)


def status(driver) -> str:
    driver.refresh_from_db()
    return driver.account_status


def test_invoice_is_due_after_the_configured_payment_terms(terms, connector, settings):
    settings.BILLING_PAYMENT_TERMS_DAYS = 30
    invoice = invoiced(connector, DriverFactory())
    assert invoice.due_date == RUN_AT.date() + timedelta(days=30)
    assert invoice.payment_reference.startswith("RF") and invoice.payment_reference.endswith(
        invoice.number.replace("-", "")
    )


def test_driver_without_a_saved_card_is_not_failed_overdue_or_blocked_by_the_collection_run(
    terms, stripe_server, connector
):
    driver = DriverFactory()
    invoice = invoiced(connector, driver)
    assert invoice_payments_collect(now=RUN_AT) == []
    assert not Payment.objects.exists() and stripe_server.requests == []
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN and invoice.due_date is not None
    assert status(driver) == Driver.AccountStatus.ACTIVE
    assert payment_block_reason(driver=driver) is None


def test_collection_does_nothing_on_a_site_without_card_processor_keys(terms, connector, settings):
    settings.STRIPE_API_KEY = ""
    driver = BillingAccountFactory(stripe_customer_id="cus_x", stripe_payment_method_id="pm_card_visa").driver
    invoiced(connector, driver)
    assert invoice_payments_collect(now=RUN_AT) == []
    assert not Payment.objects.exists() and status(driver) == Driver.AccountStatus.ACTIVE


def test_reminders_are_in_the_drivers_language(terms, connector):
    driver = DriverFactory(preferred_language="de")
    invoice = invoiced(connector, driver)
    Organisation.objects.filter(pk=invoice.issuer_id).update(iban="DE89370400440532013000")
    mail.outbox.clear()
    invoices_dun(now=day(invoice, 3))
    [reminder] = mail.outbox
    assert reminder.subject == f"Zahlungserinnerung: Rechnung {invoice.number} ist fällig"
    assert "9,52 €" in reminder.body and f"Verwendungszweck {invoice.payment_reference}" in reminder.body


def test_dunning_reminds_twice_then_blocks_after_the_grace_period_each_step_once(terms, connector):
    driver = DriverFactory()
    invoice = invoiced(connector, driver)
    mail.outbox.clear()
    assert invoices_dun(now=day(invoice, 2)) == {"reminder_1": [], "reminder_2": [], "block": []}
    assert invoices_dun(now=day(invoice, 3))["reminder_1"] == [invoice.pk]
    assert invoices_dun(now=day(invoice, 3))["reminder_1"] == []  # a second run sends nothing
    assert [m.subject for m in mail.outbox] == [f"Reminder: invoice {invoice.number} is due"]
    assert invoice.payment_reference not in mail.outbox[0].body  # no bank account configured: not offered
    assert invoices_dun(now=day(invoice, 10))["reminder_2"] == [invoice.pk]
    assert "7 days" in mail.outbox[-1].body and status(driver) == Driver.AccountStatus.ACTIVE
    assert invoices_dun(now=day(invoice, 16))["block"] == []
    assert invoices_dun(now=day(invoice, 17))["block"] == [invoice.pk]
    assert invoices_dun(now=day(invoice, 18)) == {"reminder_1": [], "reminder_2": [], "block": []}
    assert len(mail.outbox) == 3 and mail.outbox[-1].subject.startswith("Charging blocked")
    assert status(driver) == Driver.AccountStatus.OVERDUE
    assert token_authorization(id_tag=TokenFactory(driver=driver).uid).status == "Blocked"


def test_a_driver_long_overdue_is_first_reminded_never_blocked_without_notice(terms, connector):
    driver = DriverFactory()
    invoice = invoiced(connector, driver)
    mail.outbox.clear()
    done = invoices_dun(now=day(invoice, 90))
    assert done == {"reminder_1": [invoice.pk], "reminder_2": [], "block": []}
    # Each notice waits its interval after the previous one was sent.
    assert invoices_dun(now=day(invoice, 96))["reminder_2"] == []
    assert invoices_dun(now=day(invoice, 97))["reminder_2"] == [invoice.pk]
    assert invoices_dun(now=day(invoice, 103))["block"] == []
    assert status(driver) == Driver.AccountStatus.ACTIVE and len(mail.outbox) == 2
    assert invoices_dun(now=day(invoice, 104))["block"] == [invoice.pk]


def blocked(connector, driver) -> Invoice:
    invoice = invoiced(connector, driver)
    for offset in (3, 10, 17):
        invoices_dun(now=day(invoice, offset))
    assert status(driver) == Driver.AccountStatus.OVERDUE
    return invoice


def wallet_credit(driver, amount: str) -> None:
    clearing = account_get(kind="payment_clearing", currency="EUR")
    wallet = account_get(kind="driver_wallet", currency="EUR", driver=driver)
    transaction_post(
        reference=f"test-topup:{driver.pk}:{amount}",
        kind="payment_top_up",
        occurred_at=RUN_AT,
        postings=[(clearing, Decimal(amount)), (wallet, -Decimal(amount))],
        description="test top-up",
    )


def test_paying_from_the_wallet_pays_the_invoice_and_lifts_the_block(terms, connector):
    driver = DriverFactory()
    invoice = blocked(connector, driver)
    with pytest.raises(PaymentError):
        invoice_pay_from_wallet(invoice=invoice, now=day(invoice, 18))
    wallet_credit(driver, "20.00")
    payment = invoice_pay_from_wallet(invoice=invoice, now=day(invoice, 18))
    assert invoice_pay_from_wallet(invoice=invoice, now=day(invoice, 18)) == payment
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED and payment.provider == Payment.Provider.WALLET
    assert invoice.status == Invoice.Status.PAID and invoice.paid_at == day(invoice, 18)
    assert wallet_balance(driver=driver, currency="EUR") == Decimal("20.00") - invoice.total_incl_vat
    assert status(driver) == Driver.AccountStatus.ACTIVE and payment_block_reason(driver=driver) is None


def test_staff_marking_paid_lifts_the_block_once(terms, connector):
    driver = DriverFactory()
    invoice = blocked(connector, driver)
    payment = invoice_mark_paid(invoice=invoice, now=day(invoice, 20))
    invoice.refresh_from_db()
    assert invoice_mark_paid(invoice=invoice, now=day(invoice, 21)) is None
    assert payment.provider == Payment.Provider.MANUAL and Payment.objects.count() == 1
    assert invoice.status == Invoice.Status.PAID and status(driver) == Driver.AccountStatus.ACTIVE


def test_portal_shows_the_dunning_state_and_only_the_configured_ways_to_pay(terms, connector, client, settings):
    settings.STRIPE_API_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    driver = DriverFactory()
    client.force_login(driver.user)
    invoice = blocked(connector, driver)
    page = client.get(reverse("portal-billing")).content.decode()
    assert "Charging is blocked until this invoice is paid" in page
    assert "Pay now by card" not in page and "Pay now from wallet" not in page and "IBAN" not in page
    assert "contact support" in page
    Organisation.objects.filter(pk=invoice.issuer_id).update(iban="DE02120300000000202051")
    wallet_credit(driver, "50.00")
    page = client.get(reverse("portal-billing")).content.decode()
    assert "Pay now from wallet" in page and invoice.payment_reference in page and "Pay now by card" not in page
    refused = client.post(reverse("portal-invoice-pay", args=[invoice.number]), {"method": "card"}, follow=True)
    assert "not available" in refused.content.decode() and not Payment.objects.exists()
    client.post(reverse("portal-invoice-pay", args=[invoice.number]), {"method": "wallet"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and status(driver) == Driver.AccountStatus.ACTIVE


def test_pay_now_by_card_retries_the_failed_card_payment(terms, stripe_server, connector, client):
    account = BillingAccountFactory(stripe_customer_id="cus_test", stripe_payment_method_id="pm_card_chargeDeclined")
    driver = account.driver
    client.force_login(driver.user)
    invoice = invoiced(connector, driver)
    [payment_id] = invoice_payments_collect(now=RUN_AT)
    assert Payment.objects.get(pk=payment_id).status == Payment.Status.FAILED
    assert status(driver) == Driver.AccountStatus.ACTIVE  # a decline alone blocks no one
    BillingAccount.objects.filter(pk=account.pk).update(stripe_payment_method_id="pm_card_visa")
    client.post(reverse("portal-invoice-pay", args=[invoice.number]), {"method": "card"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and Payment.objects.count() == 1


def test_admin_mark_paid_action_pays_the_selected_invoice_and_lifts_the_block(terms, connector, admin_client):
    driver = DriverFactory()
    invoice = blocked(connector, driver)
    admin_client.post(
        reverse("admin:billing_invoice_changelist"), {"action": "mark_paid", "_selected_action": [invoice.pk]}
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and status(driver) == Driver.AccountStatus.ACTIVE
