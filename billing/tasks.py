"""Celery tasks for billing. Each takes ids (or a date, for beat runs), calls one service
and is safe to run twice: the services are idempotent by unique constraints. Beat
entries live in config/celery.py; docs/billing.md lists them."""

import logging
from datetime import date, timedelta

from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from billing.selectors import invoices_unsent, sessions_unpriced
from billing.services.ad_hoc import (
    ad_hoc_charge_settle,
    ad_hoc_holds_release_unused,
    ad_hoc_receipts_unsent_send,
    ad_hoc_start_failed,
)
from billing.services.analytics_reports import analytics_reports_send
from billing.services.cdr_reviews import capture_after_review  # noqa: F401  (sent by the review service)
from billing.services.cdrs import CdrError, session_price
from billing.services.cdrs_bulk import sessions_price_bulk

# Sent by the invoicing service itself, hence declared there; listed here with the rest.
from billing.services.dunning import invoices_dun
from billing.services.invoices import email_invoice, email_invoices, invoices_email, invoices_issue_for_month  # noqa: F401
from billing.services.memberships import membership_fees_post
from billing.services.payments import invoice_payments_collect, payments_retry_due
from billing.services.reservation_charges import reservations_expired_charge
from billing.services.settlements import statements_generate

logger = logging.getLogger(__name__)
# A session stopped longer ago than this without a CDR was missed by the signal path.
MISSED_AFTER = timedelta(minutes=15)

# Database hiccups are worth retrying; a session that cannot be priced is not (it is
# logged for staff and priced again once the tariff is fixed).
RETRY = {
    "acks_late": True,
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


@shared_task(**RETRY)
def price_session(session_id: int) -> int | None:
    try:
        cdr = session_price(session_id=session_id)
    except CdrError as error:
        logger.error("Session %s not priced: %s", session_id, error)
        return None
    ad_hoc_charge_settle(session_id=session_id)
    return cdr.pk


@shared_task(**RETRY)
def release_ad_hoc_hold(command_id: int) -> bool:
    """A pay-as-you-go start that the charger refused or never answered: release the hold."""
    return ad_hoc_start_failed(command_id=command_id)


@shared_task(**RETRY)
def release_unused_ad_hoc_holds() -> list[int]:
    """Beat: pay-as-you-go holds whose start was accepted but no car was ever plugged in."""
    return ad_hoc_holds_release_unused(now=timezone.now())


@shared_task(**RETRY)
def email_unsent_ad_hoc_receipts() -> int:
    """Beat: pay-as-you-go receipts a mail server refused at the time, sent once now."""
    return ad_hoc_receipts_unsent_send(now=timezone.now())


@shared_task(**RETRY)
def price_sessions(session_ids: list[int]) -> int:
    """Bulk pricing of a chunk of sessions; chunks are independent, so several workers
    can price a backlog in parallel."""
    return sessions_price_bulk(session_ids=session_ids)


@shared_task(**RETRY)
def price_missed_sessions() -> int:
    """Beat safety net: price completed sessions the signal path missed (e.g. the broker
    was down when they stopped)."""
    return sessions_price_bulk(session_ids=list(sessions_unpriced(stopped_before=timezone.now() - MISSED_AFTER)))


@shared_task(**RETRY)
def charge_expired_reservations() -> list[int]:
    """Beat: reservations that expired unused, priced and posted once each."""
    return reservations_expired_charge()


@shared_task(**RETRY)
def issue_monthly_invoices(period_start: str | None = None) -> list[int]:
    """Beat, 1st of the month: invoices for the previous month in each operator's zone."""
    return invoices_issue_for_month(period_start=_month(period_start), now=timezone.now())


@shared_task(**RETRY)
def generate_settlements(period_start: str | None = None) -> list[int]:
    return statements_generate(period_start=_month(period_start))


@shared_task
def send_analytics_reports(period_start: str | None = None) -> int:
    return analytics_reports_send(month=_month(period_start))


@shared_task(**RETRY)
def post_membership_fees(period_start: str | None = None) -> list[int]:
    return membership_fees_post(period_start=_month(period_start, previous=False))


@shared_task(**RETRY)
def collect_invoice_payments() -> list[int]:
    return invoice_payments_collect(now=timezone.now())


@shared_task(**RETRY)
def retry_failed_payments() -> list[int]:
    return payments_retry_due(now=timezone.now())


@shared_task(**RETRY)
def email_unsent_invoices(grace_minutes: int = 10) -> int:
    """Beat safety net: e-mail documents issued more than `grace_minutes` ago that were
    never e-mailed (their batch was lost with a killed worker or an emptied broker).
    Exactly once with the batches (invoice_email's compare-and-set)."""
    issued_before = timezone.now() - timedelta(minutes=grace_minutes)
    return invoices_email(invoice_ids=list(invoices_unsent(issued_before=issued_before)))


@shared_task(**RETRY)
def dun_overdue_invoices() -> dict[str, list[int]]:
    """Beat, daily: reminders and blocks for unpaid invoices (each step once)."""
    return invoices_dun(now=timezone.now())


def _month(period_start: str | None, previous: bool = True) -> date:
    if period_start:
        return date.fromisoformat(period_start).replace(day=1)
    today = timezone.now().date().replace(day=1)
    if not previous:
        return today
    return (today - timedelta(days=1)).replace(day=1)
