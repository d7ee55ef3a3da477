"""Provider webhooks: verified for real, stored once, applied once."""

from datetime import UTC, datetime

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.models import Payment, SepaMandate, WebhookEvent
from billing.services.cards import card_setup_succeeded
from billing.services.payments import payment_result_apply, payment_reverse
from billing.services.providers import ProviderResult
from billing.services.sepa_debits import sepa_setup_succeeded

_INTENT_EVENTS = {
    "payment_intent.succeeded": "succeeded",
    "payment_intent.payment_failed": "failed",
    "payment_intent.canceled": "canceled",
    "payment_intent.amount_capturable_updated": "requires_capture",
}
_REFUND_EVENTS = {"refund.updated", "refund.created", "charge.refund.updated"}
_REFUND_STATUS = {"succeeded": "succeeded", "failed": "failed", "canceled": "canceled", "pending": "pending"}


class WebhookError(ValueError):
    """A webhook we refuse: bad signature or unreadable payload (nothing is stored)."""


def stripe_webhook_receive(*, payload: bytes, signature: str | None) -> tuple[WebhookEvent, bool]:
    """Verify the Stripe-Signature header against STRIPE_WEBHOOK_SECRET, record the event
    and apply it. Returns (event, applied); a replayed event id returns the stored event
    and applies nothing. Raises WebhookError for a bad signature or payload."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise WebhookError(f"Webhook rejected: {error}") from error
    try:
        with transaction.atomic():
            record = WebhookEvent.objects.create(
                provider="stripe", event_id=event.id, type=event.type, payload=event.to_dict()
            )
            _apply(event)
            WebhookEvent.objects.filter(pk=record.pk).update(processed_at=timezone.now())
    except IntegrityError:
        return WebhookEvent.objects.get(provider="stripe", event_id=event.id), False
    return record, True


def _apply(event) -> None:
    if event.type == "setup_intent.succeeded":
        intent = event.data.object.to_dict()
        if SepaMandate.objects.filter(setup_intent_id=intent.get("id") or "-").exists():
            sepa_setup_succeeded(intent=intent)
        else:
            card_setup_succeeded(intent=intent)
        return
    if event.type == "charge.dispute.created":
        # A debit (or card payment) taken back by the payer's bank after it settled.
        dispute = event.data.object.to_dict()
        _reverse(event, intent_id=dispute.get("payment_intent") or "", reason=dispute.get("reason") or "disputed")
        return
    if event.type in _REFUND_EVENTS:
        _apply_refund(event)
        return
    status = _INTENT_EVENTS.get(event.type)
    if status is None:
        return
    intent = event.data.object.to_dict()
    payment = Payment.objects.filter(provider=Payment.Provider.STRIPE, provider_reference=intent["id"]).first()
    if payment is None:
        return  # not one of ours (e.g. created in Stripe's dashboard)
    error = intent.get("last_payment_error") or {}
    if status == "failed" and payment.status == Payment.Status.SUCCEEDED:
        # A direct debit can fail after it succeeded (returned by the bank): never silently.
        _reverse(event, intent_id=intent["id"], reason=error.get("message") or error.get("code") or "returned")
        return
    occurred = datetime.fromtimestamp(event.created, tz=UTC) if getattr(event, "created", None) else timezone.now()
    payment_result_apply(
        payment_id=payment.pk,
        result=ProviderResult(status, intent["id"], (error.get("message") or "") if status == "failed" else ""),
        now=occurred,
    )


def _reverse(event, *, intent_id: str, reason: str) -> None:
    payment = Payment.objects.filter(
        provider=Payment.Provider.STRIPE, purpose=Payment.Purpose.INVOICE, provider_reference=intent_id or "-"
    ).first()
    if payment is None:
        return
    occurred = datetime.fromtimestamp(event.created, tz=UTC) if getattr(event, "created", None) else timezone.now()
    payment_reverse(payment_id=payment.pk, reason=reason, now=occurred)


def _apply_refund(event) -> None:
    refund = event.data.object.to_dict()
    payment = Payment.objects.filter(
        provider=Payment.Provider.STRIPE, purpose=Payment.Purpose.REFUND, provider_reference=refund["id"]
    ).first()
    status = _REFUND_STATUS.get(refund.get("status"))
    if payment is None or status is None:
        return
    occurred = datetime.fromtimestamp(event.created, tz=UTC) if getattr(event, "created", None) else timezone.now()
    payment_result_apply(
        payment_id=payment.pk,
        result=ProviderResult(status, refund["id"], refund.get("failure_reason") or ""),
        now=occurred,
    )
