"""Membership plans: subscribe, cancel at period end, post the monthly fees."""

import calendar
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from billing.models import Account, MembershipFee, MembershipPlan, Subscription
from billing.money import money_round
from billing.services import ledger, payments


def subscription_start(*, driver, plan: MembershipPlan, on: date) -> Subscription:
    """Subscribe from `on`. Raises ValidationError if the plan is closed or the driver
    already has a live membership."""
    if not plan.is_active:
        raise ValidationError("This plan is no longer offered.")
    try:
        with transaction.atomic():
            return Subscription.objects.create(driver=driver, plan=plan, started_on=on)
    except IntegrityError:
        raise ValidationError("You already have a membership; cancel it first.") from None


def subscription_cancel(*, subscription: Subscription, on: date) -> Subscription:
    """Cancel at the end of the current calendar month (the month already paid for).
    Idempotent: cancelling again keeps the first end date."""
    last_day = on.replace(day=calendar.monthrange(on.year, on.month)[1])
    Subscription.objects.filter(pk=subscription.pk, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.CANCELLING, ends_on=last_day
    )
    subscription.refresh_from_db()
    return subscription


def membership_fees_post(*, period_start: date) -> list[int]:
    """Post the fee for the month starting `period_start` for every membership live in it
    (a whole month's fee; no proration), and end memberships that ran out before it.
    Idempotent per (subscription, month)."""
    period_end = period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])
    Subscription.objects.filter(status=Subscription.Status.CANCELLING, ends_on__lt=period_start).update(
        status=Subscription.Status.ENDED
    )
    live = (
        Subscription.objects.exclude(status=Subscription.Status.ENDED)
        .filter(started_on__lte=period_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period_start))
        .exclude(fees__period_start=period_start)
        .select_related("plan__operator", "driver")
    )
    return [
        fee.pk
        for subscription in live
        if (fee := membership_fee_post(subscription=subscription, period_start=period_start))
    ]


def membership_fee_post(*, subscription: Subscription, period_start: date) -> MembershipFee | None:
    """The fee for one month, with its ledger posting; None if it already exists."""
    plan = subscription.plan
    excl = money_round(plan.monthly_fee, plan.currency)
    vat = money_round(excl * plan.vat_rate / 100, plan.currency)
    zone = ZoneInfo(plan.operator.time_zone)
    occurred_at = datetime.combine(period_start, time(0), tzinfo=zone)
    try:
        with transaction.atomic():
            fee = MembershipFee.objects.create(
                subscription=subscription,
                period_start=period_start,
                amount_excl_vat=excl,
                vat_rate=plan.vat_rate,
                vat=vat,
                amount_incl_vat=excl + vat,
                currency=plan.currency,
            )
            account = ledger.account_get
            ledger.transaction_post(
                reference=f"membership_fee:{fee.pk}",
                kind="membership_fee",
                occurred_at=occurred_at,
                description=f"{plan.name} {period_start:%Y-%m}",
                postings=[
                    (
                        account(
                            kind=Account.Kind.DRIVER_RECEIVABLE, currency=plan.currency, driver=subscription.driver
                        ),
                        excl + vat,
                    ),
                    (
                        account(
                            kind=Account.Kind.MEMBERSHIP_REVENUE, currency=plan.currency, organisation=plan.operator
                        ),
                        -excl,
                    ),
                    (account(kind=Account.Kind.VAT_PAYABLE, currency=plan.currency, organisation=plan.operator), -vat),
                ],
            )
            payments.wallet_debit(
                driver=subscription.driver,
                amount=excl + vat,
                currency=plan.currency,
                reference=f"wallet:membership_fee:{fee.pk}",
                occurred_at=occurred_at,
                description=f"Wallet pays {plan.name} {period_start:%Y-%m}",
            )
    except IntegrityError:
        return None
    return fee


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
