"""Saved cards: a driver saves, replaces and removes the card that invoices, top-ups and
ad-hoc holds are charged to. The card number is typed into the provider's own form
(Stripe Elements) and goes straight to the provider; we keep only its ids and what may be
shown (brand, last four digits, expiry)."""

import logging

from django.db import transaction

from billing.models import BillingAccount
from billing.services.providers import CardSetupError, PaymentProvider, SavedCard, provider_get, saved_card_from
from drivers.models import Driver

logger = logging.getLogger(__name__)

_CARD_CLEARED = {
    "stripe_payment_method_id": "",
    "card_brand": "",
    "card_last4": "",
    "card_exp_month": None,
    "card_exp_year": None,
    "payment_method_type": "card",
}


def card_setup_begin(*, driver: Driver, key: str, provider: PaymentProvider | None = None) -> str:
    """Start saving (or replacing) the driver's card; returns the client secret that the
    provider's form confirms. Creates the provider's customer once and reuses it after.
    Idempotent per `key` (one rendered form): the provider returns the same SetupIntent.
    Raises CardSetupError when the provider cannot be reached or refuses."""
    account, _ = BillingAccount.objects.get_or_create(driver=driver)
    setup = (provider or provider_get()).card_setup_begin(
        customer=account.stripe_customer_id,
        email=driver.email,
        metadata={"billing_account": str(account.pk), "driver": str(driver.pk)},
        key=f"card-setup-{account.pk}-{key}",
    )
    # Compare-and-set: a customer recorded meanwhile (a parallel form) is kept.
    BillingAccount.objects.filter(pk=account.pk, stripe_customer_id="").update(stripe_customer_id=setup.customer)
    BillingAccount.objects.filter(pk=account.pk).update(stripe_setup_intent_id=setup.intent_id)
    return setup.client_secret


def card_setup_succeeded(*, intent: dict, provider: PaymentProvider | None = None) -> BillingAccount | None:
    """Record the card of a succeeded SetupIntent (Stripe's `setup_intent.succeeded`) on its
    account. Idempotent: the same card again changes nothing. Returns None for an intent
    that is not ours or is older than the account's latest one. A replaced card is then
    detached at the provider (best effort, after commit). Raises CardSetupError when the
    card's details cannot be read, so the webhook is retried."""
    metadata = intent.get("metadata") or {}
    account = BillingAccount.objects.filter(
        pk=_int_or_none(metadata.get("billing_account")),
        stripe_customer_id=intent.get("customer") or "-",
        stripe_setup_intent_id=intent.get("id") or "-",
    ).first()
    method = intent.get("payment_method")
    if account is None or not method:
        return None
    provider = provider or provider_get()
    card = saved_card_from(method) if isinstance(method, dict) else provider.card_get(payment_method=method)
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(pk=account.pk)
        previous = account.stripe_payment_method_id
        if previous == card.payment_method:
            return account
        _card_store(account, card)
    if previous:
        transaction.on_commit(lambda: _detach_quietly(provider, previous))
    return account


def card_remove(*, driver: Driver, provider: PaymentProvider | None = None) -> bool:
    """Detach the driver's saved card at the provider and forget it here. Returns False when
    no card was saved. Idempotent. Raises CardSetupError (card kept) when the provider
    cannot be reached."""
    account = BillingAccount.objects.filter(driver=driver).exclude(stripe_payment_method_id="").first()
    if account is None:
        return False
    method = account.stripe_payment_method_id
    (provider or provider_get()).card_detach(payment_method=method, key=f"card-detach-{method}")
    # Compare-and-set: a card saved meanwhile (a newer one) is not cleared.
    BillingAccount.objects.filter(pk=account.pk, stripe_payment_method_id=method).update(**_CARD_CLEARED)
    return True


def _card_store(account: BillingAccount, card: SavedCard) -> None:
    account.stripe_payment_method_id = card.payment_method
    account.card_brand = card.brand
    account.card_last4 = card.last4
    account.card_exp_month = card.exp_month
    account.card_exp_year = card.exp_year
    account.payment_method_type = "card"
    account.save(update_fields=list(_CARD_CLEARED))


def _detach_quietly(provider: PaymentProvider, method: str) -> None:
    # The new card is saved either way; an old card left attached only costs tidiness.
    try:
        provider.card_detach(payment_method=method, key=f"card-detach-{method}")
    except CardSetupError as error:
        logger.warning("Could not detach replaced card %s: %s", method, error)


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
