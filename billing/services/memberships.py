"""Membership plans: subscribe (the joining month charged by the day), switch plan, cancel
at period end, end at once (closed account), and post the monthly fees."""

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from billing.models import Account, MembershipFee, MembershipPlan, Subscription
from billing.money import money_round
from billing.selectors.countries import plan_vat_rate
from billing.services import ledger, payments
from drivers.models import DriverNotification
from drivers.services.notifications import driver_notify_later

LIVE = ~Q(status=Subscription.Status.ENDED)


@transaction.atomic
def subscription_start(*, driver, plan: MembershipPlan, on: date) -> Subscription:
    """Subscribe from `on` and post the fee for the rest of that month (by the day), so
    that a member who joins late in a month and leaves at its end still pays for the days
    they had. Raises ValidationError if the plan is closed or the driver already has a
    live membership."""
    if not plan.is_active:
        raise ValidationError("This plan is no longer offered.")
    try:
        with transaction.atomic():
            subscription = Subscription.objects.create(driver=driver, plan=plan, started_on=on)
    except IntegrityError:
        raise ValidationError("You already have a membership; cancel it first.") from None
    membership_fee_post(subscription=subscription, period_start=on.replace(day=1))
    _notify(subscription, DriverNotification.Kind.MEMBERSHIP_STARTED, day=on)
    return subscription


def subscription_cancel(*, subscription: Subscription, on: date) -> Subscription:
    """Cancel at the end of the current calendar month (the month already paid for).
    Idempotent: cancelling again keeps the first end date."""
    last_day = on.replace(day=calendar.monthrange(on.year, on.month)[1])
    Subscription.objects.filter(pk=subscription.pk, status=Subscription.Status.ACTIVE).update(
        status=Subscription.Status.CANCELLING, ends_on=last_day
    )
    subscription.refresh_from_db()
    return subscription


@transaction.atomic
def subscription_switch(*, subscription: Subscription, plan: MembershipPlan, on: date) -> Subscription:
    """Move to `plan` from `on`: the old membership ends the day before, with the unused
    days of its month credited, and the new one starts charged by the day. Raises
    ValidationError for a closed plan, the same plan, or a membership that has ended."""
    if plan.pk == subscription.plan_id:
        raise ValidationError("This is already your plan.")
    if subscription.status == Subscription.Status.ENDED:
        raise ValidationError("This membership has ended.")
    if not plan.is_active:
        raise ValidationError("This plan is no longer offered.")
    subscription_end(subscription=subscription, last_day=on - timedelta(days=1))
    return subscription_start(driver=subscription.driver, plan=plan, on=on)


@transaction.atomic
def subscription_end(*, subscription: Subscription, last_day: date) -> Subscription:
    """End a membership now, `last_day` being its last day, and credit the days of that
    month after it if the month's fee was posted. Idempotent: an ended membership is
    returned unchanged."""
    updated = Subscription.objects.filter(LIVE, pk=subscription.pk).update(
        status=Subscription.Status.ENDED, ends_on=last_day
    )
    subscription.refresh_from_db()
    if updated:
        _unused_days_credit(subscription=subscription, last_day=last_day)
        _notify(subscription, DriverNotification.Kind.MEMBERSHIP_ENDED, day=last_day)
    return subscription


def _notify(subscription: Subscription, kind: str, *, day: date) -> None:
    """The driver's e-mail about their membership, after commit, once per membership and
    kind (a closed account gets none)."""
    driver_notify_later(
        driver_id=subscription.driver_id,
        kind=kind,
        key=subscription.pk,
        values={"plan": subscription.plan.name, "day": day.isoformat()},
    )


def memberships_end_for_driver(*, driver, on: date) -> None:
    """End every live membership of a driver whose account closes (`on` being the last day)."""
    for subscription in Subscription.objects.filter(LIVE, driver=driver):
        subscription_end(subscription=subscription, last_day=on)


def membership_fees_post(*, period_start: date) -> list[int]:
    """Post the fee for the month starting `period_start` for every membership live in it
    (a membership that starts during the month was charged by the day when it started),
    and end memberships that ran out before it. Closed accounts are never charged.
    Idempotent per (subscription, month)."""
    period_end = _month_end(period_start)
    for ran_out in Subscription.objects.filter(
        status=Subscription.Status.CANCELLING, ends_on__lt=period_start
    ).select_related("plan"):
        if Subscription.objects.filter(pk=ran_out.pk, status=Subscription.Status.CANCELLING).update(
            status=Subscription.Status.ENDED
        ):
            _notify(ran_out, DriverNotification.Kind.MEMBERSHIP_ENDED, day=ran_out.ends_on)
    live = (
        Subscription.objects.filter(LIVE)
        .filter(started_on__lte=period_end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=period_start))
        .exclude(driver__account_status="closed")
        .exclude(fees__period_start=period_start, fees__kind=MembershipFee.Kind.FEE)
        .select_related("plan__operator", "driver")
    )
    return [
        fee.pk
        for subscription in live
        if (fee := membership_fee_post(subscription=subscription, period_start=period_start))
    ]


def membership_fee_post(*, subscription: Subscription, period_start: date) -> MembershipFee | None:
    """The fee for one month (from the start day in the joining month), with its ledger
    posting; None if it already exists."""
    first_day = max(period_start, subscription.started_on)
    days = (_month_end(period_start) - first_day).days + 1
    return _fee_post(subscription=subscription, period_start=period_start, days=days, kind=MembershipFee.Kind.FEE)


def _unused_days_credit(*, subscription: Subscription, last_day: date) -> MembershipFee | None:
    if last_day < subscription.started_on:
        # Ended before its first day (switched on the day it started): credit all it was charged.
        period_start, first_unused = subscription.started_on.replace(day=1), subscription.started_on
    else:
        period_start, first_unused = last_day.replace(day=1), last_day + timedelta(days=1)
    charged = subscription.fees.filter(period_start=period_start, kind=MembershipFee.Kind.FEE).first()
    unused = (_month_end(period_start) - first_unused).days + 1
    if charged is None or unused <= 0:
        return None
    return _fee_post(
        subscription=subscription, period_start=period_start, days=min(unused, charged.days), kind="credit"
    )


def _fee_post(*, subscription: Subscription, period_start: date, days: int, kind: str) -> MembershipFee | None:
    plan = subscription.plan
    sign = Decimal(-1) if kind == MembershipFee.Kind.CREDIT else Decimal(1)
    excl = sign * money_round(plan.monthly_fee * days / _days_in(period_start), plan.currency)
    vat_rate = plan_vat_rate(plan=plan, on=period_start)
    vat = money_round(excl * vat_rate / 100, plan.currency)
    occurred_at = datetime.combine(period_start, time(0), tzinfo=ZoneInfo(plan.operator.time_zone))
    label = f"{plan.name} {period_start:%Y-%m}" + (" (unused days)" if sign < 0 else "")
    try:
        with transaction.atomic():
            fee = MembershipFee.objects.create(
                subscription=subscription,
                kind=kind,
                period_start=period_start,
                days=days,
                amount_excl_vat=excl,
                vat_rate=vat_rate,
                vat=vat,
                amount_incl_vat=excl + vat,
                currency=plan.currency,
            )
            _fee_ledger_post(fee=fee, plan=plan, driver=subscription.driver, occurred_at=occurred_at, label=label)
    except IntegrityError:
        return None
    return fee


def _fee_ledger_post(*, fee: MembershipFee, plan: MembershipPlan, driver, occurred_at: datetime, label: str):
    account, c = ledger.account_get, plan.currency
    ledger.transaction_post(
        reference=f"membership_fee:{fee.pk}",
        kind="membership_fee",
        occurred_at=occurred_at,
        description=label,
        postings=[
            (account(kind=Account.Kind.DRIVER_RECEIVABLE, currency=c, driver=driver), fee.amount_incl_vat),
            (
                account(kind=Account.Kind.MEMBERSHIP_REVENUE, currency=c, organisation=plan.operator),
                -fee.amount_excl_vat,
            ),
            (account(kind=Account.Kind.VAT_PAYABLE, currency=c, organisation=plan.operator), -fee.vat),
        ],
    )
    payments.wallet_debit(
        driver=driver,
        amount=fee.amount_incl_vat,
        currency=c,
        reference=f"wallet:membership_fee:{fee.pk}",
        occurred_at=occurred_at,
        description=f"Wallet pays {label}",
    )


def _days_in(month_start: date) -> int:
    return calendar.monthrange(month_start.year, month_start.month)[1]


def _month_end(month_start: date) -> date:
    return month_start.replace(day=_days_in(month_start))


def next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
