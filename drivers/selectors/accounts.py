"""Reads about a driver's account: the data export."""

from collections.abc import Callable

from django.utils import timezone

from drivers.models import Driver
from stations.models import ChargingSession


def driver_of_user(user) -> Driver | None:
    """The driver profile of a signed-in user, or None (staff, owners)."""
    try:
        return user.driver
    except Driver.DoesNotExist:
        return None


# Sections of the export that higher apps own (billing: invoices, payments), registered by
# them at start-up so that the export is complete without drivers importing them.
_export_sections: dict[str, Callable[[Driver], list[dict]]] = {}


def export_section_register(name: str, section: Callable[[Driver], list[dict]]) -> None:
    _export_sections[name] = section


def driver_data_export(*, driver: Driver) -> dict:
    """Everything we hold about the driver, as JSON-ready data (GDPR Art. 15/20)."""
    user = driver.user
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": user.date_joined.isoformat(),
            "email_verified_at": _iso(driver.email_verified_at),
            "status": driver.account_status,
        },
        "profile": {
            "phone": driver.phone,
            "address": driver.address,
            "city": driver.city,
            "postal_code": driver.postal_code,
            "country": driver.country,
            "preferred_language": driver.preferred_language,
            "time_zone": driver.time_zone,
        },
        "tokens": [
            {"uid": t.uid, "kind": t.kind, "label": t.label, "status": t.status, "created_at": _iso(t.created_at)}
            for t in driver.tokens.order_by("pk")
        ],
        "vehicles": [
            {"make": v.make, "model": v.model, "license_plate": v.license_plate, "battery_kwh": _str(v.battery_kwh)}
            for v in driver.vehicles.order_by("pk")
        ],
        "sessions": [
            {
                "id": s.pk,
                "station": s.station.identity,
                "connector": s.connector_number,
                "started_at": _iso(s.started_at),
                "stopped_at": _iso(s.stopped_at),
                "energy_wh": s.energy_wh,
                "status": s.status,
            }
            for s in _sessions(driver)
        ],
        "support_tickets": [
            {
                "subject": ticket.subject,
                "status": ticket.status,
                "created_at": _iso(ticket.created_at),
                "messages": [
                    {"from_staff": m.from_staff, "body": m.body, "at": _iso(m.created_at)}
                    for m in ticket.messages.all()
                ],
            }
            for ticket in driver.support_tickets.prefetch_related("messages").order_by("pk")
        ],
        "notifications": [
            {"kind": n.kind, "subject": n.subject, "sent_at": _iso(n.sent_at)}
            for n in driver.notifications.order_by("pk")
        ],
        **{name: section(driver) for name, section in _export_sections.items()},
    }


def _sessions(driver: Driver):
    return (
        ChargingSession.objects.filter(token_link__token__driver=driver)
        .select_related("station")
        .order_by("started_at")
    )


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _str(value) -> str | None:
    return None if value is None else str(value)


def driver_notifications_recent(*, driver: Driver, limit: int = 20):
    """The e-mails we sent the driver about their account (receipts, reservations,
    memberships), newest first."""
    return driver.notifications.filter(sent_at__isnull=False).order_by("-sent_at")[:limit]
