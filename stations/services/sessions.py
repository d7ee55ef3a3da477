"""Writes for charging sessions: start, meter values, stop, and the discrepancies kept for
reconciliation. Protocol-neutral: the OCPP gateway translates its messages into these calls.

Energy is integer Wh and never negative: a session's `energy_wh` is the sum of the forward
steps of its energy register, so a meter that runs backwards or resets is flagged
(`flags`) instead of producing negative or inflated energy. Readings that are not data
(stations.services.meter_readings: negative, non-finite, out of range) are stored raw and
flagged, never counted; a step beyond what the connector could deliver in its time is
flagged `energy_implausible` (billing then holds the session's CDR for review)."""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from stations import live, signals, statements
from stations.authorization import id_tag_authorize, session_token_record
from stations.models import ChargingSession, ChargingStation, Connector, MeterSample
from stations.models.sessions import TransactionDiscrepancy
from stations.services import meter_readings, session_energy, session_rows
from stations.services.meter_readings import ENERGY_REGISTER, Reading, Sample, reading_check
from stations.services.status import clock_skewed, send_on_commit, station_clock_skew_record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartOutcome:
    session: ChargingSession
    created: bool


def session_start(
    *,
    station_id: int,
    connector_number: int,
    id_tag: str,
    meter_start_wh: int | None,
    started_at: datetime,
    received_at: datetime,
    reservation_id: int | None = None,
    charger_transaction_id: str | None = None,
    free_vend: bool = False,
) -> StartOutcome:
    """Start (or find) the session for a StartTransaction.

    Idempotent: a replay with the same station, connector, idTag, meterStart and timestamp
    returns the existing session (created=False) and changes nothing. The token is checked
    (the authorizer drivers registers, stations/authorization.py); a token that is not Accepted still gets a
    session, in status `rejected`, so the charger has a transactionId to stop. A meterStart
    that is not a usable register value (negative, out of range) is kept raw and flagged
    `meter_start_rejected`: energy then counts from the first good reading. Without a
    meter start (`None`: an OCPP 2.0.1 transaction that reported no register reading
    before it was authorized) the session is flagged `meter_start_missing` and energy
    likewise counts from the first reading. A `charger_transaction_id` (2.0.1's own
    string id) finds its session however the other facts were reported. `free_vend`: the
    charger started without a token (2.0.1 NoAuthorization) at a station that allows free
    charging (`ChargingStation.free_vend`, checked here): the session is accepted without a
    token or driver and flagged `free_vend`; at any other station it is rejected. Sends
    session_started on commit for an accepted session."""
    if charger_transaction_id:
        existing = ChargingSession.objects.filter(
            station_id=station_id, charger_transaction_id=charger_transaction_id
        ).first()
        if existing is not None:
            return StartOutcome(session=existing, created=False)
    start_missing = meter_start_wh is None
    meter_start_wh = 0 if start_missing else meter_start_wh
    start_rejected = meter_readings.register_check(wh=meter_start_wh)
    facts = {
        "station_id": station_id,
        "connector_number": connector_number,
        "id_tag": id_tag,
        "meter_start_wh": meter_readings.storable_wh(meter_start_wh),
        "started_at": started_at,
    }
    existing = ChargingSession.objects.filter(**facts).first()
    if existing is not None:
        return StartOutcome(session=existing, created=False)
    authorization = _free_vend(station_id) if free_vend else id_tag_authorize(id_tag=id_tag)
    flags = ["clock_skew"] if clock_skewed(charger_time=started_at, received_at=received_at) else []
    if free_vend and authorization.accepted:
        flags.append("free_vend")
    if start_rejected:
        flags.append("meter_start_rejected")
    if start_missing:
        flags.append("meter_start_missing")
    connector_pk = (
        Connector.objects.filter(station_id=station_id, connector_id=connector_number)
        .values_list("pk", flat=True)
        .first()
    )
    try:
        with transaction.atomic():
            session = ChargingSession.objects.create(
                **facts,
                connector_id=connector_pk,
                auth_status=authorization.status,
                status=ChargingSession.Status.ACTIVE if authorization.accepted else ChargingSession.Status.REJECTED,
                reservation_id=reservation_id,
                flags=flags,
                charger_transaction_id=charger_transaction_id or None,
            )
            session_token_record(session=session, token=authorization.token)
            if start_rejected:
                _register_store(session=session, wh=meter_start_wh, context="Transaction.Begin", at=started_at)
    except IntegrityError:
        # A concurrent replay won a unique constraint; answer with its session.
        if charger_transaction_id:
            facts = {"station_id": station_id, "charger_transaction_id": charger_transaction_id}
        return StartOutcome(session=ChargingSession.objects.get(**facts), created=False)
    if "clock_skew" in flags:
        station_clock_skew_record(station_id=station_id, received_at=received_at)
    if session.status == ChargingSession.Status.ACTIVE:
        send_on_commit(signals.session_started, session_id=session.pk)
    _publish(session)
    return StartOutcome(session=session, created=True)


def meter_values_record(
    *,
    station_id: int,
    connector_number: int,
    transaction_id: int | None,
    samples: list[Sample],
    received_at: datetime,
) -> ChargingSession | None:
    """Store every sample (all measurands, phases and units; Wh/kWh normalised to Wh, W/kW
    to W) and move the session's energy and power. Rejected values are stored raw with
    the reason and flag the session; they never move it. Samples for a transaction we do
    not know are stored without a session and recorded as a discrepancy. Returns the session."""
    session = None
    if transaction_id is not None:
        session = session_rows.session_locked(
            station_id=station_id, session_id=transaction_id, fields=METER_VALUES_FIELDS
        )
        if session is None:
            discrepancy_record(
                station_id=station_id,
                transaction_number=transaction_id,
                kind=TransactionDiscrepancy.Kind.METER_VALUES_UNKNOWN,
                payload={"connectorId": connector_number, "samples": len(samples)},
                received_at=received_at,
            )
    readings = [_reading(sample) for sample in samples]
    previous_power_w = session.last_power_w if session is not None else None
    if session is not None:
        session_energy.samples_apply(session=session, samples=samples, readings=readings, received_at=received_at)
    _samples_store(
        station_id=station_id,
        connector_number=connector_number,
        transaction_number=transaction_id,
        session=session,
        samples=samples,
        readings=readings,
        received_at=received_at,
    )
    if session is not None:
        session_rows.session_meter_save(session)
        _publish(session)
        _draw_change_send(session, previous_power_w=previous_power_w)
    return session


# A change of draw smaller than this (about 1 A on three phases) is not worth re-allocating for.
DRAW_CHANGE_W = Decimal("700")


def _draw_change_send(session: ChargingSession, *, previous_power_w: Decimal | None) -> None:
    power_w = session.last_power_w
    if power_w is None or (previous_power_w is not None and abs(power_w - previous_power_w) < DRAW_CHANGE_W):
        return
    send_on_commit(
        signals.session_draw_changed,
        session_id=session.pk,
        station_id=session.station_id,
        power_w=str(power_w),
        previous_power_w=str(previous_power_w) if previous_power_w is not None else None,
    )


def session_stop(
    *,
    station_id: int,
    transaction_id: int,
    meter_stop_wh: int,
    stopped_at: datetime,
    received_at: datetime,
    reason: str = "",
    id_tag: str = "",
    samples: list[Sample] | None = None,
) -> ChargingSession | None:
    """Stop the session for a StopTransaction; store its transactionData samples.

    Never raises for a bad transaction id: an unknown one (0, -1, another station's) is
    recorded as a discrepancy and None returned; a replay of the same stop changes
    nothing; a second, different stop of a stopped session is recorded as a discrepancy.
    A meterStop that is not a usable register value is kept raw and flagged, never
    counted; a session whose energy exceeds what its connector could deliver between
    start and stop is flagged `energy_implausible`. Sends session_stopped on commit when
    an active session completes."""
    session = _session_locked(station_id=station_id, transaction_id=transaction_id)
    stop_rejected = meter_readings.register_check(wh=meter_stop_wh)
    stored_stop_wh = meter_readings.storable_wh(meter_stop_wh)
    stop_facts = {"meterStop": meter_stop_wh, "timestamp": stopped_at.isoformat(), "reason": reason, "idTag": id_tag}
    if session is None:
        discrepancy_record(
            station_id=station_id,
            transaction_number=transaction_id,
            kind=TransactionDiscrepancy.Kind.UNKNOWN_TRANSACTION,
            payload=stop_facts,
            received_at=received_at,
        )
        return None
    if session.stopped_at is not None:
        if (session.meter_stop_wh, session.stopped_at) != (stored_stop_wh, stopped_at):
            discrepancy_record(
                station_id=station_id,
                transaction_number=transaction_id,
                kind=TransactionDiscrepancy.Kind.ALREADY_STOPPED,
                payload=stop_facts,
                received_at=received_at,
                session=session,
            )
        return session
    samples = samples or []
    readings = [_reading(sample) for sample in samples]
    session_energy.samples_apply(session=session, samples=samples, readings=readings, received_at=received_at)
    _samples_store(
        station_id=station_id,
        connector_number=session.connector_number,
        transaction_number=transaction_id,
        session=session,
        samples=samples,
        readings=readings,
        received_at=received_at,
    )
    if stop_rejected:
        session_energy.flag(session, "meter_value_rejected")
        _register_store(
            session=session, wh=meter_stop_wh, context="Transaction.End", at=stopped_at, rejected=stop_rejected
        )
    else:
        session_energy.meter_advance(session=session, reading_wh=meter_stop_wh, at=stopped_at, final=True)
    session_energy.session_energy_check(session=session, stopped_at=stopped_at, received_at=received_at)
    was_active = session.status == ChargingSession.Status.ACTIVE
    session.meter_stop_wh = stored_stop_wh
    session.stopped_at = stopped_at
    session.stop_received_at = received_at
    session.stop_reason = reason
    session.stop_id_tag = id_tag
    if clock_skewed(charger_time=stopped_at, received_at=received_at):
        session_energy.flag(session, "clock_skew")
        station_clock_skew_record(station_id=station_id, received_at=received_at)
    if stopped_at < session.started_at:
        session_energy.flag(session, "stop_before_start")
    if was_active:
        session.status = ChargingSession.Status.COMPLETED
    session.save()
    if was_active:
        send_on_commit(signals.session_stopped, session_id=session.pk)
    _publish(session)
    return session


@dataclass(frozen=True)
class FreeVend:
    """The answer for a session started without a token (see session_start)."""

    status: str
    accepted: bool
    token: None = None


def _free_vend(station_id: int) -> FreeVend:
    allowed = ChargingStation.objects.filter(pk=station_id, free_vend=True).exists()
    return FreeVend(status="Accepted" if allowed else "Invalid", accepted=allowed)


def session_flag_add(*, session_id: int, flag: str) -> None:
    """Mark a session with an anomaly a protocol adapter found (e.g. `transaction_event_gap`:
    an OCPP 2.0.1 transaction ended with messages missing). Idempotent."""
    with transaction.atomic():
        session = ChargingSession.objects.select_for_update().get(pk=session_id)
        if flag not in session.flags:
            session.flags = [*session.flags, flag]
            session.save(update_fields=["flags"])


def discrepancy_record(
    *,
    station_id: int,
    transaction_number: int,
    kind: str,
    payload: dict,
    received_at: datetime,
    session: ChargingSession | None = None,
    charger_transaction_id: str = "",
) -> TransactionDiscrepancy:
    logger.warning(
        "transaction discrepancy on station %s: %s #%s", station_id, kind, charger_transaction_id or transaction_number
    )
    return TransactionDiscrepancy.objects.create(
        station_id=station_id,
        session=session,
        transaction_number=transaction_number,
        charger_transaction_id=charger_transaction_id,
        kind=kind,
        payload=payload,
        received_at=received_at,
    )


# What meter values read and write of a session (session_energy, the live event, the draw
# signal): the hottest frame fetches these 13 columns and its connector's max power
# (session_rows), not all 38 of the session and its connector. A column left out still
# loads when touched, one query later.
METER_VALUES_FIELDS = (
    "station_id",
    "connector_id",
    "connector_number",
    "status",
    "started_at",
    "start_received_at",
    "meter_start_wh",
    "stopped_at",
    "energy_wh",
    "last_meter_wh",
    "last_meter_at",
    "last_power_w",
    "flags",
)


def _session_locked(*, station_id: int, transaction_id: int) -> ChargingSession | None:
    # The connector comes along for its max power (plausibility); only the session is locked.
    sessions = ChargingSession.objects.select_for_update(of=("self",)).select_related("connector")
    # Primary-key lookup: .get() rather than .first(), which would add an ORDER BY.
    try:
        return sessions.get(station_id=station_id, pk=transaction_id)
    except ChargingSession.DoesNotExist:
        return None


def _samples_store(
    *,
    station_id: int,
    connector_number: int,
    transaction_number: int | None,
    session: ChargingSession | None,
    samples: list[Sample],
    readings: list[Reading],
    received_at: datetime,
) -> None:
    rows = []
    for sample, reading in zip(samples, readings, strict=True):
        rows.append(
            MeterSample(
                session=session,
                station_id=station_id,
                connector_number=connector_number,
                transaction_number=transaction_number,
                sampled_at=sample.sampled_at,
                measurand=sample.measurand or ENERGY_REGISTER,
                phase=sample.phase,
                location=sample.location,
                context=sample.context,
                value_format=sample.value_format,
                unit=sample.unit,
                value=reading.value,
                raw_value="" if reading.value is not None else sample.value,
                normalized_value=reading.normalized,
                rejected=reading.rejected,
                clock_skewed=clock_skewed(charger_time=sample.sampled_at, received_at=received_at),
                signed_data=sample.signed,
            )
        )
    statements.rows_insert(rows)


def _register_store(*, session: ChargingSession, wh: int, context: str, at: datetime, rejected: str = "") -> None:
    """Keep a rejected meterStart/meterStop as sent (it may not fit the session's column)."""
    MeterSample.objects.create(
        session=session,
        station_id=session.station_id,
        connector_number=session.connector_number,
        transaction_number=session.pk,
        sampled_at=at,
        measurand=ENERGY_REGISTER,
        context=context,
        unit="Wh",
        raw_value=str(wh),
        rejected=rejected or meter_readings.register_check(wh=wh),
    )


def _reading(sample: Sample) -> Reading:
    return reading_check(
        value=sample.value,
        unit=sample.unit,
        measurand=sample.measurand or ENERGY_REGISTER,
        value_format=sample.value_format,
    )


def _publish(session: ChargingSession) -> None:
    live.publish(
        groups=[live.session_group(session.pk), live.NETWORK_GROUP],
        event={
            "kind": "session",
            "session_id": session.pk,
            "station_id": session.station_id,
            "connector_id": session.connector_number,
            "status": session.status,
            "energy_wh": session.energy_wh,
            "power_w": str(session.last_power_w) if session.last_power_w is not None else None,
            "started_at": session.started_at.isoformat(),
            "stopped_at": session.stopped_at.isoformat() if session.stopped_at else None,
        },
    )
