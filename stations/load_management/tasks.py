"""Celery tasks of the control loop: each takes ids, calls one service and is safe to run
twice (a limit already sent is not sent again). Receivers (receivers.py) enqueue them on
the domain signals; beat runs `load_sites_rebalance` for time-of-day limits and stale
signals (config/celery.py)."""

from celery import shared_task
from django.utils import timezone

from stations.load_management import services
from stations.load_management.models import SiteLoadPolicy
from stations.models import ChargingSession, ChargingStation
from stations.tasks import RETRY


@shared_task(**RETRY)
def site_rebalance(site_id: int) -> int:
    return len(services.site_rebalance(site_id=site_id, now=timezone.now()))


@shared_task(**RETRY)
def session_site_rebalance(session_id: int) -> int:
    site_id = ChargingSession.objects.filter(pk=session_id).values_list("station__site_id", flat=True).first()
    return len(services.site_rebalance(site_id=site_id, now=timezone.now())) if site_id else 0


@shared_task(**RETRY)
def station_site_rebalance(station_id: int) -> int:
    site_id = ChargingStation.objects.filter(pk=station_id).values_list("site_id", flat=True).first()
    return len(services.site_rebalance(site_id=site_id, now=timezone.now())) if site_id else 0


@shared_task(**RETRY)
def station_fail_safe_send(station_id: int) -> list[int]:
    """On (re)connect: the station's fail-safe default again, and a round for its site (its
    sessions' limits may have been lost with a reboot)."""
    site_id = ChargingStation.objects.filter(pk=station_id).values_list("site_id", flat=True).first()
    if not site_id:
        return []
    sent = services.fail_safe_send(site_id=site_id, station_id=station_id, force=True, now=timezone.now())
    services.site_rebalance(site_id=site_id, now=timezone.now())
    return sent


@shared_task(**RETRY)
def site_limits_apply(site_id: int) -> int:
    """After staff changed a site's limits: new defaults where they changed, and a round;
    for a site whose load management was switched off, its limits are lifted."""
    services.load_limits_lift(site_id=site_id, now=timezone.now())
    services.fail_safe_send(site_id=site_id, now=timezone.now())
    return len(services.site_rebalance(site_id=site_id, now=timezone.now()))


@shared_task(**RETRY)
def limit_result(command_id: int) -> int | None:
    site_id = services.limit_result_record(command_id=command_id, now=timezone.now())
    if site_id is not None:
        services.site_rebalance(site_id=site_id, now=timezone.now())
    return site_id


@shared_task(**RETRY)
def load_sites_rebalance() -> int:
    services.load_rounds_prune(now=timezone.now())
    site_ids = list(SiteLoadPolicy.objects.filter(enabled=True).values_list("site_id", flat=True))
    for site_id in site_ids:
        site_rebalance.delay(site_id)
    return len(site_ids)
