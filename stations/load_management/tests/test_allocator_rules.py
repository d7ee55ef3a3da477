"""The allocator's rules by example (docs/smart-charging.md lists them)."""

import pytest

from stations.load_management.allocator import Node, Session, Settings, allocate

NO_MARGIN = Settings(safety_margin=0)


def _limits(nodes, sessions, settings=NO_MARGIN) -> dict[str, float]:
    return {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, settings)}


def _ac3(name, node="grid", **facts) -> Session:
    return Session(id=name, node=node, minimum=facts.pop("minimum", 6), maximum=facts.pop("maximum", 32), **facts)


def test_twenty_wallboxes_on_a_100_a_feeder_share_it_and_the_rest_are_paused():
    limits = _limits([Node("grid", max_current_a=100)], [_ac3(f"s{i:02}", started=i) for i in range(20)])
    charging = [limit for limit in limits.values() if limit > 0]
    assert len(charging) == 16 and set(charging) == {6.2}
    assert [name for name, limit in limits.items() if limit == 0] == ["s16", "s17", "s18", "s19"]


def test_the_safety_margin_is_kept_free():
    limits = _limits([Node("grid", max_current_a=100)], [_ac3("a", maximum=63), _ac3("b", maximum=63)], Settings())
    assert limits == {"a": 47.5, "b": 47.5}


def test_single_phase_sessions_on_different_phases_do_not_compete():
    sessions = [
        Session(id="l1", node="grid", minimum=6, maximum=32, phases=(0,)),
        Session(id="l2", node="grid", minimum=6, maximum=32, phases=(1,)),
        Session(id="l1b", node="grid", minimum=6, maximum=32, phases=(0,)),
    ]
    assert _limits([Node("grid", max_current_a=32)], sessions) == {"l1": 16, "l2": 32, "l1b": 16}


def test_other_building_load_is_taken_off_the_phase_it_is_on():
    sessions = [_ac3("a", maximum=32)]
    assert _limits([Node("grid", max_current_a=40, other_load_a=(10, 25, 0))], sessions) == {"a": 15}


def test_a_feeder_limits_its_stations_below_the_grid_connection():
    nodes = [Node("grid", max_current_a=100), Node("garage", parent="grid", max_current_a=20)]
    sessions = [_ac3("a", node="garage"), _ac3("b", node="garage"), _ac3("c", node="grid")]
    assert _limits(nodes, sessions) == {"a": 10, "b": 10, "c": 32}


def test_dc_sessions_share_a_power_limit_in_watts():
    nodes = [Node("grid", max_power_w=400_000)]
    sessions = [Session(id=f"dc{i}", node="grid", minimum=5_000, maximum=150_000, dc=True) for i in range(6)]
    limits = _limits(nodes, sessions)
    assert set(limits.values()) == {66_660}
    assert sum(limits.values()) <= 400_000


def test_a_higher_priority_class_is_served_before_a_lower_one_gets_more_than_its_minimum():
    sessions = [_ac3("fleet", priority=1), _ac3("adhoc1"), _ac3("adhoc2")]
    assert _limits([Node("grid", max_current_a=50)], sessions) == {"fleet": 32, "adhoc1": 9, "adhoc2": 9}


def test_a_higher_priority_newcomer_pauses_a_lower_class_session_rather_than_overloading():
    sessions = [_ac3("adhoc", previous=10, started=0), _ac3("fleet", priority=1, started=5)]
    assert _limits([Node("grid", max_current_a=10)], sessions) == {"adhoc": 0, "fleet": 10}


def test_unused_capacity_of_an_ev_drawing_less_is_given_to_the_others():
    sessions = [_ac3("slow", previous=16, measured=8), _ac3("fast", previous=16, measured=16)]
    assert _limits([Node("grid", max_current_a=32)], sessions) == {"slow": 10, "fast": 22}


def test_a_suspended_ev_keeps_only_its_minimum():
    sessions = [_ac3("full", suspended=True, previous=16), _ac3("hungry", previous=16)]
    assert _limits([Node("grid", max_current_a=32)], sessions) == {"full": 6, "hungry": 26}


def test_a_paused_session_is_resumed_before_a_newer_one():
    sessions = [_ac3("newcomer", started=1), _ac3("paused", previous=0, started=2), _ac3("charging", previous=6)]
    limits = _limits([Node("grid", max_current_a=12)], sessions)
    assert limits == {"newcomer": 0, "paused": 6, "charging": 6}


def test_a_charger_that_does_not_obey_is_counted_at_its_maximum():
    sessions = [_ac3("deaf", controlled=False), _ac3("a"), _ac3("b")]
    limits = _limits([Node("grid", max_current_a=50)], sessions)
    assert limits == {"deaf": 32, "a": 9, "b": 9}


def test_allocations_name_the_node_that_limits_them():
    nodes = [Node("grid", max_current_a=100), Node("garage", parent="grid", max_current_a=12)]
    reasons = {
        a.session: a.reason
        for a in allocate(
            nodes, [_ac3("a", node="garage"), _ac3("b", node="garage"), _ac3("c", node="garage")], NO_MARGIN
        )
    }
    assert reasons == {
        "a": "fair share of garage",
        "b": "fair share of garage",
        "c": "paused: minimum does not fit garage",
    }


@pytest.mark.parametrize(
    "nodes, message",
    [
        ([Node("a", parent="b")], "unknown parent"),
        ([Node("a", parent="b"), Node("b", parent="a")], "cycle"),
        ([Node("a"), Node("a")], "twice"),
    ],
)
def test_a_tree_that_is_not_one_is_refused(nodes, message):
    with pytest.raises(ValueError, match=message):
        allocate(nodes, [])


def test_a_session_whose_minimum_exceeds_its_maximum_is_refused():
    with pytest.raises(ValueError, match="minimum"):
        allocate([Node("grid")], [_ac3("a", minimum=40, maximum=32)])
