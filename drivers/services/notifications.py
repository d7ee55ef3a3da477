"""E-mails a driver expects about their account's events (a session's receipt, a
reservation confirmed or expired, a membership started or ended, a payment that failed, a
low prepaid balance, an invoice reminder, charging blocked), in their language.

Each is sent once: `driver_notify_later` queues a Celery task after the caller's commit,
and the task claims a `DriverNotification` row (unique kind and key) and sends inside the
claim, so a retried or repeated task sends nothing more and a mail server error rolls the
claim back for the retry. A closed account is never written to. Higher layers (billing)
call `driver_notify_later` with plain values; drivers does not read their models. A caller
that must not go on unless the driver was told (a dunning step, a failed direct debit)
calls `driver_notify` inside its own transaction instead: a mail error rolls both back.
The words are in one template per kind (drivers/notification_texts.py)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from drivers import notification_texts
from drivers.models import Driver, DriverNotification

logger = logging.getLogger(__name__)
Kind = DriverNotification.Kind


def driver_notify_later(*, driver_id: int, kind: str, key, values: dict, from_email: str = "") -> None:
    """Queue the e-mail for after the current transaction commits (at once outside one).
    `values` must be JSON-serialisable: it travels through the broker."""
    if kind not in Kind.values:
        raise ValueError(f"Unknown driver notification {kind!r}")
    transaction.on_commit(lambda: driver_notification_mail.delay(driver_id, kind, str(key), values, from_email))


def driver_notify(*, driver_id: int, kind: str, key: str, values: dict, from_email: str = "") -> bool:
    """Send the e-mail `kind` about `key` to the driver, once, from `from_email` (the
    site's address if empty). Returns whether a mail went out (False: already sent,
    closed account, or no address). Raises what the mail server raises, with nothing
    recorded."""
    driver = Driver.objects.select_related("user").filter(pk=driver_id).first()
    if driver is None or driver.account_status == Driver.AccountStatus.CLOSED or not driver.user.email:
        return False
    language = notification_texts.language_of(driver.preferred_language)
    subject, body = notification_texts.render(kind=kind, language=language, driver=driver, values=values)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = DriverNotification.objects.create(driver=driver, kind=kind, key=key, subject=subject[:200])
        except IntegrityError:
            return False  # another run claimed it (sent, or sending now)
        send_mail(subject, body, from_email or settings.DEFAULT_FROM_EMAIL, [driver.user.email])
        DriverNotification.objects.filter(pk=row.pk).update(sent_at=timezone.now())
    return True


_RETRY = {"acks_late": True, "autoretry_for": (OperationalError, OSError), "retry_backoff": True, "max_retries": 5}


@shared_task(name="drivers.tasks.driver_notification_mail", **_RETRY)
def driver_notification_mail(driver_id: int, kind: str, key: str, values: dict, from_email: str = "") -> bool:
    return driver_notify(driver_id=driver_id, kind=kind, key=key, values=values, from_email=from_email)
