"""A session's energy from its meter: the sum of the register's forward steps, counted
only for readings that pass stations.services.meter_readings and steps the connector
could deliver. Works on the locked session in memory; sessions.py stores and saves."""

from datetime import datetime
from decimal import Decimal

from stations.models import ChargingSession
from stations.services import meter_readings
from stations.services.meter_readings import ENERGY_REGISTER, Reading, Sample
from stations.services.status import clock_skewed

POWER_IMPORT = "Power.Active.Import"


def _is_energy_register(sample: Sample) -> bool:
    return (sample.measurand or ENERGY_REGISTER) == ENERGY_REGISTER and not sample.phase and sample.location != "EV"


def samples_apply(
    *, session: ChargingSession, samples: list[Sample], readings: list[Reading], received_at: datetime
) -> None:
    """Move the session by its samples, oldest first (rejected readings only flag it)."""
    for index in sorted(range(len(samples)), key=lambda i: samples[i].sampled_at):
        sample, reading = samples[index], readings[index]
        if reading.rejected:
            flag(session, "meter_value_rejected")
            continue
        if reading.normalized is None:
            continue
        if _is_energy_register(sample):
            meter_advance(session=session, reading_wh=int(reading.normalized), at=sample.sampled_at)
        elif sample.measurand == POWER_IMPORT and not sample.phase and not _older(session, sample.sampled_at):
            session.last_power_w = reading.normalized.quantize(Decimal("0.1"))
        if clock_skewed(charger_time=sample.sampled_at, received_at=received_at):
            flag(session, "clock_skew")


def meter_advance(*, session: ChargingSession, reading_wh: int, at: datetime, final: bool = False) -> None:
    """Add the register's forward step since the last reading we applied. Readings not
    newer than that one (duplicates, transactionData repeating earlier samples) are
    skipped, except the final meterStop. `reading_wh` is a checked, non-negative value.
    A step beyond what the connector could deliver since the last reading counts as the
    meter says but flags the session `energy_implausible`, so that its CDR waits for a
    person (billing holds it for review)."""
    if not final and session.last_meter_at is not None and at <= session.last_meter_at:
        return
    baseline = session.last_meter_wh
    if baseline is None and not {"meter_start_rejected", "meter_start_missing"} & set(session.flags):
        baseline = session.meter_start_wh
    if baseline is None:
        # No usable reading yet (meterStart rejected or missing): this one is where counting starts.
        _meter_moved(session, reading_wh, at)
        return
    if reading_wh >= baseline:
        step = reading_wh - baseline
    elif 0 <= reading_wh < baseline - reading_wh:
        # Dropped to (near) zero: the meter restarted, and what it counts now is new energy.
        step = reading_wh
        flag(session, "meter_reset")
    else:
        flag(session, "meter_backwards")
        step = 0
    allowed = meter_readings.energy_allowed_wh(
        max_power_kw=_max_power_kw(session), elapsed=at - (session.last_meter_at or session.started_at)
    )
    if allowed is not None and step > allowed:
        flag(session, "energy_implausible")
    session.energy_wh += step
    _meter_moved(session, reading_wh, at)


def _meter_moved(session: ChargingSession, reading_wh: int, at: datetime) -> None:
    session.last_meter_wh = reading_wh
    if session.last_meter_at is None or at > session.last_meter_at:
        session.last_meter_at = at


def session_energy_check(*, session: ChargingSession, stopped_at: datetime, received_at: datetime) -> None:
    """The whole session against its connector: the margin of each step adds up."""
    elapsed = max(stopped_at - session.started_at, received_at - session.start_received_at)
    allowed = meter_readings.energy_allowed_wh(max_power_kw=_max_power_kw(session), elapsed=elapsed)
    if allowed is not None and session.energy_wh > allowed:
        flag(session, "energy_implausible")


def _max_power_kw(session: ChargingSession) -> Decimal | None:
    return session.connector.max_power_kw if session.connector_id else None


def _older(session: ChargingSession, at: datetime) -> bool:
    return session.last_meter_at is not None and at < session.last_meter_at


def flag(session: ChargingSession, flag: str) -> None:
    if flag not in session.flags:
        session.flags = [*session.flags, flag]


def session_energy_correct(*, session_id: int, energy_wh: int) -> ChargingSession:
    """Set a stopped session's energy to what staff established (billing's review of a
    held CDR) and flag it `energy_corrected`; the meter data stays as it was received.
    Raises ValueError for negative energy or a session that has not stopped."""
    if energy_wh < 0:
        raise ValueError("Energy cannot be negative.")
    session = ChargingSession.objects.select_for_update().get(pk=session_id)
    if session.stopped_at is None:
        raise ValueError(f"Session {session_id} has not stopped.")
    session.energy_wh = energy_wh
    flag(session, "energy_corrected")
    session.save(update_fields=["energy_wh", "flags"])
    return session
