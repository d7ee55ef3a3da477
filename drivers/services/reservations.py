"""Reservations: request (a `reserve` command request), cancel, the charger's answers, use and expiry."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drivers.models import Driver, DriverNotification, Reservation, Token
from drivers.selectors.tokens import token_authorization
from drivers.services.notifications import driver_notify_later
from stations.models import CommandRequest
from stations.services.commands import command_request


@transaction.atomic
def reservation_request(
    *,
    station,
    expires_at,
    token: Token | None = None,
    id_tag: str = "",
    connector_number: int = 0,
    driver: Driver | None = None,
    requested_by=None,
    source: str = "portal",
):
    """Reserve `connector_number` (0 = any) of `station` for `token` until `expires_at` and
    queue the `reserve` request. The reservation stays `requested` until the charger answers.
    A token no driver of ours holds (a roaming partner's) is given as `id_tag` instead and
    must pass the one token rule. Raises ValidationError for a past expiry, a token that is
    not the driver's or not valid, or a connector the station does not have."""
    errors = {}
    parent_id_tag = token.parent_id_tag if token is not None else ""
    if expires_at <= timezone.now():
        errors["expires_at"] = "A reservation must end in the future."
    if token is None:
        authorization = token_authorization(id_tag=id_tag, station=station)
        if not authorization.accepted:
            errors["token"] = f"This token cannot be used: {authorization.reason}."
        parent_id_tag = authorization.parent_id_tag or ""
    elif driver is not None and token.driver_id != driver.pk:
        errors["token"] = "This token does not belong to the driver."  # noqa: S105 - a field name, not a secret
    if token is not None and token.status != Token.Status.VALID:
        errors["token"] = "This token cannot be used."  # noqa: S105 - a field name, not a secret
    if connector_number and not station.connectors.filter(connector_id=connector_number).exists():
        errors["connector_number"] = "The station has no such connector."
    if errors:
        raise ValidationError(errors)
    reservation = Reservation.objects.create(
        driver=driver or (token.driver if token is not None else None),
        token=token,
        id_tag=token.uid if token is not None else id_tag,
        station=station,
        connector_number=connector_number,
        expires_at=expires_at,
    )
    parameters = {
        "reservation": reservation.pk,
        "connector": connector_number,
        "id_tag": reservation.id_tag,
        "expires_at": expires_at.isoformat(),
        "parent_id_tag": parent_id_tag or None,
    }
    command_request(
        station=station,
        action=CommandRequest.Action.RESERVE,
        parameters=parameters,
        requested_by=requested_by,
        source=source,
    )
    return reservation


@transaction.atomic
def reservation_cancel(*, reservation, requested_by=None, source: str = "portal"):
    """Ask the charger to drop the reservation (`cancel_reservation`). Idempotent while the
    cancellation is pending; raises ValidationError for a reservation no longer open."""
    moved = Reservation.objects.filter(
        pk=reservation.pk, status__in=[Reservation.Status.REQUESTED, Reservation.Status.ACCEPTED]
    ).update(status=Reservation.Status.CANCEL_REQUESTED, updated_at=timezone.now())
    reservation.refresh_from_db()
    if not moved:
        if reservation.status == Reservation.Status.CANCEL_REQUESTED:
            return reservation
        raise ValidationError({"reservation": f"The reservation is {reservation.get_status_display().lower()}."})
    command_request(
        station=reservation.station,
        action=CommandRequest.Action.CANCEL_RESERVATION,
        parameters={"reservation": reservation.pk},
        requested_by=requested_by,
        source=source,
    )
    return reservation


def reservation_record_answer(
    *, reservation_id: int, station_id: int, accepted: bool, delivered: bool, charger_status: str
) -> None:
    """The outcome of ReserveNow (called by the gateway). Compare-and-set from `requested`,
    so a late or repeated outcome changes nothing."""
    if accepted:
        new_status = Reservation.Status.ACCEPTED
    else:
        new_status = Reservation.Status.REJECTED if delivered else Reservation.Status.FAILED
    moved = Reservation.objects.filter(
        pk=reservation_id, station_id=station_id, status=Reservation.Status.REQUESTED
    ).update(status=new_status, charger_status=charger_status[:20], updated_at=timezone.now())
    if moved and accepted:
        _notify(
            Reservation.objects.select_related("station__site").get(pk=reservation_id),
            DriverNotification.Kind.RESERVATION_CONFIRMED,
        )


def reservation_record_cancellation(*, reservation_id: int, station_id: int, cancelled: bool) -> None:
    """The outcome of CancelReservation: accepted (or refused because the charger no longer
    holds it) ends the reservation; an undelivered request leaves it in force."""
    Reservation.objects.filter(
        pk=reservation_id, station_id=station_id, status=Reservation.Status.CANCEL_REQUESTED
    ).update(
        status=Reservation.Status.CANCELLED if cancelled else Reservation.Status.ACCEPTED, updated_at=timezone.now()
    )


def reservation_record_ended(*, reservation_id: int, station_id: int, expired: bool) -> None:
    """The charger ended a reservation on its own (OCPP 2.0.1 ReservationStatusUpdate):
    it expired there, or it was removed (its connector went out of service, …).
    Compare-and-set from the open statuses, so a late report changes nothing."""
    moved = Reservation.objects.filter(
        pk=reservation_id, station_id=station_id, status__in=Reservation.OPEN_STATUSES
    ).update(status=Reservation.Status.EXPIRED if expired else Reservation.Status.CANCELLED, updated_at=timezone.now())
    if moved and expired:
        _notify(
            Reservation.objects.select_related("station__site").get(pk=reservation_id),
            DriverNotification.Kind.RESERVATION_EXPIRED,
        )


def reservation_use(*, reservation_id: int, station_id: int, session_id: int) -> None:
    """A session started on the reservation (StartTransaction with its reservationId)."""
    Reservation.objects.filter(pk=reservation_id, station_id=station_id, status__in=Reservation.OPEN_STATUSES).update(
        status=Reservation.Status.USED, session_id=session_id, updated_at=timezone.now()
    )


@transaction.atomic
def reservations_expire(*, now=None) -> int:
    """Mark reservations past their expiry as expired and tell their drivers. Idempotent
    (rows another run holds are skipped, not waited for); returns how many moved."""
    now = now or timezone.now()
    due = list(
        Reservation.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status__in=Reservation.OPEN_STATUSES, expires_at__lte=now)
        .select_related("station__site")
    )
    Reservation.objects.filter(pk__in=[reservation.pk for reservation in due]).update(
        status=Reservation.Status.EXPIRED, updated_at=now
    )
    for reservation in due:
        _notify(reservation, DriverNotification.Kind.RESERVATION_EXPIRED)
    return len(due)


def _notify(reservation: Reservation, kind: str) -> None:
    """Queue the driver's e-mail about the reservation (after commit, once per kind)."""
    if reservation.driver_id is None:
        return
    driver_notify_later(
        driver_id=reservation.driver_id,
        kind=kind,
        key=reservation.pk,
        values={
            "station": f"{reservation.station.site.name}, {reservation.station.identity}"
            if reservation.station.site_id
            else reservation.station.identity,
            "connector": reservation.connector_number,
            "expires": reservation.expires_at.isoformat(),
        },
    )
