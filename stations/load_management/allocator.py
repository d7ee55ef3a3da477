"""The site load allocator: a pure function from a site's capacity tree and its active
sessions to one limit per session. No database, no clock; docs/smart-charging.md states
its rules and guarantees, stations/load_management/tests prove them.

Units. Every load is a vector of current per grid phase (L1, L2, L3) in amperes. A
session's limit is a scalar in its own unit — amperes per phase for AC (1 or 3 phases,
on the grid phases its connector is wired to), watts for DC (drawn evenly from the three
phases) — and its load is that scalar times its coefficient vector. A node limits each
phase's current (A) and/or the total power (W, at the site's phase voltage).

Rules, in order:
1. Each node's capacity is its limit less the safety margin, less the other (building)
   load measured there, less the load of uncontrolled sessions (chargers that rejected or
   did not answer a profile are counted at their maximum).
2. Minimums are admitted one session at a time — priority class first (higher first),
   then sessions already charging, then sessions paused earlier (resumed before any new
   one), then the earliest start — if the minimum fits every node above the session;
   those that do not fit are paused (limit 0).
3. The rest is filled class by class (a higher class is served fully before a lower class
   gets more than its minimum) by progressive filling at an equal power level: a session
   stops growing at its ceiling (its maximum, or its measured draw plus headroom when the
   EV draws less than it was allowed, held while its draw is unknown) or when a node
   above it is full.
4. Limits are rounded down (0.1 A, 10 W), so rounding never crosses a limit."""

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PHASES = 3
EPSILON = 1e-9
AMPERE_STEP = 0.1
WATT_STEP = 10.0


@dataclass(frozen=True)
class Node:
    """One level of the capacity tree: the grid connection (no parent), a feeder or
    circuit, a station. `other_load_a` is measured load that is not ours (per phase)."""

    id: str
    parent: str | None = None
    max_current_a: float | None = None
    max_power_w: float | None = None
    other_load_a: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Session:
    """One active session at the leaf `node`.

    `phases` are the grid phases (0, 1, 2) its connector draws from: one for AC single
    phase (the connector's phase rotation says which), three otherwise. AC limits are in A
    per phase, DC (`dc=True`) in W. `measured` is the recent draw in the same unit (highest
    phase for AC), `previous` the limit its charger holds from us (before any was sent,
    its last share; None: never allocated; 0: paused by us). `capped` says its last share
    was its measured draw plus headroom (an EV drawing clearly less than it was allowed). `suspended` is an EV that stopped drawing on
    its own (SuspendedEV): it keeps its minimum only. `controlled=False` is a charger that
    did not accept its profile: it is counted at `maximum` and not allocated."""

    id: str
    node: str
    minimum: float
    maximum: float
    phases: tuple[int, ...] = (0, 1, 2)
    dc: bool = False
    priority: int = 0
    started: float = 0.0
    measured: float | None = None
    previous: float | None = None
    capped: bool = False
    suspended: bool = False
    controlled: bool = True


@dataclass(frozen=True)
class Settings:
    voltage: float = 230.0
    safety_margin: float = 0.05
    # A session drawing clearly less than it was allowed keeps its draw plus this much (A
    # for AC, ×3×voltage W for DC), so that it can grow back and show it wants more.
    headroom_a: float = 2.0


@dataclass(frozen=True)
class Allocation:
    session: str
    limit: float
    reason: str


@dataclass
class _Constraint:
    node: str
    kind: str  # "phase" or "power"
    capacity: float
    members: list[tuple[int, float]] = field(default_factory=list)  # (session index, coefficient)


REASON_MAXIMUM = "at its maximum"
REASON_DRAW = "limited to its measured draw"
REASON_SUSPENDED = "EV suspended: minimum kept"
REASON_SHARE = "fair share of {node}"
REASON_PAUSED = "paused: minimum does not fit {node}"
REASON_UNCONTROLLED = "uncontrolled: counted at its maximum"


def coefficients(session: Session, voltage: float) -> tuple[float, float, float]:
    """Current per grid phase for one unit of the session's limit."""
    if session.dc:
        per_phase = 1.0 / (PHASES * voltage)
        return (per_phase,) * PHASES
    return tuple(1.0 if phase in session.phases else 0.0 for phase in range(PHASES))


def power_per_unit(session: Session, voltage: float) -> float:
    return 1.0 if session.dc else voltage * len(set(session.phases))


def ceiling(session: Session, settings: Settings) -> tuple[float, str]:
    """The most this session is offered this round, and why.

    An EV drawing clearly less than it was allowed (its draw plus half the headroom below
    its limit) is capped at its draw plus the headroom, and the rest goes to the others.
    It stays capped, at its draw plus the headroom, until it draws into the upper half of
    that headroom: then its cap is lifted at once. While its draw is unknown (a reading from
    before its last limit settled, or none lately) a capped session keeps its cap: offering
    it the full share then, and capping it again at the next reading, swung its limit every
    few seconds (docs/smart-charging.md)."""
    if session.suspended:
        return session.minimum, REASON_SUSPENDED
    headroom = settings.headroom_a * (settings.voltage * PHASES if session.dc else 1.0)
    if session.previous and session.measured is None and session.capped:
        return _capped(session, session.previous), REASON_DRAW
    if session.measured is not None and session.previous and session.measured + headroom / 2 < session.previous:
        return _capped(session, session.measured + headroom), REASON_DRAW
    return session.maximum, REASON_MAXIMUM


def _capped(session: Session, cap: float) -> float:
    return min(session.maximum, max(session.minimum, cap))


def allocate(nodes: Sequence[Node], sessions: Sequence[Session], settings: Settings = Settings()) -> list[Allocation]:
    """One allocation per session, in the order given. Raises ValueError for a tree that
    is not one (unknown parent or node, a cycle) or a session whose minimum exceeds its
    maximum."""
    ancestors = _ancestors(nodes)
    for session in sessions:
        if session.node not in ancestors:
            raise ValueError(f"session {session.id}: unknown node {session.node!r}")
        if session.minimum < 0 or session.minimum > session.maximum:
            raise ValueError(f"session {session.id}: minimum must lie between 0 and its maximum")
    constraints = _constraints(nodes, sessions, ancestors, settings)
    limits = [0.0] * len(sessions)
    reasons = [""] * len(sessions)
    loads = [0.0] * len(constraints)
    for index, session in enumerate(sessions):
        if not session.controlled:
            _add(constraints, loads, index, session.maximum)
            limits[index], reasons[index] = session.maximum, REASON_UNCONTROLLED
    admitted = _admit(sessions, constraints, loads, limits, reasons)
    for priority in sorted({sessions[index].priority for index in admitted}, reverse=True):
        members = [index for index in admitted if sessions[index].priority == priority]
        _fill(members, sessions, constraints, loads, limits, reasons, settings)
    return [
        Allocation(session=session.id, limit=_rounded(session, limits[index]), reason=reasons[index])
        for index, session in enumerate(sessions)
    ]


def _ancestors(nodes: Iterable[Node]) -> dict[str, list[str]]:
    """Node id → the node and every node above it."""
    parents = {}
    for node in nodes:
        if node.id in parents:
            raise ValueError(f"node {node.id!r} appears twice")
        parents[node.id] = node.parent
    chains = {}
    for node_id in parents:
        chain, current = [], node_id
        while current is not None:
            if current not in parents:
                raise ValueError(f"node {chain[-1]!r}: unknown parent {current!r}")
            if current in chain:
                raise ValueError(f"node {node_id!r}: the tree has a cycle")
            chain.append(current)
            current = parents[current]
        chains[node_id] = chain
    return chains


def _constraints(nodes, sessions, ancestors, settings: Settings) -> list[_Constraint]:
    keep = 1.0 - settings.safety_margin
    constraints = []
    for node in nodes:
        below = [index for index, session in enumerate(sessions) if node.id in ancestors[session.node]]
        if node.max_current_a is not None:
            for phase in range(PHASES):
                capacity = node.max_current_a * keep - node.other_load_a[phase]
                constraint = _Constraint(node=node.id, kind="phase", capacity=capacity)
                for index in below:
                    weight = coefficients(sessions[index], settings.voltage)[phase]
                    if weight:
                        constraint.members.append((index, weight))
                constraints.append(constraint)
        if node.max_power_w is not None:
            capacity = node.max_power_w * keep - sum(node.other_load_a) * settings.voltage
            constraint = _Constraint(node=node.id, kind="power", capacity=capacity)
            for index in below:
                weight = sum(coefficients(sessions[index], settings.voltage)) * settings.voltage
                constraint.members.append((index, weight))
            constraints.append(constraint)
    return constraints


def _add(constraints, loads, index: int, amount: float) -> None:
    for position, constraint in enumerate(constraints):
        for member, weight in constraint.members:
            if member == index:
                loads[position] += weight * amount


def _fits(constraints, loads, index: int, amount: float) -> str | None:
    """None when `amount` more for session `index` fits every constraint, else the node."""
    for position, constraint in enumerate(constraints):
        for member, weight in constraint.members:
            if member == index and loads[position] + weight * amount > constraint.capacity + EPSILON:
                return constraint.node
    return None


def _order(session: Session) -> tuple:
    if session.previous is None:
        state = 2  # new
    elif session.previous > 0:
        state = 0  # charging
    else:
        state = 1  # paused by us: resumed before any new session
    return (-session.priority, state, session.started, session.id)


def _admit(sessions, constraints, loads, limits, reasons) -> list[int]:
    admitted = []
    controlled = [index for index, session in enumerate(sessions) if session.controlled]
    for index in sorted(controlled, key=lambda index: _order(sessions[index])):
        minimum = sessions[index].minimum
        blocked = _fits(constraints, loads, index, minimum) if minimum > 0 else None
        if blocked is not None:
            limits[index], reasons[index] = 0.0, REASON_PAUSED.format(node=blocked)
            continue
        _add(constraints, loads, index, minimum)
        limits[index] = minimum
        admitted.append(index)
    return admitted


def _fill(members, sessions, constraints, loads, limits, reasons, settings: Settings) -> None:
    """Progressive filling: raise an equal power level over the unfrozen members until each
    reaches its ceiling or a constraint above it is full."""
    ceilings = {}
    for index in members:
        top, why = ceiling(sessions[index], settings)
        ceilings[index] = (max(top, limits[index]), why)
    active = {index for index in members if ceilings[index][0] > limits[index] + EPSILON}
    for index in set(members) - active:
        reasons[index] = ceilings[index][1]
    while active:
        level, blocking = _next_level(active, sessions, constraints, loads, limits, ceilings, settings)
        for index in active:
            target = min(
                ceilings[index][0], max(limits[index], level / power_per_unit(sessions[index], settings.voltage))
            )
            _add(constraints, loads, index, target - limits[index])
            limits[index] = target
        frozen = set()
        for index in active:
            if limits[index] >= ceilings[index][0] - EPSILON:
                frozen.add(index)
                reasons[index] = ceilings[index][1]
        for position in blocking:
            for member, _ in constraints[position].members:
                if member in active and member not in frozen:
                    frozen.add(member)
                    reasons[member] = REASON_SHARE.format(node=constraints[position].node)
        if not frozen:
            break  # numerical safety: nothing moved
        active -= frozen


def _next_level(active, sessions, constraints, loads, limits, ceilings, settings) -> tuple[float, list[int]]:
    """The highest power level every constraint allows (each active session at
    min(ceiling, max(its limit now, level))), and the constraints that are full at it."""
    units = {index: power_per_unit(sessions[index], settings.voltage) for index in active}
    top = max(ceilings[index][0] * units[index] for index in active)
    level, blocking = top, []
    for position, constraint in enumerate(constraints):
        members = [(member, weight) for member, weight in constraint.members if member in active]
        if not members:
            continue
        saturation = _saturation(members, constraint.capacity - loads[position], limits, ceilings, units)
        if saturation is None:
            continue
        if saturation < level - EPSILON:
            level, blocking = saturation, [position]
        elif saturation <= level + EPSILON:
            level = min(level, saturation)
            blocking.append(position)
    return level, blocking


def _saturation(members, room: float, limits, ceilings, units) -> float | None:
    """The level at which these members' growth fills `room`, or None if it never does.
    Growth is piecewise linear in the level: member m grows at weight/unit between
    limit×unit and ceiling×unit."""
    events = []
    for member, weight in members:
        start, stop = limits[member] * units[member], ceilings[member][0] * units[member]
        if stop > start:
            slope = weight / units[member]
            events.append((start, slope))
            events.append((stop, -slope))
    if not events:
        return None
    events.sort()
    level, slope, used = events[0][0], 0.0, 0.0
    if room <= EPSILON:
        return level
    for at, change in events:
        if slope > 0 and used + slope * (at - level) >= room:
            return level + (room - used) / slope
        used += slope * (at - level)
        level, slope = at, slope + change
    return None


def _rounded(session: Session, limit: float) -> float:
    step = WATT_STEP if session.dc else AMPERE_STEP
    if not session.controlled:
        return limit
    rounded = math.floor(limit / step + 1e-9) * step
    return round(max(rounded, session.minimum) if limit >= session.minimum - EPSILON and limit > 0 else rounded, 6)
