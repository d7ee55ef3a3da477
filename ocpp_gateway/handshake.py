"""Who may open `/ocpp/<identity>`: identity lookup (or auto-registration), the station's
HTTP Basic credentials (security profiles 1 and 2) or its TLS client certificate, verified
by the TLS layer and bound to the station by its subject's common name (profile 3; see
ocpp_gateway.tls for where the certificate comes from).

Decided before the WebSocket upgrade, so a refusal is a plain HTTP 404 or 401."""

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509
from django.conf import settings

from ocpp_gateway.security import certificates
from stations.models import ChargingStation
from stations.selectors import registry as registry_selectors
from stations.services import status as station_status


@dataclass(frozen=True)
class Admission:
    station_id: int | None = None
    identity: str = ""
    registration_status: str = ""
    refusal: int | None = None  # HTTP status when refused
    reason: str = ""


# A 503 (too many chargers connecting) suggests this; firmware adds its own back-off.
RETRY_AFTER_SECONDS = b"5"


async def http_refusal(scope: dict, send, status: int, reason: str) -> None:
    """Answer a WebSocket handshake with a plain HTTP `status` instead of the upgrade, through
    the ASGI `websocket.http.response` extension (uvicorn has it); without the extension,
    closing before accepting makes the server answer 403."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        await send({"type": "websocket.close"})
        return
    headers = [(b"content-type", b"text/plain; charset=utf-8")]
    if status == 401:
        headers.append((b"www-authenticate", b'Basic realm="OCPP", charset="UTF-8"'))
    if status == 503:
        headers.append((b"retry-after", RETRY_AFTER_SECONDS))
    await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
    await send({"type": "websocket.http.response.body", "body": reason.encode()})


async def websocket_not_found(scope: dict, receive, send) -> None:
    """The last WebSocket route, for paths no other takes (an identity over 48 characters,
    `../admin/`, `%2F`, none at all): 404 before the upgrade. Without it Channels' router
    raises, and the server answers 500 and logs a traceback for every such probe."""
    await receive()  # websocket.connect
    await http_refusal(scope, send, 404, "Not found.")


def basic_credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | None:
    """(username, password) from an `Authorization: Basic …` header, or None."""
    for name, value in headers:
        if name.lower() != b"authorization":
            continue
        scheme, _, encoded = value.decode("latin-1").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        username, separator, password = decoded.partition(":")
        return (username, password) if separator else None
    return None


def client_certificate(scope: dict) -> x509.Certificate | None:
    """The verified client certificate of this connection (the ASGI TLS extension), if any."""
    chain = (scope.get("extensions") or {}).get("tls", {}).get("client_cert_chain") or []
    if not chain:
        return None
    try:
        return x509.load_pem_x509_certificate(chain[0].encode())
    except ValueError:
        return None


def station_admit(
    *,
    identity: str,
    credentials: tuple[str, str] | None,
    certificate: x509.Certificate | None = None,
    over_tls: bool = True,
) -> Admission:
    """Admit a known station whose credentials match: a station at profile 3 by its client
    certificate alone, at profile 1 or 2 by its password, profile 2 only over TLS (`over_tls`:
    the scheme is wss, from our own TLS or a trusted proxy's X-Forwarded-Proto), since its
    password would otherwise cross the network in the clear. A station is never admitted below
    its profile (no downgrade), and a certificate of another identity admits nobody.
    Unknown identities are refused (404) unless OCPP_AUTO_REGISTER creates them in Pending
    state."""
    if certificate is not None and certificates.common_name(certificate.subject) != identity:
        return Admission(identity=identity, refusal=401, reason="The client certificate is not this station's.")
    if credentials is not None and credentials[0] != identity:
        return Admission(identity=identity, refusal=401, reason="The username must be the station identity.")
    station = registry_selectors.station_by_identity(identity=identity)
    if station is None:
        if not settings.OCPP_AUTO_REGISTER:
            return Admission(identity=identity, refusal=404, reason="Unknown charging station.")
        station = station_status.station_auto_register(
            identity=identity,
            password=credentials[1] if credentials else None,
            client_certificate=certificate is not None,
        )
    if station.security_profile == ChargingStation.SecurityProfile.CLIENT_CERT:
        if certificate is None:
            return Admission(
                identity=identity, refusal=401, reason="This station connects with its client certificate."
            )
        if not certificates.certificate_admits(station=station, certificate=certificate):
            return Admission(identity=identity, refusal=401, reason="The client certificate was revoked.")
    elif station.security_profile == ChargingStation.SecurityProfile.BASIC_TLS and not over_tls:
        return Admission(identity=identity, refusal=401, reason="This station connects over TLS (wss://).")
    elif not _credentials_ok(station, credentials):
        return Admission(identity=identity, refusal=401, reason="Invalid or missing credentials.")
    return Admission(station_id=station.pk, identity=identity, registration_status=station.registration_status)


def _credentials_ok(station: ChargingStation, credentials: tuple[str, str] | None) -> bool:
    if credentials is None:
        return station.security_profile == ChargingStation.SecurityProfile.NONE
    if not station.password_hash:
        # Profile 0 without a password: credentials are not needed, so extra ones change nothing.
        return station.security_profile == ChargingStation.SecurityProfile.NONE
    return registry_selectors.station_password_matches(station=station, password=credentials[1])
