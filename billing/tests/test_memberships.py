from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import Account, CountryRate, MembershipFee, Subscription
from billing.selectors import plan_for_driver
from billing.selectors.ledger import account_balance
from billing.services.memberships import (
    membership_fees_post,
    subscription_cancel,
    subscription_start,
    subscription_switch,
)
from billing.templatetags.money import membership_fee
from billing.tests.factories import MembershipPlanFactory
from drivers.services.accounts import driver_account_close
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_monthly_fee_is_posted_once_per_month():
    plan = MembershipPlanFactory(monthly_fee=D("9.90"), vat_rate=D("19"))
    driver = DriverFactory()
    subscription_start(driver=driver, plan=plan, on=date(2026, 5, 1))
    assert membership_fees_post(period_start=date(2026, 5, 1)) == []  # charged when it started
    assert len(membership_fees_post(period_start=date(2026, 6, 1))) == 1
    assert membership_fees_post(period_start=date(2026, 6, 1)) == []
    june = MembershipFee.objects.get(period_start=date(2026, 6, 1))
    assert (june.amount_excl_vat, june.vat, june.amount_incl_vat) == (D("9.90"), D("1.88"), D("11.78"))
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert account_balance(account=receivable) == D("23.56")


def test_joining_late_in_the_month_pays_the_days_left_of_it():
    plan = MembershipPlanFactory(monthly_fee=D("9.90"), vat_rate=D("19"), included_kwh=50)
    driver = DriverFactory()
    subscription = subscription_start(driver=driver, plan=plan, on=date(2026, 5, 28))
    subscription_cancel(subscription=subscription, on=date(2026, 5, 30))
    [fee] = MembershipFee.objects.all()
    # 4 of May's 31 days: 9.90 × 4 / 31 = 1.277… → 1.28, VAT 0.24
    assert (fee.days, fee.amount_excl_vat, fee.vat, fee.amount_incl_vat) == (4, D("1.28"), D("0.24"), D("1.52"))
    assert membership_fees_post(period_start=date(2026, 6, 1)) == []


def test_switching_plan_credits_the_unused_days_and_charges_the_new_plan_by_the_day():
    basic = MembershipPlanFactory(monthly_fee=D("31.00"), vat_rate=D("0"))
    plus = MembershipPlanFactory(monthly_fee=D("62.00"), vat_rate=D("0"))
    driver = DriverFactory()
    subscription = subscription_start(driver=driver, plan=basic, on=date(2026, 5, 1))
    new = subscription_switch(subscription=subscription, plan=plus, on=date(2026, 5, 21))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.ends_on) == (Subscription.Status.ENDED, date(2026, 5, 20))
    amounts = sorted((f.subscription.plan.name, f.kind, f.days, f.amount_incl_vat) for f in MembershipFee.objects.all())
    assert amounts == sorted(
        [
            (basic.name, "fee", 31, D("31.00")),
            (basic.name, "credit", 11, D("-11.00")),
            (plus.name, "fee", 11, D("22.00")),
        ]
    )
    assert plan_for_driver(driver=driver, on=date(2026, 5, 21)) == plus and new.status == Subscription.Status.ACTIVE
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert account_balance(account=receivable) == D("42.00")


def test_closing_the_account_ends_the_membership_and_no_fee_follows():
    plan = MembershipPlanFactory(monthly_fee=D("30.00"), vat_rate=D("0"))
    driver = DriverFactory()
    subscription = subscription_start(driver=driver, plan=plan, on=date(2026, 6, 1))
    driver_account_close(driver=driver, on=date(2026, 6, 10))
    subscription.refresh_from_db()
    assert (subscription.status, subscription.ends_on) == (Subscription.Status.ENDED, date(2026, 6, 10))
    credit = MembershipFee.objects.get(kind="credit")
    assert (credit.days, credit.amount_incl_vat) == (20, D("-20.00"))
    assert membership_fees_post(period_start=date(2026, 7, 1)) == []


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


def test_a_membership_fee_is_taxed_at_the_operators_country_rate_in_force_and_shown_so():
    # A UK operator's plan entered with the German default of 19 %: GB's 20 % applies, and a
    # rate change applies from its date without editing the plan.

    CountryRate.objects.create(country="GB", currency="GBP", vat_rate=D("20"), valid_from=date(2011, 1, 4))
    plan = MembershipPlanFactory(monthly_fee=D("10.00"), vat_rate=D("19"), currency="GBP", operator__country="GB")
    driver = DriverFactory()
    subscription_start(driver=driver, plan=plan, on=date(2026, 5, 1))
    [may] = MembershipFee.objects.all()
    assert (may.vat_rate, may.vat, may.amount_incl_vat) == (D("20"), D("2.00"), D("12.00"))

    CountryRate.objects.create(country="GB", currency="GBP", vat_rate=D("17.5"), valid_from=date(2026, 6, 1))
    membership_fees_post(period_start=date(2026, 6, 1))
    june = MembershipFee.objects.get(period_start=date(2026, 6, 1))
    assert (june.vat_rate, june.vat, june.amount_incl_vat) == (D("17.5"), D("1.75"), D("11.75"))
    assert membership_fee(plan).startswith("£11.75 incl. VAT")


def test_a_plan_in_another_currency_than_its_country_keeps_its_own_rate():

    CountryRate.objects.create(country="GB", currency="GBP", vat_rate=D("20"), valid_from=date(2011, 1, 4))
    plan = MembershipPlanFactory(monthly_fee=D("10.00"), vat_rate=D("19"), currency="EUR", operator__country="GB")
    subscription_start(driver=DriverFactory(), plan=plan, on=date(2026, 5, 1))
    assert MembershipFee.objects.get().vat_rate == D("19")
