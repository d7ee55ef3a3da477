"""The control loop: re-allocate a site and tell its chargers (only what changed by more
than the hysteresis step), keep each station's fail-safe default, and react to chargers
that refuse or ignore their limits. Every function is safe to run twice: the site's
policy row is locked for the round, and a limit already sent is not sent again."""

from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction
from django.utils import timezone

from stations.load_management import allocator, selectors
from stations.load_management.models import LoadEvent, LoadNode, SessionAllocation, SiteLoadPolicy, StationFailSafe
from stations.models import ChargingSession, ChargingStation, CommandRequest, Connector
from stations.operations.models.incidents import Incident
from stations.operations.services.incidents import incident_observe
from stations.services.commands import command_request

# A limit is worth little once superseded; an offline charger gets its fail-safe default.
LIMIT_TTL_SECONDS = 120
TENTH = Decimal("0.1")
REFUSED = (CommandRequest.Status.REJECTED, CommandRequest.Status.FAILED, CommandRequest.Status.TIMED_OUT)


def site_rebalance(*, site_id: int, now: datetime) -> list[SessionAllocation]:
    """Allocate the site's capacity among its active sessions, store each share with its
    reason, and queue a session limit for each charger whose share moved by more than the
    hysteresis step (reductions first). Returns the allocations; [] for a site without an
    enabled policy."""
    with transaction.atomic():
        policy = (
            SiteLoadPolicy.objects.select_for_update()
            .select_related("site")
            .filter(site_id=site_id, enabled=True)
            .first()
        )
        if policy is None:
            return []
        inputs = selectors.site_inputs(policy, now=now)
        results = allocator.allocate(inputs.nodes, inputs.sessions, inputs.settings)
        stored = [_stored(policy, inputs, result) for result in results]
        changes = [allocation for allocation in stored if _needs_sending(policy, allocation)]
        reductions = [allocation for allocation in changes if _lowers(allocation)]
        events = [_sent(allocation, inputs, now=now, reduction=True) for allocation in reductions]
        # An increase sent beside a reduction could reach its charger first: increases wait
        # until every reduction of the site is answered (each answer runs another round).
        if not reductions and not _reductions_outstanding(site_id):
            events += [_sent(allocation, inputs, now=now) for allocation in changes if not _lowers(allocation)]
        moved = any(allocation.changed for allocation in stored)
        _save(stored)
        LoadEvent.objects.bulk_create(events)
        if moved or _chart_point_due(site_id, now=now):
            _log_round(policy, inputs, stored, now=now)
    return stored


def _stored(policy: SiteLoadPolicy, inputs: selectors.SiteInputs, result: allocator.Allocation) -> SessionAllocation:
    """The session's allocation row (new and unsaved for a new session) with this round's
    share; saved in bulk by `_save`."""
    session = inputs.session_rows[result.session]
    allocation = selectors.session_allocation(session) or SessionAllocation(session=session, site_id=policy.site_id)
    limit = Decimal(str(result.limit)).quantize(TENTH, rounding=ROUND_DOWN)
    fresh = (limit, inputs.units[result.session], result.reason[:120])
    allocation.changed = allocation.pk is None or fresh != (allocation.limit, allocation.unit, allocation.reason)
    allocation.limit, allocation.unit, allocation.reason = fresh
    return allocation


ALLOCATION_FIELDS = ["limit", "unit", "reason", "sent_limit", "sent_at", "command", "sent_reduction", "updated_at"]


def _save(stored: list[SessionAllocation]) -> None:
    # `controlled` is left out: only a charger's answer moves it (limit_result_record).
    SessionAllocation.objects.bulk_create([allocation for allocation in stored if allocation.pk is None])
    changed = [allocation for allocation in stored if allocation.changed and allocation.pk is not None]
    for allocation in changed:
        allocation.updated_at = timezone.now()
    SessionAllocation.objects.bulk_update(changed, ALLOCATION_FIELDS)


def _needs_sending(policy: SiteLoadPolicy, allocation: SessionAllocation) -> bool:
    if not allocation.controlled:
        return False
    if allocation.sent_limit is None:
        return True
    if allocation.limit < allocation.sent_limit:
        # Any reduction is sent: a charger left above its share would eat into the others'.
        return True
    if allocation.sent_limit == 0:
        # Resuming is never held back by the step; a session paused and still paused is not
        # sent its 0 again (it was, every round: a profile a second to each paused charger).
        return allocation.limit > 0
    step = policy.hysteresis_a
    if allocation.unit == SessionAllocation.Unit.WATT:
        step *= policy.voltage * 3
    return abs(allocation.limit - allocation.sent_limit) > step


def _lowers(allocation: SessionAllocation) -> bool:
    """Lower than what its charger may draw now (a new session draws its default, which is
    never above its share of the site)."""
    return allocation.sent_limit is not None and allocation.limit < allocation.sent_limit


def _reductions_outstanding(site_id: int) -> bool:
    return SessionAllocation.objects.filter(
        site_id=site_id,
        sent_reduction=True,
        controlled=True,
        session__status=ChargingSession.Status.ACTIVE,
        command__status__in=(CommandRequest.Status.PENDING, CommandRequest.Status.SENT),
    ).exists()


def _sent(
    allocation: SessionAllocation, inputs: selectors.SiteInputs, *, now: datetime, reduction: bool = False
) -> LoadEvent:
    """Queue the session's new limit for its charger; returns the event to log."""
    session = inputs.session_rows[str(allocation.session_id)]
    command = command_request(
        station=session.station,
        action=CommandRequest.Action.SET_CHARGING_LIMIT,
        parameters=_limit_parameters(
            unit=allocation.unit,
            limit=allocation.limit,
            connector=session.connector_number,
            scope="session",
            session=session.pk,
            phases=_phases(session.connector),
        ),
        ttl_seconds=LIMIT_TTL_SECONDS,
    )
    allocation.sent_limit, allocation.sent_at, allocation.command = allocation.limit, now, command
    allocation.sent_reduction, allocation.changed = reduction, True
    return LoadEvent(
        site_id=allocation.site_id,
        kind=LoadEvent.Kind.PROFILE_SENT,
        at=now,
        station_id=session.station_id,
        session=session,
        message=f"{allocation.limit} {allocation.unit}: {allocation.reason}",
        data={"limit": str(allocation.limit), "unit": allocation.unit, "command": command.pk},
    )


def _limit_parameters(*, unit: str, limit: Decimal, connector: int, scope: str, session=None, phases=None) -> dict:
    parameters = {"connector": connector, "scope": scope, "limit": float(limit), "unit": unit}
    if session is not None:
        parameters["session"] = session
    if phases is not None and unit == SessionAllocation.Unit.AMPERE:
        parameters["phases"] = phases
    return parameters


def _phases(connector: Connector | None) -> int | None:
    if connector is None or connector.power_type == Connector.PowerType.DC:
        return None
    return 1 if connector.power_type == Connector.PowerType.AC_1_PHASE else 3


# A steady site logs a round for the chart this often; a round that moved a share, always.
CHART_POINT_EVERY = timedelta(minutes=5)
# Rounds older than this leave the log (the chart shows the recent past; sends stay).
ROUND_RETENTION = timedelta(days=30)


def _chart_point_due(site_id: int, *, now: datetime) -> bool:
    return not LoadEvent.objects.filter(
        site_id=site_id, kind=LoadEvent.Kind.ALLOCATION, at__gt=now - CHART_POINT_EVERY
    ).exists()


def load_rounds_prune(*, now: datetime) -> int:
    """Drop logged rounds older than ROUND_RETENTION; returns how many."""
    deleted, _ = LoadEvent.objects.filter(kind=LoadEvent.Kind.ALLOCATION, at__lt=now - ROUND_RETENTION).delete()
    return deleted


def _log_round(policy: SiteLoadPolicy, inputs: selectors.SiteInputs, stored, *, now: datetime) -> None:
    """One row per round with the figures the ops chart draws: per phase, the grid limit
    (after the margin and the other load), what was allocated and what was measured."""
    root = next((node for node in inputs.nodes if node.parent is None), None)
    keep = 1 - inputs.settings.safety_margin
    capacity = None
    if root is not None and root.max_current_a is not None:
        capacity = [round(root.max_current_a * keep - load, 1) for load in root.other_load_a]
    allocated, measured = [0.0] * 3, [0.0] * 3
    limits = {str(allocation.session_id): float(allocation.limit) for allocation in stored}
    for session in inputs.sessions:
        vector = allocator.coefficients(session, inputs.settings.voltage)
        for phase in range(3):
            allocated[phase] += vector[phase] * (session.maximum if not session.controlled else limits[session.id])
            measured[phase] += vector[phase] * (session.measured or 0)
    LoadEvent.objects.create(
        site_id=policy.site_id,
        kind=LoadEvent.Kind.ALLOCATION,
        at=now,
        message=f"{len(stored)} session(s), {sum(1 for a in stored if a.limit == 0)} paused",
        data={
            "capacity_a": capacity,
            "allocated_a": [round(value, 1) for value in allocated],
            "measured_a": [round(value, 1) for value in measured],
            "sessions": {key: [str(limits[key]), inputs.units[key]] for key in limits},
        },
    )


def fail_safe_send(*, site_id: int, now: datetime, station_id: int | None = None, force: bool = False) -> list[int]:
    """Queue each station's TxDefaultProfile-like default (all its connectors at once):
    the share every connector of the site would get if all charged at once without us,
    under the tightest limits of the day and every signal at its fallback. Sent when it
    changed, or to `station_id` again with `force` (on reconnect). Returns the command ids."""
    with transaction.atomic():
        policy = (
            SiteLoadPolicy.objects.select_for_update()
            .select_related("site")
            .filter(site_id=site_id, enabled=True)
            .first()
        )
        if policy is None:
            return []
        defaults = fail_safe_limits(policy, now=now)
        sent = []
        stations = ChargingStation.objects.filter(site_id=site_id, pk__in=defaults.keys())
        for station in stations.select_related("fail_safe"):
            unit, limit = defaults[station.pk]
            current = getattr(station, "fail_safe", None)
            unchanged = current is not None and current.limit == limit and current.unit == unit
            if unchanged and not (force and station.pk == station_id):
                continue
            command = command_request(
                station=station,
                action=CommandRequest.Action.SET_CHARGING_LIMIT,
                parameters=_limit_parameters(unit=unit, limit=limit, connector=0, scope="default"),
            )
            StationFailSafe.objects.update_or_create(
                station=station, defaults={"unit": unit, "limit": limit, "command": command, "sent_at": now}
            )
            LoadEvent.objects.create(
                site_id=site_id,
                kind=LoadEvent.Kind.DEFAULT_SENT,
                at=now,
                station=station,
                message=f"fail-safe default {limit} {unit}",
                data={"limit": str(limit), "unit": unit, "command": command.pk},
            )
            sent.append(command.pk)
    return sent


def load_limits_lift(*, site_id: int, now: datetime) -> list[int]:
    """Load management is off for the site (no policy, or disabled): clear the defaults and
    session limits its chargers still hold from us, so that nothing stays throttled (or at
    0 A) by a manager that no longer runs. Safe to run twice: what was cleared is forgotten.
    Returns the command ids."""
    if SiteLoadPolicy.objects.filter(site_id=site_id, enabled=True).exists():
        return []
    sent = []
    with transaction.atomic():
        for fail_safe in StationFailSafe.objects.select_for_update().filter(station__site_id=site_id):
            command = command_request(
                station=fail_safe.station,
                action=CommandRequest.Action.CLEAR_CHARGING_LIMIT,
                parameters={"scope": "default"},
            )
            sent.append(command.pk)
            fail_safe.delete()
        held = SessionAllocation.objects.select_for_update().filter(
            site_id=site_id, session__status=ChargingSession.Status.ACTIVE, sent_limit__isnull=False
        )
        for allocation in held.select_related("session__station"):
            command = command_request(
                station=allocation.session.station,
                action=CommandRequest.Action.CLEAR_CHARGING_LIMIT,
                parameters={"scope": "session", "connector": allocation.session.connector_number},
                ttl_seconds=LIMIT_TTL_SECONDS,
            )
            sent.append(command.pk)
        held.update(sent_limit=None, command=None, sent_reduction=False)
        if sent:
            LoadEvent.objects.create(
                site_id=site_id, kind=LoadEvent.Kind.PROFILE_SENT, at=now, message=f"limits lifted ({len(sent)})"
            )
    return sent


def fail_safe_limits(policy: SiteLoadPolicy, *, now: datetime) -> dict[int, tuple[str, Decimal]]:
    """Station id → (unit, limit) of its fail-safe default: the allocator run over every
    connector of the site as if all charged, with no live signal; a station gets the least
    of its connectors' shares (one default covers them all)."""
    settings = selectors.allocator_settings(policy)
    nodes = selectors.site_nodes(policy, now=now, fail_safe=True)
    by_station, root = selectors.station_node_ids(policy.site_id)
    connectors = list(
        Connector.objects.filter(station__site_id=policy.site_id).select_related("electrics").order_by("pk")
    )
    sessions, owners = [], {}
    for connector in connectors:
        node = by_station.get(connector.station_id, root)
        if node is None:
            continue
        facts = selectors.connector_facts(connector, settings.voltage)
        sessions.append(allocator.Session(id=str(connector.pk), node=node, **facts))
        owners[str(connector.pk)] = (connector.station_id, facts["dc"])
    limits: dict[int, tuple[str, Decimal]] = {}
    if policy.fail_safe == SiteLoadPolicy.FailSafe.PAUSE:
        for session in sessions:
            station, dc = owners[session.id]
            limits[station] = (SessionAllocation.Unit.WATT if dc else SessionAllocation.Unit.AMPERE, Decimal("0.0"))
        return limits
    for result in allocator.allocate(nodes, sessions, settings):
        station, dc = owners[result.session]
        unit = SessionAllocation.Unit.WATT if dc else SessionAllocation.Unit.AMPERE
        limit = Decimal(str(result.limit)).quantize(TENTH, rounding=ROUND_DOWN)
        if station not in limits or limit < limits[station][1]:
            limits[station] = (unit, limit)
    return limits


def limit_result_record(*, command_id: int, now: datetime) -> int | None:
    """A charger answered (or failed to answer) a load-management limit. Refused or
    unanswered: the session is counted at its maximum from now on (the others shrink), the
    refusal is logged and raised as an incident (once). Accepted: it is controlled again.
    Returns the site to re-allocate for a session's current limit, else None."""
    command = CommandRequest.objects.select_related("station").filter(pk=command_id).first()
    if command is None or command.action != CommandRequest.Action.SET_CHARGING_LIMIT or not command.is_final:
        return None
    site_id = command.station.site_id
    refused = command.status in REFUSED
    session_id = command.parameters.get("session") if command.parameters.get("scope") == "session" else None
    with transaction.atomic():
        changed = 1
        if session_id is not None:
            current = SessionAllocation.objects.filter(session_id=session_id, command=command)
            if not current.exists():
                return None  # superseded by a later limit
            changed = current.exclude(controlled=not refused).update(controlled=not refused)
        if changed and refused and site_id is not None:
            _refusal_record(command, session_id=session_id, now=now)
    # Each answer runs a round: increases held behind this reduction may go now.
    return site_id if session_id is not None else None


def _refusal_record(command: CommandRequest, *, session_id: int | None, now: datetime) -> None:
    what = "session limit" if session_id is not None else "fail-safe default"
    summary = f"{what} {command.parameters.get('limit')} {command.parameters.get('unit')} {command.status}"
    LoadEvent.objects.create(
        site_id=command.station.site_id,
        kind=LoadEvent.Kind.PROFILE_REFUSED,
        at=now,
        station_id=command.station_id,
        session_id=session_id,
        message=summary,
        data={"command": command.pk, "status": command.status, "error": command.error_code},
    )
    incident_observe(
        station_id=command.station_id,
        connector_number=command.parameters.get("connector", 0),
        cause=Incident.Cause.LOAD_CONTROL,
        severity=Incident.Severity.MAJOR,
        at=now,
        error_code=command.error_code[:32],
        summary=f"Load management: {summary}"[:255],
        details={"command": command.pk},
        confirm_immediately=True,
    )


def other_load_record(*, node: LoadNode, l1_a: Decimal, l2_a: Decimal, l3_a: Decimal, at: datetime) -> LoadNode:
    """Store a live other-load reading posted for `node` (its signal must be `api`). An
    older reading than the stored one changes nothing. Raises ValueError otherwise."""
    if node.signal != LoadNode.Signal.API:
        raise ValueError("This node takes no posted signal (its signal is not `api`).")
    if any(value < 0 for value in (l1_a, l2_a, l3_a)):
        raise ValueError("Currents cannot be negative.")
    updated = LoadNode.objects.filter(pk=node.pk).exclude(other_load_at__gt=at)
    updated.update(other_load_l1_a=l1_a, other_load_l2_a=l2_a, other_load_l3_a=l3_a, other_load_at=at)
    node.refresh_from_db()
    return node


def load_node_validate(*, node: LoadNode) -> None:
    """Raise ValueError unless `node` fits its site's tree: its parent and its station are
    at the same site, the tree stays a tree, and only the grid connection has no parent."""
    if node.parent_id is not None:
        if node.parent.site_id != node.site_id:
            raise ValueError("The parent node belongs to another site.")
        ancestor = node.parent
        while ancestor is not None:
            if node.pk is not None and ancestor.pk == node.pk:
                raise ValueError("A node cannot sit below itself.")
            ancestor = ancestor.parent
    elif node.kind != LoadNode.Kind.GRID:
        raise ValueError("Only the grid connection has no parent.")
    if node.station_id is not None and node.station.site_id != node.site_id:
        raise ValueError("The station is at another site.")
    if node.kind == LoadNode.Kind.STATION and node.station_id is None:
        raise ValueError("A station node names its station.")
    if node.signal == LoadNode.Signal.METER and node.meter_station_id is None:
        raise ValueError("A meter signal names the station whose meter it reads.")
