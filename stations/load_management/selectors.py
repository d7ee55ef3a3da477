"""What the allocator is fed, read from the database: a site's tree with the limits in
force now (time-of-day windows in the site's zone) and the other load measured at each
node, and its active sessions with their connectors' electrical facts and measured draw."""

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from stations.load_management import allocator
from stations.load_management.models import LoadNode, LoadWindow, SessionAllocation, SiteLoadPolicy
from stations.load_management.priorities import session_priority
from stations.models import ChargePointStatus, ChargingSession, Connector, MeterSample

DEFAULT_MIN_CURRENT_A = 6.0
DEFAULT_MAX_CURRENT_A = 32.0
# A power reading older than this says nothing about the draw now.
DRAW_MAX_AGE = timedelta(minutes=2)
# How long a car gets to follow a new limit before its measured draw counts again.
DRAW_SETTLE = timedelta(seconds=10)
PHASE_NAMES = {"L1": 0, "L1-N": 0, "L2": 1, "L2-N": 1, "L3": 2, "L3-N": 2}


@dataclass
class SiteInputs:
    nodes: list[allocator.Node]
    sessions: list[allocator.Session]
    settings: allocator.Settings
    session_rows: dict[str, ChargingSession]
    units: dict[str, str]


def allocator_settings(policy: SiteLoadPolicy) -> allocator.Settings:
    return allocator.Settings(voltage=float(policy.voltage), safety_margin=float(policy.safety_margin_percent) / 100)


def limits_at(node: LoadNode, windows: list[LoadWindow], local: time) -> tuple[Decimal | None, Decimal | None]:
    """(max_current_a, max_power_kw) in force at local time `local`."""
    for window in windows:
        inside = (
            window.starts_at <= local < window.ends_at
            if window.starts_at < window.ends_at
            else (local >= window.starts_at or local < window.ends_at)
        )
        if inside:
            return (
                window.max_current_a if window.max_current_a is not None else node.max_current_a,
                window.max_power_kw if window.max_power_kw is not None else node.max_power_kw,
            )
    return node.max_current_a, node.max_power_kw


def tightest_limits(node: LoadNode, windows: list[LoadWindow]) -> tuple[Decimal | None, Decimal | None]:
    """The lowest limits of the day: what a fail-safe default must respect at any hour."""
    candidates = [(node.max_current_a, node.max_power_kw)] + [limits_at(node, windows, w.starts_at) for w in windows]
    currents = [current for current, _ in candidates if current is not None]
    powers = [power for _, power in candidates if power is not None]
    return (min(currents) if currents else None, min(powers) if powers else None)


def other_load(node: LoadNode, *, now: datetime, max_age: timedelta) -> tuple[float, float, float]:
    """The other (non-charging) load at the node per phase; the node's fallback when the
    signal is missing or older than `max_age`."""
    fallback = (float(node.fallback_load_a),) * 3
    if node.signal == LoadNode.Signal.API:
        if node.other_load_at is None or now - node.other_load_at > max_age:
            return fallback
        return (float(node.other_load_l1_a), float(node.other_load_l2_a), float(node.other_load_l3_a))
    if node.signal == LoadNode.Signal.METER:
        return _metered(node, now=now, max_age=max_age) or fallback
    return (0.0, 0.0, 0.0)


def _metered(node: LoadNode, *, now: datetime, max_age: timedelta) -> tuple[float, float, float] | None:
    if node.meter_station_id is None:
        return None
    samples = MeterSample.objects.filter(
        station_id=node.meter_station_id,
        connector_number=0,
        measurand="Current.Import",
        received_at__gte=now - max_age,
        rejected="",
    ).order_by("-received_at", "-id")[:12]
    phases: dict[int, float] = {}
    for sample in samples:
        phase = PHASE_NAMES.get(sample.phase)
        if phase is not None and phase not in phases and sample.normalized_value is not None:
            phases[phase] = float(sample.normalized_value)
    if len(phases) < 3:
        return None
    return (phases[0], phases[1], phases[2])


def site_nodes(policy: SiteLoadPolicy, *, now: datetime, fail_safe: bool = False) -> list[allocator.Node]:
    """The tree as the allocator sees it now, or, with `fail_safe`, as it must hold at any
    hour without us: the tightest limits of the day and every signal at its fallback."""
    local = now.astimezone(ZoneInfo(policy.site.time_zone)).time()
    max_age = timedelta(seconds=policy.signal_max_age_seconds)
    nodes = []
    for node in LoadNode.objects.filter(site_id=policy.site_id).prefetch_related("windows"):
        windows = list(node.windows.all())
        current, power = tightest_limits(node, windows) if fail_safe else limits_at(node, windows, local)
        load = (float(node.fallback_load_a),) * 3 if fail_safe else other_load(node, now=now, max_age=max_age)
        if fail_safe and node.signal == LoadNode.Signal.NONE:
            load = (0.0, 0.0, 0.0)
        nodes.append(
            allocator.Node(
                id=str(node.pk),
                parent=str(node.parent_id) if node.parent_id else None,
                max_current_a=float(current) if current is not None else None,
                max_power_w=float(power) * 1000 if power is not None else None,
                other_load_a=load,
            )
        )
    return nodes


def station_node_ids(site_id: int) -> tuple[dict[int, str], str | None]:
    """Station id → its node, and the grid node (where a station without a node hangs)."""
    rows = LoadNode.objects.filter(site_id=site_id).values_list("pk", "station_id", "parent_id")
    root = next((str(pk) for pk, _, parent in rows if parent is None), None)
    return {station: str(pk) for pk, station, _ in rows if station is not None}, root


def connector_facts(connector: Connector | None, voltage: float) -> dict:
    """Allocator keyword arguments for a session on `connector` (unknown: AC 3-phase, 6–32 A)."""
    electrics = getattr(connector, "electrics", None) if connector is not None else None
    if connector is None:
        return {"minimum": DEFAULT_MIN_CURRENT_A, "maximum": DEFAULT_MAX_CURRENT_A, "phases": (0, 1, 2), "dc": False}
    max_w = float(connector.max_power_kw) * 1000
    if connector.power_type == Connector.PowerType.DC:
        minimum = float(electrics.min_power_kw) * 1000 if electrics else 0.0
        return {"minimum": min(minimum, max_w), "maximum": max_w, "phases": (0, 1, 2), "dc": True}
    single = connector.power_type == Connector.PowerType.AC_1_PHASE
    phases = ((electrics.phase_rotation if electrics else 0),) if single else (0, 1, 2)
    if electrics and electrics.max_current_a is not None:
        maximum = float(electrics.max_current_a)
    else:
        maximum = math.floor(max_w / (voltage * len(phases)) * 10) / 10
    minimum = float(electrics.min_current_a) if electrics else DEFAULT_MIN_CURRENT_A
    return {"minimum": min(minimum, maximum), "maximum": maximum, "phases": phases, "dc": False}


def site_inputs(policy: SiteLoadPolicy, *, now: datetime) -> SiteInputs:
    settings = allocator_settings(policy)
    nodes = site_nodes(policy, now=now)
    by_station, root = station_node_ids(policy.site_id)
    rows = list(
        ChargingSession.objects.filter(station__site_id=policy.site_id, status=ChargingSession.Status.ACTIVE)
        .select_related("station", "connector", "connector__electrics", "allocation")
        .order_by("started_at", "pk")
    )
    sessions, session_rows, units = [], {}, {}
    for row in rows:
        node = by_station.get(row.station_id, root)
        if node is None:
            continue
        facts = connector_facts(row.connector, settings.voltage)
        allocation = session_allocation(row)
        sessions.append(
            allocator.Session(
                id=str(row.pk),
                node=node,
                priority=session_priority(row),
                started=row.started_at.timestamp(),
                measured=_measured(row, facts, settings.voltage, now=now, allocation=allocation),
                previous=_previous(allocation),
                capped=allocation is not None and allocation.reason == allocator.REASON_DRAW,
                suspended=row.connector is not None and row.connector.status == ChargePointStatus.SUSPENDED_EV,
                controlled=allocation.controlled if allocation else True,
                **facts,
            )
        )
        session_rows[str(row.pk)] = row
        units[str(row.pk)] = SessionAllocation.Unit.WATT if facts["dc"] else SessionAllocation.Unit.AMPERE
    return SiteInputs(nodes=nodes, sessions=sessions, settings=settings, session_rows=session_rows, units=units)


def session_allocation(row: ChargingSession) -> SessionAllocation | None:
    try:
        return row.allocation
    except SessionAllocation.DoesNotExist:
        return None


def _previous(allocation: SessionAllocation | None) -> float | None:
    """The limit the session's charger holds from us; before any was sent, the last share.
    A draw is "clearly less than allowed" against what the charger allows: a raise held
    back behind a site's reductions is not yet allowed, and comparing the draw with it
    capped a car that was drawing all it had been given."""
    if allocation is None:
        return None
    return float(allocation.sent_limit if allocation.sent_limit is not None else allocation.limit)


def _measured(
    row: ChargingSession, facts: dict, voltage: float, *, now: datetime, allocation: SessionAllocation | None = None
) -> float | None:
    if row.last_power_w is None or row.last_meter_at is None or now - row.last_meter_at > DRAW_MAX_AGE:
        return None
    if (
        allocation is not None
        and allocation.sent_at is not None
        and row.last_meter_at < allocation.sent_at + DRAW_SETTLE
    ):
        # A reading from before the car had time to follow its last limit: after a raise it
        # still shows the old, lower draw, and capping the session to it undid the raise
        # (the limit swung between the fair share and the stale draw every round).
        return None
    watts = float(row.last_power_w)
    return watts if facts["dc"] else watts / (voltage * len(facts["phases"]))


def site_load_overview(*, site_id: int, now: datetime, events: int = 50, points: int = 120) -> dict | None:
    """What staff see of a site's load management (ops page and API): the tree with the
    limits in force and the other load now, each active session's share and why, the
    recent event log and the chart's series (per phase: capacity, allocated, measured)."""
    policy = SiteLoadPolicy.objects.select_related("site").filter(site_id=site_id).first()
    if policy is None:
        return None
    nodes = {node.id: node for node in site_nodes(policy, now=now)}
    rows = LoadNode.objects.filter(site_id=site_id).select_related("station").order_by("parent_id", "name")
    allocations = (
        SessionAllocation.objects.filter(site_id=site_id, session__status=ChargingSession.Status.ACTIVE)
        .select_related("session__station", "session__connector")
        .order_by("session__started_at")
    )
    series = list(
        policy.site.load_events.filter(kind="allocation").order_by("-at", "-id").values("at", "data")[:points]
    )
    return {
        "site": policy.site,
        "policy": policy,
        "nodes": [
            {
                "id": row.pk,
                "name": row.name,
                "kind": row.kind,
                "parent": row.parent_id,
                "station": row.station.identity if row.station else None,
                "max_current_a": nodes[str(row.pk)].max_current_a,
                "max_power_kw": nodes[str(row.pk)].max_power_w / 1000 if nodes[str(row.pk)].max_power_w else None,
                "other_load_a": list(nodes[str(row.pk)].other_load_a),
                "signal": row.signal,
            }
            for row in rows
        ],
        "sessions": [
            {
                "session": allocation.session_id,
                "station": allocation.session.station.identity,
                "connector": allocation.session.connector_number,
                "limit": allocation.limit,
                "unit": allocation.unit,
                "sent_limit": allocation.sent_limit,
                "controlled": allocation.controlled,
                "reason": allocation.reason,
                "power_w": allocation.session.last_power_w,
            }
            for allocation in allocations
        ],
        "events": list(policy.site.load_events.order_by("-at", "-id")[:events]),
        "series": [{"at": point["at"], **point["data"]} for point in reversed(series)],
    }


def session_load_note(session: ChargingSession) -> str:
    """For the driver's live view: why the charge is reduced, or '' when it is not."""
    allocation = session_allocation(session)
    if allocation is None or not allocation.is_reduced or session.status != ChargingSession.Status.ACTIVE:
        return ""
    if allocation.limit == 0:
        return "Paused by site load management: charging resumes as soon as capacity frees up."
    return f"Reduced to {allocation.limit} {allocation.unit} by site load management (shared grid connection)."
