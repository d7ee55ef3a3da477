"""Driver accounts: creation, sign-up, e-mail verification, unlocking after a password reset,
profile and closing."""

from datetime import date

from axes import utils as axes_utils
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from drivers import signals
from drivers.login_throttle import normalised_login_name
from drivers.models import Driver, Token
from drivers.services.tokens import token_block


@transaction.atomic
def driver_create(
    *, email: str, password: str | None, first_name: str = "", last_name: str = "", emsp=None, **fields
) -> Driver:
    """Create the login and the driver profile. Raises ValidationError if the e-mail is taken."""
    email = get_user_model().objects.normalize_email(email).lower()
    User = get_user_model()
    if User.objects.filter(username__iexact=email).exists() or User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this e-mail already exists."})
    user = User.objects.create_user(
        username=email, email=email, password=password, first_name=first_name, last_name=last_name
    )
    driver = Driver(user=user, emsp=emsp, **fields)
    driver.full_clean()
    driver.save()
    return driver


VERIFICATION_SALT = "drivers.email-verification"


VERIFICATION_MAX_AGE_SECONDS = 3 * 24 * 3600


# The buyer on an invoice (EU VAT Directive art. 226): name and address, and a business
# driver's company name and VAT id.
PROFILE_FIELDS = (
    "phone", "address", "city", "postal_code", "country", "preferred_language", "time_zone", "company_name", "vat_number",
)  # fmt: skip


class VerificationError(ValueError):
    """The link is broken, expired, or for an e-mail address the account no longer has."""


def driver_signup(*, email: str, password: str, first_name: str = "", last_name: str = "") -> Driver:
    """A new driver account, e-mail not yet verified. Raises ValidationError if the e-mail is taken."""
    return driver_create(email=email, password=password, first_name=first_name, last_name=last_name)


def email_verification_token(*, driver: Driver) -> str:
    """A signed, timestamped token naming the account and the address it confirms."""
    return signing.dumps({"user": driver.user_id, "email": driver.user.email}, salt=VERIFICATION_SALT)


def email_verification_send(*, driver: Driver, verify_url: str) -> None:
    """E-mail the driver the link `verify_url` (which carries the token)."""
    context = {"driver": driver, "verify_url": verify_url, "days": VERIFICATION_MAX_AGE_SECONDS // 86400}
    send_mail(
        subject=_("Confirm your e-mail address"),
        message=render_to_string("portal/emails/verify_email.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[driver.user.email],
    )


def email_verify(*, token: str) -> Driver:
    """Mark the address in `token` verified. Idempotent: a second click changes nothing.
    Raises VerificationError for a bad, expired or outdated token."""
    try:
        data = signing.loads(token, salt=VERIFICATION_SALT, max_age=VERIFICATION_MAX_AGE_SECONDS)
    except signing.SignatureExpired as error:
        raise VerificationError(_("This link has expired. Log in to get a new one.")) from error
    except signing.BadSignature as error:
        raise VerificationError(_("This link is not valid.")) from error
    driver = Driver.objects.select_related("user").filter(user_id=data.get("user")).first()
    if driver is None or driver.user.email.lower() != str(data.get("email", "")).lower():
        raise VerificationError(_("This link is not valid."))
    Driver.objects.filter(pk=driver.pk, email_verified_at__isnull=True).update(email_verified_at=timezone.now())
    driver.refresh_from_db()
    return driver


def login_lockouts_clear(*, username: str) -> int:
    """Forget this account's failed logins from every address (a completed password reset
    proves the owner, who can then log in even from an address that was locked out).
    Returns how many throttle records were removed; idempotent."""
    return axes_utils.reset(username=normalised_login_name(username))


def driver_profile_update(*, driver: Driver, first_name: str, last_name: str, **fields) -> Driver:
    """Save name and contact details; raises ValidationError for invalid values."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(driver, name, value)
        driver.full_clean()
        driver.save(update_fields=list(fields))
        user = driver.user
        user.first_name, user.last_name = first_name, last_name
        user.save(update_fields=["first_name", "last_name"])
    return driver


def driver_language_set(*, driver: Driver, language: str) -> Driver:
    """The language of the driver's portal pages and e-mails. Raises ValueError for a
    language the portal does not speak."""
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"Unknown language {language!r}")
    Driver.objects.filter(pk=driver.pk).update(preferred_language=language)
    driver.preferred_language = language
    return driver


@transaction.atomic
def driver_account_close(*, driver: Driver, on: date | None = None) -> None:
    """Close the account and erase personal data. Sessions, CDRs and invoices stay (the law
    requires them) but no longer name the person. Tokens are blocked at once so nobody
    can charge on them. Idempotent."""
    driver = Driver.objects.select_for_update().select_related("user").get(pk=driver.pk)
    for token in driver.tokens.exclude(status=Token.Status.BLOCKED):
        token_block(token=token)
    driver.vehicles.all().delete()
    for name in ("phone", "address", "city", "postal_code"):
        setattr(driver, name, "")
    driver.account_status = Driver.AccountStatus.CLOSED
    driver.save()
    user = driver.user
    placeholder = f"closed-{user.pk}@invalid"
    user.username = user.email = placeholder
    user.first_name = user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    # Billing ends the memberships (no fee is charged to a closed account).
    signals.driver_account_closed.send(sender=Driver, driver=driver, on=on or timezone.localdate())
