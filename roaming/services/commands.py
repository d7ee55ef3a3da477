"""Commands from a partner EMSP (we are the CPO): each becomes the same protocol-neutral
charger command request every other door creates — starts and stops through the one charge
rule (`charge_start`, `charge_stop`: a refusal is answered REJECTED in its words), and the
charger's answer goes back to the partner's `response_url` as a CommandResult
(roaming/tasks.py: command_result_forward). What we answer at once is a CommandResponse:
ACCEPTED (the request is queued), REJECTED, NOT_SUPPORTED or UNKNOWN_SESSION.

Reservations go the same way through the one reservation rule (`reservation_request`,
`reservation_cancel`): a partner's reservation is ours, held for its token's uid, and
`roaming.PartnerReservation` keeps the EMSP's reservation_id for it."""

from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from drivers.models import Reservation
from drivers.services.charging import charge_start
from drivers.services.reservations import reservation_cancel, reservation_request
from roaming import schemas
from roaming.client import PartnerError
from roaming.envelope import OcpiError, Status
from roaming.models import Partner, PartnerCommand, PartnerReservation, PartnerToken
from roaming.selectors import locations
from roaming.selectors.tokens import remote_start_allowed
from roaming.services.pushes import partner_client
from roaming.services.tokens import token_owned, token_store
from stations.models import ChargingSession, CommandRequest
from stations.services.charging import ChargeRefused, charge_stop
from stations.services.commands import command_request

# Starts and stops expire after the charge rule's one lifetime; unlock goes by the same.
COMMAND_TTL_SECONDS = settings.CHARGE_COMMAND_TTL_SECONDS
# A command request is final by its TTL plus the charger's call timeout; polled every 2 s.
COMMAND_POLLS = (COMMAND_TTL_SECONDS + settings.OCPP_CALL_TIMEOUT) // 2 + 5
# CommandRequest status → OCPI CommandResultType.
RESULT = {
    CommandRequest.Status.ACCEPTED: "ACCEPTED",
    CommandRequest.Status.REJECTED: "REJECTED",
    CommandRequest.Status.FAILED: "FAILED",
    CommandRequest.Status.TIMED_OUT: "TIMEOUT",
    CommandRequest.Status.EXPIRED: "FAILED",
}
# A charger's refusal (ReserveNow, CancelReservation status, neutral words) → CommandResultType.
CHARGER_REFUSALS = {
    "RESERVE_NOW": {"occupied": "EVSE_OCCUPIED", "faulted": "EVSE_INOPERATIVE", "unavailable": "EVSE_INOPERATIVE"},
    # The charger holds no reservation of that id.
    "CANCEL_RESERVATION": {"rejected": "UNKNOWN_RESERVATION"},
}


def _response(result: str, message: str = "") -> dict:
    answer = {"result": result, "timeout": COMMAND_TTL_SECONDS + settings.OCPP_CALL_TIMEOUT}
    if message:
        answer["message"] = [{"language": "en", "text": message[:512]}]
    return answer


def command_receive(*, partner: Partner, command: str, data) -> dict:
    """Carry out `command` for the partner; returns the CommandResponse. Raises OcpiError
    2001 for a malformed body or an unknown command, 2003 for an unknown location or EVSE."""
    if command not in schemas.COMMAND_BODIES:
        raise OcpiError(Status.INVALID_PARAMETERS, f"{command!r} is not a CommandType.")
    body = schemas.COMMAND_BODIES[command].clean(data, "")
    if command == "START_SESSION":
        return _start(partner=partner, body=body, raw=data)
    if command == "STOP_SESSION":
        return _stop(partner=partner, body=body)
    if command == "UNLOCK_CONNECTOR":
        return _unlock(partner=partner, body=body)
    if command == "RESERVE_NOW":
        return _reserve(partner=partner, body=body, raw=data)
    return _reservation_cancel(partner=partner, body=body)


def _evse(body: dict):
    site = locations.ocpi_location(location_id=body["location_id"])
    if site is None:
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown location {body['location_id']}.")
    found = locations.evse_find(site=site, uid=body.get("evse_uid") or "")
    if found is None:
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown EVSE {body.get('evse_uid')}.")
    return found


def _queue(*, partner: Partner, command: str, body: dict, queue: Callable[[], CommandRequest], **extra) -> dict:
    """`queue()` creates the charger command request (through the charge rule for a start
    or a stop, whose refusal is answered REJECTED with its words)."""
    try:
        with transaction.atomic():
            request = queue()
            partner_command = PartnerCommand.objects.create(
                partner=partner, command=command, response_url=body["response_url"], request=request, **extra
            )
            command_result_forward.delay(partner_command.pk)
    except ChargeRefused as refusal:
        return _response("REJECTED", refusal.message)
    except ValidationError as refusal:  # the reservation rule's refusals
        return _response("REJECTED", " ".join(refusal.messages))
    return _response("ACCEPTED")


def _start(*, partner: Partner, body: dict, raw: dict) -> dict:
    token = body["token"]
    station, connector = _evse(body)
    # The charge rule and the charger's StartTransaction ask the token rule; neither may
    # ask the partner again.
    if not _token_vouched(partner=partner, body=body, raw=raw):
        return _response("REJECTED", "The token is not valid.")
    return _queue(
        partner=partner,
        command="START_SESSION",
        body=body,
        queue=lambda: charge_start(
            station=station,
            connector_number=connector.connector_id,
            id_tag=token["uid"],
            source=CommandRequest.Source.API,
        ),
        token_uid=token["uid"],
        authorization_reference=body.get("authorization_reference") or "",
    )


def _stop(*, partner: Partner, body: dict) -> dict:
    session_id = body["session_id"]
    session = ChargingSession.objects.filter(pk=int(session_id)).first() if session_id.isdigit() else None
    if session is None or not PartnerToken.objects.filter(partner=partner, uid__iexact=session.id_tag).exists():
        return _response("UNKNOWN_SESSION", f"Unknown session {session_id}.")
    return _queue(
        partner=partner,
        command="STOP_SESSION",
        body=body,
        queue=lambda: charge_stop(session=session, source=CommandRequest.Source.API),
    )


def _unlock(*, partner: Partner, body: dict) -> dict:
    station, connector = _evse(body)
    if body["connector_id"] != "1":
        raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown connector {body['connector_id']}.")
    if not station.is_connected:
        return _response("REJECTED", "The charger is offline.")
    return _queue(
        partner=partner,
        command="UNLOCK_CONNECTOR",
        body=body,
        queue=lambda: command_request(
            station=station,
            action=CommandRequest.Action.UNLOCK,
            parameters={"connector": connector.connector_id},
            source=CommandRequest.Source.API,
            ttl_seconds=COMMAND_TTL_SECONDS,
        ),
    )


def _token_vouched(*, partner: Partner, body: dict, raw: dict) -> bool:
    """The EMSP vouches for the token it sends with a command: keep it, as pushed, and let
    the one token rule accept it without asking the partner again. False if not valid."""
    token = body["token"]
    token_owned(partner, country_code=token["country_code"], party_id=token["party_id"])
    token_store(partner=partner, token=token, raw=raw["token"])
    if not token["valid"]:
        return False
    remote_start_allowed(uid=token["uid"])
    return True


def _reserve(*, partner: Partner, body: dict, raw: dict) -> dict:
    """RESERVE_NOW through the one reservation rule (`reservation_request`): the charger is
    sent ReserveNow for the token's uid; its answer goes to `response_url`."""
    if body["expiry_date"] <= timezone.now():
        raise OcpiError(Status.INVALID_PARAMETERS, "expiry_date has passed.")
    if body.get("evse_uid"):
        station, connector = _evse(body)
    else:
        # The location as a whole (evse_uid is optional in 2.2.1): we hold one EVSE of it,
        # the first free one, which the token may then charge at.
        site = locations.ocpi_location(location_id=body["location_id"])
        if site is None:
            raise OcpiError(Status.UNKNOWN_LOCATION, f"Unknown location {body['location_id']}.")
        free = locations.evse_available_first(site=site)
        if free is None:
            return _response("REJECTED", "No EVSE of this location is free to reserve.")
        station, connector = free
        body = {**body, "evse_uid": locations.evse_uid(station=station, connector=connector)}
    if not _token_vouched(partner=partner, body=body, raw=raw):
        return _response("REJECTED", "The token is not valid.")
    if not station.is_connected:
        return _response("REJECTED", "The charger is offline.")

    def queue() -> CommandRequest:
        # One partner's reservation commands one at a time: two RESERVE_NOWs of one id
        # must not both pass the check below.
        Partner.objects.select_for_update().filter(pk=partner.pk).first()
        held = PartnerReservation.objects.filter(
            partner=partner, ocpi_reservation_id__iexact=body["reservation_id"]
        ).select_related("reservation")
        if any(previous.reservation.is_open for previous in held):
            raise ValidationError(f"Reservation {body['reservation_id']} is held already; cancel it first.")
        reservation = reservation_request(
            station=station,
            id_tag=body["token"]["uid"],
            connector_number=connector.connector_id,
            expires_at=body["expiry_date"],
            source=CommandRequest.Source.API,
        )
        # A spent id (used, expired, cancelled) may name a new reservation.
        PartnerReservation.objects.update_or_create(
            partner=partner,
            ocpi_reservation_id=body["reservation_id"],
            defaults={"reservation": reservation, "location_id": body["location_id"], "evse_uid": body["evse_uid"]},
        )
        return _request_for(station=station, action=CommandRequest.Action.RESERVE, reservation_id=reservation.pk)

    return _queue(
        partner=partner,
        command="RESERVE_NOW",
        body=body,
        queue=queue,
        token_uid=body["token"]["uid"],
        authorization_reference=body.get("authorization_reference") or "",
    )


@transaction.atomic
def _reservation_cancel(*, partner: Partner, body: dict) -> dict:
    # Serialised with the partner's other reservation commands (see _reserve).
    Partner.objects.select_for_update().filter(pk=partner.pk).first()
    held = (
        PartnerReservation.objects.filter(partner=partner, ocpi_reservation_id__iexact=body["reservation_id"])
        .select_related("reservation__station")
        .first()
    )
    if held is None:
        return _response("REJECTED", f"Unknown reservation {body['reservation_id']}.")
    if held.reservation.status == Reservation.Status.CANCEL_REQUESTED:
        # A repeated cancel: the first one's response_url gets the charger's answer.
        return _response("ACCEPTED")

    def queue() -> CommandRequest:
        reservation = reservation_cancel(reservation=held.reservation, source=CommandRequest.Source.API)
        return _request_for(
            station=reservation.station, action=CommandRequest.Action.CANCEL_RESERVATION, reservation_id=reservation.pk
        )

    return _queue(partner=partner, command="CANCEL_RESERVATION", body=body, queue=queue)


def _request_for(*, station, action: str, reservation_id: int) -> CommandRequest:
    """The request the reservation service has just queued for the reservation."""
    return (
        CommandRequest.objects.filter(station=station, action=action, parameters__reservation=reservation_id)
        .order_by("-pk")
        .first()
    )


def command_result(*, partner_command: PartnerCommand) -> str | None:
    """The OCPI CommandResult for the charger's answer, or None while it is still pending."""
    request = partner_command.request
    if request is None:
        return "FAILED"
    if request.status == CommandRequest.Status.REJECTED and partner_command.command in CHARGER_REFUSALS:
        charger_status = request.result.get("status", "") if isinstance(request.result, dict) else ""
        return CHARGER_REFUSALS[partner_command.command].get(charger_status, "REJECTED")
    if request.status == CommandRequest.Status.ACCEPTED and partner_command.command == "CANCEL_RESERVATION":
        return "CANCELED_RESERVATION"
    return RESULT.get(request.status)


@shared_task(bind=True, acks_late=True, max_retries=None)
def command_result_forward(self, partner_command_id: int) -> str | None:
    """Once the charger has answered, POST the CommandResult to the partner's response_url
    (once: result_sent_at). Polls the request every 2 s while it is pending; retries with
    backoff while the partner cannot be reached."""
    partner_command = PartnerCommand.objects.select_related("request", "partner").get(pk=partner_command_id)
    if partner_command.result_sent_at is not None:
        return partner_command.result
    result = command_result(partner_command=partner_command)
    if result is None:
        if self.request.retries > COMMAND_POLLS:
            result = "TIMEOUT"
        else:
            raise self.retry(countdown=2)
    try:
        partner_client(partner_command.partner, from_role="CPO").call(
            "POST", partner_command.response_url, json={"result": result}
        )
    except PartnerError as error:
        if self.request.retries > COMMAND_POLLS + 10:
            raise
        raise self.retry(exc=error, countdown=min(2 ** min(self.request.retries, 9), 600)) from error
    PartnerCommand.objects.filter(pk=partner_command_id, result_sent_at__isnull=True).update(
        result=result, result_sent_at=timezone.now()
    )
    return result
