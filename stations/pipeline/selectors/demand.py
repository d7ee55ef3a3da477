"""Expected demand at a candidate site, from the evidence we hold: how often drivers
start sessions, by local hour, at our own published sites nearby (per connector and
day in service), our drivers' sessions at partner networks' locations nearby (once
roaming has them: it registers its source here, stations never reads roaming), and the
population and traffic figures staff entered. Each figure is shown with its evidence;
the estimate is their mean, so staff can see what drives it."""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from stations.models import ChargingSession, ChargingStation, Site
from stations.operations.services.uptime import in_service_from
from stations.pipeline.models.candidates import CandidateSite

NEARBY_KM = 15
LOOKBACK_DAYS = 90
# Share of passing vehicles that stop to charge, and sessions per resident per day: rough
# market figures for a new public site, to be replaced by our own once sites are live.
TRAFFIC_CAPTURE = Decimal("0.001")
SESSIONS_PER_RESIDENT_DAY = Decimal("0.0005")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class NearbySite:
    name: str
    distance_km: Decimal
    connector_days: int
    sessions: int


@dataclass(frozen=True)
class PartnerNearby:
    """A partner network's location near the candidate: competition (its connectors) and
    demand we know of (our drivers' sessions there in the lookback)."""

    name: str
    distance_km: Decimal
    connectors: int
    our_driver_sessions: int


# Partner locations within `within_km` of (latitude, longitude) with our drivers' sessions
# started in [since, now); roaming registers the real one at start-up.
_partner_locations_source: Callable[..., list[PartnerNearby]] = lambda **kwargs: []  # noqa: E731


def partner_locations_source_register(source: Callable[..., list[PartnerNearby]]) -> None:
    global _partner_locations_source
    _partner_locations_source = source


@dataclass
class DemandEstimate:
    sessions_per_day: Decimal | None
    hourly_sessions: list[Decimal] = field(default_factory=list)  # 24 local hours, at the candidate
    from_nearby: Decimal | None = None
    from_traffic: Decimal | None = None
    from_population: Decimal | None = None
    from_partners: Decimal | None = None
    nearby: list[NearbySite] = field(default_factory=list)
    partners: list[PartnerNearby] = field(default_factory=list)


def distance_km(latitude_a, longitude_a, latitude_b, longitude_b) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    phi_a, phi_b = math.radians(float(latitude_a)), math.radians(float(latitude_b))
    d_phi, d_lambda = phi_b - phi_a, math.radians(float(longitude_b) - float(longitude_a))
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    return 6371.0088 * 2 * math.asin(math.sqrt(a))


def demand_estimate(*, candidate: CandidateSite, now: datetime) -> DemandEstimate:
    """Sessions per day expected at the candidate with its planned connectors; None when
    there is no evidence at all."""
    since = now - timedelta(days=LOOKBACK_DAYS)
    nearby, hourly_per_connector_day = _nearby_evidence(candidate=candidate, since=since, now=now)
    estimate = DemandEstimate(sessions_per_day=None, nearby=nearby)
    if hourly_per_connector_day is not None:
        estimate.hourly_sessions = [
            (rate * candidate.planned_connectors).quantize(CENT, ROUND_HALF_UP) for rate in hourly_per_connector_day
        ]
        estimate.from_nearby = (sum(hourly_per_connector_day) * candidate.planned_connectors).quantize(
            CENT, ROUND_HALF_UP
        )
    if candidate.daily_traffic:
        estimate.from_traffic = (candidate.daily_traffic * TRAFFIC_CAPTURE).quantize(CENT, ROUND_HALF_UP)
    if candidate.population:
        estimate.from_population = (candidate.population * SESSIONS_PER_RESIDENT_DAY).quantize(CENT, ROUND_HALF_UP)
    estimate.partners = sorted(
        _partner_locations_source(
            latitude=candidate.latitude, longitude=candidate.longitude, within_km=NEARBY_KM, since=since, now=now
        ),
        key=lambda partner: partner.distance_km,
    )
    partner_sessions = sum(partner.our_driver_sessions for partner in estimate.partners)
    if partner_sessions:
        # Our own drivers already charging nearby at partners: demand a site of ours would
        # serve. Without any such session it says nothing, so it is left out of the mean.
        estimate.from_partners = (Decimal(partner_sessions) / LOOKBACK_DAYS).quantize(CENT, ROUND_HALF_UP)
    figures = [
        f
        for f in (estimate.from_nearby, estimate.from_traffic, estimate.from_population, estimate.from_partners)
        if f is not None
    ]
    if figures:
        estimate.sessions_per_day = (sum(figures) / len(figures)).quantize(CENT, ROUND_HALF_UP)
    return estimate


def _nearby_evidence(*, candidate: CandidateSite, since: datetime, now: datetime):
    zone = ZoneInfo(candidate.time_zone)
    nearby: list[NearbySite] = []
    counts = [0] * 24
    total_connector_days = 0
    sites = Site.objects.filter(is_published=True).exclude(pk=candidate.site_id or 0)
    for site in sites:
        km = distance_km(candidate.latitude, candidate.longitude, site.latitude, site.longitude)
        if km > NEARBY_KM:
            continue
        connector_days = 0
        for station in ChargingStation.objects.filter(site=site).prefetch_related("connectors"):
            start = max(since, in_service_from(station=station))
            days = max(0, (now - start).days)
            connector_days += days * len(station.connectors.all())
        starts = ChargingSession.objects.filter(
            station__site=site, started_at__gte=since, started_at__lt=now, energy_wh__gt=0
        ).values_list("started_at", flat=True)
        sessions = 0
        for started_at in starts:
            counts[started_at.astimezone(zone).hour] += 1
            sessions += 1
        total_connector_days += connector_days
        nearby.append(NearbySite(site.name, Decimal(str(round(km, 1))), connector_days, sessions))
    if not total_connector_days:
        return nearby, None
    return nearby, [Decimal(count) / total_connector_days for count in counts]
