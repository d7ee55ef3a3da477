"""A blocked token must stop working at chargers that authorize offline from their local
list, not only at the ones that ask us: tell each of them (SendLocalList, differential)."""

from django.db.models import Q

from drivers.models import Token
from ocpp_gateway import commands
from ocpp_gateway.models import Command
from stations.models import ChargingStation

ACTION = "SendLocalList"


def stations_with_local_list():
    """Stations that keep a local authorization list: they confirmed a list version, or
    reported LocalAuthListEnabled=true (version -1 means the feature is off)."""
    return ChargingStation.objects.filter(
        Q(protocol_state__local_list_version__gte=0)
        | Q(configuration_keys__key="LocalAuthListEnabled", configuration_keys__value__iexact="true")
    ).distinct()


def token_block_propagate(*, token: Token, requested_by=None) -> list[Command]:
    """Queue a differential SendLocalList marking `token` Blocked on every station with a
    local list. The list version is one above the station's confirmed version plus any
    list update still queued, so updates apply in order. Returns the queued commands."""
    queued = []
    for station in stations_with_local_list().select_related("protocol_state"):
        queued.append(
            commands.send(
                station=station,
                action=ACTION,
                payload={
                    "listVersion": _next_version(station),
                    "updateType": "Differential",
                    "localAuthorizationList": [{"idTag": token.uid, "idTagInfo": {"status": "Blocked"}}],
                },
                requested_by=requested_by,
                source=Command.Source.SYSTEM,
            )
        )
    return queued


def _next_version(station: ChargingStation) -> int:
    state = getattr(station, "protocol_state", None)
    confirmed = max(state.local_list_version or 0, 0) if state else 0
    waiting = Command.objects.filter(
        station=station, action=ACTION, status__in=[Command.Status.PENDING, Command.Status.SENT]
    ).count()
    return confirmed + waiting + 1
