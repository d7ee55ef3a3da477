from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Account, MembershipFee, Subscription
from billing.selectors import plan_for_driver
from billing.selectors.ledger import account_balance
from billing.services.memberships import membership_fees_post, subscription_cancel, subscription_start
from billing.tests.factories import MembershipPlanFactory
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_monthly_fee_is_posted_once_per_month():
    plan = MembershipPlanFactory(monthly_fee=D("9.90"), vat_rate=D("19"))
    driver = DriverFactory()
    subscription_start(driver=driver, plan=plan, on=date(2026, 5, 10))
    assert len(membership_fees_post(period_start=date(2026, 5, 1))) == 1
    assert membership_fees_post(period_start=date(2026, 5, 1)) == []
    fee = MembershipFee.objects.get()
    assert (fee.amount_excl_vat, fee.vat, fee.amount_incl_vat) == (D("9.90"), D("1.88"), D("11.78"))
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert account_balance(account=receivable) == D("11.78")


def test_cancelled_membership_runs_to_the_end_of_the_month_then_ends():
    plan = MembershipPlanFactory()
    driver = DriverFactory()
    subscription = subscription_start(driver=driver, plan=plan, on=date(2026, 4, 1))
    subscription_cancel(subscription=subscription, on=date(2026, 5, 20))
    assert subscription.ends_on == date(2026, 5, 31)
    assert subscription_cancel(subscription=subscription, on=date(2026, 5, 25)).ends_on == date(2026, 5, 31)
    assert plan_for_driver(driver=driver, on=date(2026, 5, 31)) == plan
    assert plan_for_driver(driver=driver, on=date(2026, 6, 1)) is None
    assert membership_fees_post(period_start=date(2026, 6, 1)) == []
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.ENDED


def test_a_driver_has_one_live_membership_at_a_time():
    driver = DriverFactory()
    subscription_start(driver=driver, plan=MembershipPlanFactory(), on=date(2026, 5, 1))
    with pytest.raises(ValidationError, match="already"):
        subscription_start(driver=driver, plan=MembershipPlanFactory(), on=date(2026, 5, 2))


def test_wallet_members_pay_the_fee_from_the_wallet():
    from billing.models import BillingAccount
    from billing.selectors import wallet_balance

    driver = DriverFactory()
    BillingAccount.objects.create(driver=driver, mode=BillingAccount.Mode.WALLET)
    subscription_start(driver=driver, plan=MembershipPlanFactory(monthly_fee=D("10.00")), on=date(2026, 5, 1))
    membership_fees_post(period_start=date(2026, 5, 1))
    assert wallet_balance(driver=driver) == D("-11.90")
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert account_balance(account=receivable) == 0
