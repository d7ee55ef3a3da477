"""Monthly settlement statements per owner and per operator, the owners' fixed fees,
and payouts. A statement is a view of closed-period CDRs (which carry their commission
and owner share), aggregated in the database; SettlementLine records which statement
took each CDR, so that none is settled twice and none is lost."""

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from billing.models import Account, AnalyticsSubscription, ChargeDetailRecord, SettlementLine, SettlementStatement
from billing.money import ZERO, money_round
from billing.services import ledger
from billing.services.invoices import month_bounds
from stations.models import OperatingAgreement, Organisation

SUMS = {
    "sessions": Count("id", filter=Q(kind="charge")),
    "energy_wh": Sum("energy_wh"),
    "gross": Sum("total_incl_vat"),
    "vat": Sum("total_vat"),
    "net": Sum("total_excl_vat"),
    "commission": Sum("commission_amount"),
    "owner_share": Sum("owner_share_amount"),
}
MONEY_KEYS = ("gross", "vat", "net", "commission", "owner_share")


@dataclass(frozen=True)
class ForeignSettlementItem:
    """A charge an app above billing holds and settles with a party (a partner CPO's CDR,
    held by roaming). `reference` is unique across sources: the SettlementLine keeps it, so
    the item is settled once per role."""

    reference: str
    currency: str
    stopped_at: datetime
    label: str
    credit: bool
    energy_wh: int
    net: Decimal
    vat: Decimal
    commission: Decimal
    # When the item is one of our own CDRs (a partner EMSP's token charging at our station).
    cdr_id: int | None = None


@dataclass(frozen=True)
class ForeignSettlementSource:
    parties: Callable[[], Iterable[Organisation]]
    # (party=…, end=…) -> the party's items that stopped before `end`; billing drops the settled.
    items: Callable[..., Iterable[ForeignSettlementItem]]
    # (party=…, end=…) -> None: posts the party's items to its partner payable or receivable
    # (idempotent), so that a statement only ever settles what the ledger holds.
    post: Callable[..., None] | None = None
    # (party=…) -> the agreement's payment terms in days (net N), for the statement's due date.
    payment_days: Callable[..., int] | None = None


# Which ledger account a settled statement of a foreign role pays off, and which way the money
# goes: we pay a partner CPO (its payable is debited), a partner EMSP pays us.
SETTLED_ACCOUNTS = {
    SettlementStatement.Role.PARTNER_CPO: (Account.Kind.PARTNER_PAYABLE, 1),
    SettlementStatement.Role.PARTNER_EMSP: (Account.Kind.PARTNER_RECEIVABLE, -1),
}


_foreign_sources: dict[str, ForeignSettlementSource] = {}


def foreign_settlement_source_register(*, role: str, source: ForeignSettlementSource) -> None:
    """Called at start-up by an app above billing that settles its own charges with parties
    in `role` on the same monthly statements as owners and operators."""
    _foreign_sources[role] = source


def statements_generate(*, period_start: date, now: datetime | None = None) -> list[int]:
    """Statements for every owner and operator with unsettled CDRs or a fee in the closed
    month starting `period_start`. Idempotent: a month's existing statements are kept."""
    now = now or timezone.now()
    ids = []
    for party in Organisation.objects.filter(Q(is_owner=True) | Q(is_operator=True)):
        for role in (SettlementStatement.Role.OWNER, SettlementStatement.Role.OPERATOR):
            ids += [s.pk for s in statement_generate(party=party, role=role, period_start=period_start, now=now)]
    for role, source in _foreign_sources.items():
        for party in source.parties():
            ids += [s.pk for s in statement_generate(party=party, role=role, period_start=period_start, now=now)]
    return ids


@transaction.atomic
def statement_generate(
    *, party: Organisation, role: str, period_start: date, now: datetime | None = None
) -> list[SettlementStatement]:
    """The party's statements (one per currency) for the month starting `period_start`.

    Returns [] while the month has not ended in the party's time zone. Each statement
    takes every CDR of the party and role that no statement has taken yet and that
    stopped before the month's end: this month's, and earlier months' late arrivals,
    re-pricings and credits as adjustments. Idempotent: an existing statement is returned
    unchanged, and a CDR is settled at most once per role (unique SettlementLine)."""
    period_start = period_start.replace(day=1)
    start, end = month_bounds(period_start=period_start, time_zone=party.time_zone)
    if end > (now or timezone.now()):
        return []
    # Serialises generation per party, so that two runs cannot both take the same CDRs.
    Organisation.objects.select_for_update().filter(pk=party.pk).first()
    existing = list(SettlementStatement.objects.filter(party=party, role=role, period_start=period_start))
    if existing:
        return existing
    period_end = period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])
    if role in _foreign_sources:
        return _foreign_statements_create(
            party=party,
            role=role,
            period_start=period_start,
            period_end=period_end,
            month_start=start,
            end=end,
            issued_on=(now or timezone.now()).astimezone(ZoneInfo(party.time_zone)).date(),
        )
    cdrs = _unsettled(party=party, role=role).filter(stopped_at__lt=end)
    agreements = _fee_agreements(period_start, period_end).filter(**{role: party})
    analytics = _analytics_subscriptions(period_start, period_end).filter(subscriber=party)
    if role != _analytics_role(party):
        analytics = analytics.none()
    currencies = (
        set(cdrs.values_list("currency", flat=True))
        | set(agreements.values_list("currency", flat=True))
        | set(analytics.values_list("currency", flat=True))
    )
    statements = []
    for currency in sorted(currencies):
        in_currency = cdrs.filter(currency=currency)
        statement = _statement_create(
            party=party,
            role=role,
            period_start=period_start,
            period_end=period_end,
            currency=currency,
            totals=_totals(in_currency, currency=currency),
            lines=_station_lines(in_currency, currency=currency, month_start=start, time_zone=party.time_zone),
            fee_agreements=list(agreements.filter(currency=currency)),
            analytics=list(analytics.filter(currency=currency)),
        )
        SettlementLine.objects.bulk_create(
            SettlementLine(statement=statement, cdr_id=cdr_id, role=role)
            for cdr_id in in_currency.values_list("pk", flat=True)
        )
        statements.append(statement)
    return statements


def _foreign_statements_create(*, party, role, period_start, period_end, month_start, end, issued_on) -> list:
    """The party's statements of items held above billing: each item not yet settled in this
    role that stopped before the month's end, earlier months' as adjustments; due the
    agreement's payment terms after `issued_on`."""
    source = _foreign_sources[role]
    if source.post is not None:
        source.post(party=party, end=end)
    items = list(source.items(party=party, end=end))
    settled = set(
        SettlementLine.objects.filter(role=role, foreign_reference__in=[i.reference for i in items]).values_list(
            "foreign_reference", flat=True
        )
    )
    items = [item for item in items if item.reference not in settled]
    zone = ZoneInfo(party.time_zone)
    statements = []
    for currency in sorted({item.currency for item in items}):
        mine = [item for item in items if item.currency == currency]
        groups: dict[tuple[str, str], list[ForeignSettlementItem]] = {}
        for item in mine:
            groups.setdefault((f"{item.stopped_at.astimezone(zone):%Y-%m}", item.label), []).append(item)
        lines = [
            {
                "station": label,
                "month": month,
                "adjustment": month < f"{month_start.astimezone(zone):%Y-%m}",
                **_foreign_totals(group, currency=currency, as_text=True),
            }
            for (month, label), group in sorted(groups.items(), key=lambda g: (g[0][0], g[0][1]), reverse=True)
        ]
        statement = _statement_create(
            party=party,
            role=role,
            period_start=period_start,
            period_end=period_end,
            currency=currency,
            totals=_foreign_totals(mine, currency=currency),
            lines=lines,
            fee_agreements=[],
            due_on=issued_on + timedelta(days=source.payment_days(party=party)) if source.payment_days else None,
        )
        SettlementLine.objects.bulk_create(
            SettlementLine(statement=statement, foreign_reference=item.reference, cdr_id=item.cdr_id, role=role)
            for item in mine
        )
        statements.append(statement)
    return statements


def _foreign_totals(items: list[ForeignSettlementItem], *, currency: str, as_text: bool = False) -> dict:
    money = {
        "net": sum((i.net for i in items), ZERO),
        "vat": sum((i.vat for i in items), ZERO),
        "commission": sum((i.commission for i in items), ZERO),
        "owner_share": ZERO,
    }
    money["gross"] = money["net"] + money["vat"]
    money = {k: money_round(v, currency) for k, v in money.items()}
    return {
        "sessions": sum(1 for i in items if not i.credit),
        "energy_wh": sum(i.energy_wh for i in items),
        **({k: str(v) for k, v in money.items()} if as_text else money),
    }


def _totals(cdrs, *, currency: str) -> dict:
    sums = cdrs.aggregate(**SUMS)
    # SQLite sums decimals as floats: round back to the currency's minor unit.
    return {
        k: (v or 0) if k in ("sessions", "energy_wh") else money_round(v or ZERO, currency) for k, v in sums.items()
    }


def _unsettled(*, party: Organisation, role: str):
    # A CDR held for review waits (approved, it is settled like a late CDR); a voided one never is.
    cdrs = ChargeDetailRecord.objects.billable().exclude(settlement_lines__role=role)
    if role == SettlementStatement.Role.OWNER:
        # An operator that owns the station keeps the share itself: nothing to settle.
        return cdrs.filter(owner=party).exclude(operator=party)
    return cdrs.filter(operator=party)


def statement_payout(*, statement: SettlementStatement) -> bool:
    """Record that an owner's payout left the bank. Idempotent per statement."""
    if statement.role != SettlementStatement.Role.OWNER or statement.payout_due <= 0:
        return False
    c = statement.currency
    _, created = ledger.transaction_post(
        reference=f"payout:{statement.pk}",
        kind="owner_payout",
        occurred_at=timezone.now(),
        postings=[
            (
                ledger.account_get(kind=Account.Kind.OWNER_PAYABLE, currency=c, organisation=statement.party),
                statement.payout_due,
            ),
            (ledger.account_get(kind=Account.Kind.BANK, currency=c), -statement.payout_due),
        ],
        description=f"Payout {statement}",
    )
    return created


def statement_settle(*, statement: SettlementStatement, now: datetime | None = None) -> bool:
    """Record that a partner statement's money changed hands: its payout due leaves (we paid
    a partner CPO) or reaches (a partner EMSP paid us) the bank, and the partner's payable or
    receivable is cleared by as much. A negative payout due (a month of credits) goes the
    other way. Idempotent per statement (compare-and-set on settled_at); False for a
    statement of another role or one already settled."""
    if statement.role not in SETTLED_ACCOUNTS:
        return False
    now = now or timezone.now()
    kind, direction = SETTLED_ACCOUNTS[statement.role]
    c, amount = statement.currency, direction * statement.payout_due
    with transaction.atomic():
        if not SettlementStatement.objects.filter(pk=statement.pk, settled_at__isnull=True).update(settled_at=now):
            return False
        ledger.transaction_post(
            reference=f"settled:{statement.pk}",
            kind="partner_settlement",
            occurred_at=now,
            postings=[
                (ledger.account_get(kind=kind, currency=c, organisation=statement.party), amount),
                (ledger.account_get(kind=Account.Kind.BANK, currency=c), -amount),
            ],
            description=f"Settled {statement}",
        )
    statement.settled_at = now
    return True


def _fee_agreements(period_start: date, period_end: date):
    return (
        OperatingAgreement.objects.filter(fixed_monthly_fee__gt=0, valid_from__lte=period_end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period_start))
        .exclude(owner=F("operator"))
    )


def _station_lines(cdrs, *, currency: str, month_start: datetime, time_zone: str) -> list[dict]:
    """Per station for the statement's month, then per month and station for earlier
    months' CDRs (adjustments)."""
    month = TruncMonth("stopped_at", tzinfo=ZoneInfo(time_zone))
    rows = (
        cdrs.annotate(month=month)
        .values("month", "station__identity")
        .annotate(**SUMS)
        .order_by("-month", "station__identity")
    )
    return [
        {
            "station": row["station__identity"],
            "month": f"{row['month']:%Y-%m}",
            "adjustment": row["month"] < month_start,
            "sessions": row["sessions"],
            "energy_wh": row["energy_wh"] or 0,
            **{key: str(money_round(row[key] or ZERO, currency)) for key in MONEY_KEYS},
        }
        for row in rows
    ]


def _statement_create(
    *, party, role, period_start, period_end, currency, totals, lines, fee_agreements, analytics=(), due_on=None
):
    fixed_fee = sum((a.fixed_monthly_fee for a in fee_agreements), ZERO)
    analytics_fee = sum((Decimal(s.monthly_fee) for s in analytics), ZERO)
    if role == SettlementStatement.Role.OWNER:
        payout = totals["owner_share"] + fixed_fee - analytics_fee
    else:
        payout = totals["net"] - totals["commission"] - totals["owner_share"] - fixed_fee - analytics_fee
    try:
        with transaction.atomic():
            statement = SettlementStatement.objects.create(
                party=party,
                role=role,
                period_start=period_start,
                period_end=period_end,
                currency=currency,
                session_count=totals["sessions"],
                energy_wh=totals["energy_wh"],
                gross_incl_vat=totals["gross"],
                vat=totals["vat"],
                net_revenue=totals["net"],
                commission=totals["commission"],
                owner_share=totals["owner_share"],
                fixed_fee=fixed_fee,
                analytics_fee=analytics_fee,
                payout_due=payout,
                lines=lines,
                due_on=due_on,
            )
            for agreement in fee_agreements:
                _fixed_fee_post(agreement=agreement, period_start=period_start)
            for subscription in analytics:
                _analytics_fee_post(subscription=subscription, role=role, period_start=period_start)
    except IntegrityError:
        return SettlementStatement.objects.filter(
            party=party, role=role, period_start=period_start, currency=currency
        ).first()
    return statement


def _fixed_fee_post(*, agreement: OperatingAgreement, period_start: date) -> None:
    """The operator owes the owner the fixed monthly fee (once per agreement and month)."""
    c, fee = agreement.currency, Decimal(agreement.fixed_monthly_fee)
    ledger.transaction_post(
        reference=f"fixed_fee:{agreement.pk}:{period_start:%Y-%m}",
        kind="owner_fixed_fee",
        occurred_at=timezone.now(),
        postings=[
            (ledger.account_get(kind=Account.Kind.CPO_REVENUE, currency=c, organisation=agreement.operator), fee),
            (ledger.account_get(kind=Account.Kind.OWNER_PAYABLE, currency=c, organisation=agreement.owner), -fee),
        ],
        description=f"Fixed monthly fee {period_start:%Y-%m} under {agreement}",
    )


def _analytics_subscriptions(period_start: date, period_end: date):
    return AnalyticsSubscription.objects.filter(valid_from__lte=period_end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=period_start)
    )


def _analytics_role(party: Organisation) -> str:
    """An owner pays the analytics fee out of its owner statement, a partner CPO out of
    its operator statement."""
    return SettlementStatement.Role.OWNER if party.is_owner else SettlementStatement.Role.OPERATOR


def _analytics_fee_post(*, subscription: AnalyticsSubscription, role: str, period_start: date) -> None:
    """The subscriber owes the seller the month's analytics fee (once per subscription and
    month): deducted from what the subscriber is paid, earned by the seller."""
    c, fee = subscription.currency, Decimal(subscription.monthly_fee)
    owed_kind = Account.Kind.OWNER_PAYABLE if role == SettlementStatement.Role.OWNER else Account.Kind.CPO_REVENUE
    ledger.transaction_post(
        reference=f"analytics_fee:{subscription.pk}:{period_start:%Y-%m}",
        kind="analytics_fee",
        occurred_at=timezone.now(),
        postings=[
            (ledger.account_get(kind=owed_kind, currency=c, organisation=subscription.subscriber), fee),
            (
                ledger.account_get(kind=Account.Kind.ANALYTICS_REVENUE, currency=c, organisation=subscription.seller),
                -fee,
            ),
        ],
        description=f"Analytics report {period_start:%Y-%m}: {subscription}",
    )
