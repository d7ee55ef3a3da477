"""Reads for the station registry."""

from stations import passwords
from stations.authorization import driver_session_filter
from stations.models import ChargingSession, ChargingStation
from stations.selectors.locations import public_stations

# What admitting a connection reads of its station; every charger's every (re)connect
# asks, so a reconnect storm asks thousands of times a second. The rest loads if touched.
ADMISSION_FIELDS = ("identity", "security_profile", "password_hash", "registration_status")


def station_by_identity(*, identity: str) -> ChargingStation | None:
    """The station with this identity, its admission fields loaded (the rest deferred)."""
    try:
        return ChargingStation.objects.only(*ADMISSION_FIELDS).get(identity=identity)
    except ChargingStation.DoesNotExist:
        return None


def station_password_matches(*, station: ChargingStation, password: str) -> bool:
    return bool(station.password_hash) and passwords.check_password(password, station.password_hash)


def station_is_public(*, station_id: int) -> bool:
    """Drivers may see a station that is registered and placed on a site (the search's rule)."""
    return public_stations().filter(pk=station_id).exists()


def session_visible_to(*, user, session_id: int) -> bool:
    """Staff see every session; a driver only the sessions of their own tokens."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff:
        return ChargingSession.objects.filter(pk=session_id).exists()
    return ChargingSession.objects.filter(driver_session_filter(user=user), pk=session_id).exists()
