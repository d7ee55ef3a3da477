"""An EV's charging needs as its charger reports them (OCPP 2.0.1 NotifyEVChargingNeeds:
energy wanted, departure time, current limits). The allocator does not weigh them yet;
what load management does is take them as a reason for a new round at the station's
site, so the session's TxProfile is recomputed (and sent if it moved) once the EV has
said what it can draw. The needs themselves are kept by the gateway (StationReport)."""

from django.db import transaction

from stations.load_management import tasks
from stations.load_management.models import SiteLoadPolicy


def ev_charging_needs_take(*, station_id: int) -> bool:
    """True when the station's site is under load management (the charger is then told
    that a schedule will follow) and a re-allocation of the site is queued after commit;
    False otherwise, changing nothing."""
    if not SiteLoadPolicy.objects.filter(site__stations=station_id, enabled=True).exists():
        return False
    transaction.on_commit(lambda: tasks.station_site_rebalance.delay(station_id))
    return True
