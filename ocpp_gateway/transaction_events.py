"""OCPP 2.0.1/2.1 transactions onto the domain's charging sessions.

A 2.0.1 transaction is a run of TransactionEvents (Started, Updated…, Ended) numbered by
seqNo under a transactionId the charger chose. Each event is kept once
(TransactionEventRecord); a replay is recognised by its (transactionId, seqNo) and
changes nothing. The domain session (stations.services.sessions, the same as for 1.6) is
started by the first event that carries a token: at once for authorize-first and remote
starts, later for cable-first ones, whose earlier events are then applied to it in seqNo
order. Events queued offline arrive late and possibly out of order; the session's meter
rules ignore readings older than the ones applied. A transaction that ends with seqNo
numbers missing flags its session `transaction_event_gap`. One that ends without ever
having had a token becomes a TransactionDiscrepancy (`ended_without_token`) for staff."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from ocpp.charge_point import camel_to_snake_case

from drivers.services import reservations
from ocpp_gateway.models import TransactionEventRecord
from ocpp_gateway.protocols.base import parse_time
from stations.models import ChargingSession, ChargingStation, CommandRequest
from stations.models.sessions import TransactionDiscrepancy
from stations.selectors.evses import connector_number_for_evse
from stations.selectors.sessions import session_by_charger_transaction
from stations.services import sessions
from stations.services.meter_readings import ENERGY_REGISTER, Sample, reading_check

ENDED = "Ended"
NO_AUTHORIZATION = "NoAuthorization"
GAP_FLAG = "transaction_event_gap"


@dataclass(frozen=True)
class Event:
    """One TransactionEvent in the domain's words (snake_case payload already parsed)."""

    transaction_id: str
    seq_no: int
    event_type: str
    trigger_reason: str
    timestamp: datetime
    evse_id: int | None
    connector_id: int | None
    id_tag: str
    id_token_type: str
    charging_state: str
    stopped_reason: str
    remote_start_id: int | None
    reservation_id: int | None
    offline: bool
    samples: list[Sample]
    payload: dict


@dataclass(frozen=True)
class Outcome:
    session: ChargingSession | None
    connector_number: int | None
    replayed: bool


def event_apply(*, station_id: int, event: Event, received_at: datetime) -> Outcome:
    """Keep `event` and apply it to its session. Idempotent per (transactionId, seqNo)."""
    session = session_by_charger_transaction(station_id=station_id, charger_transaction_id=event.transaction_id)
    try:
        with transaction.atomic():
            record = _record_keep(station_id, event, session, received_at)
    except IntegrityError:
        return Outcome(session=session, connector_number=_connector_number(station_id, event, session), replayed=True)
    if session is not None:
        # The common case, an Updated of a running session: its earlier events are not
        # read (they were applied when they came; reading them made each event cost more
        # than the one before).
        if event.samples and event.event_type != ENDED:
            sessions.meter_values_record(
                station_id=station_id,
                connector_number=session.connector_number,
                transaction_id=session.pk,
                samples=event.samples,
                received_at=received_at,
            )
        connector_number = _connector_number(station_id, event, session)
    else:
        earlier = list(
            TransactionEventRecord.objects.filter(station_id=station_id, transaction_id=event.transaction_id)
            .exclude(pk=record.pk)
            .order_by("seq_no")
        )
        connector_number = _connector_number(station_id, event, earlier=earlier)
        session = _session_begin(
            station_id=station_id, event=event, earlier=earlier, connector_number=connector_number, at=received_at
        )
        if session is None:
            if event.event_type == ENDED:
                _ended_without_token(station_id, event, earlier, connector_number, received_at)
            return Outcome(session=None, connector_number=connector_number, replayed=False)
        TransactionEventRecord.objects.filter(station_id=station_id, transaction_id=event.transaction_id).update(
            session=session
        )
    session = _finish(station_id, event, session, received_at)
    # The session as the services returned it: its status and token as stored; its meter
    # totals may have moved since (whoever prices it reads it again first).
    return Outcome(session=session, connector_number=connector_number, replayed=False)


def _record_keep(
    station_id: int, event: Event, session: ChargingSession | None, received_at: datetime
) -> TransactionEventRecord:
    """Store the event once; a second copy of (transactionId, seqNo) raises IntegrityError."""
    return TransactionEventRecord.objects.create(
        station_id=station_id,
        session=session,
        transaction_id=event.transaction_id,
        seq_no=event.seq_no,
        event_type=event.event_type,
        trigger_reason=event.trigger_reason,
        stopped_reason=event.stopped_reason,
        charging_state=event.charging_state,
        offline=event.offline,
        evse_id=event.evse_id,
        connector_id=event.connector_id,
        id_token=event.id_tag,
        id_token_type=event.id_token_type,
        remote_start_id=event.remote_start_id,
        timestamp=event.timestamp,
        received_at=received_at,
        payload=event.payload,
    )


def _session_begin(
    *, station_id: int, event: Event, earlier: list[TransactionEventRecord], connector_number: int | None, at: datetime
) -> ChargingSession | None:
    """Start the domain session once the transaction has a token; feed it the events
    that came before (cable-first), oldest first. None while it has no token."""
    id_tag = event.id_tag or next((record.id_token for record in earlier if record.id_token), "")
    remote_start_id = event.remote_start_id or next((r.remote_start_id for r in earlier if r.remote_start_id), None)
    if not id_tag and remote_start_id:
        id_tag, connector_number = _remote_start(station_id, remote_start_id, connector_number)
    # A charger that starts without a token says so with NoAuthorization (free vend): a
    # session without a driver where the station allows it; elsewhere, as any transaction
    # without a token, no session (its end becomes a discrepancy).
    free_vend = (
        not id_tag
        and NO_AUTHORIZATION in {event.id_token_type, *(r.id_token_type for r in earlier)}
        and ChargingStation.objects.filter(pk=station_id, free_vend=True).exists()
    )
    if not id_tag and not free_vend:
        return None
    first = earlier[0] if earlier and earlier[0].seq_no < event.seq_no else None
    earlier_samples = [_record_samples(record) for record in earlier]
    ordered = [*earlier_samples, event.samples] if first else [event.samples, *earlier_samples]
    reservation_id = event.reservation_id or next(
        (r.payload.get("reservationId") for r in earlier if r.payload.get("reservationId")), None
    )
    outcome = sessions.session_start(
        station_id=station_id,
        connector_number=connector_number or 0,
        id_tag=id_tag,
        meter_start_wh=_meter_start(ordered),
        started_at=first.timestamp if first else event.timestamp,
        received_at=at,
        reservation_id=reservation_id,
        charger_transaction_id=event.transaction_id,
        free_vend=free_vend,
    )
    session = outcome.session
    if outcome.created and reservation_id is not None and session.status == ChargingSession.Status.ACTIVE:
        reservations.reservation_use(reservation_id=reservation_id, station_id=station_id, session_id=session.pk)
    pending = [samples for samples in earlier_samples if samples]
    if event.event_type != ENDED and event.samples:
        pending.append(event.samples)
    for samples in pending:
        sessions.meter_values_record(
            station_id=station_id,
            connector_number=session.connector_number,
            transaction_id=session.pk,
            samples=samples,
            received_at=at,
        )
    return session


def _ended_without_token(
    station_id: int,
    event: Event,
    earlier: list[TransactionEventRecord],
    connector_number: int | None,
    received_at: datetime,
) -> None:
    """A transaction that ended without a token never became a session, so nothing bills
    the energy it may have delivered (a free-vend charger, a token the charger forgot):
    like 1.6's StopTransaction for an unknown transaction it becomes a discrepancy for
    staff, with what the events say. Runs once: a replayed Ended is recognised earlier."""
    runs = [_record_samples(record) for record in earlier if record.seq_no < event.seq_no]
    runs += [event.samples] + [_record_samples(record) for record in earlier if record.seq_no > event.seq_no]
    readings = [wh for samples in runs for wh in _energy_readings(samples)]
    first = min([event.timestamp, *(record.timestamp for record in earlier)])
    sessions.discrepancy_record(
        station_id=station_id,
        transaction_number=0,
        charger_transaction_id=event.transaction_id,
        kind=TransactionDiscrepancy.Kind.ENDED_WITHOUT_TOKEN,
        payload={
            "connector": connector_number,
            "startedAt": first.isoformat(),
            "endedAt": event.timestamp.isoformat(),
            "stoppedReason": event.stopped_reason,
            "events": len(earlier) + 1,
            "energyWh": readings[-1] - readings[0] if len(readings) > 1 else None,
        },
        received_at=received_at,
    )


def _finish(station_id: int, event: Event, session: ChargingSession, received_at: datetime) -> ChargingSession:
    """Stop the session on Ended (checking first that no event of the run is missing)."""
    if event.event_type != ENDED:
        return session
    numbers = set(
        TransactionEventRecord.objects.filter(station_id=station_id, transaction_id=event.transaction_id).values_list(
            "seq_no", flat=True
        )
    )
    if numbers and len(numbers) != max(numbers) - min(numbers) + 1:
        sessions.session_flag_add(session_id=session.pk, flag=GAP_FLAG)
    session.refresh_from_db()
    stopped = sessions.session_stop(
        station_id=station_id,
        transaction_id=session.pk,
        meter_stop_wh=_meter_stop(event.samples, session),
        stopped_at=event.timestamp,
        received_at=received_at,
        # E06: stoppedReason may be left out when it is Local.
        reason=event.stopped_reason or "Local",
        id_tag=event.id_tag,
        samples=event.samples,
    )
    return stopped or session


def _connector_number(
    station_id: int, event: Event, session: ChargingSession | None = None, *, earlier: list | None = None
) -> int | None:
    """The domain connector of the transaction: its session's once it has one, else from
    this event's EVSE, else from the first earlier event that named one (2.0.1 sends the
    EVSE once, usually at Started)."""
    if session is not None and session.connector_number:
        return session.connector_number
    if event.evse_id is not None:
        return connector_number_for_evse(station_id=station_id, evse_id=event.evse_id, connector_id=event.connector_id)
    if earlier is None:
        earlier = TransactionEventRecord.objects.filter(
            station_id=station_id, transaction_id=event.transaction_id
        ).order_by("seq_no")
    for record in earlier:
        if record.evse_id is not None:
            return connector_number_for_evse(
                station_id=station_id, evse_id=record.evse_id, connector_id=record.connector_id
            )
    return None


def _remote_start(station_id: int, remote_start_id: int, connector_number: int | None) -> tuple[str, int | None]:
    """The token and connector of our RequestStartTransaction with this remoteStartId
    (the command request's id), for a charger that leaves the idToken out of its events."""
    request = CommandRequest.objects.filter(
        pk=remote_start_id, station_id=station_id, action=CommandRequest.Action.START
    ).first()
    if request is None:
        return "", connector_number
    return request.parameters.get("id_tag", ""), connector_number or request.parameters.get("connector")


def _energy_readings(samples: list[Sample], context: str | None = None) -> list[int]:
    readings = []
    for sample in samples:
        if (sample.measurand or ENERGY_REGISTER) != ENERGY_REGISTER or sample.phase or sample.location == "EV":
            continue
        if context is not None and sample.context != context:
            continue
        reading = reading_check(value=sample.value, unit=sample.unit, measurand=ENERGY_REGISTER)
        if reading.normalized is not None and not reading.rejected:
            readings.append(int(reading.normalized))
    return readings


def _meter_start(ordered: list[list[Sample]]) -> int | None:
    """The register at the start: the first Transaction.Begin reading, else the first
    reading of the run; None when the charger reported none (see session_start)."""
    for samples in ordered:
        readings = _energy_readings(samples, "Transaction.Begin")
        if readings:
            return readings[0]
    for samples in ordered:
        readings = _energy_readings(samples)
        if readings:
            return readings[0]
    return None


def _meter_stop(samples: list[Sample], session: ChargingSession) -> int:
    readings = _energy_readings(samples, "Transaction.End") or _energy_readings(samples)
    if readings:
        return readings[-1]
    return session.last_meter_wh if session.last_meter_wh is not None else session.meter_start_wh


def _record_samples(record: TransactionEventRecord) -> list[Sample]:
    return samples_from(camel_to_snake_case(record.payload.get("meterValue") or []))


def samples_from(meter_values: list) -> list[Sample]:
    """Flatten 2.0.1 MeterValueType[] (snake_case) into samples; a signedMeterValue is kept
    beside its numeric value."""
    samples = []
    for meter_value in meter_values:
        sampled_at = parse_time(meter_value["timestamp"], "meterValue/timestamp")
        for sampled in meter_value["sampled_value"]:
            unit = (sampled.get("unit_of_measure") or {}).get("unit") or _default_unit(sampled.get("measurand"))
            multiplier = (sampled.get("unit_of_measure") or {}).get("multiplier") or 0
            samples.append(
                Sample(
                    sampled_at=sampled_at,
                    value=_scaled(sampled["value"], multiplier),
                    measurand=sampled.get("measurand") or ENERGY_REGISTER,
                    phase=sampled.get("phase") or "",
                    location=sampled.get("location") or "",
                    context=sampled.get("context") or "",
                    unit=unit,
                    signed=sampled.get("signed_meter_value"),
                )
            )
    return samples


def _scaled(value, multiplier: int) -> str:
    """2.0.1 sends numbers with a power-of-ten multiplier; the domain takes decimal text."""
    text = format(value, "f") if isinstance(value, float) else str(value)
    if not multiplier:
        return text
    try:
        return str(Decimal(text).scaleb(multiplier))
    except InvalidOperation:
        return text  # left for the domain's reading check to reject


def _default_unit(measurand: str | None) -> str:
    # 2.0.1 §2.56 UnitOfMeasureType: the default unit is Wh (for energy; W for power).
    measurand = measurand or ENERGY_REGISTER
    if measurand.startswith("Power.Active"):
        return "W"
    return "Wh" if measurand.startswith("Energy.Active") else ""
