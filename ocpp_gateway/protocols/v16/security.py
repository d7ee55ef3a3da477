"""OCPP 1.6 security extension (whitepaper edition 2): SecurityEventNotification and
SignCertificate from the charger; CertificateSigned, InstallCertificate, DeleteCertificate
and GetInstalledCertificateIds as translations of the neutral command requests, with what
their answers change."""

from django.utils import timezone
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, GenericStatus

from ocpp_gateway.protocols.base import CallContext, OcppCallError, parse_time
from ocpp_gateway.protocols.v16 import PROTOCOL
from ocpp_gateway.security import certificates, events
from stations.models import CommandRequest

translates = PROTOCOL.translates
# Neutral certificate types ↔ 1.6's CertificateUse; 1.6 has no ISO 15118 roots.
CERTIFICATE_USE = {"csms_root": "CentralSystemRootCertificate", "manufacturer_root": "ManufacturerRootCertificate"}
CERTIFICATE_TYPE = {use: neutral for neutral, use in CERTIFICATE_USE.items()}
Status = CommandRequest.Status


@PROTOCOL.on(Action.security_event_notification)
def security_event_notification(
    ctx: CallContext, *, type: str, timestamp: str, tech_info: str | None = None, **_
) -> call_result.SecurityEventNotification:
    events.security_event_record(
        station_id=ctx.station_id,
        event_type=type,
        occurred_at=parse_time(timestamp, "timestamp"),
        tech_info=tech_info or "",
        received_at=ctx.received_at,
    )
    return call_result.SecurityEventNotification()


@PROTOCOL.on(Action.sign_certificate)
def sign_certificate(ctx: CallContext, *, csr: str, **_) -> call_result.SignCertificate:
    try:
        certificates.csr_receive(station_id=ctx.station_id, identity=ctx.identity, csr_pem=csr, at=ctx.received_at)
    except certificates.CertificateRefused:
        return call_result.SignCertificate(status=GenericStatus.rejected)
    return call_result.SignCertificate(status=GenericStatus.accepted)


# --- CSMS → charger -----------------------------------------------------------------------
def _certificate_use(neutral: str) -> str:
    if neutral not in CERTIFICATE_USE:
        raise OcppCallError("NotSupported", f"OCPP 1.6 has no {neutral} certificates.")
    return CERTIFICATE_USE[neutral]


@translates("certificate_signed", "CertificateSigned")
def certificate_signed(p: dict) -> dict:
    if p.get("certificate_type", "ChargingStationCertificate") != "ChargingStationCertificate":
        raise OcppCallError("NotSupported", "OCPP 1.6 installs no V2G certificates.")
    return {"certificateChain": p["certificate_chain"]}


@translates("install_certificate", "InstallCertificate")
def install_certificate(p: dict) -> dict:
    return {"certificateType": _certificate_use(p["certificate_type"]), "certificate": p["certificate"]}


@translates("delete_certificate", "DeleteCertificate")
def delete_certificate(p: dict) -> dict:
    return {"certificateHashData": hash_data(p)}


@translates("get_installed_certificate_ids", "GetInstalledCertificateIds")
def get_installed_certificate_ids(p: dict) -> dict:
    if not p.get("certificate_type"):
        raise OcppCallError("OccurenceConstraintViolation", "OCPP 1.6 asks for one certificate type at a time.")
    return {"certificateType": _certificate_use(p["certificate_type"])}


def hash_data(p: dict) -> dict:
    return {
        "hashAlgorithm": p["hash_algorithm"].upper(),
        "issuerNameHash": p["issuer_name_hash"],
        "issuerKeyHash": p["issuer_key_hash"],
        "serialNumber": p["serial_number"],
    }


@PROTOCOL.on_result(Action.certificate_signed)
def certificate_signed_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    outcome = {Status.ACCEPTED: "accepted", Status.REJECTED: "rejected"}.get(request.status, "failed")
    certificates.certificate_signed_record(
        station_id=request.station_id,
        chain_pem=call["certificateChain"],
        status=outcome,
        at=request.responded_at or timezone.now(),
    )


@PROTOCOL.on_result(Action.install_certificate)
def install_certificate_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    if request.status == Status.ACCEPTED:
        certificates.installed_certificate_add(
            station_id=request.station_id,
            certificate_type=CERTIFICATE_TYPE[call["certificateType"]],
            certificate_pem=call["certificate"],
            at=request.responded_at,
        )


@PROTOCOL.on_result(Action.delete_certificate)
def delete_certificate_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    # NotFound: the charger does not hold it either; Failed: it still does.
    if (response or {}).get("status") in ("Accepted", "NotFound"):
        certificates.installed_certificate_remove(station_id=request.station_id, entry=call["certificateHashData"])


@PROTOCOL.on_result(Action.get_installed_certificate_ids)
def get_installed_certificate_ids_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    if response is None or response.get("status") not in ("Accepted", "NotFound"):
        return
    certificates.installed_certificates_store(
        station_id=request.station_id,
        certificate_type=CERTIFICATE_TYPE[call["certificateType"]],
        entries=response.get("certificateHashData", []) if response["status"] == "Accepted" else [],
        at=request.responded_at,
    )
