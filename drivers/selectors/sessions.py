"""A driver's charging sessions and the commands that started them."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import timezone

from drivers.models import Driver, SessionToken, Token
from stations import prices
from stations.load_management import priorities
from stations.load_management.selectors import session_load_note
from stations.models import ChargingSession, CommandRequest

# The charger's StartTransaction arrives after the command was created; allow for our own
# clock being a little ahead of the database's.
START_MATCH_SLACK = timedelta(seconds=5)


def driver_sessions(*, driver: Driver) -> QuerySet[ChargingSession]:
    return (
        ChargingSession.objects.filter(token_link__token__driver=driver)
        .select_related("station__site", "connector")
        .order_by("-started_at", "-pk")
    )


def driver_session(*, driver: Driver, session_id: int) -> ChargingSession | None:
    return driver_sessions(driver=driver).filter(pk=session_id).first()


def driver_active_sessions(*, driver: Driver) -> QuerySet[ChargingSession]:
    return driver_sessions(driver=driver).filter(status=ChargingSession.Status.ACTIVE)


def driver_command(*, driver: Driver, command_id: int) -> CommandRequest | None:
    """A command this driver asked for from the portal (nobody else's)."""
    return (
        CommandRequest.objects.select_related("station__site")
        .filter(pk=command_id, requested_by=driver.user, source=CommandRequest.Source.PORTAL)
        .first()
    )


def session_started_by(*, driver: Driver, command: CommandRequest) -> ChargingSession | None:
    """The session the charger opened after this start request, if it has done so."""
    connector_id = (command.parameters or {}).get("connector")
    sessions = driver_sessions(driver=driver).filter(
        station_id=command.station_id, start_received_at__gte=command.created_at - START_MATCH_SLACK
    )
    if connector_id:
        sessions = sessions.filter(connector_number=connector_id)
    return sessions.order_by("start_received_at").first()


def session_fleet_priority(session: ChargingSession) -> int:
    """Site load management's class for a session (registered in drivers/receivers.py): a
    fleet account's charge before an ad-hoc one. One query."""
    fleet = Driver.objects.filter(fleet=True, tokens__session_links__session_id=session.pk).exists()
    return priorities.PREFERRED if fleet else priorities.AD_HOC


def session_token(*, session: ChargingSession) -> Token | None:
    """The token that started the session (drivers' link), or None for an unknown idTag."""
    try:
        return session.token_link.token  # loaded by select_related("token_link__token") if the caller did
    except SessionToken.DoesNotExist:
        return None


def session_links_attach(*, sessions, tokens: dict[int, Token]) -> None:
    """Attach each session's link (or its absence) without a query per session; `tokens` is
    the caller's cache of Token by pk, filled here with the tokens it lacks."""
    pairs = dict(
        SessionToken.objects.filter(session_id__in=[s.pk for s in sessions]).values_list("session_id", "token_id")
    )
    missing = set(pairs.values()) - tokens.keys()
    tokens.update((t.pk, t) for t in Token.objects.select_related("driver__emsp").filter(pk__in=missing))
    cache = ChargingSession.token_link.related
    for session in sessions:
        token_id = pairs.get(session.pk)
        link = None
        if token_id is not None:
            link = SessionToken(session_id=session.pk, token_id=token_id)
            link.token = tokens[token_id]
        cache.set_cached_value(session, link)


def driver_session_filter(*, user) -> Q:
    """The sessions of the user's own tokens (stations asks through its registry)."""
    return Q(token_link__token__driver__user=user) if user is not None and user.is_authenticated else Q(pk__in=[])


def session_payment_methods(session_ids: list[int]) -> dict[int, str]:
    """How each session was authorised, as regulatory session data reports it: the kind
    of token that started it (RFID card, app, ad-hoc/contract)."""
    labels = dict(Token.Kind.choices)
    rows = SessionToken.objects.filter(session_id__in=session_ids).values_list("session_id", "token__kind")
    return {session_id: str(labels.get(kind, kind)) for session_id, kind in rows}


def session_live_state(session: ChargingSession) -> dict:
    """What the live session view shows and re-reads (JSON): the portal's session page and
    the pay-as-you-go page follow a session through the same fields."""
    cost = prices.session_cost(session=session)
    end = session.stopped_at or timezone.now()
    return {
        "id": session.pk,
        "status": session.status,
        "energy_wh": session.energy_wh,
        "energy_kwh": f"{Decimal(session.energy_wh) / 1000:.2f}",
        "power_w": float(session.last_power_w) if session.last_power_w is not None else None,
        "started_at": session.started_at.isoformat(),
        "stopped_at": session.stopped_at.isoformat() if session.stopped_at else None,
        "duration_s": max(0, int((end - session.started_at).total_seconds())),
        "cost": f"{cost.amount}" if cost else None,
        "currency": cost.currency if cost else None,
        # Why the charge is slower than the car could take, when the site's capacity is shared.
        "load_note": session_load_note(session),
    }
