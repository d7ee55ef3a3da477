"""Pay-as-you-go without an account (EU AFIR ad hoc): the card is held for
BILLING_AD_HOC_PREAUTH_AMOUNT, the charge starts through the one charge rule with a
one-off token, a start that fails releases the hold, and once the session's CDR is priced
the hold is captured at its total (payments.ad_hoc_capture_for_session) and the receipt
is e-mailed, once, to the address the driver gave."""

import logging
import secrets
from datetime import timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from billing.models import AdHocCharge, Payment
from billing.selectors.ad_hoc import ad_hoc_currency, ad_hoc_session
from billing.selectors.cdrs import cdr_in_force
from billing.services import payments
from billing.services.providers import PaymentProvider
from drivers.services.charging import charge_start
from stations.models import CommandRequest, Connector
from stations.services.charging import ChargeRefused, Refusal, charge_station_check, charge_stop

logger = logging.getLogger(__name__)
# A charger that accepted the start but never saw a car (the driver walked away): the hold
# is released after this long without a session.
UNUSED_HOLD_MINUTES = 15


class AdHocError(ValueError):
    """Nothing was started and nothing stays held; `message` says why, for the driver."""

    def __init__(self, message: str, code: str = "ad_hoc"):
        self.message, self.code = str(message), code
        super().__init__(self.message)


def evse_payable_check(*, connector: Connector) -> None:
    """Raises AdHocError unless a card payment could start a charge on `connector` now: it
    has a public price (AFIR: shown before paying) and the charge rule's station half
    passes (station accepted and connected, connector in service and free)."""
    if ad_hoc_currency(connector=connector) is None:
        raise AdHocError(_("This charger has no public price yet, so it cannot be paid for here."), "no_price")
    try:
        charge_station_check(station=connector.station, connector_number=connector.connector_id)
    except ChargeRefused as refusal:
        raise AdHocError(refusal.message, refusal.code) from refusal


def ad_hoc_charge_begin(
    *, connector: Connector, payment_method: str, email: str, client_key: str, provider: PaymentProvider | None = None
) -> AdHocCharge:
    """Hold the pre-authorised amount on the card and start the charge with the hold's
    one-off token. Idempotent per `client_key` (the pay form's): a repeated submit returns
    the same charge. Raises AdHocError, with nothing started and nothing held, when the
    EVSE cannot charge, the card is declined (the processor's words) or the charge rule
    refuses the start."""
    existing = AdHocCharge.objects.filter(client_key=client_key).first()
    if existing is not None:
        return existing
    evse_payable_check(connector=connector)
    payment = payments.ad_hoc_authorize(
        payment_method=payment_method,
        currency=ad_hoc_currency(connector=connector),
        key=client_key,
        provider=provider,
    )
    if payment.status == Payment.Status.PENDING and not payment.provider_reference:
        # The same form submitted twice at once: the first submit is still at the processor.
        raise AdHocError(_("This payment is already under way. Please wait a moment."), "in_progress")
    if payment.status != Payment.Status.REQUIRES_CAPTURE:
        raise AdHocError(payment.failure_message or _("The card was not accepted."), "card_declined")
    try:
        charge = AdHocCharge.objects.create(
            key=secrets.token_urlsafe(32),
            client_key=client_key,
            payment=payment,
            hold_amount=payment.amount,
            connector=connector,
            email=email,
            # The receipt is mailed by a worker, later, outside this request's language.
            language=translation.get_language() or "",
        )
    except IntegrityError:
        return AdHocCharge.objects.get(client_key=client_key)  # a concurrent submit of the same form
    try:
        command = charge_start(
            station=connector.station,
            connector_number=connector.connector_id,
            id_tag=payment.id_tag,
            source=CommandRequest.Source.PORTAL,
        )
    except ChargeRefused as refusal:
        payments.ad_hoc_hold_release(payment=payment, provider=provider)
        raise AdHocError(refusal.message, refusal.code) from refusal
    AdHocCharge.objects.filter(pk=charge.pk).update(start_command=command)
    charge.start_command = command
    return charge


def ad_hoc_charge_stop(*, charge: AdHocCharge) -> CommandRequest:
    """Stop the charge's running session through the one stop rule. Raises ChargeRefused
    (`session_ended` when there is no running session)."""
    session = ad_hoc_session(charge=charge)
    if session is None:
        raise ChargeRefused(Refusal.SESSION_ENDED)
    command = charge_stop(session=session, source=CommandRequest.Source.PORTAL)
    AdHocCharge.objects.filter(pk=charge.pk).update(stop_command=command)
    return command


def ad_hoc_start_failed(*, command_id: int, provider: PaymentProvider | None = None) -> bool:
    """The start request of a pay-as-you-go charge ended without being accepted: release
    its hold. Returns whether a hold was released; safe to call twice."""
    charge = AdHocCharge.objects.select_related("payment").filter(start_command_id=command_id).first()
    if charge is None or charge.payment.status != Payment.Status.REQUIRES_CAPTURE:
        return False
    if ad_hoc_session(charge=charge) is not None:
        return False
    released = payments.ad_hoc_hold_release(payment=charge.payment, provider=provider)
    return released.status == Payment.Status.CANCELED


def ad_hoc_holds_release_unused(*, now, provider: PaymentProvider | None = None) -> list[int]:
    """Beat: release holds whose charge has had no session for UNUSED_HOLD_MINUTES (the
    start was accepted but no car was plugged in). Returns the released payments' ids."""
    charges = AdHocCharge.objects.select_related("payment").filter(
        payment__status=Payment.Status.REQUIRES_CAPTURE, created_at__lt=now - timedelta(minutes=UNUSED_HOLD_MINUTES)
    )
    released = []
    for charge in charges:
        if ad_hoc_session(charge=charge) is None:
            payment = payments.ad_hoc_hold_release(payment=charge.payment, provider=provider)
            if payment.status == Payment.Status.CANCELED:
                released.append(payment.pk)
    return released


def ad_hoc_charge_settle(*, session_id: int, provider: PaymentProvider | None = None) -> Payment | None:
    """Once the session's CDR is priced (and released, if held for review): capture its
    total from the hold (idempotent) and e-mail the receipt once."""
    payment = payments.ad_hoc_capture_for_session(session_id=session_id, provider=provider)
    if payment is not None and payment.status in (Payment.Status.SUCCEEDED, Payment.Status.CANCELED):
        charge = AdHocCharge.objects.filter(payment=payment).first()
        if charge is not None:
            _receipt_email_or_later(charge)
    return payment


def ad_hoc_receipts_unsent_send(*, now) -> int:
    """Beat: e-mail the receipts a mail server refused when the session was settled (for
    a week; each at most once). Returns how many were sent."""
    charges = AdHocCharge.objects.select_related("payment", "connector__station").filter(
        receipt_emailed_at__isnull=True,
        created_at__gte=now - timedelta(days=7),
        payment__status__in=[Payment.Status.SUCCEEDED, Payment.Status.CANCELED],
        payment__session__isnull=False,
    )
    return sum(_receipt_email_or_later(charge) for charge in charges.exclude(email=""))


def _receipt_email_or_later(charge: AdHocCharge) -> bool:
    try:
        return ad_hoc_receipt_email(charge=charge)
    except (OSError, SMTPException) as error:
        # The card is settled all the same; the beat sweep sends the receipt again.
        logger.warning("Receipt of ad-hoc charge %s not sent (%s); the sweep retries", charge.pk, error)
        return False


def ad_hoc_receipt_email(*, charge: AdHocCharge) -> bool:
    """E-mail the receipt to the address given on the pay page, once (compare-and-set on
    receipt_emailed_at). Nothing without an address or before the session is priced."""
    session = ad_hoc_session(charge=charge)
    cdr = cdr_in_force(session_id=session.pk) if session else None
    if not charge.email or cdr is None:
        return False
    context = {"charge": charge, "payment": charge.payment, "cdr": cdr, "site": session.station.site}
    with translation.override(charge.language or settings.LANGUAGE_CODE):
        message = EmailMessage(
            subject=_("Your charging receipt"),
            body=render_to_string("portal/emails/ad_hoc_receipt.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[charge.email],
        )
    with transaction.atomic():
        claimed = AdHocCharge.objects.filter(pk=charge.pk, receipt_emailed_at__isnull=True).update(
            receipt_emailed_at=timezone.now()
        )
        if not claimed:
            return False  # sent before, or by another worker
        message.send()
    return True
