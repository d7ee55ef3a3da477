"""What roaming plugs in at start-up (imported by RoamingConfig.ready): its reactions to the
stations' domain signals. Each only sends a task (after commit, by the task class), so a
charger's frame never waits for a partner."""

import logging
import time

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from billing import signals as billing_signals
from billing.models import SettlementStatement
from billing.services import invoices, settlements
from drivers.selectors import stations as driver_stations
from drivers.selectors import tokens
from roaming import tasks
from roaming.models import Partner
from roaming.selectors.demand_evidence import partner_locations_nearby
from roaming.selectors.endpoints import partners_registered
from roaming.selectors.partner_cdrs import (
    our_cdr_settlement_items,
    partner_cdr_charges,
    partner_cdr_settlement_items,
    partner_cpo_organisations,
    partner_emsp_organisations,
)
from roaming.selectors.partner_locations import partner_site_results
from roaming.selectors.partners import partner_payment_days
from roaming.selectors.tokens import partner_token_authorization
from roaming.services import partner_ledger
from stations import signals
from stations.pipeline.selectors import demand

log = logging.getLogger(__name__)


# Whether any partner is registered: an operator without roaming partners then queues no
# task per connection, status change and session (a reconnect storm queued one per
# charger, for nobody). Kept in the shared cache, which any change to a partner clears, and
# remembered by each process for a few seconds (asking Redis per frame was 6 % of a storm's
# CPU): another process sees a newly registered partner within PROCESS_MEMO_SECONDS, and the
# registration itself pushes every Location. The cache's expiry bounds a change made
# without signals (a raw UPDATE).
PARTNERS_KEY = "roaming:partners-registered"
PARTNERS_CHECK_SECONDS = 30
PROCESS_MEMO_SECONDS = 5.0
_memo: list = [float("-inf"), False]  # [when asked, whether any partner was registered]


def _partners_registered() -> bool:
    now = time.monotonic()
    if now - _memo[0] < PROCESS_MEMO_SECONDS:
        return _memo[1]
    known = cache.get(PARTNERS_KEY)
    if known is None:
        known = partners_registered()
        cache.set(PARTNERS_KEY, known, PARTNERS_CHECK_SECONDS)
    _memo[:] = [now, known]
    return known


@receiver(post_save, sender=Partner, dispatch_uid="roaming.partner_saved")
@receiver(post_delete, sender=Partner, dispatch_uid="roaming.partner_deleted")
def on_partner_changed(sender, **kwargs) -> None:
    cache.delete(PARTNERS_KEY)
    _memo[0] = float("-inf")


def _send_to_partners(task, *args) -> None:
    """For pushes of our own state: nothing is queued while no partner is registered."""
    if _partners_registered():
        _send(task, *args)


def _send(task, *args) -> None:
    # The broker being down must not fail the charger's frame: the partner's periodic pull
    # of our Locations catches up.
    try:
        task.delay(*args)
    except Exception:
        log.exception("could not queue %s%s for partners", task.name, args)


@receiver(signals.connector_status_changed, dispatch_uid="roaming.connector_status_changed")
def on_connector_status_changed(sender, *, station_id, connector_number, **kwargs) -> None:
    if connector_number:
        _send_to_partners(tasks.evse_status_changed, station_id, connector_number)


@receiver(signals.station_connection_changed, dispatch_uid="roaming.station_connection_changed")
def on_station_connection_changed(sender, *, station_id, **kwargs) -> None:
    # Offline turns every EVSE of the station UNKNOWN for partners, and back.
    _send_to_partners(tasks.station_evses_changed, station_id)


@receiver(billing_signals.cdrs_released, dispatch_uid="roaming.cdrs_released")
def on_cdrs_released(sender, *, cdr_ids, **kwargs) -> None:
    # "CDRs pushed when priced": a partner's driver sees the CDR minutes, not a sweep, later.
    _send(tasks.cdrs_released_push, cdr_ids)


@receiver(billing_signals.tariff_created, dispatch_uid="roaming.tariff_created")
def on_tariff_created(sender, *, tariff_id, **kwargs) -> None:
    _send(tasks.tariff_created, tariff_id)


@receiver(signals.session_started, dispatch_uid="roaming.session_started")
@receiver(signals.session_stopped, dispatch_uid="roaming.session_stopped")
def on_session_changed(sender, *, session_id, **kwargs) -> None:
    _send_to_partners(tasks.session_changed, session_id)


# A partner EMSP's token meets the one token rule at every door (Authorize, StartTransaction,
# remote start): drivers asks roaming for idTags none of its drivers hold.
tokens.foreign_token_authorizer_register(partner_token_authorization)
# Partner locations nearby are evidence for a candidate site's expected demand.
demand.partner_locations_source_register(partner_locations_nearby)

# Partner CPOs' published Locations appear in our drivers' station search beside our sites.
driver_stations.foreign_site_source_register(partner_site_results)

# Our drivers' CDRs from partner CPOs go on their monthly invoice, with our markup.
invoices.foreign_charge_source_register(partner_cdr_charges)
# What we owe partner CPOs for their CDRs, less our commission, on the monthly statements.
# Each is in the ledger (partner payable) before its statement takes it; due on the agreement's terms.
settlements.foreign_settlement_source_register(
    role=SettlementStatement.Role.PARTNER_CPO,
    source=settlements.ForeignSettlementSource(
        parties=partner_cpo_organisations,
        items=partner_cdr_settlement_items,
        post=partner_ledger.partner_cdrs_post,
        payment_days=partner_payment_days,
    ),
)
# What partner EMSPs owe us for our CDRs of their tokens, less their commission (partner receivable).
settlements.foreign_settlement_source_register(
    role=SettlementStatement.Role.PARTNER_EMSP,
    source=settlements.ForeignSettlementSource(
        parties=partner_emsp_organisations,
        items=our_cdr_settlement_items,
        post=partner_ledger.our_cdrs_post,
        payment_days=partner_payment_days,
    ),
)
