"""OCPP 2.0.1 I02: the running cost shown to the driver on the charger, in the answer to
a TransactionEvent (totalCost) and pushed between answers (CostUpdated).

The cost is the live estimate the portal shows (stations.prices.session_cost, the CDR
total once priced). Working it out prices the whole session so far (its tariff, its
meter curve): tens of milliseconds of CPU and some twenty queries, more as the session
grows. So a running session's cost is worked out at most once per
RUNNING_COST_INTERVAL of the transaction's own time (the events' timestamps), not for
every TransactionEvent: a charger sending meter values every few seconds would
otherwise spend most of the gateway's CPU on a figure that moved by a cent. An Updated
answered in between carries no totalCost (2.0.1 only requires it in the answer to Ended,
which always has it). The one worked out is pushed as CostUpdated when it moved by at
least COST_STEP since the last push (or on the first non-zero cost), as a queued
`cost_update` command request after the event's work has committed, delivered by the
outbox like any other command, never as a call from inside the charger's frame."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction

from stations.models import ChargingSession, CommandRequest
from stations.services.commands import command_request

# A change smaller than this (in the site's currency) is not worth a call to the charger.
COST_STEP = Decimal("0.10")
# The cost is stale after a few minutes; a charger that is away does not need it later.
COST_TTL_SECONDS = 120
# A display refreshed once a minute: at 22 kW and 0.50/kWh the cost moves ~0.18 a minute.
RUNNING_COST_INTERVAL = timedelta(seconds=60)


class RunningCostClock:
    """When each running session's cost was last worked out, in event time, in this
    process (a charger's socket, and so its transaction, lives in one process; after a
    reconnect elsewhere the first event works it out again). Threads share it: a race
    only works a cost out twice."""

    LIMIT = 50_000  # sessions remembered; beyond it the memory starts over

    def __init__(self) -> None:
        self._worked_out_for: dict[int, datetime] = {}

    def due(self, *, session_id: int, at: datetime) -> bool:
        """Whether an event of `at` should work the cost out: the first of the session
        here, or one RUNNING_COST_INTERVAL after the last worked out (an older event,
        queued offline, is not)."""
        last = self._worked_out_for.get(session_id)
        return last is None or at - last >= RUNNING_COST_INTERVAL

    def note(self, *, session_id: int, at: datetime) -> None:
        if len(self._worked_out_for) >= self.LIMIT:
            self._worked_out_for.clear()
        self._worked_out_for[session_id] = at

    def forget(self, *, session_id: int) -> None:
        self._worked_out_for.pop(session_id, None)


running_cost_clock = RunningCostClock()


def cost_push_after_commit(*, session: ChargingSession, total: Decimal) -> None:
    """Queue a CostUpdated of `total` for `session` once the current transaction commits,
    if it moved by COST_STEP since the last one queued."""
    transaction.on_commit(lambda: cost_push(session=session, total=total))


def cost_push(*, session: ChargingSession, total: Decimal) -> CommandRequest | None:
    if session.status != ChargingSession.Status.ACTIVE or not session.charger_transaction_id:
        return None
    total = total.quantize(Decimal("0.01"))
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
