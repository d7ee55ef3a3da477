"""Writes for what a charger reports about itself: connection, boot, heartbeat, connector
status, firmware and diagnostics progress.

Called by the OCPP gateway inside its transaction; signals (stations/signals.py) and
live events (stations/live.py) go out only after that transaction commits."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from stations import live, passwords, signals, statements
from stations.models import ChargingStation, RegistrationStatus, StatusChange
from stations.services import registry, status_rows

logger = logging.getLogger(__name__)

# Chargers queue messages while offline, so old timestamps are normal; these bounds catch
# clocks that were never set (1970) or run ahead.
CLOCK_PAST_LIMIT = timedelta(days=30)
CLOCK_FUTURE_LIMIT = timedelta(minutes=5)
# After a charger sends a timestamp outside those bounds, its clock is not used to order
# its reports for this long (its clock may have jumped; our receive time has not).
CLOCK_DISTRUST_WINDOW = timedelta(hours=1)


def clock_skewed(*, charger_time: datetime | None, received_at: datetime) -> bool:
    """True when a charger timestamp is implausibly far from our receive time."""
    if charger_time is None:
        return False
    return charger_time < received_at - CLOCK_PAST_LIMIT or charger_time > received_at + CLOCK_FUTURE_LIMIT


def send_on_commit(signal, **kwargs) -> None:
    """Send a domain signal after commit; a failing receiver is logged, never raised into
    the OCPP exchange that has already committed."""

    def _send() -> None:
        for receiver, response in signal.send_robust(sender=ChargingStation, **kwargs):
            if isinstance(response, Exception):
                logger.error("signal receiver %r failed", receiver, exc_info=response)

    transaction.on_commit(_send)


def heartbeat_interval(*, station: ChargingStation) -> int:
    return station.heartbeat_interval or settings.OCPP_HEARTBEAT_INTERVAL


def station_auto_register(*, identity: str, password: str | None, client_certificate: bool = False) -> ChargingStation:
    """Create an unknown station in Pending state for staff to accept (OCPP_AUTO_REGISTER).

    Credentials presented on first contact are kept (hashed) and required from then on;
    a station that came with a verified client certificate starts at profile 3; without
    either it starts at security profile 0. Idempotent: a concurrent
    registration of the same identity returns the existing station."""
    station = ChargingStation.objects.filter(identity=identity).first()
    if station is not None:
        return station
    if password is not None and not _acceptable_password(password):
        password = None
    profile = ChargingStation.SecurityProfile.BASIC if password else ChargingStation.SecurityProfile.NONE
    if client_certificate:
        profile = ChargingStation.SecurityProfile.CLIENT_CERT
    try:
        with transaction.atomic():
            return registry.station_create(
                identity=identity,
                password=password,
                security_profile=profile,
                registration_status=RegistrationStatus.PENDING,
            )
    except (IntegrityError, ValidationError):
        existing = ChargingStation.objects.filter(identity=identity).first()
        if existing is None:
            raise
        return existing


def _acceptable_password(password: str) -> bool:
    try:
        passwords.validate_password(password)
    except ValueError:
        return False
    return True


def station_connect(*, station_id: int, at: datetime, ocpp_protocol: str | None = None) -> bool:
    """Mark the station connected (speaking `ocpp_protocol`, when given) by the connection
    that began at `at`, unless a newer connection already did: compare-and-set, so two
    sockets racing leave the newer one recorded. `at` is then the token
    `station_disconnect` needs. Returns whether this connection is the current one."""
    fields = {"is_connected": True, "is_online": True, "connected_at": at, "last_seen_at": at}
    if ocpp_protocol:
        fields["ocpp_protocol"] = ocpp_protocol
    updated = (
        ChargingStation.objects.filter(pk=station_id)
        .filter(Q(connected_at__isnull=True) | Q(connected_at__lte=at))
        .update(**fields)
    )
    if updated:
        _connection_changed(station_id=station_id, connected=True, at=at)
    return bool(updated)


def station_disconnect(*, station_id: int, connected_at: datetime, at: datetime) -> bool:
    """Mark the station disconnected unless a newer connection has replaced this one.
    Returns whether it did (compare-and-set on connected_at)."""
    updated = ChargingStation.objects.filter(pk=station_id, connected_at=connected_at).update(
        is_connected=False, is_online=False, disconnected_at=at
    )
    if updated:
        _connection_changed(station_id=station_id, connected=False, at=at)
    return bool(updated)


def _connection_changed(*, station_id: int, connected: bool, at: datetime) -> None:
    send_on_commit(signals.station_connection_changed, station_id=station_id, connected=connected, at=at)
    live.publish(
        groups=[live.station_group(station_id), live.NETWORK_GROUP],
        event={"kind": "station_connection", "station_id": station_id, "connected": connected, "at": at.isoformat()},
    )


def station_seen(*, station_id: int, at: datetime, heartbeat: bool = False) -> None:
    fields = {"last_seen_at": at, "is_online": True}
    if heartbeat:
        fields["last_heartbeat_at"] = at
    ChargingStation.objects.filter(pk=station_id).update(**fields)


def station_heartbeats_record(*, heard_at: dict[int, datetime]) -> int:
    """Record the Heartbeats of many stations ({station id: when}) in one statement, for
    the gateway's per-process batcher (ocpp_gateway/seen_writer.py). last_seen_at and
    last_heartbeat_at only move forward: another frame's write may have landed first with
    a newer time. A station is marked online only while connected: its socket may have
    closed (and been recorded offline) since the Heartbeat was answered. PostgreSQL only,
    where the batcher runs. Returns how many stations were updated."""
    if not heard_at:
        return 0
    rows = ", ".join(["(%s::bigint, %s::timestamptz)"] * len(heard_at))
    table = connection.ops.quote_name(ChargingStation._meta.db_table)
    # Only the table's name and one placeholder pair per station are formatted in.
    sql = (
        f"UPDATE {table} AS station SET"  # noqa: S608
        " last_seen_at = GREATEST(station.last_seen_at, heard.at),"
        " last_heartbeat_at = GREATEST(station.last_heartbeat_at, heard.at),"
        " is_online = station.is_online OR station.is_connected"
        f" FROM (VALUES {rows}) AS heard (id, at) WHERE station.id = heard.id"
    )
    params = [value for station_id, at in heard_at.items() for value in (station_id, at)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def station_boot(
    *,
    station_id: int,
    vendor: str,
    model: str,
    at: datetime,
    serial_number: str = "",
    firmware_version: str = "",
    meter_type: str = "",
    meter_serial_number: str = "",
    iccid: str = "",
    imsi: str = "",
) -> tuple[str, int]:
    """Record a BootNotification. Returns (registration status, heartbeat interval in s).

    Hardware facts are updated as reported, except that an empty optional field does not
    erase what we knew. Idempotent."""
    station = ChargingStation.objects.only("registration_status", "heartbeat_interval").get(pk=station_id)
    reported = {
        "vendor": vendor,
        "model": model,
        "serial_number": serial_number,
        "firmware_version": firmware_version,
        "meter_type": meter_type,
        "meter_serial_number": meter_serial_number,
        "iccid": iccid,
        "imsi": imsi,
    }
    updates = {field: value for field, value in reported.items() if value}
    updates.update(last_boot_at=at, last_seen_at=at, is_online=True)
    ChargingStation.objects.filter(pk=station_id).update(**updates)
    return station.registration_status, heartbeat_interval(station=station)


def connector_status_record(
    *,
    station_id: int,
    connector_number: int,
    status: str,
    error_code: str,
    received_at: datetime,
    charger_timestamp: datetime | None = None,
    info: str = "",
    vendor_id: str = "",
    vendor_error_code: str = "",
) -> StatusChange:
    """Record a StatusNotification: always appended to the history; the current status of
    the connector (or of the station, connector 0) moves unless this report is older than
    the one it holds, so offline-queued reports replayed late cannot overwrite newer state.
    "Older" is decided by the charger's clock only when both reports carry a trusted
    charger timestamp (see `charger_clock_trusted`), otherwise by receive time, so one
    report from a skewed clock cannot hold the status still. Sends
    connector_status_changed and a live event when status or error changed."""
    skewed = clock_skewed(charger_time=charger_timestamp, received_at=received_at)
    change = StatusChange(
        station_id=station_id,
        connector_number=connector_number,
        status=status,
        error_code=error_code,
        info=info,
        vendor_id=vendor_id,
        vendor_error_code=vendor_error_code,
        charger_timestamp=charger_timestamp,
        received_at=received_at,
        clock_skewed=skewed,
    )
    statements.rows_insert([change], ids=True)
    if skewed:
        station_clock_skew_record(station_id=station_id, received_at=received_at)
    holder = status_rows.holder_locked(station_id=station_id, connector_number=connector_number)
    if holder is None:
        logger.warning("station %s reported status for unknown connector %s", station_id, connector_number)
        return change
    trusted_at = _trusted_time(charger_time=charger_timestamp, received_at=received_at, holder=holder)
    at = trusted_at or received_at
    previous = None
    if not _is_older(
        charger_at=trusted_at,
        received_at=received_at,
        current_charger_at=holder.charger_at,
        current_received_at=holder.received_at,
    ):
        status_rows.holder_update(
            connector_number=connector_number,
            pk=holder.pk,
            values={
                "status": status,
                "error_code": error_code,
                "status_info": info,
                "vendor_error_code": vendor_error_code,
                "status_updated_at": at,
                "status_charger_at": trusted_at,
                "status_received_at": received_at,
            },
        )
        previous = (holder.status, holder.error_code)
    if previous is not None and previous != (status, error_code):
        send_on_commit(
            signals.connector_status_changed,
            station_id=station_id,
            connector_number=connector_number,
            status=status,
            error_code=error_code,
            previous_status=previous[0],
            previous_error_code=previous[1],
            at=at,
        )
        live.publish(
            groups=[live.station_group(station_id), live.NETWORK_GROUP],
            event={
                "kind": "connector_status",
                "station_id": station_id,
                "connector_id": connector_number,
                "status": status,
                "error_code": error_code,
                "at": at.isoformat(),
            },
        )
    return change


def station_clock_skew_record(*, station_id: int, received_at: datetime) -> None:
    """Remember that this charger just sent a timestamp far from our clock: its clock is
    then distrusted for CLOCK_DISTRUST_WINDOW (see `charger_clock_trusted`)."""
    ChargingStation.objects.filter(pk=station_id).filter(
        Q(clock_skewed_at__isnull=True) | Q(clock_skewed_at__lt=received_at)
    ).update(clock_skewed_at=received_at)


def charger_clock_trusted(*, charger_time: datetime | None, received_at: datetime, clock_skewed_at) -> bool:
    """Whether a charger timestamp may order reports: present, not implausibly far from
    our receive time, and from a charger that has not sent such a timestamp within
    CLOCK_DISTRUST_WINDOW before."""
    if charger_time is None or clock_skewed(charger_time=charger_time, received_at=received_at):
        return False
    return clock_skewed_at is None or received_at - clock_skewed_at > CLOCK_DISTRUST_WINDOW


def _trusted_time(*, charger_time: datetime | None, received_at: datetime, holder) -> datetime | None:
    """The charger's timestamp if its clock is trusted, else None. Never later than our
    receive time: a report cannot have been made after it arrived, and a clock a little
    ahead must not make the next report look older."""
    if not charger_clock_trusted(
        charger_time=charger_time, received_at=received_at, clock_skewed_at=holder.clock_skewed_at
    ):
        return None
    return min(charger_time, received_at)


def _is_older(*, charger_at, received_at, current_charger_at, current_received_at) -> bool:
    """Compare by the charger's clock when both reports have a trusted one, else by
    receive time (a report we have no receive time for, from before this rule, is older)."""
    if charger_at is not None and current_charger_at is not None:
        return charger_at < current_charger_at
    return current_received_at is not None and received_at < current_received_at


def firmware_status_record(*, station_id: int, status: str, at: datetime) -> None:
    """FirmwareStatusNotification: tells listeners (firmware campaigns) on commit."""
    send_on_commit(signals.firmware_status_changed, station_id=station_id, status=status, at=at)


def diagnostics_status_record(*, station_id: int, status: str, at: datetime) -> None:
    """DiagnosticsStatusNotification: tells listeners on commit."""
    send_on_commit(signals.diagnostics_status_changed, station_id=station_id, status=status, at=at)
