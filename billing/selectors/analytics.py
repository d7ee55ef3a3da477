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
