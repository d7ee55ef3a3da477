"""SEPA direct debit through the card processor (Stripe's `sepa_debit`): a driver saves an
IBAN under a mandate, and invoices are debited from it like cards are charged, except that
the driver is told the amount and date first (pre-notification, as the SEPA rulebook
requires), the debit settles days later (the PaymentIntent is `processing` until a webhook
says succeeded or failed), and it can still be returned after it succeeded. The IBAN is
typed into Stripe's own form; we keep the mandate (text, time, IP address, browser) and
what may be shown (last four digits, country)."""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from billing.documents import labels
from billing.models import BillingAccount, Payment, SepaMandate
from billing.selectors.payment_methods import card_payments_available
from billing.services import payment_notices
from billing.services.providers import CardSetupError, PaymentProvider, provider_get
from drivers.models import Driver

logger = logging.getLogger(__name__)
SEPA = "sepa_debit"


def sepa_mandate_text(*, creditor: str) -> str:
    """The mandate wording shown next to the IBAN field and stored with the acceptance
    (the SEPA Core scheme's required content, after Stripe's recommended text)."""
    return (
        f"By providing your IBAN and confirming this payment, you authorise (A) {creditor} and Stripe, "
        "our payment service provider, to send instructions to your bank to debit your account and "
        f"(B) your bank to debit your account in accordance with those instructions. You will be told "
        f"the amount and date of each debit at least {settings.BILLING_SEPA_PRENOTICE_DAYS} days before it. "
        "As part of your rights, you are entitled to a refund from your bank under the terms and "
        "conditions of your agreement with your bank. A refund must be claimed within 8 weeks starting "
        "from the date on which your account was debited."
    )


def sepa_setup_begin(
    *,
    driver: Driver,
    key: str,
    mandate_text: str,
    ip_address: str,
    user_agent: str,
    now: datetime,
    provider: PaymentProvider | None = None,
) -> str:
    """Start saving the driver's IBAN under a direct debit mandate: records the mandate
    text the driver accepted, when and from where, and returns the client secret the
    provider's IBAN form confirms. Idempotent per `key`. Raises CardSetupError when direct
    debit is not configured here or the provider refuses."""
    if provider is None and not card_payments_available():
        raise CardSetupError("Direct debit is not configured on this site.")
    if not mandate_text.strip() or not ip_address:
        raise CardSetupError("The mandate must be shown and accepted.")
    account, _ = BillingAccount.objects.get_or_create(driver=driver)
    setup = (provider or provider_get()).sepa_setup_begin(
        customer=account.stripe_customer_id,
        email=driver.email,
        metadata={"billing_account": str(account.pk), "driver": str(driver.pk)},
        key=f"sepa-setup-{account.pk}-{key}",
    )
    BillingAccount.objects.filter(pk=account.pk, stripe_customer_id="").update(stripe_customer_id=setup.customer)
    SepaMandate.objects.get_or_create(
        setup_intent_id=setup.intent_id,
        defaults={
            "account": account,
            "text": mandate_text,
            "accepted_at": now,
            "ip_address": ip_address,
            "user_agent": user_agent[:255],
        },
    )
    return setup.client_secret


def sepa_setup_succeeded(*, intent: dict, provider: PaymentProvider | None = None) -> BillingAccount | None:
    """The IBAN of a mandate's SetupIntent was confirmed (`setup_intent.succeeded`): it
    becomes the account's payment method (replacing a card or an earlier mandate).
    Idempotent. Returns None for an intent that is none of our mandates."""
    mandate = SepaMandate.objects.filter(
        setup_intent_id=intent.get("id") or "-", account__stripe_customer_id=intent.get("customer") or "-"
    ).first()
    method = intent.get("payment_method")
    if mandate is None or not method:
        return None
    provider = provider or provider_get()
    details = method if isinstance(method, dict) else provider.payment_method_get(payment_method=method)
    method_id = details["id"]
    iban = details.get("sepa_debit") or {}
    with transaction.atomic():
        account = BillingAccount.objects.select_for_update().get(pk=mandate.account_id)
        previous = account.stripe_payment_method_id
        if previous == method_id:
            return account
        account.sepa_mandates.filter(status=SepaMandate.Status.ACTIVE).update(status=SepaMandate.Status.REPLACED)
        SepaMandate.objects.filter(pk=mandate.pk).update(
            status=SepaMandate.Status.ACTIVE,
            payment_method_id=method_id,
            stripe_mandate_id=intent.get("mandate") or "",
            iban_last4=(iban.get("last4") or "")[:4],
            iban_country=(iban.get("country") or "")[:2],
        )
        account.stripe_payment_method_id = method_id
        account.payment_method_type = SEPA
        account.card_brand, account.card_last4 = "", ""
        account.card_exp_month = account.card_exp_year = None
        account.save()
    if previous:
        transaction.on_commit(lambda: _detach_quietly(provider, previous))
    return account


def sepa_debit_announce(*, payment: Payment, account: BillingAccount, now: datetime) -> Payment:
    """Tell the driver the amount and date of the coming debit and schedule it for then
    (the retry sweep submits it). Once per debit (compare-and-set); a mail error rolls the
    schedule back, so no debit is ever taken unannounced."""
    debit_on = timezone.localdate(now) + timedelta(days=settings.BILLING_SEPA_PRENOTICE_DAYS)
    mandate = account.sepa_mandates.filter(status=SepaMandate.Status.ACTIVE).first()
    with transaction.atomic():
        claimed = (
            Payment.objects.filter(pk=payment.pk)
            .exclude(status=Payment.Status.SUCCEEDED)
            .filter(debit_on__isnull=True)
            .update(
                method_type=SEPA,
                debit_on=debit_on,
                status=Payment.Status.PENDING,
                next_retry_at=timezone.make_aware(datetime.combine(debit_on, time(0, 0))),
            )
        )
        if claimed:
            message = _notice(payment=payment, mandate=mandate, debit_on=debit_on)
            if message is not None:
                message.send()
    payment.refresh_from_db()
    return payment


def sepa_failure_tell(*, payment: Payment, reason: str, returned: bool = False) -> None:
    """E-mail the driver that a debit failed or (`returned`) came back after it settled,
    and the invoice is open again, with the ways to pay: never silently."""
    if not payment_notices.direct_debit_failed_tell(payment=payment, reason=reason, returned=returned):
        logger.warning("SEPA debit %s failed and the driver was not e-mailed", payment.pk)


def _notice(*, payment: Payment, mandate: SepaMandate | None, debit_on) -> EmailMessage | None:
    invoice = payment.invoice
    if invoice is None or not invoice.driver.email:
        logger.warning("SEPA debit %s: the driver has no e-mail for the pre-notification", payment.pk)
        return None
    language = labels.document_language(invoice.driver.preferred_language)
    words = labels.labels_for(language)
    values = {
        "number": invoice.number,
        "amount": labels.money_text(payment.amount, payment.currency, language),
        "date": f"{debit_on:%d.%m.%Y}" if language == "de" else f"{debit_on:%d %b %Y}",
        "last4": mandate.iban_last4 if mandate else "",
        "mandate": (mandate.stripe_mandate_id or mandate.setup_intent_id) if mandate else "",
        # The pre-notification names the creditor by its identifier too, as on the invoice.
        "creditor": " ".join(part for part in (invoice.issuer.name, invoice.issuer.sepa_creditor_id) if part),
    }
    return EmailMessage(
        subject=words["sepa_notice_subject"].format(**values),
        body=words["sepa_notice_body"].format(**values),
        from_email=invoice.issuer.billing_email or settings.DEFAULT_FROM_EMAIL,
        to=[invoice.driver.email],
    )


def _detach_quietly(provider: PaymentProvider, method: str) -> None:
    try:
        provider.card_detach(payment_method=method, key=f"card-detach-{method}")
    except CardSetupError as error:
        logger.warning("Could not detach replaced payment method %s: %s", method, error)
