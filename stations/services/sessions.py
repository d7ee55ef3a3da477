"""Writes for charging sessions: start, meter values, stop, and the discrepancies kept for
reconciliation. Protocol-neutral: the OCPP gateway translates its messages into these calls.

Energy is integer Wh and never negative: a session's `energy_wh` is the sum of the forward
steps of its energy register, so a meter that runs backwards or resets is flagged
(`flags`) instead of producing negative or inflated energy."""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from stations import live, signals
from stations.authorization import id_tag_authorize, session_token_record
from stations.models import ChargingSession, Connector, MeterSample
from stations.models.sessions import TransactionDiscrepancy
from stations.services.status import clock_skewed, send_on_commit

logger = logging.getLogger(__name__)

ENERGY_REGISTER = "Energy.Active.Import.Register"
POWER_IMPORT = "Power.Active.Import"
# Multipliers into the base unit (Wh, W, varh, var, VA) for units sent in kilo.
KILO_UNITS = {"kWh": "Wh", "kW": "W", "kvarh": "varh", "kvar": "var", "kVA": "VA"}


@dataclass(frozen=True)
class Sample:
    """One sampled value as the charger sent it (protocol-neutral)."""

    sampled_at: datetime
    value: str
    measurand: str = ENERGY_REGISTER
    phase: str = ""
    location: str = ""
    context: str = ""
    value_format: str = ""
    unit: str = ""


@dataclass(frozen=True)
class StartOutcome:
    session: ChargingSession
    created: bool


def session_start(
    *,
    station_id: int,
    connector_number: int,
    id_tag: str,
    meter_start_wh: int,
    started_at: datetime,
    received_at: datetime,
    reservation_id: int | None = None,
) -> StartOutcome:
    """Start (or find) the session for a StartTransaction.

    Idempotent: a replay with the same station, connector, idTag, meterStart and timestamp
    returns the existing session (created=False) and changes nothing. The token is checked
    (the authorizer drivers registers, stations/authorization.py); a token that is not Accepted still gets a
    session, in status `rejected`, so the charger has a transactionId to stop. Sends
    session_started on commit for an accepted session."""
    facts = {
        "station_id": station_id,
        "connector_number": connector_number,
        "id_tag": id_tag,
        "meter_start_wh": meter_start_wh,
        "started_at": started_at,
    }
    existing = ChargingSession.objects.filter(**facts).first()
    if existing is not None:
        return StartOutcome(session=existing, created=False)
    authorization = id_tag_authorize(id_tag=id_tag)
    flags = ["clock_skew"] if clock_skewed(charger_time=started_at, received_at=received_at) else []
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
            )
            session_token_record(session=session, token=authorization.token)
    except IntegrityError:
        # A concurrent replay won the unique constraint; answer with its session.
        return StartOutcome(session=ChargingSession.objects.get(**facts), created=False)
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
    to W) and move the session's energy and power. Samples for a transaction we do not
    know are stored without a session and recorded as a discrepancy. Returns the session."""
    session = None
    if transaction_id is not None:
        session = ChargingSession.objects.select_for_update().filter(station_id=station_id, pk=transaction_id).first()
        if session is None:
            discrepancy_record(
                station_id=station_id,
                transaction_number=transaction_id,
                kind=TransactionDiscrepancy.Kind.METER_VALUES_UNKNOWN,
                payload={"connectorId": connector_number, "samples": len(samples)},
                received_at=received_at,
            )
    _samples_store(
        station_id=station_id,
        connector_number=connector_number,
        transaction_number=transaction_id,
        session=session,
        samples=samples,
        received_at=received_at,
    )
    if session is not None:
        _session_apply_samples(session=session, samples=samples, received_at=received_at)
        session.save(update_fields=["energy_wh", "last_meter_wh", "last_meter_at", "last_power_w", "flags"])
        _publish(session)
    return session


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
    Sends session_stopped on commit when an active session completes."""
    session = ChargingSession.objects.select_for_update().filter(station_id=station_id, pk=transaction_id).first()
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
        if (session.meter_stop_wh, session.stopped_at) != (meter_stop_wh, stopped_at):
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
    _samples_store(
        station_id=station_id,
        connector_number=session.connector_number,
        transaction_number=transaction_id,
        session=session,
        samples=samples,
        received_at=received_at,
    )
    _session_apply_samples(session=session, samples=samples, received_at=received_at)
    _meter_advance(session=session, reading_wh=meter_stop_wh, at=stopped_at, final=True)
    was_active = session.status == ChargingSession.Status.ACTIVE
    session.meter_stop_wh = meter_stop_wh
    session.stopped_at = stopped_at
    session.stop_received_at = received_at
    session.stop_reason = reason
    session.stop_id_tag = id_tag
    if clock_skewed(charger_time=stopped_at, received_at=received_at):
        _flag(session, "clock_skew")
    if stopped_at < session.started_at:
        _flag(session, "stop_before_start")
    if was_active:
        session.status = ChargingSession.Status.COMPLETED
    session.save()
    if was_active:
        send_on_commit(signals.session_stopped, session_id=session.pk)
    _publish(session)
    return session


def discrepancy_record(
    *,
    station_id: int,
    transaction_number: int,
    kind: str,
    payload: dict,
    received_at: datetime,
    session: ChargingSession | None = None,
) -> TransactionDiscrepancy:
    logger.warning("transaction discrepancy on station %s: %s #%s", station_id, kind, transaction_number)
    return TransactionDiscrepancy.objects.create(
        station_id=station_id,
        session=session,
        transaction_number=transaction_number,
        kind=kind,
        payload=payload,
        received_at=received_at,
    )


def _samples_store(
    *,
    station_id: int,
    connector_number: int,
    transaction_number: int | None,
    session: ChargingSession | None,
    samples: list[Sample],
    received_at: datetime,
) -> None:
    rows = []
    for sample in samples:
        value, normalized = _normalise(sample)
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
                value=value,
                raw_value="" if value is not None else sample.value,
                normalized_value=normalized,
                clock_skewed=clock_skewed(charger_time=sample.sampled_at, received_at=received_at),
            )
        )
    MeterSample.objects.bulk_create(rows)


def _normalise(sample: Sample) -> tuple[Decimal | None, Decimal | None]:
    """(value as sent, value in the base unit); (None, None) for signed or non-numeric data."""
    if sample.value_format == "SignedData":
        return None, None
    try:
        value = Decimal(sample.value.strip())
    except (InvalidOperation, AttributeError):
        return None, None
    if not value.is_finite():
        return None, None
    if sample.unit in KILO_UNITS:
        return value, value * 1000
    return value, value


def _is_energy_register(sample: Sample) -> bool:
    return (sample.measurand or ENERGY_REGISTER) == ENERGY_REGISTER and not sample.phase and sample.location != "EV"


def _session_apply_samples(*, session: ChargingSession, samples: list[Sample], received_at: datetime) -> None:
    for sample in sorted(samples, key=lambda s: s.sampled_at):
        _value, normalized = _normalise(sample)
        if normalized is None:
            continue
        if _is_energy_register(sample):
            _meter_advance(session=session, reading_wh=int(normalized), at=sample.sampled_at)
        elif sample.measurand == POWER_IMPORT and not sample.phase and not _older(session, sample.sampled_at):
            session.last_power_w = normalized.quantize(Decimal("0.1"))
        if clock_skewed(charger_time=sample.sampled_at, received_at=received_at):
            _flag(session, "clock_skew")


def _meter_advance(*, session: ChargingSession, reading_wh: int, at: datetime, final: bool = False) -> None:
    """Add the register's forward step since the last reading we applied. Readings not
    newer than that one (duplicates, transactionData repeating earlier samples) are
    skipped, except the final meterStop."""
    if not final and session.last_meter_at is not None and at <= session.last_meter_at:
        return
    baseline = session.last_meter_wh if session.last_meter_wh is not None else session.meter_start_wh
    if reading_wh >= baseline:
        session.energy_wh += reading_wh - baseline
    elif reading_wh < baseline - reading_wh:
        # Dropped to (near) zero: the meter restarted, and what it counts now is new energy.
        _flag(session, "meter_reset")
        session.energy_wh += reading_wh
    else:
        _flag(session, "meter_backwards")
    session.last_meter_wh = reading_wh
    if session.last_meter_at is None or at > session.last_meter_at:
        session.last_meter_at = at


def _older(session: ChargingSession, at: datetime) -> bool:
    return session.last_meter_at is not None and at < session.last_meter_at


def _flag(session: ChargingSession, flag: str) -> None:
    if flag not in session.flags:
        session.flags = [*session.flags, flag]


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
