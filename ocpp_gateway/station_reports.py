"""Writes for what a station reports that we keep as sent (ocpp_gateway.models.StationReport)."""

from datetime import datetime

from ocpp.charge_point import snake_to_camel_case

from ocpp_gateway.models import StationReport


def report_store(*, station_id: int, action: str, payload: dict, at: datetime) -> StationReport:
    """Keep one message (given as the handler's snake_case keywords) as it was sent."""
    return StationReport.objects.create(
        station_id=station_id,
        action=action,
        request_id=payload.get("request_id") if isinstance(payload.get("request_id"), int) else None,
        seq_no=payload.get("seq_no") if isinstance(payload.get("seq_no"), int) else None,
        payload=snake_to_camel_case(payload),
        received_at=at,
    )
