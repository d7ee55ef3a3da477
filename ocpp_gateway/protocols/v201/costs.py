"""OCPP 2.0.1 I02: the running cost pushed to the charger (CostUpdated), so the driver
sees what the session costs so far even between our answers to its TransactionEvents.

The cost is the live estimate the portal shows (stations.prices.session_cost, the CDR
total once priced). It is pushed when it has moved by at least COST_STEP since the last
push (or on the first non-zero cost), not on every meter value: a 30-second meter
interval would otherwise send a call per event for a change of a cent. It goes out as a
queued `cost_update` command request after the event's work has committed, delivered by
the outbox like any other command, never as a call from inside the charger's frame."""

from decimal import Decimal

from django.db import transaction

from stations import prices
from stations.models import ChargingSession, CommandRequest
from stations.services.commands import command_request

# A change smaller than this (in the site's currency) is not worth a call to the charger.
COST_STEP = Decimal("0.10")
# The cost is stale after a few minutes; a charger that is away does not need it later.
COST_TTL_SECONDS = 120


def cost_push_after_commit(*, session: ChargingSession) -> None:
    """Queue a CostUpdated for `session` once the current transaction commits, if its
    running cost moved by COST_STEP since the last one queued."""
    session_id = session.pk
    transaction.on_commit(lambda: cost_push(session_id=session_id))


def cost_push(*, session_id: int) -> CommandRequest | None:
    session = ChargingSession.objects.select_related("station").filter(pk=session_id).first()
    if session is None or session.status != ChargingSession.Status.ACTIVE or not session.charger_transaction_id:
        return None
    cost = prices.session_cost(session=session)
    if cost is None:
        return None
    total = cost.amount.quantize(Decimal("0.01"))
    if total <= 0 or abs(total - _last_pushed(session)) < COST_STEP:
        return None
    return command_request(
        station=session.station,
        action=CommandRequest.Action.COST_UPDATE,
        parameters={"session": session.pk, "total_cost": float(total)},
        ttl_seconds=COST_TTL_SECONDS,
    )


def _last_pushed(session: ChargingSession) -> Decimal:
    last = (
        CommandRequest.objects.filter(
            station_id=session.station_id, action=CommandRequest.Action.COST_UPDATE, parameters__session=session.pk
        )
        .order_by("-pk")
        .values_list("parameters", flat=True)
        .first()
    )
    return Decimal(str(last["total_cost"])) if last else Decimal("0")
