"""OCPP 2.0.1 Security (functional block A), CSMS side: SecurityEventNotification and
SignCertificate from the charger, and what the charger's answer to CertificateSigned
changes (its translation is in commands.py). Profile 3 admission is the handshake's, the
same for every version (ocpp_gateway/handshake.py); signing is the same CA and task as 1.6's."""

from django.utils import timezone
from ocpp.v201.enums import Action

from ocpp_gateway.protocols.base import CallContext, parse_time
from ocpp_gateway.protocols.v201 import PROTOCOL
from ocpp_gateway.security import certificates, events
from stations.models import CommandRequest

Status = CommandRequest.Status


@PROTOCOL.on(Action.security_event_notification)
def security_event_notification(
    ctx: CallContext, *, type: str, timestamp: str, tech_info: str | None = None, **_
) -> dict:
    events.security_event_record(
        station_id=ctx.station_id,
        event_type=type,
        occurred_at=parse_time(timestamp, "timestamp"),
        tech_info=tech_info or "",
        received_at=ctx.received_at,
    )
    return {}


@PROTOCOL.on(Action.sign_certificate)
def sign_certificate(ctx: CallContext, *, csr: str, certificate_type: str | None = None, **_) -> dict:
    if certificate_type == "V2GCertificate":
        # A V2G (ISO 15118) certificate is signed by the V2G PKI, not the CSMS CA.
        return {"status": "Rejected", "statusInfo": {"reasonCode": "NotSupported"}}
    try:
        certificates.csr_receive(station_id=ctx.station_id, identity=ctx.identity, csr_pem=csr, at=ctx.received_at)
    except certificates.CertificateRefused as refusal:
        return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR", "additionalInfo": str(refusal)[:512]}}
    return {"status": "Accepted"}


@PROTOCOL.on_result(Action.certificate_signed)
def certificate_signed_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    outcome = {Status.ACCEPTED: "accepted", Status.REJECTED: "rejected"}.get(request.status, "failed")
    certificates.certificate_signed_record(
        station_id=request.station_id,
        chain_pem=call["certificateChain"],
        status=outcome,
        at=request.responded_at or timezone.now(),
    )
