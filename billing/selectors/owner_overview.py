"""What an owner sees in the owner portal: their stations with live status and the money
they earned. Scoped by the API's owner selectors (stations.selectors.api_access and
billing.selectors.api_access), so the portal and the API never disagree on who sees what."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from billing.models import ChargeDetailRecord
from billing.selectors.api_access import cdrs_visible_to
from stations.models import ChargingSession, ChargingStation, Incident, OperatingAgreement, Organisation, WorkOrder
from stations.operations.selectors.uptime import uptime_percent, uptime_rows
from stations.selectors.api_access import owner_organisation_ids, stations_visible_to


@dataclass
class StationSummary:
    station: ChargingStation
    sessions: int = 0
    energy_wh: int = 0
    # {currency: amount}: a network in two countries earns in two currencies.
    revenue_excl_vat: dict[str, Decimal] = field(default_factory=dict)
    owner_share: dict[str, Decimal] = field(default_factory=dict)


def owner_organisations(*, user) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=owner_organisation_ids(user=user)).order_by("name")


def owner_stations(*, user) -> QuerySet[ChargingStation]:
    """The stations this login's owner organisations own (staff: every station)."""
    return stations_visible_to(user=user).order_by("site__name", "identity")


def owner_station_summaries(*, user, since: datetime) -> list[StationSummary]:
    """Each owned station with its CDRs' sessions, energy, net revenue and the owner's
    share since `since` (credit CDRs included, so net of credit notes)."""
    stations = list(owner_stations(user=user))
    summaries = {station.pk: StationSummary(station=station) for station in stations}
    rows = (
        _owned_cdrs(user=user)
        .filter(station_id__in=summaries, stopped_at__gte=since)
        .values("station_id", "currency")
        .annotate(
            sessions=Count("pk", filter=Q(kind=ChargeDetailRecord.Kind.CHARGE)),
            energy=Sum("energy_wh"),
            revenue=Sum("total_excl_vat"),
            share=Sum("owner_share_amount"),
        )
    )
    for row in rows:
        summary = summaries[row["station_id"]]
        summary.sessions += row["sessions"]
        summary.energy_wh += row["energy"] or 0
        summary.revenue_excl_vat[row["currency"]] = row["revenue"] or Decimal(0)
        summary.owner_share[row["currency"]] = row["share"] or Decimal(0)
    return list(summaries.values())


def owner_totals(summaries: list[StationSummary]) -> dict:
    revenue: dict[str, Decimal] = {}
    share: dict[str, Decimal] = {}
    for summary in summaries:
        for currency, amount in summary.revenue_excl_vat.items():
            revenue[currency] = revenue.get(currency, Decimal(0)) + amount
        for currency, amount in summary.owner_share.items():
            share[currency] = share.get(currency, Decimal(0)) + amount
    return {
        "sessions": sum(s.sessions for s in summaries),
        "energy_wh": sum(s.energy_wh for s in summaries),
        "revenue_excl_vat": revenue,
        "owner_share": share,
    }


def owner_sessions(*, user) -> QuerySet[ChargingSession]:
    """Sessions at the owner's stations, newest first (never the login's own charging as a
    driver elsewhere: this is the owner's view)."""
    return (
        ChargingSession.objects.filter(station__in=owner_stations(user=user))
        .select_related("station__site", "connector")
        .order_by("-started_at")
    )


def session_cdrs(*, user, session_ids: list[int]) -> dict[int, ChargeDetailRecord]:
    """The CDR in force (the latest charge, not its credits) of each session on a page."""
    cdrs = _owned_cdrs(user=user).filter(session_id__in=session_ids, kind=ChargeDetailRecord.Kind.CHARGE)
    return {cdr.session_id: cdr for cdr in cdrs.order_by("session_id", "revision")}


def owner_port_uptime(*, user, start: date, end: date) -> dict[tuple[int, int], Decimal | None]:
    """{(station id, connector number): uptime percent over [start, end]} (None: not known)."""
    station_ids = list(owner_stations(user=user).values_list("pk", flat=True))
    rows = (
        uptime_rows(station_ids=station_ids, start=start, end=end)
        .values("station_id", "connector_number")
        .annotate(period=Sum("period_seconds"), down=Sum("down_seconds"), unknown=Sum("unknown_seconds"))
    )
    return {
        (row["station_id"], row["connector_number"]): uptime_percent(
            period_seconds=row["period"] or 0, down_seconds=row["down"] or 0, unknown_seconds=row["unknown"] or 0
        )
        for row in rows
    }


def owner_agreements(*, user) -> QuerySet[OperatingAgreement]:
    return OperatingAgreement.objects.filter(owner_id__in=owner_organisation_ids(user=user)).select_related(
        "owner", "operator"
    )


def owner_open_incidents(*, user) -> QuerySet[Incident]:
    return (
        Incident.objects.filter(station__in=owner_stations(user=user), status__in=Incident.ACTIVE_STATUSES)
        .select_related("station")
        .order_by("-severity", "-last_seen_at")
    )


def owner_work_orders(*, user) -> QuerySet[WorkOrder]:
    return (
        WorkOrder.objects.filter(station__in=owner_stations(user=user))
        .filter(status__in=WorkOrder.OPEN_STATUSES)
        .select_related("station")
    )


def _owned_cdrs(*, user) -> QuerySet[ChargeDetailRecord]:
    # An owner who also charges as a driver must not see their own CDRs elsewhere here.
    return cdrs_visible_to(user=user).filter(station__in=owner_stations(user=user))
