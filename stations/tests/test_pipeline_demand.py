"""Demand estimate for a candidate from our nearby sites' sessions by local hour and the
figures staff entered, checked against a hand-computed example."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from stations.demo import load_network
from stations.models import AssetEvent, CandidateSite, ChargingStation, EnergyPrice
from stations.pipeline.demo import load_pipeline
from stations.pipeline.selectors import demand
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory
from stations.tests.test_pipeline import candidate_create

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")


def station_at(latitude, longitude, *, connectors=2, published=True):
    site = SiteFactory(latitude=Decimal(latitude), longitude=Decimal(longitude), is_published=published)
    station = ChargingStationFactory(site=site, commissioned_on=timezone.now().date() - timedelta(days=400))
    for number in range(1, connectors + 1):
        ConnectorFactory(station=station, connector_id=number)
    return station


def sessions(station, *, count, local_hour, now):
    for n in range(count):
        day = (now - timedelta(days=n + 1)).astimezone(BERLIN).date()
        started = datetime.combine(day, time(local_hour, 30), tzinfo=BERLIN)
        ChargingSessionFactory(station=station, started_at=started, energy_wh=5000)


def test_estimate_from_a_nearby_site_traffic_and_population_is_their_mean():
    now = timezone.now()
    nearby = station_at("52.410000", "13.080000")  # about 1.8 km from the candidate
    sessions(nearby, count=18, local_hour=8, now=now)
    sessions(nearby, count=9, local_hour=17, now=now)
    sessions(station_at("52.900000", "13.060000"), count=30, local_hour=8, now=now)  # 55 km: too far
    sessions(station_at("52.401000", "13.061000", published=False), count=30, local_hour=8, now=now)
    candidate = candidate_create(planned_connectors=4, daily_traffic=12000, population=8000)

    estimate = demand.demand_estimate(candidate=candidate, now=now)

    # 2 connectors × 90 days = 180 connector-days; 18 and 9 starts → 0.1 and 0.05 per
    # connector-day at 08 and 17 h; × 4 planned connectors → 0.4 + 0.2 = 0.6 a day.
    assert [(site.connector_days, site.sessions) for site in estimate.nearby] == [(180, 27)]
    assert (estimate.hourly_sessions[8], estimate.hourly_sessions[17], sum(estimate.hourly_sessions)) == (
        Decimal("0.40"),
        Decimal("0.20"),
        Decimal("0.60"),
    )
    # 12 000 vehicles × 0.1 % = 12; 8 000 residents × 0.0005 = 4; mean (0.6 + 12 + 4) / 3.
    assert (estimate.from_nearby, estimate.from_traffic, estimate.from_population) == (
        Decimal("0.60"),
        Decimal("12.00"),
        Decimal("4.00"),
    )
    assert estimate.sessions_per_day == Decimal("5.53")


def test_no_evidence_gives_no_figure():
    estimate = demand.demand_estimate(candidate=candidate_create(), now=timezone.now())
    assert (estimate.sessions_per_day, estimate.hourly_sessions, estimate.nearby) == (None, [], [])


def test_distance_is_the_great_circle():
    # Berlin → Potsdam centre, about 27 km.
    assert round(demand.distance_km(52.520008, 13.404954, 52.3906, 13.0645)) == 27


def test_demo_pipeline_loads_candidates_prices_and_capex_once():
    load_network()
    assert load_pipeline() == {"candidates_created": 3}
    assert load_pipeline() == {"candidates_created": 0}
    assert dict(CandidateSite.objects.values_list("name", "stage")) == {
        "Köln Deutz Bahnhof": "permit",
        "Neuss Hafenbecken": "survey",
        "Bonn Rheinaue": "grid",
    }
    assert AssetEvent.objects.count() == ChargingStation.objects.count()
    assert EnergyPrice.objects.filter(local_start__isnull=False).count() == EnergyPrice.objects.count() // 2
    estimate = demand.demand_estimate(
        candidate=CandidateSite.objects.get(name="Köln Deutz Bahnhof"), now=timezone.now()
    )
    assert [site.name for site in estimate.nearby] == ["Köln Messe P21"]
