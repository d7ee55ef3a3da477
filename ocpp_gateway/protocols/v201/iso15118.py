"""OCPP 2.0.1 ISO 15118 certificate management (functional block M), CSMS side:
Get15118EVCertificate and GetCertificateStatus answered by the pluggable certificate
source (ocpp_gateway/security/iso15118.py); what the answers to InstallCertificate,
DeleteCertificate and GetInstalledCertificateIds change (the same InstalledCertificate
rows as 1.6's; their translations are in commands.py)."""

import logging

from ocpp.v201.enums import Action

from ocpp_gateway.protocols.base import CallContext
from ocpp_gateway.protocols.v201 import PROTOCOL
from ocpp_gateway.protocols.v201.commands import CERTIFICATE_USE
from ocpp_gateway.security import certificates
from ocpp_gateway.security.iso15118 import certificate_source
from stations.models import CommandRequest

logger = logging.getLogger(__name__)
# 2.0.1's InstallCertificateUse / GetCertificateIdUse → the neutral certificate types.
CERTIFICATE_TYPE = {use: neutral for neutral, use in CERTIFICATE_USE.items()} | {"V2GCertificateChain": "v2g_chain"}


@PROTOCOL.on(Action.get_15118_ev_certificate)
def get_15118_ev_certificate(
    ctx: CallContext, *, iso15118_schema_version: str, action: str, exi_request: str, **_
) -> dict:
    answer = certificate_source().ev_certificate(
        station_identity=ctx.identity, schema_version=iso15118_schema_version, action=action, exi_request=exi_request
    )
    if answer.status != "Accepted":
        logger.info("station %s: 15118 EV certificate not provided: %s", ctx.identity, answer.reason)
    return {"status": answer.status, "exiResponse": answer.payload}


@PROTOCOL.on(Action.get_certificate_status)
def get_certificate_status(ctx: CallContext, *, ocsp_request_data: dict, **_) -> dict:
    data = ocsp_request_data
    answer = certificate_source().certificate_status(
        hash_data={
            "hashAlgorithm": data["hash_algorithm"],
            "issuerNameHash": data["issuer_name_hash"],
            "issuerKeyHash": data["issuer_key_hash"],
            "serialNumber": data["serial_number"],
        },
        responder_url=data["responder_url"],
    )
    if answer.status != "Accepted":
        logger.info("station %s: certificate status not obtained: %s", ctx.identity, answer.reason)
        return {"status": "Failed"}
    return {"status": "Accepted", "ocspResult": answer.payload}


# --- what the charger's answers change ----------------------------------------------------
@PROTOCOL.on_result(Action.install_certificate)
def install_certificate_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    if request.status == CommandRequest.Status.ACCEPTED:
        certificates.installed_certificate_add(
            station_id=request.station_id,
            certificate_type=CERTIFICATE_TYPE[call["certificateType"]],
            certificate_pem=call["certificate"],
            at=request.responded_at,
        )


@PROTOCOL.on_result(Action.delete_certificate)
def delete_certificate_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    if (response or {}).get("status") in ("Accepted", "NotFound"):
        certificates.installed_certificate_remove(station_id=request.station_id, entry=call["certificateHashData"])


@PROTOCOL.on_result(Action.get_installed_certificate_ids)
def get_installed_certificate_ids_answered(request: CommandRequest, call: dict, response: dict | None) -> None:
    if response is None or response.get("status") not in ("Accepted", "NotFound"):
        return
    entries = [
        {**chain["certificateHashData"], "certificateType": CERTIFICATE_TYPE.get(chain["certificateType"], "")}
        for chain in response.get("certificateHashDataChain", [])
    ]
    asked = call.get("certificateType") or [None]
    for use in asked:
        neutral = CERTIFICATE_TYPE.get(use) if use else None
        certificates.installed_certificates_store(
            station_id=request.station_id,
            certificate_type=neutral,
            entries=[entry for entry in entries if neutral is None or entry["certificateType"] == neutral],
            at=request.responded_at,
        )
