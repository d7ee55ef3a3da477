"""Per-site profitability over a period, in the currency the site is priced in (its
charge detail records'; the operator's when it has none or several):

    margin  = revenue − owner share − commission − energy bought − maintenance − labour
    payback = CAPEX to date ÷ margin per year (None while the margin is not positive)

Revenue, owner share and commission come from billing's charge detail records through
the analytics registry (stations never reads billing); energy is each session's energy
at the site's price for its local start time; maintenance is the parts of work orders
completed in the period and labour their recorded time at the assignee's LabourRate, else
the default rate (time with no rate in the site's currency is counted apart, not guessed)."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from stations.assets.models.assets import AssetEvent, EnergyPrice, LabourRate
from stations.models import ChargingSession, ChargingStation, Site, WorkOrder, WorkOrderPart
from stations.selectors import analytics

CENT = Decimal("0.01")


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def energy_price_at(prices: list[EnergyPrice], local_datetime) -> EnergyPrice | None:
    """The price for a local moment: the rows of the latest `valid_from` on or before its
    day replace all earlier ones; among them a time window that covers it beats all-day."""
    valid = [price for price in prices if price.valid_from <= local_datetime.date()]
    if not valid:
        return None
    latest = max(price.valid_from for price in valid)
    current = [price for price in valid if price.valid_from == latest]
    windowed = [p for p in current if p.local_start is not None and p.covers(local_datetime.time())]
    return (windowed or [p for p in current if p.local_start is None] or [None])[0]


def site_profitability(*, site_ids, start: date, end: date) -> list[dict]:
    since = datetime.combine(start, time.min, tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    sites = list(Site.objects.filter(pk__in=list(site_ids)).select_related("operator").order_by("name"))
    station_ids = list(ChargingStation.objects.filter(site__in=sites).values_list("pk", flat=True))
    split = {
        (site_id, currency): rest
        for site_id, currency, *rest in analytics.revenue_split(station_ids=station_ids, since=since, until=until)
    }
    days = (end - start).days + 1
    return [_site_row(site, split=split, since=since, until=until, end=end, days=days) for site in sites]


def _site_row(site: Site, *, split, since, until, end: date, days: int) -> dict:
    # The currency the site is priced in (its CDRs'), else its operator's.
    priced_in = sorted(currency for site_id, currency in split if site_id == site.pk)
    currency = priced_in[0] if len(priced_in) == 1 else site.operator.currency
    revenue, owner_share, commission = (money(v) for v in split.get((site.pk, currency), (0, 0, 0)))
    energy_cost, unpriced_wh = _energy_cost(site, currency=currency, since=since, until=until)
    maintenance = money(
        WorkOrderPart.objects.filter(
            work_order__station__site=site,
            work_order__completed_at__gte=since,
            work_order__completed_at__lt=until,
            currency=currency,
        )
        .annotate(cost=ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField()))
        .aggregate(total=Sum("cost"))["total"]
    )
    labour, unpriced_minutes = _labour_cost(site, currency=currency, since=since, until=until)
    capex = money(
        AssetEvent.objects.filter(station__site=site, occurred_on__lte=end, currency=currency).aggregate(
            total=Sum("capex")
        )["total"]
    )
    margin = revenue - owner_share - commission - energy_cost - maintenance - labour
    yearly = margin * 365 / days
    return {
        "site_id": site.pk,
        "site": site.name,
        "currency": currency,
        "revenue": revenue,
        "owner_share": owner_share,
        "commission": commission,
        "energy_cost": energy_cost,
        "energy_unpriced_wh": unpriced_wh,
        "maintenance_cost": maintenance,
        "labour_cost": labour,
        "labour_unpriced_minutes": unpriced_minutes,
        "margin": margin,
        "capex": capex,
        "payback_years": (capex / yearly).quantize(Decimal("0.1"), ROUND_HALF_UP) if yearly > 0 and capex else None,
    }


def _energy_cost(site: Site, *, currency: str, since, until) -> tuple[Decimal, int]:
    prices = list(EnergyPrice.objects.filter(site=site, currency=currency))
    zone = ZoneInfo(site.time_zone)
    cost, unpriced_wh = Decimal(0), 0
    sessions = ChargingSession.objects.filter(
        station__site=site, started_at__gte=since, started_at__lt=until, energy_wh__gt=0
    ).values_list("started_at", "energy_wh")
    for started_at, energy_wh in sessions:
        price = energy_price_at(prices, started_at.astimezone(zone))
        if price is None:
            unpriced_wh += energy_wh
            continue
        cost += Decimal(energy_wh) / 1000 * price.price_per_kwh
    return money(cost), unpriced_wh


def _labour_cost(site: Site, *, currency: str, since, until) -> tuple[Decimal, int]:
    """Time on the site's work orders completed in the period, priced per hour at the
    assignee's rate in `currency`, else the default rate; minutes without either apart."""
    rates = {rate.technician_id: rate.hourly_rate for rate in LabourRate.objects.filter(currency=currency)}
    cost, unpriced_minutes = Decimal(0), 0
    orders = WorkOrder.objects.filter(
        station__site=site, completed_at__gte=since, completed_at__lt=until, time_spent_minutes__gt=0
    ).values_list("assignee_id", "time_spent_minutes")
    for assignee_id, minutes in orders:
        rate = rates.get(assignee_id) if assignee_id in rates else rates.get(None)
        if rate is None:
            unpriced_minutes += minutes
            continue
        cost += Decimal(minutes) / 60 * rate
    return money(cost), unpriced_minutes
