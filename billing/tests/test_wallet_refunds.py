"""Unused prepaid balance goes back to the cards it came from: one provider refund per
top-up (newest first), wallet → payment clearing in the ledger, never more than is left."""

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Account, BillingAccount, Payment
from billing.selectors import wallet_balance
from billing.selectors.ledger import account_balance
from billing.services.cdrs import session_price
from billing.services.payments import PaymentError, payment_refund, wallet_top_up
from billing.services.wallet_refunds import wallet_refund
from billing.tests.factories import BillingAccountFactory, completed_session, energy_tariff
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def wallet_driver(stripe_server):
    account = BillingAccountFactory(
        stripe_customer_id="cus_test", stripe_payment_method_id="pm_card_visa", mode=BillingAccount.Mode.WALLET
    )
    wallet_top_up(driver=account.driver, amount=D("20.00"), currency="EUR", key="first")
    wallet_top_up(driver=account.driver, amount=D("10.00"), currency="EUR", key="second")
    return account.driver


def refunds_sent(stripe_server):
    return [r["form"] for r in stripe_server.requests if r["path"] == "/v1/refunds"]


def test_balance_is_refunded_newest_top_up_first_and_booked_once(stripe_server, wallet_driver):
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    session_price(session_id=completed_session(connector=connector, driver=wallet_driver).pk)  # 9.52
    assert wallet_balance(driver=wallet_driver) == D("20.48")
    second, first = Payment.objects.filter(purpose=Payment.Purpose.TOP_UP).order_by("-pk")

    refunds = wallet_refund(driver=wallet_driver, amount=D("20.48"), currency="EUR", key="close")
    again = wallet_refund(driver=wallet_driver, amount=D("20.48"), currency="EUR", key="close")

    assert [(r.refund_of_id, r.amount, r.status) for r in refunds] == [
        (second.pk, D("10.00"), Payment.Status.SUCCEEDED),
        (first.pk, D("10.48"), Payment.Status.SUCCEEDED),
    ]
    assert [r.pk for r in again] == [r.pk for r in refunds]
    assert refunds_sent(stripe_server) == [
        {"payment_intent": second.provider_reference, "amount": "1000"},
        {"payment_intent": first.provider_reference, "amount": "1048"},
    ]
    assert wallet_balance(driver=wallet_driver) == 0
    clearing = Account.objects.get(kind=Account.Kind.PAYMENT_CLEARING, currency="EUR")
    assert account_balance(account=clearing) == D("9.52")  # 30.00 in, 20.48 back out


def test_more_than_the_balance_is_refused_and_nothing_is_created(stripe_server, wallet_driver):
    with pytest.raises(PaymentError, match=r"At most 30\.00 EUR"):
        wallet_refund(driver=wallet_driver, amount=D("30.01"), currency="EUR", key="too-much")
    with pytest.raises(PaymentError, match="positive"):
        wallet_refund(driver=wallet_driver, amount=D("0"), currency="EUR", key="zero")
    assert not Payment.objects.filter(purpose=Payment.Purpose.WALLET_REFUND).exists()
    assert refunds_sent(stripe_server) == []


def test_a_top_up_is_not_refunded_around_the_wallet(stripe_server, wallet_driver):
    top_up = Payment.objects.filter(purpose=Payment.Purpose.TOP_UP).first()
    with pytest.raises(PaymentError, match="wallet_refund"):
        payment_refund(payment=top_up, amount=D("1.00"), key="direct")


def test_staff_refund_the_whole_balance_from_the_admin_once(stripe_server, wallet_driver, admin_client):
    account = BillingAccount.objects.get(driver=wallet_driver)
    url = reverse("admin:billing_billingaccount_changelist")
    for _ in range(2):
        admin_client.post(url, {"action": "refund_wallet", "_selected_action": [account.pk]})
    assert wallet_balance(driver=wallet_driver) == 0
    assert sum(p.amount for p in Payment.objects.filter(purpose=Payment.Purpose.WALLET_REFUND)) == D("30.00")
