"""Partner networks' locations near a point, as evidence for the demand estimate of a
candidate site (stations/pipeline/selectors/demand.py, registered from receivers.py):
each location's connectors (competition) and our drivers' sessions there (demand)."""

import math
from datetime import datetime
from decimal import Decimal

from roaming.envelope import OcpiError
from roaming.fields import datetime_parse
from roaming.models import PartnerLocation, PartnerSession
from stations.pipeline.selectors.demand import PartnerNearby, distance_km

KM_PER_DEGREE = 111.32


def partner_locations_nearby(
    *, latitude, longitude, within_km: float, since: datetime, now: datetime
) -> list[PartnerNearby]:
    # A bounding box in the database first, the exact distance after.
    d_lat = within_km / KM_PER_DEGREE
    d_lon = within_km / (KM_PER_DEGREE * max(math.cos(math.radians(float(latitude))), 0.01))
    locations = PartnerLocation.objects.filter(
        latitude__range=(Decimal(str(float(latitude) - d_lat)), Decimal(str(float(latitude) + d_lat))),
        longitude__range=(Decimal(str(float(longitude) - d_lon)), Decimal(str(float(longitude) + d_lon))),
    )
    nearby = []
    for location in locations:
        km = distance_km(latitude, longitude, location.latitude, location.longitude)
        if km > within_km:
            continue
        connectors = sum(len(evse.get("connectors") or []) for evse in location.data.get("evses") or [])
        nearby.append(
            PartnerNearby(
                name=location.data.get("name") or location.location_id,
                distance_km=Decimal(str(round(km, 1))),
                connectors=connectors,
                our_driver_sessions=_sessions_started(location, since=since, now=now),
            )
        )
    return nearby


def _sessions_started(location: PartnerLocation, *, since: datetime, now: datetime) -> int:
    # A session is last updated after it started, so the date filter only narrows.
    sessions = PartnerSession.objects.filter(
        country_code=location.country_code,
        party_id=location.party_id,
        data__location_id=location.location_id,
        last_updated__gte=since,
    ).values_list("data", flat=True)
    count = 0
    for data in sessions:
        try:
            started_at = datetime_parse(data.get("start_date_time"))
        except (AttributeError, OcpiError):  # stored whole and validated; never count a bad one
            continue
        count += since <= started_at < now
    return count
