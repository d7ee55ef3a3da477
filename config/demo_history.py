"""Ninety days of past life for the demo network, so that every page has something to show:
sessions in daily patterns (a morning and an evening peak, quieter weekends, more on fast
chargers), priced into CDRs and the ledger by billing's one pricing service, status history
with a few faults (each with its incident and repair work order) from which uptime is
computed by the operations' own service, then the closed months' settlement statements and
driver invoices.

Deterministic (a fixed seed) and idempotent: nothing is added once the demo stations have
sessions. Rows of the past are written directly with their past timestamps (the live
services stamp "now"); everything derived from them goes through the services."""

import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from billing.services.cdrs import CdrError, session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.settlements import statements_generate
from drivers.models import SessionToken, Token
from stations.models import ChargingSession, ChargingStation, Incident, MeterSample, StatusChange, WorkOrder
from stations.operations.services.health import OFFLINE, ONLINE
from stations.operations.services.uptime import uptime_compute_day

HISTORY_DAYS = 90
SEED = 2026
# Relative weight of a session starting at each local hour: a commute peak and an evening peak.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 10, 8, 6, 6, 7, 6, 6, 7, 8, 10, 10, 8, 6, 4, 2, 1)
FAULT_SHARE = 5  # one station in five has had a fault


def load_history(*, days: int = HISTORY_DAYS, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    stations = list(
        ChargingStation.objects.filter(identity__startswith="VW-").select_related("site").prefetch_related("connectors")
    )
    if not stations or ChargingSession.objects.filter(station__in=stations).exists():
        return {"history_sessions_created": 0}
    rng = random.Random(SEED)
    tokens = list(Token.objects.filter(kind=Token.Kind.RFID, driver__user__email__endswith="@example.com"))
    first_day = (now - timedelta(days=days)).date()
    session_ids = []
    for station in stations:
        with transaction.atomic():
            _status_history(station, rng=rng, first_day=first_day, now=now)
            session_ids += _sessions(station, rng=rng, tokens=tokens, first_day=first_day, now=now)
    priced = 0
    for session_id in session_ids:
        try:
            session_price(session_id=session_id)
            priced += 1
        except CdrError:
            continue  # a station without tariff: the session stays unpriced, as it would live
    day = first_day
    while day <= now.date():
        uptime_compute_day(day=day, now=now, station_ids=[s.pk for s in stations])
        day += timedelta(days=1)
    months = _closed_months(first_day=first_day, now=now)
    for month in months:
        statements_generate(period_start=month, now=now)
        invoices_issue_for_month(period_start=month, now=now)
    return {"history_sessions_created": len(session_ids), "history_cdrs_created": priced}


def _status_history(station: ChargingStation, *, rng: random.Random, first_day: date, now: datetime) -> None:
    start = datetime.combine(first_day, time(6), tzinfo=UTC)
    rows = [StatusChange(station=station, connector_number=0, status=ONLINE, received_at=start)]
    rows += [
        StatusChange(station=station, connector_number=c.connector_id, status="Available", received_at=start)
        for c in station.connectors.all()
    ]
    history_days = (now - start).days
    if history_days >= 14 and rng.randrange(FAULT_SHARE) == 0 and station.connectors.all():
        connector = rng.choice(list(station.connectors.all()))
        faulted_at = start + timedelta(days=rng.randrange(5, history_days - 5), hours=rng.randrange(14))
        repaired_at = faulted_at + timedelta(hours=rng.randrange(3, 30))
        rows += [
            StatusChange(
                station=station,
                connector_number=connector.connector_id,
                status="Faulted",
                error_code="GroundFailure",
                received_at=faulted_at,
            ),
            StatusChange(
                station=station, connector_number=connector.connector_id, status="Available", received_at=repaired_at
            ),
        ]
        incident = Incident.objects.create(
            station=station,
            connector_number=connector.connector_id,
            cause=Incident.Cause.CONNECTOR_FAULT,
            status=Incident.Status.RESOLVED,
            error_code="GroundFailure",
            summary="Connector reported GroundFailure",
            first_seen_at=faulted_at,
            last_seen_at=faulted_at,
            opened_at=faulted_at + timedelta(minutes=2),
            resolved_at=repaired_at,
            resolution="Residual current device replaced",
        )
        WorkOrder.objects.create(
            kind=WorkOrder.Kind.CORRECTIVE,
            status=WorkOrder.Status.DONE,
            station=station,
            incident=incident,
            title=f"Repair connector {connector.connector_id}: GroundFailure",
            due_date=faulted_at.date() + timedelta(days=2),
            started_at=repaired_at - timedelta(hours=1),
            completed_at=repaired_at,
            time_spent_minutes=55,
        )
    # The demo's chargers are not connected now: the history ends with the link going down.
    rows.append(StatusChange(station=station, connector_number=0, status=OFFLINE, received_at=now - timedelta(hours=1)))
    StatusChange.objects.bulk_create(rows)


def _sessions(station, *, rng: random.Random, tokens: list[Token], first_day: date, now: datetime) -> list[int]:
    connectors = list(station.connectors.all())
    if not connectors or not tokens:
        return []
    zone = ZoneInfo(station.site.time_zone)
    fastest = max(c.max_power_kw for c in connectors)
    per_day = 0.4 + float(fastest) / 100  # a 350 kW hub sees ~4 a day, a wallbox one every two days
    sessions, samples, links, draws_w = [], [], [], []
    day = first_day
    while day < now.date():
        weekend = day.weekday() >= 5
        count = _poisson(rng, per_day * (0.7 if weekend else 1.0))
        for _ in range(count):
            connector = rng.choice(connectors)
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            started = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=zone).astimezone(UTC)
            kw = min(float(connector.max_power_kw), rng.choice((11.0, 50.0, 120.0)) if fastest > 22 else 11.0)
            minutes = rng.randrange(20, 50) if kw > 22 else rng.randrange(45, 240)
            energy_wh = int(kw * 1000 * minutes / 60 * rng.uniform(0.6, 0.9))
            stopped = started + timedelta(minutes=minutes)
            if stopped >= now:
                continue
            token = rng.choice(tokens)
            meter_start = rng.randrange(1_000_000, 9_000_000)
            session = ChargingSession(
                station=station,
                connector=connector,
                connector_number=connector.connector_id,
                id_tag=token.uid,
                status=ChargingSession.Status.COMPLETED,
                started_at=started,
                meter_start_wh=meter_start,
                stopped_at=stopped,
                stop_received_at=stopped,
                meter_stop_wh=meter_start + energy_wh,
                last_meter_wh=meter_start + energy_wh,
                last_meter_at=stopped,
                energy_wh=energy_wh,
                stop_reason="EVDisconnected",
            )
            sessions.append(session)
            links.append(token)
            draws_w.append(Decimal(int(kw * 1000)))
        day += timedelta(days=1)
    ChargingSession.objects.bulk_create(sessions)
    for session, draw_w in zip(sessions, draws_w, strict=True):
        for share in (Decimal("0.5"), Decimal(1)):
            value = Decimal(session.meter_start_wh + int(session.energy_wh * share))
            samples.append(
                MeterSample(
                    session=session,
                    station=station,
                    connector_number=session.connector_number,
                    sampled_at=session.started_at + (session.stopped_at - session.started_at) * float(share),
                    unit="Wh",
                    value=value,
                    normalized_value=value,
                )
            )
        samples += _power_samples(session, draw_w)
    MeterSample.objects.bulk_create(samples)
    SessionToken.objects.bulk_create(
        [SessionToken(session=session, token=token) for session, token in zip(sessions, links, strict=True)]
    )
    return [session.pk for session in sessions]


def _power_samples(session: ChargingSession, draw_w: Decimal) -> list[MeterSample]:
    """The car's draw as a charger reports it (Power.Active.Import, W): the full draw a
    quarter in, tapering to 60 % three quarters in, as a battery nearing full does."""
    duration = session.stopped_at - session.started_at
    return [
        MeterSample(
            session=session,
            station=session.station,
            connector_number=session.connector_number,
            sampled_at=session.started_at + duration * share,
            measurand="Power.Active.Import",
            unit="W",
            value=value,
            normalized_value=value,
        )
        for share, value in ((0.25, draw_w), (0.75, (draw_w * Decimal("0.6")).quantize(Decimal(1))))
    ]


def _poisson(rng: random.Random, mean: float) -> int:
    # Knuth's method: small means only, which is all a charger sees in a day.
    limit, count, product = pow(2.718281828, -mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _closed_months(*, first_day: date, now: datetime) -> list[date]:
    months, month = [], first_day.replace(day=1)
    current = now.date().replace(day=1)
    while month < current:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months
