"""Reads about a driver's account: the data export."""

from django.utils import timezone

from billing.selectors import documents
from drivers.models import Driver
from stations.models import ChargingSession


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
        "invoices": [
            {
                "number": invoice.number,
                "period_start": invoice.period_start.isoformat(),
                "total_incl_vat": str(invoice.total_incl_vat),
                "currency": invoice.currency,
                "status": invoice.status,
            }
            for invoice in documents.invoices_for_driver(driver=driver)
        ],
        "payments": [
            {
                "created_at": _iso(payment.created_at),
                "purpose": payment.purpose,
                "amount": str(payment.amount),
                "currency": payment.currency,
                "status": payment.status,
            }
            for payment in documents.payments_for_driver(driver=driver)
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
    }


def _sessions(driver: Driver):
    return ChargingSession.objects.filter(token__driver=driver).select_related("station").order_by("started_at")


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def _str(value) -> str | None:
    return None if value is None else str(value)
