"""Monthly settlement statements per owner and per operator, the owners' fixed fees,
and payouts. Amounts come from the CDRs (which carry their commission and owner share),
aggregated in the database."""

import calendar
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from billing.models import Account, ChargeDetailRecord, SettlementStatement
from billing.money import ZERO
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


def statements_generate(*, period_start: date) -> list[int]:
    """Statements for every owner and operator with activity or a fee in the month.
    Idempotent per (party, role, month, currency): existing statements are kept."""
    ids = []
    for party in Organisation.objects.filter(Q(is_owner=True) | Q(is_operator=True)):
        for role in (SettlementStatement.Role.OWNER, SettlementStatement.Role.OPERATOR):
            ids += [s.pk for s in statement_generate(party=party, role=role, period_start=period_start)]
    return ids


def statement_generate(*, party: Organisation, role: str, period_start: date) -> list[SettlementStatement]:
    period_end = period_start.replace(day=calendar.monthrange(period_start.year, period_start.month)[1])
    start, end = month_bounds(period_start=period_start, time_zone=party.time_zone)
    cdrs = ChargeDetailRecord.objects.filter(stopped_at__gte=start, stopped_at__lt=end)
    if role == SettlementStatement.Role.OWNER:
        cdrs = cdrs.filter(owner=party).exclude(operator=party)
        agreements = _fee_agreements(period_start, period_end).filter(owner=party)
    else:
        cdrs = cdrs.filter(operator=party)
        agreements = _fee_agreements(period_start, period_end).filter(operator=party)
    currencies = set(cdrs.values_list("currency", flat=True)) | set(agreements.values_list("currency", flat=True))
    statements = []
    for currency in sorted(currencies):
        existing = SettlementStatement.objects.filter(
            party=party, role=role, period_start=period_start, currency=currency
        ).first()
        if existing:
            statements.append(existing)
            continue
        in_currency = cdrs.filter(currency=currency)
        fee_agreements = list(agreements.filter(currency=currency))
        statement = _statement_create(
            party=party,
            role=role,
            period_start=period_start,
            period_end=period_end,
            currency=currency,
            totals={k: v or ZERO for k, v in in_currency.aggregate(**SUMS).items()},
            lines=_station_lines(in_currency),
            fee_agreements=fee_agreements,
        )
        if statement:
            statements.append(statement)
    return statements


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


def _fee_agreements(period_start: date, period_end: date):
    return (
        OperatingAgreement.objects.filter(fixed_monthly_fee__gt=0, valid_from__lte=period_end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=period_start))
        .exclude(owner=F("operator"))
    )


def _station_lines(cdrs) -> list[dict]:
    rows = cdrs.values("station__identity").annotate(**SUMS).order_by("station__identity")
    return [
        {
            "station": row["station__identity"],
            "sessions": row["sessions"],
            "energy_wh": row["energy_wh"] or 0,
            **{key: str(row[key] or ZERO) for key in ("gross", "vat", "net", "commission", "owner_share")},
        }
        for row in rows
    ]


def _statement_create(*, party, role, period_start, period_end, currency, totals, lines, fee_agreements):
    fixed_fee = sum((a.fixed_monthly_fee for a in fee_agreements), ZERO)
    if role == SettlementStatement.Role.OWNER:
        payout = totals["owner_share"] + fixed_fee
    else:
        payout = totals["net"] - totals["commission"] - totals["owner_share"] - fixed_fee
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
                payout_due=payout,
                lines=lines,
            )
            for agreement in fee_agreements:
                _fixed_fee_post(agreement=agreement, period_start=period_start)
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
