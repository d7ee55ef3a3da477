"""Our drivers' tokens as OCPI 2.2.1 Tokens (we are the EMSP), and our answer to a partner
CPO's real-time authorization: the one token rule (drivers.selectors.tokens), in OCPI words."""

from django.conf import settings
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from drivers.models import Token
from drivers.selectors.tokens import AuthorizationStatus, token_authorization, token_by_id_tag
from roaming import parties
from roaming.fields import datetime_format

# OCPP AuthorizationStatus → OCPI AllowedType. A token already charging elsewhere may not
# start a second session.
ALLOWED = {
    AuthorizationStatus.ACCEPTED: "ALLOWED",
    AuthorizationStatus.BLOCKED: "BLOCKED",
    AuthorizationStatus.EXPIRED: "EXPIRED",
    AuthorizationStatus.CONCURRENT_TX: "NOT_ALLOWED",
    AuthorizationStatus.INVALID: "NOT_ALLOWED",
}


def ocpi_driver_tokens() -> QuerySet[Token]:
    """Tokens of our drivers, with `last_updated` (created, or blocked since)."""
    return (
        Token.objects.filter(driver__isnull=False)
        .select_related("driver")
        .annotate(last_updated=Greatest("created_at", Coalesce("blocked_at", F("created_at"))))
    )


def driver_token_object(token: Token) -> dict:
    country_code, party_id = parties.our_party("EMSP")
    expired = token.status == Token.Status.EXPIRED or (token.expires_at and token.expires_at <= timezone.now())
    body = {
        "country_code": country_code,
        "party_id": party_id,
        "uid": token.uid,
        "type": token.kind,
        "contract_id": (token.contract_id or f"{country_code}-{party_id}-C{token.pk:08d}")[:36],
        "issuer": settings.OCPI_BUSINESS_NAME[:64],
        "valid": token.status == Token.Status.VALID and not expired,
        # Billing may block a driver at any time: partners ask us in real time, and let the
        # token charge only when they cannot reach us.
        "whitelist": "ALLOWED_OFFLINE",
        "language": (token.driver.preferred_language or "en")[:2] if token.driver_id else "en",
        "last_updated": datetime_format(getattr(token, "last_updated", None) or token.created_at),
    }
    if token.parent_id_tag:
        body["group_id"] = token.parent_id_tag
    return body


def driver_token_authorize(*, uid: str, location: dict | None) -> dict | None:
    """AuthorizationInfo for a partner CPO asking about `uid`, or None for a token we do not know."""
    token = token_by_id_tag(id_tag=uid)
    if token is None or token.driver_id is None:
        return None
    authorization = token_authorization(id_tag=token.uid)
    info = {"allowed": ALLOWED.get(authorization.status, "NOT_ALLOWED"), "token": driver_token_object(token)}
    if location:
        info["location"] = location
    if authorization.reason and not authorization.accepted:
        info["info"] = {"language": "en", "text": authorization.reason[:512]}
    return info
