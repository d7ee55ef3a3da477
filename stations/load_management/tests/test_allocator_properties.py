"""Property tests of the allocator: for random trees, sessions, draws and priorities, no
limit is ever exceeded at any level, each EV gets at least its minimum or is paused, and
capacity is not left unused while someone is throttled (below its ceiling: a capped
session's headroom above its draw counts as used). The checks recompute every node's
load from the output alone; they share no code with the allocator but its public helpers
for a session's phase coefficients and ceiling."""

from hypothesis import given, settings
from hypothesis import strategies as st

from stations.load_management.allocator import (
    AMPERE_STEP,
    WATT_STEP,
    Node,
    Session,
    Settings,
    allocate,
    ceiling,
    coefficients,
)

SETTINGS = Settings()
TOLERANCE = 1e-6


@st.composite
def trees(draw) -> list[Node]:
    count = draw(st.integers(min_value=1, max_value=5))
    nodes = []
    for index in range(count):
        current = draw(st.one_of(st.none(), st.integers(min_value=10, max_value=400)))
        power = draw(st.one_of(st.none(), st.integers(min_value=5_000, max_value=300_000)))
        other = draw(st.one_of(st.just((0, 0, 0)), st.tuples(*[st.integers(min_value=0, max_value=40)] * 3)))
        nodes.append(
            Node(
                id=f"n{index}",
                parent=None if index == 0 else f"n{draw(st.integers(min_value=0, max_value=index - 1))}",
                max_current_a=current,
                max_power_w=power,
                other_load_a=tuple(float(value) for value in other),
            )
        )
    return nodes


@st.composite
def sessions_on(draw, nodes: list[Node]) -> list[Session]:
    count = draw(st.integers(min_value=0, max_value=14))
    sessions = []
    for index in range(count):
        kind = draw(st.sampled_from(["ac1", "ac3", "dc"]))
        if kind == "dc":
            minimum = float(draw(st.sampled_from([0, 2_000, 5_000])))
            maximum = float(draw(st.integers(min_value=10_000, max_value=150_000)))
            phases = (0, 1, 2)
        else:
            minimum = float(draw(st.sampled_from([0, 6, 8])))
            maximum = float(draw(st.integers(min_value=int(minimum) or 1, max_value=63)))
            phases = (draw(st.integers(min_value=0, max_value=2)),) if kind == "ac1" else (0, 1, 2)
        previous = draw(st.one_of(st.none(), st.just(0.0), st.floats(min_value=minimum, max_value=maximum)))
        measured = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=maximum)))
        sessions.append(
            Session(
                id=f"s{index}",
                node=draw(st.sampled_from(nodes)).id,
                minimum=minimum,
                maximum=maximum,
                phases=phases,
                dc=kind == "dc",
                priority=draw(st.integers(min_value=0, max_value=2)),
                started=float(index),
                measured=measured,
                previous=previous,
                capped=draw(st.booleans()),
                suspended=draw(st.booleans()),
                controlled=draw(st.integers(min_value=0, max_value=9)) > 0,
            )
        )
    return sessions


@st.composite
def sites(draw):
    nodes = draw(trees())
    return nodes, draw(sessions_on(nodes))


def _below(nodes: list[Node], node_id: str) -> set[str]:
    """The node and every node under it."""
    found, changed = {node_id}, True
    while changed:
        changed = False
        for node in nodes:
            if node.parent in found and node.id not in found:
                found.add(node.id)
                changed = True
    return found


def _checks(nodes: list[Node]):
    """(node, kind, phase, capacity) for every limit in the tree, after the margin and
    the other load."""
    keep = 1 - SETTINGS.safety_margin
    for node in nodes:
        if node.max_current_a is not None:
            for phase in range(3):
                yield node, "phase", phase, node.max_current_a * keep - node.other_load_a[phase]
        if node.max_power_w is not None:
            yield node, "power", None, node.max_power_w * keep - sum(node.other_load_a) * SETTINGS.voltage


def _weight(session: Session, kind: str, phase: int | None) -> float:
    vector = coefficients(session, SETTINGS.voltage)
    return vector[phase] if kind == "phase" else sum(vector) * SETTINGS.voltage


def _step(session: Session) -> float:
    return WATT_STEP if session.dc else AMPERE_STEP


@settings(max_examples=400, deadline=None)
@given(sites())
def test_no_limit_is_exceeded_at_any_level(site):
    nodes, sessions = site
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, SETTINGS)}
    for node, kind, phase, capacity in _checks(nodes):
        under = [session for session in sessions if session.node in _below(nodes, node.id)]
        fixed = sum(_weight(s, kind, phase) * s.maximum for s in under if not s.controlled)
        ours = sum(_weight(s, kind, phase) * limits[s.id] for s in under if s.controlled)
        if fixed > capacity + TOLERANCE:
            # Uncontrolled chargers alone overload it: everything we control there is paused.
            assert ours == 0, (node, kind, phase)
        else:
            assert fixed + ours <= capacity + TOLERANCE, (node, kind, phase, fixed, ours, capacity)


@settings(max_examples=400, deadline=None)
@given(sites())
def test_each_ev_gets_its_minimum_or_is_paused_and_never_more_than_its_ceiling(site):
    nodes, sessions = site
    for session, allocation in zip(sessions, allocate(nodes, sessions, SETTINGS), strict=True):
        if not session.controlled:
            assert allocation.limit == session.maximum
            continue
        top, _ = ceiling(session, SETTINGS)
        assert allocation.limit == 0 or session.minimum <= allocation.limit <= top + TOLERANCE
        if allocation.limit == 0 and session.minimum > 0:
            assert allocation.reason.startswith("paused")


@settings(max_examples=400, deadline=None)
@given(sites())
def test_a_paused_session_does_not_fit_beside_the_others(site):
    nodes, sessions = site
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, SETTINGS)}
    for paused in sessions:
        if not paused.controlled or paused.minimum == 0 or limits[paused.id] > 0:
            continue
        overloads = []
        for node, kind, phase, capacity in _checks(nodes):
            under = [s for s in sessions if s.node in _below(nodes, node.id)]
            if paused not in under or _weight(paused, kind, phase) == 0:
                continue
            load = sum(_weight(s, kind, phase) * (limits[s.id]) for s in under)
            overloads.append(load + _weight(paused, kind, phase) * paused.minimum > capacity + TOLERANCE)
        assert any(overloads), paused


@settings(max_examples=400, deadline=None)
@given(sites())
def test_no_capacity_is_left_unused_while_a_session_is_throttled(site):
    nodes, sessions = site
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, SETTINGS)}
    for session in sessions:
        top, _ = ceiling(session, SETTINGS)
        if not session.controlled or limits[session.id] == 0 or limits[session.id] >= top - _step(session):
            continue
        # Throttled: some limit above it is full, up to the rounding of its members.
        full = []
        for node, kind, phase, capacity in _checks(nodes):
            under = [s for s in sessions if s.node in _below(nodes, node.id)]
            if session not in under or _weight(session, kind, phase) == 0:
                continue
            load = sum(_weight(s, kind, phase) * limits[s.id] for s in under)
            rounding = sum(_weight(s, kind, phase) * _step(s) for s in under if s.controlled)
            full.append(capacity - load <= rounding + TOLERANCE)
        assert any(full), session


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.integers(min_value=20, max_value=300),
    sessions=st.lists(
        st.tuples(st.integers(min_value=0, max_value=2), st.integers(min_value=6, max_value=63)),
        min_size=1,
        max_size=12,
    ),
)
def test_a_lower_class_gets_more_than_its_minimum_only_when_every_higher_class_is_served(capacity, sessions):
    nodes = [Node(id="grid", max_current_a=capacity)]
    given_sessions = [
        Session(id=f"s{index}", node="grid", minimum=6, maximum=maximum, priority=priority, started=index)
        for index, (priority, maximum) in enumerate(sessions)
    ]
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, given_sessions, SETTINGS)}
    for low in given_sessions:
        if limits[low.id] <= low.minimum + AMPERE_STEP:
            continue
        for high in given_sessions:
            if high.priority > low.priority:
                assert limits[high.id] >= high.maximum - AMPERE_STEP, (high, low, limits)


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.integers(min_value=20, max_value=300),
    maxima=st.lists(st.integers(min_value=6, max_value=63), min_size=1, max_size=12),
)
def test_within_a_class_a_throttled_session_gets_no_less_than_any_other(capacity, maxima):
    nodes = [Node(id="grid", max_current_a=capacity)]
    sessions = [
        Session(id=f"s{index}", node="grid", minimum=6, maximum=maximum, started=index)
        for index, maximum in enumerate(maxima)
    ]
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, SETTINGS)}
    for session in sessions:
        if 0 < limits[session.id] < session.maximum:
            assert all(limits[session.id] >= limit - AMPERE_STEP for limit in limits.values())
