"""API tokens: issued to a login, stored only as a hash (django-rest-knox), with an expiry,
listed and revoked by their owner. The key itself is shown once, when it is issued.

A token is named by its `token_key`, the first characters of the key (not enough to use it),
so an owner can tell which of their tokens is which and revoke one."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from knox.models import AuthToken


class TokenLimitReached(ValueError):
    """The login already holds API_TOKEN_LIMIT_PER_USER tokens that have not expired."""


@transaction.atomic
def api_token_create(*, user, expires_in: timedelta | None = None) -> tuple[AuthToken, str]:
    """Issue a token for `user`, valid for `expires_in` (default API_TOKEN_TTL_DAYS, never
    more than API_TOKEN_MAX_TTL_DAYS). Returns the stored token and the key, which is not
    stored and cannot be shown again. Raises ValueError for a non-positive or too long life,
    TokenLimitReached when the login already holds API_TOKEN_LIMIT_PER_USER live tokens
    (every authentication walks the login's tokens, so they stay few)."""
    longest = timedelta(days=settings.API_TOKEN_MAX_TTL_DAYS)
    expires_in = timedelta(days=settings.API_TOKEN_TTL_DAYS) if expires_in is None else expires_in
    if not timedelta(0) < expires_in <= longest:
        raise ValueError(f"a token lives more than 0 and at most {longest.days} days")
    # Locking the login's row serialises concurrent issues for it, so the limit holds.
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()
    if api_tokens_of(user=user).count() >= settings.API_TOKEN_LIMIT_PER_USER:
        raise TokenLimitReached(
            f"this login already holds {settings.API_TOKEN_LIMIT_PER_USER} API tokens; revoke one first"
        )
    return AuthToken.objects.create(user=user, expiry=expires_in)


def api_tokens_of(*, user) -> QuerySet[AuthToken]:
    """The user's tokens that have not expired, newest first."""
    return AuthToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created")


def api_token_revoke(*, user, token_key: str) -> int:
    """Delete the user's token(s) with this key prefix; another user's are never touched.
    Returns how many were deleted (0 if none matched: idempotent)."""
    deleted, _ = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    return deleted
