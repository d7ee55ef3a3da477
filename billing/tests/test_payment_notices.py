"""A driver is told when money does not arrive, whatever the payment method: a declined
card, a prepaid balance run below what a charge needs, and each dunning step of an unpaid
invoice (how a bank-transfer invoice is chased). Each e-mail is in the driver's language,
sent once, listed on the portal's account page, and never sent to a closed account.
(A failed or returned direct debit: test_sepa_debits.py.)"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing.models import BillingAccount, Invoice
from billing.services.cdrs import session_price
from billing.services.dunning import invoices_dun
from billing.services.invoices import invoices_issue_for_month
from billing.services.payments import invoice_payments_collect, payments_retry_due, wallet_top_up
from billing.tests.factories import BillingAccountFactory, completed_session, energy_tariff
from billing.tests.stripe_stub import DECLINING_CARD
from drivers.models import Driver, DriverNotification
from drivers.tests.factories import DriverFactory
from stations.models import Organisation
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
RUN_AT = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
Kind = DriverNotification.Kind


@pytest.fixture
def eager_mail(eager_mail, settings):
    # billing/tests/conftest.py's, with the dunning calendar these tests count in.
    settings.BILLING_PAYMENT_TERMS_DAYS = 14
    settings.BILLING_REMINDER_1_DAYS = 3
    settings.BILLING_REMINDER_2_DAYS = 10
    settings.BILLING_BLOCK_GRACE_DAYS = 7


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def invoiced(connector, driver, started_at=None) -> Invoice:
    extra = {"started_at": started_at} if started_at else {}
    session_price(session_id=completed_session(connector=connector, driver=driver, **extra).pk)
    invoice = Invoice.objects.get(pk=invoices_issue_for_month(period_start=date(2026, 5, 1), now=RUN_AT)[0])
    mail.outbox.clear()  # the invoice's own e-mail
    return invoice


def day(invoice, offset) -> datetime:
    return datetime.combine(invoice.due_date, datetime.min.time(), tzinfo=UTC) + timedelta(days=offset, hours=12)


def listed(client, driver) -> str:
    client.force_login(driver.user)
    return client.get(reverse("portal-account")).content.decode()


def test_a_declined_card_is_told_once_with_the_next_try_and_listed_in_the_portal(
    stripe_server, connector, eager_mail, client, django_capture_on_commit_callbacks
):
    driver = BillingAccountFactory(
        stripe_customer_id="cus_test", stripe_payment_method_id=DECLINING_CARD, card_last4="0341"
    ).driver
    invoice = invoiced(connector, driver)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_payments_collect(now=RUN_AT)
    with django_capture_on_commit_callbacks(execute=True):
        payments_retry_due(now=RUN_AT + timedelta(hours=25))  # declined again: no second notice
    [told] = mail.outbox
    assert told.to == [driver.user.email]
    assert told.subject == f"Payment failed: invoice {invoice.number}"
    assert f"we could not charge €9.52 for invoice {invoice.number} to your card ending 0341" in told.body
    assert "We will try again on 02 Jun 2026 06:00 UTC" in told.body
    assert "https://charge.example.com" + reverse("portal-billing") in told.body
    assert DriverNotification.objects.get(driver=driver).kind == Kind.CARD_PAYMENT_FAILED
    assert told.subject in listed(client, driver)


def test_a_wallet_run_low_is_told_once_when_it_crosses_the_line(
    stripe_server, connector, eager_mail, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_WALLET_MIN_BALANCE = "5.00"
    driver = BillingAccountFactory(stripe_customer_id="cus_test", stripe_payment_method_id="pm_card_visa").driver
    BillingAccount.objects.filter(driver=driver).update(mode=BillingAccount.Mode.WALLET)
    Driver.objects.filter(pk=driver.pk).update(preferred_language="de")
    wallet_top_up(driver=driver, amount=Decimal("20.00"), currency="EUR", key="k1")
    for days_before in (9, 6, 3):  # 9.52 each: 10.48 left, then 0.96 (told), then -8.56 (not again)
        session = completed_session(connector=connector, driver=driver, started_at=RUN_AT - timedelta(days=days_before))
        with django_capture_on_commit_callbacks(execute=True):
            session_price(session_id=session.pk)
    [told] = [m for m in mail.outbox if "Guthaben" in m.subject]
    assert told.subject == "Ihr Guthaben ist niedrig: 0,96 €"
    assert "unter den 5,00 €, die zum Starten eines Ladevorgangs nötig sind" in told.body
    assert DriverNotification.objects.filter(driver=driver, kind=Kind.WALLET_LOW).count() == 1


def test_an_unpaid_invoice_is_chased_by_notices_each_once_in_the_drivers_language(
    connector, eager_mail, client, django_capture_on_commit_callbacks
):
    driver = DriverFactory(preferred_language="de")
    invoice = invoiced(connector, driver)
    Organisation.objects.filter(pk=invoice.issuer_id).update(iban="DE89370400440532013000")
    for offset in (3, 3, 10, 17, 18):  # repeated runs add nothing
        invoices_dun(now=day(invoice, offset))
    assert [m.subject for m in mail.outbox] == [
        f"Zahlungserinnerung: Rechnung {invoice.number} ist fällig",
        f"Zweite Zahlungserinnerung: Rechnung {invoice.number}",
        f"Laden gesperrt: Rechnung {invoice.number} ist unbezahlt",
    ]
    assert f"mit dem Verwendungszweck {invoice.payment_reference}" in mail.outbox[0].body
    assert "binnen 7 Tagen" in mail.outbox[1].body
    assert set(DriverNotification.objects.filter(driver=driver).values_list("kind", flat=True)) == {
        Kind.INVOICE_REMINDER,
        Kind.INVOICE_SECOND_REMINDER,
        Kind.ACCOUNT_OVERDUE,
    }
    page = listed(client, driver)
    assert all(m.subject in page for m in mail.outbox)


def test_a_closed_account_is_dunned_without_e_mails(connector, eager_mail):
    driver = DriverFactory()
    invoice = invoiced(connector, driver)
    Driver.objects.filter(pk=driver.pk).update(account_status=Driver.AccountStatus.CLOSED)
    assert invoices_dun(now=day(invoice, 3))["reminder_1"] == [invoice.pk]
    assert mail.outbox == [] and not DriverNotification.objects.exists()


def test_a_closed_account_gets_no_card_failure_notice(
    stripe_server, connector, eager_mail, django_capture_on_commit_callbacks
):
    driver = BillingAccountFactory(stripe_customer_id="cus_test", stripe_payment_method_id=DECLINING_CARD).driver
    invoiced(connector, driver)
    Driver.objects.filter(pk=driver.pk).update(account_status=Driver.AccountStatus.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_payments_collect(now=RUN_AT)
    assert mail.outbox == []
