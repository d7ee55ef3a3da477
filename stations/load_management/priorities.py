"""A session's priority class for load management (higher is served first). Stations know
no drivers, fleets or memberships: the app that does registers at start-up the rule that
ranks a session (`priority_register`); with none registered every session is class 0."""

from collections.abc import Callable

from stations.models import ChargingSession

Rule = Callable[[ChargingSession], int]
_rules: list[Rule] = []


def priority_register(rule: Rule) -> None:
    """`rule(session)` returns a priority class (0 = ad hoc); the highest of all rules counts."""
    if rule not in _rules:
        _rules.append(rule)


def session_priority(session: ChargingSession) -> int:
    return max((rule(session) for rule in _rules), default=0)
