"""Writes for driver accounts, tokens and vehicles."""

import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drivers.models import Driver, Token, Vehicle


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


def token_create(
    *, uid: str | None = None, driver: Driver | None = None, kind: str = Token.Kind.RFID, **fields
) -> Token:
    """A token with the given UID, or a fresh random one for app tokens."""
    token = Token(uid=_new_app_uid() if uid is None else uid, driver=driver, kind=kind, **fields)
    token.full_clean()
    token.save()
    return token


def token_block(*, token: Token) -> Token:
    """Block a lost or stolen token at once. Idempotent: blocking a blocked token changes nothing."""
    Token.objects.filter(pk=token.pk).exclude(status=Token.Status.BLOCKED).update(
        status=Token.Status.BLOCKED, blocked_at=timezone.now()
    )
    token.refresh_from_db()
    return token


def vehicle_add(*, driver: Driver, make: str, model: str, **fields) -> Vehicle:
    vehicle = Vehicle(driver=driver, make=make, model=model, **fields)
    vehicle.full_clean()
    vehicle.save()
    return vehicle


def _new_app_uid() -> str:
    return "APP" + secrets.token_hex(8).upper()[:16]
