"""The driver's e-mailed receipt of a priced session: billing knows the CDR, drivers
writes and sends the mail (once per session, never to a closed account).

A receipt is queued where a CDR becomes final, which is where it is posted: `cdr_release`
(the normal path, a corrected revision, a held CDR released by staff) and the bulk pricing
path. A later revision of the same session (a reprice) sends nothing more: the receipt is
keyed by the session."""

from billing.documents import labels
from billing.models import ChargeDetailRecord
from drivers.models import Driver, DriverNotification
from drivers.services.notifications import driver_notify_later


def session_receipt_send(*, cdr: ChargeDetailRecord) -> bool:
    """Queue the receipt of a charge CDR for its driver, after the caller's commit.
    Nothing for a CDR without driver (roaming, ad hoc) or a credit. Returns whether a
    receipt was queued (it is still sent only once per session)."""
    return bool(session_receipts_send(cdrs=[cdr]))


def session_receipts_send(*, cdrs: list[ChargeDetailRecord]) -> int:
    """`session_receipt_send` for many CDRs, reading their drivers' languages at once."""
    charged = [cdr for cdr in cdrs if cdr.kind == ChargeDetailRecord.Kind.CHARGE and cdr.driver_id]
    languages = dict(
        Driver.objects.filter(pk__in={cdr.driver_id for cdr in charged}).values_list("pk", "preferred_language")
    )
    for cdr in charged:
        language = (languages.get(cdr.driver_id) or "en")[:2]
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
    return len(charged)
