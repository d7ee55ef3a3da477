"""Driver tokens (RFID cards and app tokens): issue, relabel, block, and tell chargers with a local list."""

import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from drivers.models import Driver, Token
from stations.models import ChargingStation, CommandRequest
from stations.services.commands import command_request


def token_create(
    *, uid: str | None = None, driver: Driver | None = None, kind: str = Token.Kind.RFID, **fields
) -> Token:
    """A token with the given UID, or a fresh random one for app tokens."""
    token = Token(uid=_new_app_uid() if uid is None else uid, driver=driver, kind=kind, **fields)
    token.full_clean()
    token.save()
    return token


@transaction.atomic
def token_block(*, token: Token) -> Token:
    """Block a lost or stolen token at once, and tell chargers that keep a local list
    (token_block_propagate below). Idempotent: blocking a blocked token changes nothing."""
    blocked = (
        Token.objects.filter(pk=token.pk)
        .exclude(status=Token.Status.BLOCKED)
        .update(status=Token.Status.BLOCKED, blocked_at=timezone.now())
    )
    token.refresh_from_db()
    if blocked:
        token_block_propagate(token=token)
    return token


def _new_app_uid() -> str:
    return "APP" + secrets.token_hex(8).upper()[:16]


def token_relabel(*, token: Token, label: str) -> Token:
    token.label = label
    token.full_clean()
    token.save(update_fields=["label"])
    return token


def driver_app_token(*, driver: Driver) -> Token:
    """The driver's app token (idTag for remote starts): a valid one if they have one, created
    on first use. A driver whose app tokens are all blocked or expired gets the newest of
    them, so the charge rule refuses it as every other door would; minting a fresh one
    would step around a block."""
    app_tokens = driver.tokens.filter(kind=Token.Kind.APP)
    token = app_tokens.filter(status=Token.Status.VALID).order_by("pk").first() or app_tokens.order_by("-pk").first()
    return token or token_create(driver=driver, kind=Token.Kind.APP, label=_("Portal and app"))


ACTION = CommandRequest.Action.SEND_LOCAL_LIST


def stations_with_local_list():
    """Stations that keep a local authorization list: they confirmed a list version, or
    reported LocalAuthListEnabled=true (version -1 means the feature is off)."""
    return ChargingStation.objects.filter(
        Q(protocol_state__local_list_version__gte=0)
        | Q(configuration_keys__key="LocalAuthListEnabled", configuration_keys__value__iexact="true")
    ).distinct()


def token_block_propagate(*, token: Token, requested_by=None) -> list[CommandRequest]:
    """Queue a differential local-list update marking `token` Blocked on every station with a
    local list. The list version is one above the station's confirmed version plus any
    list update still queued, so updates apply in order. Returns the queued commands."""
    queued = []
    for station in stations_with_local_list().select_related("protocol_state"):
        queued.append(
            command_request(
                station=station,
                action=ACTION,
                parameters={
                    "version": _next_version(station),
                    "update": "differential",
                    "entries": [{"id_tag": token.uid, "status": "blocked"}],
                },
                requested_by=requested_by,
                source=CommandRequest.Source.SYSTEM,
            )
        )
    return queued


def _next_version(station: ChargingStation) -> int:
    state = getattr(station, "protocol_state", None)
    confirmed = max(state.local_list_version or 0, 0) if state else 0
    waiting = CommandRequest.objects.filter(
        station=station, action=ACTION, status__in=[CommandRequest.Status.PENDING, CommandRequest.Status.SENT]
    ).count()
    return confirmed + waiting + 1
