"""Site load management serves members before ad-hoc drivers: billing registers the rule."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.services.memberships import subscription_start
from billing.tests.factories import MembershipPlanFactory
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.load_management import services
from stations.load_management.priorities import session_priority
from stations.models import LoadNode, SessionAllocation, SiteLoadPolicy
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db
STARTED = datetime(2026, 6, 10, 8, 0, tzinfo=UTC)


def _session(site, token, minute: int):
    station = ChargingStationFactory(site=site)
    return ChargingSessionFactory(
        station=station,
        connector=ConnectorFactory(station=station),
        token=token,
        started_at=STARTED.replace(minute=minute),
    )


def test_a_members_session_is_served_before_an_earlier_ad_hoc_one():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, safety_margin_percent=Decimal("0"))
    LoadNode.objects.create(site=site, name="Grid", kind="grid", max_current_a=Decimal("40"))
    member = DriverFactory()
    subscription_start(driver=member, plan=MembershipPlanFactory(), on=date(2026, 6, 1))
    ad_hoc = _session(site, TokenFactory(), minute=0)
    members = _session(site, TokenFactory(driver=member), minute=5)
    assert (session_priority(members), session_priority(ad_hoc)) == (1, 0)
    services.site_rebalance(site_id=site.pk, now=STARTED)
    limits = dict(SessionAllocation.objects.values_list("session_id", "limit"))
    assert limits == {members.pk: Decimal("31.8"), ad_hoc.pk: Decimal("8.2")}
