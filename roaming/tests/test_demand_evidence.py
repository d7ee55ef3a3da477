"""Partner networks' locations as evidence in a candidate site's demand estimate: the
roaming source registered with the pipeline's demand selector, against a hand count."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from roaming.fields import datetime_format
from roaming.models import PartnerLocation, PartnerSession
from roaming.tests.factories import registered_partner
from stations.pipeline.selectors import demand
from stations.tests.test_pipeline import candidate_create

pytestmark = pytest.mark.django_db


def partner_location(partner, location_id, latitude, longitude, *, connectors_per_evse=(1,)):
    evses = [
        {"uid": f"{location_id}-{n}", "connectors": [{"id": str(c)} for c in range(count)]}
        for n, count in enumerate(connectors_per_evse)
    ]
    return PartnerLocation.objects.create(
        partner=partner,
        country_code="NL",
        party_id="PAR",
        location_id=location_id,
        data={"id": location_id, "name": f"Partner {location_id}", "evses": evses},
        latitude=Decimal(latitude),
        longitude=Decimal(longitude),
        last_updated=timezone.now(),
    )


def our_driver_session(partner, number, location_id, started_at):
    PartnerSession.objects.create(
        partner=partner,
        country_code="NL",
        party_id="PAR",
        session_id=f"S{number}",
        status="COMPLETED",
        kwh=Decimal("10"),
        data={"location_id": location_id, "start_date_time": datetime_format(started_at)},
        last_updated=timezone.now(),
    )


def test_partner_locations_nearby_and_our_drivers_sessions_there_feed_the_estimate():
    now = timezone.now()
    partner = registered_partner(role="CPO")
    partner_location(partner, "NEAR", "52.410000", "13.080000", connectors_per_evse=(2, 1))  # about 1.8 km
    partner_location(partner, "FAR", "52.900000", "13.060000")  # 55 km
    for number in range(9):
        our_driver_session(partner, number, "NEAR", now - timedelta(days=number + 1))
    our_driver_session(partner, 20, "NEAR", now - timedelta(days=120))  # before the 90-day lookback
    our_driver_session(partner, 21, "FAR", now - timedelta(days=2))
    candidate = candidate_create(planned_connectors=4, population=8000)

    estimate = demand.demand_estimate(candidate=candidate, now=now)

    assert [(p.name, p.distance_km, p.connectors, p.our_driver_sessions) for p in estimate.partners] == [
        ("Partner NEAR", Decimal("1.8"), 3, 9)
    ]
    # 9 sessions in 90 days = 0.1 a day; 8 000 residents × 0.0005 = 4; no site of ours
    # nearby: mean (0.1 + 4) / 2 = 2.05.
    assert (estimate.from_partners, estimate.from_population, estimate.from_nearby) == (
        Decimal("0.10"),
        Decimal("4.00"),
        None,
    )
    assert estimate.sessions_per_day == Decimal("2.05")


def test_partner_locations_without_our_drivers_sessions_are_shown_but_not_averaged():
    now = timezone.now()
    partner_location(registered_partner(role="CPO"), "NEAR", "52.410000", "13.080000")
    estimate = demand.demand_estimate(candidate=candidate_create(population=8000), now=now)
    assert [p.connectors for p in estimate.partners] == [1]
    assert (estimate.from_partners, estimate.sessions_per_day) == (None, Decimal("4.00"))
