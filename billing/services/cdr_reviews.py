"""Staff decisions on CDRs held for review (billing.models.CdrReview): approve the CDR as
priced, or correct the session's energy and price it again. One decision per held CDR,
taken under the review's row lock; the review row keeps who decided, when and why."""

from celery import shared_task
from django.db import OperationalError, transaction
from django.utils import timezone

from billing.models import CdrReview, ChargeDetailRecord
from billing.services import ad_hoc, cdrs
from billing.services.cdrs import CdrError
from stations.services.session_energy import session_energy_correct


def cdr_review_approve(*, cdr: ChargeDetailRecord, by, note: str) -> CdrReview:
    """Release a held CDR as priced: it is posted (and a wallet debited) now, goes on the
    driver's next invoice and into settlement, and an ad-hoc card payment is captured.
    Raises CdrError if the CDR is not held (already decided, or never held)."""
    with transaction.atomic():
        review = _held_review(cdr)
        cdrs.cdr_release(cdr=cdr)
        _decide(review, status=CdrReview.Status.APPROVED, by=by, note=note)
        capture_after_review.delay(cdr.session_id)
    return review


def cdr_review_correct(*, cdr: ChargeDetailRecord, energy_wh: int, by, note: str) -> ChargeDetailRecord:
    """Correct a held CDR: the session's energy becomes `energy_wh`, the held CDR is voided
    by a credit CDR (neither is ever posted, invoiced or settled) and the session is
    priced again as the next revision, which is billed as usual. Returns the new CDR.
    Raises CdrError if the CDR is not held or the energy is negative."""
    if energy_wh < 0:
        raise CdrError("Corrected energy cannot be negative.")
    with transaction.atomic():
        review = _held_review(cdr)
        session_energy_correct(session_id=cdr.session_id, energy_wh=energy_wh)
        cdrs.cdr_void(cdr=cdr, reason=f"Corrected on review: {note}"[:255])
        corrected = cdrs.session_price_revision(session_id=cdr.session_id, revision=cdr.revision + 1)
        review.corrected_energy_wh = energy_wh
        review.correction = corrected
        _decide(review, status=CdrReview.Status.CORRECTED, by=by, note=note)
        capture_after_review.delay(cdr.session_id)
    return corrected


def _held_review(cdr: ChargeDetailRecord) -> CdrReview:
    review = CdrReview.objects.select_for_update().filter(cdr=cdr).first()
    if review is None or review.status != CdrReview.Status.HELD:
        raise CdrError(f"CDR {cdr.pk} is not held for review.")
    return review


def _decide(review: CdrReview, *, status: str, by, note: str) -> None:
    review.status = status
    review.decided_at = timezone.now()
    review.decided_by = by
    review.decided_by_name = by.get_username() if by else ""
    review.note = note
    review.save()


# Sent by this module, hence declared beside it (and re-exported by billing/tasks.py); the
# task class sends it after the decision commits.
@shared_task(
    name="billing.tasks.capture_after_review",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=5,
)
def capture_after_review(session_id: int) -> None:
    """Capture an ad-hoc card payment for the session's released CDR and e-mail its
    receipt (idempotent)."""
    ad_hoc.ad_hoc_charge_settle(session_id=session_id)
