"""Uptime per connector per UTC day, from status history, in the style of the US NEVI
rule (23 CFR 680.116(b)): uptime = (T − (T_outage − T_excluded)) / T.

A connector is *up* while its last status is Available, Preparing, Charging,
SuspendedEV, SuspendedEVSE, Finishing, Reserved (or OCPP 2.x Occupied); *down* while it
is Faulted or Unavailable, while connector 0 (the whole station) is Faulted or
Unavailable, while the station is offline, and from the moment the station entered
service until it first reported (a station that never connected is down, not missing).
Down time inside a planned maintenance window (a preventive work order in progress) is
excluded and reported separately, and so is down time inside a recorded OutageExclusion
(a utility outage, vandalism, … with its evidence) or outside the site's opening hours,
by cause. Only time before the station entered service (its
commissioning day when known, else its creation or its first status, whichever came
first) is *unknown* and left out of T; a station at a site still in the pipeline
(unpublished) gets no rows."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q

from stations.models import ChargingStation, ConnectorUptimeDay, OutageExclusion, Site, StatusChange, WorkOrder
from stations.operations.services.health import CONNECTIVITY_STATUSES, OFFLINE

OCCUPIED = {"Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Occupied"}
UP = OCCUPIED | {"Available", "Reserved"}
DOWN = {"Faulted", "Unavailable"}


class Timeline:
    """A step function of time: the value of the last change at or before an instant."""

    def __init__(self, initial, changes: Iterable[tuple[datetime, str]]):
        self.initial = initial
        self.changes = sorted(changes, key=lambda change: change[0])

    def at(self, moment: datetime):
        value = self.initial
        for changed_at, changed_to in self.changes:
            if changed_at > moment:
                break
            value = changed_to
        return value

    def moments(self) -> list[datetime]:
        return [changed_at for changed_at, _value in self.changes]


def _timeline(station_id: int, query: Q, start: datetime, end: datetime, initial=None) -> Timeline:
    rows = StatusChange.objects.filter(query, station_id=station_id)
    before = rows.filter(received_at__lt=start).order_by("-received_at", "-id").first()
    within = rows.filter(received_at__gte=start, received_at__lt=end).order_by("received_at", "id")
    return Timeline(before.status if before else initial, [(row.received_at, row.status) for row in within])


def maintenance_windows(*, station_id: int, connector_number: int, start: datetime, end: datetime):
    """Intervals of preventive work orders in progress that cover this connector."""
    orders = (
        WorkOrder.objects.filter(
            station_id=station_id,
            kind=WorkOrder.Kind.PREVENTIVE,
            started_at__isnull=False,
            started_at__lt=end,
            status__in=[WorkOrder.Status.IN_PROGRESS, WorkOrder.Status.DONE],
        )
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gt=start))
        .prefetch_related("connectors")
    )
    windows = []
    for order in orders:
        numbers = {c.connector_id for c in order.connectors.all()}
        if numbers and connector_number not in numbers:
            continue
        windows.append((max(order.started_at, start), min(order.completed_at or end, end)))
    return windows


def in_service_from(*, station: ChargingStation) -> datetime:
    """When the station's uptime clock starts: T runs from here, whatever it reported.
    Its commissioning day when known (a station installed and tested before going live
    is not yet in service); else its creation or its first status, whichever came first."""
    if station.commissioned_on:
        return datetime.combine(station.commissioned_on, time.min, tzinfo=UTC)
    candidates = [station.created_at]
    first_status = (
        StatusChange.objects.filter(station_id=station.pk).order_by("received_at").values_list("received_at", flat=True)
    ).first()
    if first_status:
        candidates.append(first_status)
    return min(candidates)


@dataclass(frozen=True)
class Segment:
    """A stretch of one connector's time in one state; `cause` names an exclusion."""

    start: datetime
    end: datetime
    state: str  # up, down, maintenance, excluded, unknown
    occupied: bool = False
    cause: str = ""

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def exclusion_windows(*, station_id: int, connector_number: int, start: datetime, end: datetime):
    """(start, end, cause) of recorded exclusions covering this connector in [start, end)."""
    rows = OutageExclusion.objects.filter(
        station_id=station_id, connector_number__in=[0, connector_number], starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at", "pk")
    return [(max(row.starts_at, start), min(row.ends_at, end), row.cause) for row in rows]


def closed_windows(*, site: Site | None, start: datetime, end: datetime) -> list[tuple[datetime, datetime, str]]:
    """(start, end, "outside_hours") of the times in [start, end) the site is closed by
    its opening hours (read in its own time zone); none for a 24/7 site. NEVI excludes
    down time outside the hours of operation."""
    if site is None or site.is_open_24_7:
        return []
    zone = ZoneInfo(site.time_zone)
    hours = list(site.opening_hours.all())
    opens = []
    day, last = start.astimezone(zone).date() - timedelta(days=1), end.astimezone(zone).date()
    while day <= last:
        for row in hours:
            if row.weekday == day.weekday():
                closes_on = day + timedelta(days=1) if row.closes_at < row.opens_at else day
                opens.append(
                    (
                        datetime.combine(day, row.opens_at, tzinfo=zone).astimezone(UTC),
                        datetime.combine(closes_on, row.closes_at, tzinfo=zone).astimezone(UTC),
                    )
                )
        day += timedelta(days=1)
    closed, cursor = [], start
    for open_start, open_end in sorted(opens):
        if open_start > cursor:
            closed.append((cursor, min(open_start, end), OutageExclusion.Cause.HOURS.value))
        cursor = max(cursor, open_end)
        if cursor >= end:
            break
    if cursor < end:
        closed.append((cursor, end, OutageExclusion.Cause.HOURS.value))
    return [window for window in closed if window[0] < window[1]]


def connector_segments(
    *,
    station_id: int,
    connector_number: int,
    start: datetime,
    end: datetime,
    service_start: datetime | None = None,
    site: Site | None = None,
) -> list[Segment]:
    """[start, end) of one connector cut where anything that decides its state changes.
    Down time inside a preventive work order is `maintenance`, inside a recorded
    exclusion or while the site is closed `excluded` (with its cause); `service_start`
    (default: the station's in_service_from) separates unknown time from down time, and
    `site` (default: the station's, with its opening hours) gives the closed hours."""
    if service_start is None or site is None:
        station = ChargingStation.objects.select_related("site").get(pk=station_id)
        service_start = service_start or in_service_from(station=station)
        site = site or station.site
    connectivity = _timeline(station_id, Q(connector_number=0, status__in=CONNECTIVITY_STATUSES), start, end)
    station_status = _timeline(station_id, Q(connector_number=0) & ~Q(status__in=CONNECTIVITY_STATUSES), start, end)
    connector_status = _timeline(station_id, Q(connector_number=connector_number), start, end)
    windows = maintenance_windows(station_id=station_id, connector_number=connector_number, start=start, end=end)
    exclusions = [
        *exclusion_windows(station_id=station_id, connector_number=connector_number, start=start, end=end),
        *closed_windows(site=site, start=start, end=end),
    ]
    boundaries = {start, end}
    for timeline in (connectivity, station_status, connector_status):
        boundaries.update(m for m in timeline.moments() if start < m < end)
    for window_start, window_end, *_cause in [*windows, *exclusions]:
        boundaries.update(m for m in (window_start, window_end) if start < m < end)
    if start < service_start < end:
        boundaries.add(service_start)
    segments = []
    for segment_start, segment_end in pairwise(sorted(boundaries)):
        connector = connector_status.at(segment_start)
        state = _state(
            connected=connectivity.at(segment_start),
            station=station_status.at(segment_start),
            connector=connector,
            in_service=segment_start >= service_start,
        )
        cause = ""
        if state == "down" and any(ws <= segment_start and segment_end <= we for ws, we in windows):
            state = "maintenance"
        elif state == "down":
            cause = next((c for ws, we, c in exclusions if ws <= segment_start and segment_end <= we), "")
            state = "excluded" if cause else state
        segments.append(
            Segment(segment_start, segment_end, state, occupied=state == "up" and connector in OCCUPIED, cause=cause)
        )
    return segments


def connector_day_seconds(
    *,
    station_id: int,
    connector_number: int,
    start: datetime,
    end: datetime,
    service_start: datetime | None = None,
    site: Site | None = None,
) -> dict:
    """Seconds of [start, end) by state for one connector, and excluded seconds by cause."""
    totals = {"up": 0.0, "down": 0.0, "maintenance": 0.0, "excluded": 0.0, "unknown": 0.0, "occupied": 0.0}
    by_cause: dict[str, float] = {}
    for segment in connector_segments(
        station_id=station_id,
        connector_number=connector_number,
        start=start,
        end=end,
        service_start=service_start,
        site=site,
    ):
        totals[segment.state] += segment.seconds
        if segment.occupied:
            totals["occupied"] += segment.seconds
        if segment.cause:
            by_cause[segment.cause] = by_cause.get(segment.cause, 0.0) + segment.seconds
    result = {key: round(value) for key, value in totals.items()}
    result["by_cause"] = {cause: round(value) for cause, value in sorted(by_cause.items())}
    return result


def _state(*, connected, station, connector, in_service: bool) -> str:
    if not in_service:
        return "unknown"
    if connected == OFFLINE or station in DOWN:
        return "down"
    if connector in UP:
        return "up"
    # Faulted, Unavailable, or nothing reported since it entered service: a driver could
    # not charge here.
    return "down"


def uptime_compute_day(*, day: date, now: datetime, station_ids: Iterable[int] | None = None) -> int:
    """Compute and store every connector's row for `day` (UTC), up to `now` for today.
    Idempotent: recomputing overwrites the same rows. Returns the number of rows written."""
    start = datetime.combine(day, time.min, tzinfo=UTC)
    end = min(start + timedelta(days=1), now)
    if end <= start:
        return 0
    # Stations at a site still in the pipeline (not published) are not in service yet.
    stations = (
        ChargingStation.objects.exclude(site__is_published=False)
        .select_related("site")
        .prefetch_related("connectors", "site__opening_hours")
    )
    if station_ids is not None:
        stations = stations.filter(pk__in=list(station_ids))
    written = 0
    for station in stations:
        service_start = in_service_from(station=station)
        for connector in station.connectors.all():
            seconds = connector_day_seconds(
                station_id=station.pk,
                connector_number=connector.connector_id,
                start=start,
                end=end,
                service_start=service_start,
                site=station.site,
            )
            with transaction.atomic():
                ConnectorUptimeDay.objects.update_or_create(
                    station=station,
                    connector_number=connector.connector_id,
                    day=day,
                    defaults={
                        "period_seconds": round((end - start).total_seconds()),
                        "up_seconds": seconds["up"],
                        "down_seconds": seconds["down"],
                        "maintenance_seconds": seconds["maintenance"],
                        "excluded_seconds": seconds["excluded"],
                        "excluded_by_cause": seconds["by_cause"],
                        "unknown_seconds": seconds["unknown"],
                        "occupied_seconds": seconds["occupied"],
                    },
                )
            written += 1
    return written


def outage_exclusion_record(
    *,
    station: ChargingStation,
    connector_number: int,
    cause: str,
    starts_at: datetime,
    ends_at: datetime,
    evidence: str,
    user,
    now: datetime,
) -> OutageExclusion:
    """Record down time staff attribute to an excluded cause, with its evidence, and
    recompute the uptime days it touches. Raises ValidationError without evidence, with
    an unknown cause or a window that does not run forward."""
    exclusion = OutageExclusion(
        station=station,
        connector_number=connector_number,
        cause=cause,
        starts_at=starts_at,
        ends_at=ends_at,
        evidence=evidence.strip(),
        recorded_by=user,
    )
    exclusion.full_clean()
    exclusion.save()
    day = starts_at.astimezone(UTC).date()
    while day <= min(ends_at, now).astimezone(UTC).date():
        uptime_compute_day(day=day, now=now, station_ids=[station.pk])
        day += timedelta(days=1)
    return exclusion
