"""SecurityEventNotification: every event a charger reports is kept, for staff to browse
beside the station (admin) and for audits."""

from datetime import datetime

from ocpp_gateway.security.models import SecurityEvent


def security_event_record(
    *, station_id: int, event_type: str, occurred_at: datetime, tech_info: str, received_at: datetime
) -> SecurityEvent:
    """Keep one reported event. A replayed notification (same type and charger timestamp)
    is the same event, so it is kept once."""
    event, _ = SecurityEvent.objects.get_or_create(
        station_id=station_id,
        event_type=event_type,
        occurred_at=occurred_at,
        defaults={"tech_info": tech_info, "received_at": received_at},
    )
    return event
