"""When a session's new limit goes to its charger (services._needs_sending): reductions
always, raises past the hysteresis step, resuming from a pause always, nothing unchanged."""

from decimal import Decimal

import pytest

from stations.load_management.models import SessionAllocation, SiteLoadPolicy
from stations.load_management.services import _needs_sending


def _allocation(limit, sent) -> SessionAllocation:
    return SessionAllocation(
        unit=SessionAllocation.Unit.AMPERE,
        limit=Decimal(limit),
        sent_limit=None if sent is None else Decimal(sent),
        controlled=True,
    )


@pytest.mark.parametrize(
    ("limit", "sent", "sends"),
    [
        ("16", None, True),  # never sent
        ("10", "16", True),  # lowered
        ("17", "16", False),  # raised within the step
        ("20", "16", True),  # raised past it
        ("6", "0", True),  # resumed
        ("0", "0", False),  # still paused: not sent again
        ("16", "16", False),  # unchanged
    ],
)
def test_a_limit_is_sent_only_when_it_changes_what_the_charger_may_draw(limit, sent, sends):
    policy = SiteLoadPolicy(hysteresis_a=Decimal("2"), voltage=Decimal("230"))

    assert _needs_sending(policy, _allocation(limit, sent)) is sends
