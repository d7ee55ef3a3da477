"""What each API role may see. Views build their querysets from these, so an object
outside the caller's scope is simply not found (404, never 403)."""

from django.db.models import Q, QuerySet

from stations.authorization import driver_session_filter
from stations.models import ChargingSession, ChargingStation, OrganisationMember


def owner_organisation_ids(*, user) -> list[int]:
    if not (user and user.is_authenticated):
        return []
    return list(
        OrganisationMember.objects.filter(user=user, organisation__is_owner=True).values_list(
            "organisation_id", flat=True
        )
    )


def stations_visible_to(*, user) -> QuerySet[ChargingStation]:
    """Staff: all stations; owners: the stations their organisations own; others: none."""
    stations = ChargingStation.objects.select_related("site", "owner").prefetch_related("connectors")
    if user.is_staff:
        return stations
    return stations.filter(owner_id__in=owner_organisation_ids(user=user))


def sessions_visible_to(*, user) -> QuerySet[ChargingSession]:
    """Staff: all; a driver: sessions of their own tokens; an owner: sessions at their stations."""
    sessions = ChargingSession.objects.select_related("station", "connector")
    if user.is_staff:
        return sessions
    owner_ids = owner_organisation_ids(user=user)
    return sessions.filter(Q(station__owner_id__in=owner_ids) | driver_session_filter(user=user))
