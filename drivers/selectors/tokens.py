"""Token authorization: the one rule every door (Authorize, StartTransaction, remote start) asks."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from drivers.models import Driver, Token
from stations.models import ChargingSession


class AuthorizationStatus:
    """OCPP AuthorizationStatus values (identical in 1.6 and, as idToken status, 2.0.1)."""

    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    INVALID = "Invalid"
    CONCURRENT_TX = "ConcurrentTx"


@dataclass(frozen=True)
class AuthorizationResult:
    status: str
    token: Token | None = None
    driver: Driver | None = None
    expiry_date: datetime | None = None
    parent_id_tag: str | None = None
    reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status == AuthorizationStatus.ACCEPTED


# Reasons a higher app may have to refuse a driver (billing: payment overdue, prepaid
# balance too low), registered by it at start-up; each returns a reason or None.
_charge_blocks: list[Callable[..., str | None]] = []


def charge_block_register(block: Callable[..., str | None]) -> None:
    """`block(driver=...)` returns why the driver may not charge now, or None."""
    if block not in _charge_blocks:
        _charge_blocks.append(block)


def charge_block_reason(*, driver: Driver | None) -> str | None:
    """The first registered reason this driver may not charge now, or None."""
    for block in _charge_blocks:
        reason = block(driver=driver)
        if reason:
            return reason
    return None


# Who answers for idTags that are not our drivers' (roaming: partner EMSPs' tokens, with
# real-time authorization), registered at start-up; each returns an AuthorizationResult, or
# None when it does not know the idTag either.
_foreign_authorizers: list[Callable[..., "AuthorizationResult | None"]] = []


def foreign_token_authorizer_register(authorizer: Callable[..., "AuthorizationResult | None"]) -> None:
    """`authorizer(id_tag=..., station=...)` answers for an idTag no driver token matches."""
    if authorizer not in _foreign_authorizers:
        _foreign_authorizers.append(authorizer)


def token_by_id_tag(*, id_tag: str) -> Token | None:
    """OCPP idTags compare case-insensitively; the exact match is tried first because it
    uses the unique index."""
    tokens = Token.objects.select_related("driver")
    return tokens.filter(uid=id_tag).first() or tokens.filter(uid__iexact=id_tag).first()


def token_by_contract_id(*, contract_id: str) -> Token | None:
    """The token of an eMA ID (OCPP 2.0.1 idToken type eMAID, ISO 15118 Plug & Charge)."""
    if not contract_id:
        return None
    return Token.objects.select_related("driver").filter(contract_id__iexact=contract_id).first()


def token_authorization(*, id_tag: str, station=None) -> AuthorizationResult:
    """May `id_tag` charge (at `station`) now? Reads only; never raises for an unknown tag.

    Invalid: no such token (after asking the registered foreign authorizers, e.g. roaming
    partners, which then answer instead). Blocked: token blocked, driver account not active, or billing
    reports a payment block. Expired: token expired. ConcurrentTx: the token already has a
    session in progress. Accepted otherwise."""
    token = token_by_id_tag(id_tag=id_tag)
    if token is None:
        for authorizer in _foreign_authorizers:
            answer = authorizer(id_tag=id_tag, station=station)
            if answer is not None:
                return answer
        return AuthorizationResult(status=AuthorizationStatus.INVALID, reason="unknown token")
    driver = token.driver

    def result(status: str, reason: str | None = None) -> AuthorizationResult:
        return AuthorizationResult(
            status=status,
            token=token,
            driver=driver,
            expiry_date=token.expires_at,
            parent_id_tag=token.parent_id_tag or None,
            reason=reason,
        )

    if token.status == Token.Status.BLOCKED:
        return result(AuthorizationStatus.BLOCKED, "token blocked")
    if token.status == Token.Status.EXPIRED or (token.expires_at and token.expires_at <= timezone.now()):
        return result(AuthorizationStatus.EXPIRED, "token expired")
    # An overdue account is billing's call (its registered charge block), with its own reason.
    if driver is not None and driver.account_status in (Driver.AccountStatus.SUSPENDED, Driver.AccountStatus.CLOSED):
        return result(AuthorizationStatus.BLOCKED, f"driver account {driver.account_status}")
    block_reason = charge_block_reason(driver=driver)
    if block_reason:
        return result(AuthorizationStatus.BLOCKED, block_reason)
    if ChargingSession.objects.filter(token_link__token=token, status=ChargingSession.Status.ACTIVE).exists():
        return result(AuthorizationStatus.CONCURRENT_TX, "a session with this token is in progress")
    return result(AuthorizationStatus.ACCEPTED)
