"""Writes for what the gateway itself knows about a station's protocol side: the
configuration it reported, its local authorization list version, and the progress of
firmware updates and diagnostics uploads linked to the commands that started them."""

from datetime import datetime

from django.db.models import Q

from ocpp_gateway.models import ConfigurationKey, StationProtocolState
from stations.models import CommandRequest


def configuration_keys_store(*, station_id: int, keys: list[dict], unknown: list[str], at: datetime) -> None:
    """Upsert GetConfiguration.conf keys (`{"key", "value", "readonly"}`); keys the station
    does not know are kept with known=False. Idempotent."""
    rows = [
        ConfigurationKey(
            station_id=station_id,
            key=item["key"],
            value=item.get("value"),
            readonly=bool(item.get("readonly")),
            known=True,
            updated_at=at,
        )
        for item in keys
    ] + [ConfigurationKey(station_id=station_id, key=key, value=None, known=False, updated_at=at) for key in unknown]
    ConfigurationKey.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["station", "key"],
        update_fields=["value", "readonly", "known", "updated_at"],
    )


def configuration_key_set(*, station_id: int, key: str, value: str, at: datetime) -> None:
    """A ChangeConfiguration the station accepted."""
    ConfigurationKey.objects.update_or_create(
        station_id=station_id, key=key, defaults={"value": value, "known": True, "updated_at": at}
    )


def local_list_version_set(*, station_id: int, version: int, at: datetime) -> None:
    StationProtocolState.objects.update_or_create(
        station_id=station_id, defaults={"local_list_version": version, "local_list_updated_at": at}
    )


def firmware_status_record(*, station_id: int, status: str, at: datetime) -> None:
    StationProtocolState.objects.update_or_create(
        station_id=station_id, defaults={"firmware_status": status, "firmware_status_at": at}
    )
    _follow_up(
        station_id=station_id,
        action=CommandRequest.Action.UPDATE_FIRMWARE,
        raw_action="UpdateFirmware",
        status=status,
        at=at,
    )


def diagnostics_status_record(*, station_id: int, status: str, at: datetime) -> None:
    StationProtocolState.objects.update_or_create(
        station_id=station_id, defaults={"diagnostics_status": status, "diagnostics_status_at": at}
    )
    _follow_up(
        station_id=station_id,
        action=CommandRequest.Action.GET_DIAGNOSTICS,
        raw_action="GetDiagnostics",
        status=status,
        at=at,
    )


def log_status_record(
    *, station_id: int, status: str, request_id: int | None, at: datetime, latest_otherwise: bool = True
) -> bool:
    """LogStatusNotification: onto the get_log request with this requestId, else (unless
    `latest_otherwise` is False) the latest GetLog. Whether a request took it."""
    if request_id is not None:
        asked = CommandRequest.objects.filter(
            station_id=station_id, action=CommandRequest.Action.GET_LOG, parameters__request_id=request_id
        )
        if asked.update(followup_status=status, followup_at=at):
            return True
    if not latest_otherwise:
        return False
    _follow_up(station_id=station_id, action=CommandRequest.Action.GET_LOG, raw_action="GetLog", status=status, at=at)
    return True


def _follow_up(*, station_id: int, action: str, raw_action: str, status: str, at: datetime) -> None:
    """Attach a status notification to the request that asked for it sent most recently,
    whether its CALLRESULT has arrived yet or not: chargers may report progress
    (Uploading, Downloading) before they answer the request itself."""
    asked = Q(action=action) | Q(action=CommandRequest.Action.RAW, raw_action=raw_action)
    command = (
        CommandRequest.objects.filter(
            asked, station_id=station_id, status__in=[CommandRequest.Status.SENT, CommandRequest.Status.ACCEPTED]
        )
        .order_by("-sent_at")
        .only("pk")
        .first()
    )
    if command is not None:
        CommandRequest.objects.filter(pk=command.pk).update(followup_status=status, followup_at=at)


def boot_reason_record(*, station_id: int, reason: str) -> None:
    """OCPP 2.0.1 BootNotification's reason (PowerUp, FirmwareUpdate, Watchdog, …)."""
    StationProtocolState.objects.update_or_create(station_id=station_id, defaults={"boot_reason": reason})
