"""The NEVI quarterly data submittal, 23 CFR 680.112(a), in one call: per port the
session data of (a)(1)–(6) (reports.nevi_quarterly_sessions), the uptime, T_outage and
T_excluded of 680.116(b) for each month of the quarter (a)(7), and every outage with its
duration in minutes (a)(8). Like the monthly uptime report, only the days the uptime
service has computed for a port count: time before our history of it is not invented as
outage."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import timezone

from stations.models import ChargingStation, Connector, ConnectorUptimeDay, StatusChange
from stations.operations.regulatory import formulas, reports
from stations.operations.services.health import CONNECTIVITY_STATUSES, OFFLINE
from stations.operations.services.uptime import DOWN, connector_segments, in_service_from

OUTAGE_STATES = {"down", "maintenance", "excluded"}
NEVI_OUTAGE_COLUMNS = (
    "station_id",
    "port_id",
    "outage_start",
    "outage_end",
    "outage_minutes",
    "excluded_minutes",
    "cause",
    "exempted",
)
NEVI_QUARTER_UPTIME_COLUMNS = (
    "month",
    "station_id",
    "port_id",
    "window_start",
    "window_end",
    "total_minutes",
    "outage_minutes",
    "excluded_minutes",
    "uptime_percent",
    "meets_threshold",
)


def quarter_bounds(*, year: int, quarter: int) -> tuple[datetime, datetime]:
    """[start, end) of calendar quarter 1–4 in UTC; ValueError for another quarter."""
    if not 1 <= quarter <= 4:
        raise ValueError("a quarter is 1 to 4")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if quarter == 4 else datetime(year, 3 * quarter + 1, 1, tzinfo=UTC)
    return start, end


def nevi_quarterly_export(
    *, station_ids: Iterable[int], year: int, quarter: int, now: datetime | None = None
) -> dict[str, list[dict]]:
    """{"sessions", "uptime", "outages"}: the rule's quarterly data for the quarter, up to
    `now` for the running one (see NEVI_QUARTER_PARTS)."""
    ids = list(station_ids)
    start, end = quarter_bounds(year=year, quarter=quarter)
    end = min(end, now or timezone.now())
    return {name: rows(station_ids=ids, start=start, end=end) for name, (rows, _columns) in NEVI_QUARTER_PARTS.items()}


def nevi_quarter_uptime(*, station_ids: Iterable[int], start: datetime, end: datetime) -> list[dict]:
    """680.112(a)(7): a row per port for each month of [start, end) that has begun, with
    the uptime, T_outage and T_excluded of the 12 months ending with it (680.116(b)(2))."""
    ids = list(station_ids)
    return [
        {"month": f"{month:%Y-%m}", **row}
        for month in _months(start, end)
        for row in reports.nevi_port_uptime(station_ids=ids, month=month)
    ]


def _months(start: datetime, end: datetime) -> list[date]:
    months, month = [], start.date().replace(day=1)
    while datetime.combine(month, time.min, tzinfo=UTC) < end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def nevi_outages(*, station_ids: Iterable[int], start: datetime, end: datetime) -> list[dict]:
    """Every outage of every port in [start, end), cut at its edges: a run of time the
    port was not up (down, under scheduled maintenance or excluded), its minutes, the
    minutes of it excluded under 680.116(b), and its causes (the exclusion causes, else
    what the charger reported: offline, or the status and error code)."""
    rows = []
    stations = ChargingStation.objects.filter(pk__in=list(station_ids)).select_related("site")
    for station in stations.prefetch_related("site__opening_hours").order_by("identity"):
        service_start = in_service_from(station=station)
        for number in (
            Connector.objects.filter(station=station).order_by("connector_id").values_list("connector_id", flat=True)
        ):
            covered = _covered(station.pk, number, start, end)
            if covered is None:
                continue
            segments = connector_segments(
                station_id=station.pk,
                connector_number=number,
                start=covered[0],
                end=covered[1],
                service_start=service_start,
                site=station.site,
            )
            rows += [_outage_row(station, number, run) for run in _runs(segments)]
    return rows


def _covered(station_pk: int, number: int, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    days = ConnectorUptimeDay.objects.filter(
        station_id=station_pk, connector_number=number, day__gte=start.date(), day__lt=end.date() + timedelta(days=1)
    ).aggregate(first=Min("day"), last=Max("day"))
    if days["first"] is None:
        return None
    first = max(start, datetime.combine(days["first"], time.min, tzinfo=UTC))
    last = min(end, datetime.combine(days["last"] + timedelta(days=1), time.min, tzinfo=UTC))
    return (first, last) if first < last else None


def _runs(segments) -> list[list]:
    runs, current = [], []
    for segment in segments:
        if segment.state in OUTAGE_STATES and (not current or current[-1].end == segment.start):
            current.append(segment)
            continue
        if current:
            runs.append(current)
        current = [segment] if segment.state in OUTAGE_STATES else []
    if current:
        runs.append(current)
    return runs


def _outage_row(station: ChargingStation, number: int, run: list) -> dict:
    seconds = sum(segment.seconds for segment in run)
    excluded = sum(segment.seconds for segment in run if segment.state != "down")
    causes = []
    for segment in run:
        cause = _cause(station.pk, number, segment)
        if cause not in causes:
            causes.append(cause)
    return {
        "station_id": station.identity,
        "port_id": number,
        "outage_start": run[0].start.isoformat(),
        "outage_end": run[-1].end.isoformat(),
        "outage_minutes": (Decimal(seconds) / 60).quantize(formulas.HUNDREDTH),
        "excluded_minutes": (Decimal(excluded) / 60).quantize(formulas.HUNDREDTH),
        "cause": "; ".join(causes),
        "exempted": excluded == seconds,
    }


def _cause(station_pk: int, number: int, segment) -> str:
    if segment.state == "maintenance":
        return "scheduled_maintenance"
    if segment.cause:
        return segment.cause
    before = StatusChange.objects.filter(station_id=station_pk, received_at__lte=segment.start).order_by(
        "-received_at", "-id"
    )
    link = before.filter(connector_number=0, status__in=CONNECTIVITY_STATUSES).first()
    if link and link.status == OFFLINE:
        return "offline"
    reported = before.exclude(status__in=CONNECTIVITY_STATUSES)
    whole_station = reported.filter(connector_number=0).first()
    row = (
        whole_station
        if whole_station and whole_station.status in DOWN
        else reported.filter(connector_number=number).first()
    )
    if row is None:
        return "no_status_reported"
    return row.status if row.error_code in ("", "NoError") else f"{row.status} {row.error_code}"


# Each part of the submittal: the rows for [start, end) and the CSV's columns.
NEVI_QUARTER_PARTS = {
    "sessions": (reports.nevi_quarterly_sessions, reports.NEVI_SESSION_COLUMNS),
    "uptime": (nevi_quarter_uptime, NEVI_QUARTER_UPTIME_COLUMNS),
    "outages": (nevi_outages, NEVI_OUTAGE_COLUMNS),
}
