"""Payment providers behind one interface. A provider moves money at a third party and
reports what happened; the payments service books it. Stripe charges saved cards with
PaymentIntents (off-session for invoices, manual capture for ad-hoc pre-authorisation);
every call carries an idempotency key, so a retried call never charges twice."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

import stripe
from django.conf import settings

from billing.money import currency_places


@dataclass(frozen=True)
class ProviderResult:
    status: str  # a Payment.Status value, or "error" for a transient failure worth retrying
    reference: str = ""
    failure_message: str = ""


class CardSetupError(ValueError):
    """The provider could not be reached or refused a card operation (nothing changed here)."""


@dataclass(frozen=True)
class CardSetup:
    customer: str
    intent_id: str
    client_secret: str


@dataclass(frozen=True)
class SavedCard:
    payment_method: str
    brand: str
    last4: str
    exp_month: int | None
    exp_year: int | None


class PaymentProvider(Protocol):
    name: str

    def charge(
        self,
        *,
        amount: Decimal,
        currency: str,
        customer: str,
        payment_method: str,
        key: str,
        description: str,
        method_type: str = "card",
    ) -> ProviderResult:
        """Take the amount now from a saved payment method (off-session). A SEPA debit
        (`method_type` "sepa_debit") answers "pending" (processing): the webhook says later."""

    def authorize(
        self, *, amount: Decimal, currency: str, payment_method: str, key: str, description: str
    ) -> ProviderResult:
        """Hold the amount without taking it (status requires_capture)."""

    def capture(self, *, reference: str, amount: Decimal, currency: str, key: str) -> ProviderResult:
        """Take up to the held amount; the rest of the hold is released."""

    def cancel(self, *, reference: str, key: str) -> ProviderResult:
        """Release a hold without taking anything."""

    def refund(self, *, reference: str, amount: Decimal, currency: str, key: str) -> ProviderResult:
        """Give back (part of) a captured payment."""

    def card_setup_begin(self, *, customer: str, email: str, metadata: dict, key: str) -> CardSetup:
        """Start saving a card for later off-session charges; `customer` empty creates one.
        The card itself is entered in the provider's own form (client_secret), never here."""

    def sepa_setup_begin(self, *, customer: str, email: str, metadata: dict, key: str) -> CardSetup:
        """Start saving an IBAN under a SEPA direct debit mandate (SetupIntent with
        payment_method_types sepa_debit); the IBAN is typed into the provider's own form."""

    def payment_method_get(self, *, payment_method: str) -> dict:
        """The provider's PaymentMethod object (a card's or an IBAN's displayable details)."""

    def card_get(self, *, payment_method: str) -> SavedCard:
        """What may be shown of a saved card: brand, last four digits, expiry."""

    def card_detach(self, *, payment_method: str, key: str) -> None:
        """Forget a saved card at the provider; one already forgotten is not an error."""


_STRIPE_STATUS = {
    "succeeded": "succeeded",
    "requires_capture": "requires_capture",
    "canceled": "canceled",
    "processing": "pending",
    "requires_action": "failed",
    "requires_payment_method": "failed",
    "requires_confirmation": "pending",
    "pending": "pending",  # refunds
    "failed": "failed",
}


def minor_units(amount: Decimal, currency: str) -> int:
    return int((amount * (10 ** currency_places(currency))).to_integral_value())


class StripeProvider:
    name = "stripe"

    def __init__(self, *, api_key: str | None = None, api_base: str | None = None):
        self.client = stripe.StripeClient(
            api_key or settings.STRIPE_API_KEY or "sk_not_configured",
            base_addresses={"api": api_base or settings.STRIPE_API_BASE},
            max_network_retries=2,
        )

    def charge(
        self, *, amount, currency, customer, payment_method, key, description, method_type="card"
    ) -> ProviderResult:
        params = {
            "amount": minor_units(amount, currency),
            "currency": currency.lower(),
            "customer": customer,
            "payment_method": payment_method,
            "payment_method_types": [method_type],
            "off_session": True,
            "confirm": True,
            "description": description,
        }
        return self._call(
            lambda: self.client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
        )

    def authorize(self, *, amount, currency, payment_method, key, description) -> ProviderResult:
        params = {
            "amount": minor_units(amount, currency),
            "currency": currency.lower(),
            "payment_method": payment_method,
            "capture_method": "manual",
            "confirm": True,
            "description": description,
        }
        return self._call(
            lambda: self.client.v1.payment_intents.create(params=params, options={"idempotency_key": key})
        )

    def capture(self, *, reference, amount, currency, key) -> ProviderResult:
        params = {"amount_to_capture": minor_units(amount, currency)}
        return self._call(
            lambda: self.client.v1.payment_intents.capture(reference, params=params, options={"idempotency_key": key})
        )

    def cancel(self, *, reference, key) -> ProviderResult:
        return self._call(lambda: self.client.v1.payment_intents.cancel(reference, options={"idempotency_key": key}))

    def refund(self, *, reference, amount, currency, key) -> ProviderResult:
        params = {"payment_intent": reference, "amount": minor_units(amount, currency)}
        return self._call(lambda: self.client.v1.refunds.create(params=params, options={"idempotency_key": key}))

    def card_setup_begin(self, *, customer, email, metadata, key) -> CardSetup:
        return self._setup_begin(customer=customer, email=email, metadata=metadata, key=key, method_type="card")

    def sepa_setup_begin(self, *, customer, email, metadata, key) -> CardSetup:
        return self._setup_begin(customer=customer, email=email, metadata=metadata, key=key, method_type="sepa_debit")

    def _setup_begin(self, *, customer, email, metadata, key, method_type) -> CardSetup:
        try:
            if not customer:
                customer = self.client.v1.customers.create(
                    params={"email": email, "metadata": metadata}, options={"idempotency_key": f"{key}-customer"}
                ).id
            intent = self.client.v1.setup_intents.create(
                params={
                    "customer": customer,
                    "usage": "off_session",
                    "payment_method_types": [method_type],
                    "metadata": metadata,
                },
                options={"idempotency_key": key},
            )
        except stripe.StripeError as error:
            raise CardSetupError(error.user_message or str(error)[:255]) from error
        return CardSetup(customer=customer, intent_id=intent.id, client_secret=intent.client_secret)

    def card_get(self, *, payment_method) -> SavedCard:
        return saved_card_from(self.payment_method_get(payment_method=payment_method))

    def payment_method_get(self, *, payment_method) -> dict:
        try:
            return self.client.v1.payment_methods.retrieve(payment_method).to_dict()
        except stripe.StripeError as error:
            raise CardSetupError(str(error)[:255]) from error

    def card_detach(self, *, payment_method, key) -> None:
        try:
            self.client.v1.payment_methods.detach(payment_method, options={"idempotency_key": key})
        except stripe.InvalidRequestError as error:
            if error.code != "resource_missing" and "not attached" not in str(error):
                raise CardSetupError(error.user_message or str(error)[:255]) from error
        except stripe.StripeError as error:
            raise CardSetupError(error.user_message or str(error)[:255]) from error

    @staticmethod
    def _call(request) -> ProviderResult:
        try:
            intent = request()
        except stripe.CardError as error:
            # A declined card still creates a PaymentIntent; keep its id for the webhook.
            intent_id = (
                (getattr(error, "json_body", None) or {}).get("error", {}).get("payment_intent", {}).get("id", "")
            )
            return ProviderResult("failed", intent_id, error.user_message or str(error))
        except stripe.StripeError as error:
            # Network trouble or Stripe unavailable: not the driver's fault; try again later.
            return ProviderResult("error", "", str(error)[:255])
        return ProviderResult(_STRIPE_STATUS.get(intent.status, "pending"), intent.id, "")


def saved_card_from(method: dict) -> SavedCard:
    """The displayable part of a Stripe PaymentMethod object."""
    card = method.get("card") or {}
    return SavedCard(
        payment_method=method["id"],
        brand=(card.get("display_brand") or card.get("brand") or "")[:20],
        last4=(card.get("last4") or "")[:4],
        exp_month=card.get("exp_month"),
        exp_year=card.get("exp_year"),
    )


def provider_get(name: str = "stripe") -> PaymentProvider:
    if name != "stripe":
        raise ValueError(f"No payment provider {name!r}.")
    return StripeProvider()
