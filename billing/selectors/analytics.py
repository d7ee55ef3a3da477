"""Revenue for the analytics of stations (stations/selectors/analytics.py asks through the
source billing registers at start-up)."""

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncDay, TruncMonth

from billing.models import ChargeDetailRecord
from billing.money import money_round, stored_sum


def revenue_by_period(
    *, station_ids: list[int], since: datetime, until: datetime, period: str
) -> Iterable[tuple[datetime, str, Decimal]]:
    """Net revenue excl. VAT (credit CDRs included, so net of credit notes) per UTC day or
    month and currency, for CDRs of these stations that stopped in [since, until), rounded
    to the currency (CDR totals are whole cents, so the sums stay exact)."""
    trunc = TruncMonth("stopped_at", tzinfo=UTC) if period == "month" else TruncDay("stopped_at", tzinfo=UTC)
    rows = (
        ChargeDetailRecord.objects.filter(station_id__in=station_ids, stopped_at__gte=since, stopped_at__lt=until)
        .annotate(bucket=trunc)
        .values("bucket", "currency")
        .annotate(total=Sum("total_excl_vat"))
    )
    return [(row["bucket"], row["currency"], money_round(stored_sum(row["total"]), row["currency"])) for row in rows]


def revenue_split_by_site(
    *, station_ids: list[int], since: datetime, until: datetime
) -> Iterable[tuple[int, str, Decimal, Decimal, Decimal]]:
    """Per site and currency, for CDRs of these stations that stopped in [since, until):
    net revenue excl. VAT, the owners' share and the commission (credit CDRs included)."""
    rows = (
        ChargeDetailRecord.objects.filter(station_id__in=station_ids, stopped_at__gte=since, stopped_at__lt=until)
        .values("site_id", "currency")
        .annotate(
            revenue=Sum("total_excl_vat"), owner_share=Sum("owner_share_amount"), commission=Sum("commission_amount")
        )
        .order_by("site_id", "currency")
    )
    return [
        (
            row["site_id"],
            row["currency"],
            *(money_round(stored_sum(row[name]), row["currency"]) for name in ("revenue", "owner_share", "commission")),
        )
        for row in rows
        if row["site_id"] is not None
    ]
