"""Starting and stopping our drivers' charges, and reserving, at partner CPOs' chargers (we are the EMSP,
Commands Sender). The driver must pass the one token rule first, as at our own chargers;
the partner answers at once (CommandResponse) and later POSTs the charger's result to our
response_url (`sent_command_result`)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from drivers.models import Token
from drivers.selectors.tokens import token_authorization
from drivers.services.charging import driver_may_charge_check
from roaming import fields as f
from roaming import parties
from roaming.client import PartnerError
from roaming.envelope import OcpiError, Status
from roaming.fields import datetime_format
from roaming.models import PartnerLocation, PartnerSession, SentCommand
from roaming.selectors.driver_tokens import driver_token_object
from roaming.services.pushes import partner_client
from stations.services.charging import ChargeRefused

COMMAND_RESPONSE = f.Object(
    {
        "result": f.Enum(["ACCEPTED", "NOT_SUPPORTED", "REJECTED", "UNKNOWN_SESSION"]),
        "timeout": f.Integer(),
    }
)
COMMAND_RESULT = f.Object(
    {
        "result": f.Enum(
            ["ACCEPTED", "CANCELED_RESERVATION", "EVSE_OCCUPIED", "EVSE_INOPERATIVE", "FAILED", "NOT_SUPPORTED",
             "REJECTED", "TIMEOUT", "UNKNOWN_RESERVATION"]
        )
    }
)  # fmt: skip


class CommandRefused(Exception):
    """We will not ask the partner: the message says why, in the driver's words."""


def _send(*, sent: SentCommand, body: dict) -> SentCommand:
    url = sent.partner.endpoint_url("commands", "RECEIVER")
    body["response_url"] = parties.url(f"emsp/2.2.1/commands/{sent.command}/{sent.pk}")
    try:
        data, _ = partner_client(sent.partner, from_role="EMSP").call(
            "POST", f"{url.rstrip('/')}/{sent.command}", json=body
        )
        response = COMMAND_RESPONSE.clean(data, "command response")["result"]
    except (PartnerError, OcpiError) as error:
        SentCommand.objects.filter(pk=sent.pk).update(response="FAILED", answered_at=timezone.now())
        raise CommandRefused("The partner network did not take the request; please try again.") from error
    SentCommand.objects.filter(pk=sent.pk).update(response=response)
    sent.refresh_from_db()
    return sent


def _may_charge_check(*, token: Token, location: PartnerLocation) -> None:
    """The same checks as at our own chargers (account, payment block, the one token rule),
    and a partner that takes commands; raises CommandRefused."""
    if token.driver is not None:
        try:
            driver_may_charge_check(driver=token.driver)
        except ChargeRefused as refusal:
            raise CommandRefused(refusal.message) from refusal
    authorization = token_authorization(id_tag=token.uid)
    if not authorization.accepted:
        raise CommandRefused(f"This token may not charge now: {authorization.reason}.")
    if not location.partner.endpoint_url("commands", "RECEIVER"):
        raise CommandRefused("This network does not take remote starts.")


def partner_charge_start(*, token: Token, location: PartnerLocation, evse_uid: str) -> SentCommand:
    """Ask the partner CPO to start charging `token` at the EVSE. Raises CommandRefused when
    the driver or the token may not charge (the same checks as at our own chargers), the
    partner takes no commands or does not answer."""
    _may_charge_check(token=token, location=location)
    with transaction.atomic():
        sent = SentCommand.objects.create(
            partner=location.partner,
            command="START_SESSION",
            token=token,
            location_id=location.location_id,
            evse_uid=evse_uid,
        )
    body = {
        "token": driver_token_object(token),
        "location_id": location.location_id,
        "evse_uid": evse_uid,
        "authorization_reference": f"EVC{sent.pk}",
    }
    return _send(sent=sent, body=body)


def partner_charge_stop(*, token: Token, session: PartnerSession) -> SentCommand:
    """Ask the partner CPO to stop the driver's session there."""
    if session.token_id != token.pk:
        raise CommandRefused("This is not your charging session.")
    sent = SentCommand.objects.create(
        partner=session.partner, command="STOP_SESSION", token=token, session_id=session.session_id
    )
    return _send(sent=sent, body={"session_id": session.session_id})


def partner_reservation_make(*, token: Token, location: PartnerLocation, evse_uid: str, minutes: int) -> SentCommand:
    """Ask the partner CPO to hold the EVSE for `token` for `minutes` (RESERVE_NOW; our
    reservation_id is the SentCommand's id). The same checks as a start; raises CommandRefused."""
    _may_charge_check(token=token, location=location)
    expires_at = timezone.now() + timedelta(minutes=minutes)
    with transaction.atomic():
        sent = SentCommand.objects.create(
            partner=location.partner,
            command="RESERVE_NOW",
            token=token,
            location_id=location.location_id,
            evse_uid=evse_uid,
            expires_at=expires_at,
        )
        sent.reservation_id = str(sent.pk)
        SentCommand.objects.filter(pk=sent.pk).update(reservation_id=sent.reservation_id)
    body = {
        "token": driver_token_object(token),
        "expiry_date": datetime_format(expires_at),
        "reservation_id": sent.reservation_id,
        "location_id": location.location_id,
        "evse_uid": evse_uid,
        "authorization_reference": f"EVC{sent.pk}",
    }
    return _send(sent=sent, body=body)


def partner_reservation_cancel(*, token: Token, reservation: SentCommand) -> SentCommand:
    """Ask the partner CPO to drop the driver's reservation (CANCEL_RESERVATION)."""
    if reservation.token_id != token.pk or reservation.command != "RESERVE_NOW":
        raise CommandRefused("This is not your reservation.")
    sent = SentCommand.objects.create(
        partner=reservation.partner,
        command="CANCEL_RESERVATION",
        token=token,
        location_id=reservation.location_id,
        evse_uid=reservation.evse_uid,
        reservation_id=reservation.reservation_id,
    )
    return _send(sent=sent, body={"reservation_id": reservation.reservation_id})


def sent_command_result(*, partner, command: str, sent_id: int, data) -> None:
    """The partner POSTed the charger's result. The first result stands (a replay changes
    nothing); raises OcpiError 2001 for a malformed result, 404 for a command we did not send it."""
    result = COMMAND_RESULT.clean(data, "")["result"]
    if not SentCommand.objects.filter(pk=sent_id, partner=partner, command=command).exists():
        raise OcpiError(Status.CLIENT_ERROR, "Unknown command.", http_status=404)
    SentCommand.objects.filter(pk=sent_id, result="").update(result=result, answered_at=timezone.now())
