"""ISO 15118 certificate management (OCPP 2.0.1 block M), CSMS side: where the answers to a
charger's Get15118EVCertificate and GetCertificateStatus come from.

Pluggable: OCPP_15118_CERTIFICATE_SOURCE names a class with `ev_certificate(...)` and
`certificate_status(...)`. Contract certificates come from a mobility operator's or a V2G
root's PKI (Hubject and the like), which each operator contracts for itself, so the default
source refuses EV certificate requests; it does answer GetCertificateStatus, by asking the
certificate's OCSP responder, which needs nothing but the responder's URL."""

import base64
from dataclasses import dataclass
from functools import cache

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.conf import settings
from django.utils.module_loading import import_string

OCSP_TIMEOUT_SECONDS = 5  # the charger's call waits for it, inside its transaction
HASHES = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


@dataclass(frozen=True)
class SourceAnswer:
    status: str  # "Accepted" or "Failed"
    payload: str = ""  # base64: the EXI response, or the DER OCSP response
    reason: str = ""  # for the log and staff when Failed


class CertificateSource:
    def ev_certificate(
        self, *, station_identity: str, schema_version: str, action: str, exi_request: str
    ) -> SourceAnswer:
        raise NotImplementedError

    def certificate_status(self, *, hash_data: dict, responder_url: str) -> SourceAnswer:
        raise NotImplementedError


@cache
def certificate_source() -> CertificateSource:
    return import_string(settings.OCPP_15118_CERTIFICATE_SOURCE)()


class OcspCertificateSource(CertificateSource):
    def ev_certificate(
        self, *, station_identity: str, schema_version: str, action: str, exi_request: str
    ) -> SourceAnswer:
        return SourceAnswer("Failed", reason="No contract certificate provider is configured.")

    def certificate_status(self, *, hash_data: dict, responder_url: str) -> SourceAnswer:
        """Ask `responder_url` about the certificate `hash_data` names (OCPP's camelCase
        CertificateHashData); Accepted with the responder's DER answer, base64, when it gave
        a successful one (the status inside — good, revoked, unknown — is the charger's to read)."""
        try:
            request = (
                ocsp.OCSPRequestBuilder()
                .add_certificate_by_hash(
                    bytes.fromhex(hash_data["issuerNameHash"]),
                    bytes.fromhex(hash_data["issuerKeyHash"]),
                    int(hash_data["serialNumber"], 16),
                    HASHES[hash_data["hashAlgorithm"]](),
                )
                .build()
            )
        except (KeyError, ValueError) as error:
            return SourceAnswer("Failed", reason=f"Unusable certificate hash data: {error}")
        try:
            response = requests.post(
                responder_url,
                data=request.public_bytes(serialization.Encoding.DER),
                headers={"Content-Type": "application/ocsp-request"},
                timeout=OCSP_TIMEOUT_SECONDS,
            )
            response.raise_for_status()
            answer = ocsp.load_der_ocsp_response(response.content)
        except (requests.RequestException, ValueError) as error:
            return SourceAnswer("Failed", reason=f"OCSP responder: {error}")
        if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            return SourceAnswer("Failed", reason=f"OCSP responder answered {answer.response_status.name}.")
        return SourceAnswer("Accepted", base64.b64encode(response.content).decode())
