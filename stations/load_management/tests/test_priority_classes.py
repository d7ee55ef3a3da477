"""Priority classes: a fleet account's or a member's session before an ad-hoc one. The
rule, property-tested on the allocator over random trees: a higher class is never
throttled while a lower class holds more than its minimum where it competes with it —
a throttled session is held back by a full limit in which every lower-class session is
at its minimum, and a paused one would not fit even with every lower class at 0. Then
the classes from drivers' fleet flag and billing's memberships, through the control loop."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings

from billing.services.memberships import subscription_start
from billing.tests.factories import MembershipPlanFactory
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.load_management import priorities, services
from stations.load_management.allocator import AMPERE_STEP, WATT_STEP, Session, Settings, allocate, ceiling
from stations.load_management.models import LoadNode, SessionAllocation, SiteLoadPolicy
from stations.load_management.priorities import session_priority
from stations.load_management.tests.test_allocator_properties import _below, _checks, _weight, sites
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

SETTINGS = Settings()
TOLERANCE = 1e-6
STARTED = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


def _step(session: Session) -> float:
    return WATT_STEP if session.dc else AMPERE_STEP


def _loads(nodes, sessions, limits, node, kind, phase) -> float:
    """What the sessions under `node` draw on this limit: ours at their limits, chargers that
    do not obey at their maximum."""
    under = [s for s in sessions if s.node in _below(nodes, node.id)]
    return sum(_weight(s, kind, phase) * (limits[s.id] if s.controlled else s.maximum) for s in under)


@settings(max_examples=400, deadline=None)
@given(sites())
def test_a_higher_class_is_never_throttled_while_a_lower_class_holds_more_than_its_minimum(site):
    nodes, sessions = site
    limits = {allocation.session: allocation.limit for allocation in allocate(nodes, sessions, SETTINGS)}
    for high in sessions:
        top, _ = ceiling(high, SETTINGS)
        if not high.controlled or limits[high.id] >= top - _step(high):
            continue
        lower = [s for s in sessions if s.controlled and s.priority < high.priority]
        if limits[high.id] == 0 and high.minimum > 0:
            # Paused: its minimum does not fit even with every lower class taken to 0.
            without_lower = {**limits, **{s.id: 0.0 for s in lower}}
            blocked = [
                _loads(nodes, sessions, without_lower, node, kind, phase) + _weight(high, kind, phase) * high.minimum
                > capacity + TOLERANCE
                for node, kind, phase, capacity in _checks(nodes)
                if high.node in _below(nodes, node.id) and _weight(high, kind, phase) > 0
            ]
            assert any(blocked), high
            continue
        # Throttled: some limit above it is full (up to rounding), and no lower-class session
        # under that limit holds more than its minimum.
        held_by = []
        for node, kind, phase, capacity in _checks(nodes):
            under = _below(nodes, node.id)
            if high.node not in under or _weight(high, kind, phase) == 0:
                continue
            rounding = sum(_weight(s, kind, phase) * _step(s) for s in sessions if s.node in under and s.controlled)
            full = capacity - _loads(nodes, sessions, limits, node, kind, phase) <= rounding + TOLERANCE
            lower_at_minimum = all(
                limits[s.id] <= s.minimum + _step(s) + TOLERANCE
                for s in lower
                if s.node in under and _weight(s, kind, phase) > 0
            )
            held_by.append(full and lower_at_minimum)
        assert any(held_by), (high, limits)


def _session(site, token, minute: int):
    station = ChargingStationFactory(site=site)
    return ChargingSessionFactory(
        station=station,
        connector=ConnectorFactory(station=station, max_power_kw=Decimal("22")),
        token=token,
        started_at=STARTED.replace(minute=minute),
    )


@pytest.mark.django_db
def test_fleet_and_member_sessions_are_served_before_earlier_ad_hoc_ones():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, safety_margin_percent=Decimal("0"))
    LoadNode.objects.create(site=site, name="Grid", kind="grid", max_current_a=Decimal("40"))
    member = DriverFactory()
    subscription_start(driver=member, plan=MembershipPlanFactory(), on=date(2026, 6, 1))
    ad_hoc = _session(site, TokenFactory(), minute=0)
    fleet = _session(site, TokenFactory(driver=DriverFactory(fleet=True)), minute=5)
    members = _session(site, TokenFactory(driver=member), minute=10)
    assert [session_priority(s) for s in (fleet, members, ad_hoc)] == [priorities.PREFERRED] * 2 + [priorities.AD_HOC]
    services.site_rebalance(site_id=site.pk, now=STARTED.replace(minute=11))
    limits = dict(SessionAllocation.objects.values_list("session_id", "limit"))
    # 40 A: the ad-hoc session keeps its 6 A minimum, fleet and member share the rest.
    assert limits == {fleet.pk: Decimal("17.0"), members.pk: Decimal("17.0"), ad_hoc.pk: Decimal("6.0")}


@pytest.mark.django_db
def test_a_fleet_flag_on_another_driver_or_no_token_leaves_a_session_ad_hoc():
    site = SiteFactory()
    DriverFactory(fleet=True)
    assert session_priority(_session(site, TokenFactory(), minute=0)) == priorities.AD_HOC
    assert session_priority(_session(site, None, minute=1)) == priorities.AD_HOC
