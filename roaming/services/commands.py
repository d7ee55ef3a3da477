"""Commands from a partner EMSP (we are the CPO): each becomes the same protocol-neutral
charger command request every other door creates — starts and stops through the one charge
rule (`charge_start`, `charge_stop`: a refusal is answered REJECTED in its words), and the
charger's answer goes back to the partner's `response_url` as a CommandResult
(roaming/tasks.py: command_result_forward). What we answer at once is a CommandResponse:
ACCEPTED (the request is queued), REJECTED, NOT_SUPPORTED or UNKNOWN_SESSION."""

from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from drivers.services.charging import charge_start
from roaming import schemas
from roaming.client import PartnerError
from roaming.envelope import OcpiError, Status
from roaming.models import Partner, PartnerCommand, PartnerToken
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
    # Reservations are the driver's (drivers.Reservation needs one of our drivers' tokens);
    # a partner's token cannot hold one yet.
    return _response("NOT_SUPPORTED", "Reservations for partner tokens are not supported yet.")


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
    return _response("ACCEPTED")


def _start(*, partner: Partner, body: dict, raw: dict) -> dict:
    token = body["token"]
    token_owned(partner, country_code=token["country_code"], party_id=token["party_id"])
    station, connector = _evse(body)
    # The EMSP vouches for its token by sending the command: keep it, as pushed.
    token_store(partner=partner, token=token, raw=raw["token"])
    if not token["valid"]:
        return _response("REJECTED", "The token is not valid.")
    # The charge rule and the charger's StartTransaction ask the token rule; neither may
    # ask the partner again.
    remote_start_allowed(uid=token["uid"])
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


def command_result(*, partner_command: PartnerCommand) -> str | None:
    """The OCPI CommandResult for the charger's answer, or None while it is still pending."""
    request = partner_command.request
    if request is None:
        return "FAILED"
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
