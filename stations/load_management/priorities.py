"""A session's priority class for load management (higher is served first). Stations know
no drivers, fleets or memberships: the app that does registers at start-up the rule that
ranks a session (`priority_register`); with none registered every session is class 0 (AD_HOC)."""

from collections.abc import Callable

from stations.models import ChargingSession

# The classes the registered rules give (higher is served first): a fleet account's or a
# member's session before an ad-hoc one (issue 20: "fleet or member before ad-hoc"). Fleet
# and member share a class: neither is promised more than the other.
AD_HOC = 0
PREFERRED = 1

Rule = Callable[[ChargingSession], int]
_rules: list[Rule] = []


def priority_register(rule: Rule) -> None:
    """`rule(session)` returns a priority class (0 = ad hoc); the highest of all rules counts."""
    if rule not in _rules:
        _rules.append(rule)


def session_priority(session: ChargingSession) -> int:
    return max((rule(session) for rule in _rules), default=0)
