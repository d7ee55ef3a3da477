"""Celery tasks for roaming: pushes to partners, one task per partner so that one partner
being down neither delays nor repeats the others. Tasks take ids, are sent after commit by
the task class, and are safe to run twice (PUT/PATCH with last_updated)."""

from celery import shared_task
from django.db import OperationalError

from roaming.client import PartnerError
from roaming.models import Partner
from roaming.selectors.endpoints import partners_receiving
from roaming.selectors.locations import ocpi_locations
from roaming.selectors.sessions import partner_sessions, partner_token_of
from roaming.selectors.tariffs import ocpi_tariffs
from roaming.services import partner_locations, partner_tariff_pulls, pushes, tokens

# Declared beside the service that sends it (docs/architecture.md, Celery).
from roaming.services.commands import command_result_forward  # noqa: F401
from stations.models import ChargingSession, Connector

# A partner down for a while gets the push once it is back (then its periodic pull covers
# anything older): 10 tries, backoff doubling up to 10 minutes, with jitter.
PUSH = {
    "acks_late": True,
    "autoretry_for": (PartnerError, OperationalError),
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


def _receiver(partner_id: int, module: str) -> tuple[Partner | None, str]:
    """The registered partner and its Receiver URL for `module` (no trailing slash), or
    (None, "") when it is no longer registered or receives no such pushes: then nothing is sent."""
    partner = Partner.objects.filter(pk=partner_id, status=Partner.Status.REGISTERED).first()
    url = partner.endpoint_url(module, "RECEIVER") if partner else ""
    return (partner, url.rstrip("/")) if url else (None, "")


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def evse_status_changed(station_id: int, connector_number: int) -> int:
    """Fan the EVSE's new status out to every partner that receives Locations."""
    receivers = partners_receiving(module="locations")
    for partner, _ in receivers:
        evse_status_push.delay(partner.pk, station_id, connector_number)
    return len(receivers)


@shared_task(**PUSH)
def evse_status_push(partner_id: int, station_id: int, connector_number: int) -> bool:
    partner, url = _receiver(partner_id, "locations")
    if partner is None:
        return False
    return pushes.evse_status_push(partner=partner, url=url, station_id=station_id, connector_number=connector_number)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def station_evses_changed(station_id: int) -> int:
    numbers = list(Connector.objects.filter(station_id=station_id).values_list("connector_id", flat=True))
    for number in numbers:
        evse_status_changed.delay(station_id, number)
    return len(numbers)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def tokens_pull_all() -> int:
    """Beat: pull every partner's changed tokens (what a missed push would have told us)."""
    partner_ids = list(Partner.objects.filter(status=Partner.Status.REGISTERED).values_list("pk", flat=True))
    for partner_id in partner_ids:
        tokens_pull.delay(partner_id)
    return len(partner_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def locations_pull_all() -> int:
    """Beat: pull every partner CPO's changed Locations (what a missed push would have told us)."""
    partner_ids = list(Partner.objects.filter(status=Partner.Status.REGISTERED).values_list("pk", flat=True))
    for partner_id in partner_ids:
        locations_pull.delay(partner_id)
    return len(partner_ids)


@shared_task(**PUSH)
def locations_pull(partner_id: int) -> int:
    partner = Partner.objects.filter(pk=partner_id).first()
    return partner_locations.locations_pull(partner=partner) if partner else 0


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def tariffs_pull_all() -> int:
    """Beat: pull every partner CPO's changed Tariffs (what a missed push would have told us)."""
    partner_ids = list(Partner.objects.filter(status=Partner.Status.REGISTERED).values_list("pk", flat=True))
    for partner_id in partner_ids:
        tariffs_pull.delay(partner_id)
    return len(partner_ids)


@shared_task(**PUSH)
def tariffs_pull(partner_id: int) -> int:
    partner = Partner.objects.filter(pk=partner_id).first()
    return partner_tariff_pulls.tariffs_pull(partner=partner) if partner else 0


@shared_task(**PUSH)
def tokens_pull(partner_id: int) -> int:
    partner = Partner.objects.filter(pk=partner_id).first()
    return tokens.tokens_pull(partner=partner) if partner else 0


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def session_changed(session_id: int) -> bool:
    """A session started or stopped: if a partner's token charges, push it to that partner."""
    session = ChargingSession.objects.filter(pk=session_id).only("id_tag").first()
    token = session and partner_token_of(id_tag=session.id_tag)
    if token is None or not token.partner.endpoint_url("sessions", "RECEIVER"):
        return False
    session_push.delay(token.partner_id, session_id)
    return True


@shared_task(**PUSH)
def session_push(partner_id: int, session_id: int) -> bool:
    partner, url = _receiver(partner_id, "sessions")
    if partner is None:
        return False
    return pushes.session_push(partner=partner, url=url, session_id=session_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def sessions_progress_push() -> int:
    """Beat: the kWh and cost so far of every running session of a partner's token."""
    count = 0
    for partner, _ in partners_receiving(module="sessions"):
        for session_id in (
            partner_sessions(partner=partner).filter(status=ChargingSession.Status.ACTIVE).values_list("pk", flat=True)
        ):
            session_push.delay(partner.pk, session_id)
            count += 1
    return count


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cdrs_push_pending() -> int:
    """Beat: every priced CDR of a partner's token that the partner has not accepted yet."""
    pending = pushes.cdrs_to_push()
    for push in pending:
        cdr_push.delay(push.pk)
    return len(pending)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cdrs_released_push(cdr_ids: list[int]) -> int:
    """Billing released these CDRs: push the partner tokens' ones now (the beat sweep above
    stays the safety net for a lost message)."""
    pending = pushes.cdrs_released_to_push(cdr_ids=cdr_ids)
    for push in pending:
        cdr_push.delay(push.pk)
    return len(pending)


@shared_task(**PUSH)
def cdr_push(cdr_push_id: int) -> bool:
    return pushes.cdr_push(cdr_push_id=cdr_push_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def locations_push_all(partner_id: int) -> int:
    """Every public Location of ours, PUT whole to the partner (after registration, or when
    staff ask): one retried task per Location."""
    site_ids = list(ocpi_locations().values_list("pk", flat=True))
    for site_id in site_ids:
        location_push.delay(partner_id, site_id)
    return len(site_ids)


@shared_task(**PUSH)
def location_push(partner_id: int, site_id: int) -> bool:
    partner, url = _receiver(partner_id, "locations")
    if partner is None:
        return False
    return pushes.location_push(partner=partner, url=url, site_id=site_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def tariffs_push_all(partner_id: int) -> int:
    """Every public Tariff of ours, PUT whole to the partner: one retried task per Tariff."""
    tariff_ids = list(ocpi_tariffs().values_list("pk", flat=True))
    for tariff_id in tariff_ids:
        tariff_push.delay(partner_id, tariff_id)
    return len(tariff_ids)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def tariff_created(tariff_id: int) -> int:
    """Fan a new tariff out to every partner that receives Tariffs (one push each); one that
    is not public (a member tariff, equipment not accepted) goes nowhere."""
    if not ocpi_tariffs().filter(pk=tariff_id).exists():
        return 0
    receivers = partners_receiving(module="tariffs")
    for partner, _ in receivers:
        tariff_push.delay(partner.pk, tariff_id)
    return len(receivers)


@shared_task(**PUSH)
def tariff_push(partner_id: int, tariff_id: int) -> bool:
    partner, url = _receiver(partner_id, "tariffs")
    if partner is None:
        return False
    return pushes.tariff_push(partner=partner, url=url, tariff_id=tariff_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def registration_push(partner_id: int) -> list[str]:
    """A registration (or credentials update) completed: give the partner our Locations and
    Tariffs now rather than at its first pull or our next change. Safe to run twice: every
    object is PUT whole with its own last_updated, which the partner already holds then."""
    partner = Partner.objects.filter(pk=partner_id, status=Partner.Status.REGISTERED).first()
    if partner is None:
        return []
    pushed = []
    if partner.endpoint_url("locations", "RECEIVER"):
        locations_push_all.delay(partner_id)
        pushed.append("locations")
    if partner.endpoint_url("tariffs", "RECEIVER"):
        tariffs_push_all.delay(partner_id)
        pushed.append("tariffs")
    return pushed
