"""The driver's e-mailed receipt of a priced session: billing knows the CDR, drivers
writes and sends the mail (once per session, never to a closed account)."""

from billing.documents import labels
from billing.models import CdrReview, ChargeDetailRecord
from drivers.models import DriverNotification
from drivers.services.notifications import driver_notify_later


def session_receipt_send(*, cdr: ChargeDetailRecord) -> bool:
    """Queue the receipt of a charge CDR for its driver. Nothing for a CDR without driver
    (roaming, ad hoc), a credit, or one held for review (its price is not final yet).
    Returns whether a receipt was queued."""
    if cdr.kind != ChargeDetailRecord.Kind.CHARGE or cdr.driver_id is None:
        return False
    if CdrReview.objects.filter(cdr=cdr, status=CdrReview.Status.HELD).exists():
        return False
    language = (cdr.driver.preferred_language or "en")[:2]
    driver_notify_later(
        driver_id=cdr.driver_id,
        kind=DriverNotification.Kind.SESSION_RECEIPT,
        key=cdr.session_id,
        values={
            "session_id": cdr.session_id,
            "site": cdr.site.name if cdr.site_id else "",
            "started": cdr.started_at.isoformat(),
            "duration_seconds": int((cdr.stopped_at - cdr.started_at).total_seconds()),
            "energy_wh": cdr.energy_wh,
            "price": labels.money_text(cdr.total_incl_vat, cdr.currency, language),
        },
    )
    return True
