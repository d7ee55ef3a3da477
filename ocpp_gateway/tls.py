"""Client certificates of chargers (OCPP security profile 3), into the ASGI scope.

Uvicorn does not put the TLS session into the scope, so the gateway's WebSocket protocol
class (`uvicorn --ws ocpp_gateway.tls:ClientCertificateWebSocketProtocol`) adds the ASGI
TLS extension, `scope["extensions"]["tls"]["client_cert_chain"]` (PEM), from either:

- the TLS connection itself, when uvicorn terminates TLS with a client CA
  (`--ssl-ca-certs`, `--ssl-cert-reqs 1` or `2`): a certificate is there only if it
  verified against that CA;
- the header a TLS proxy sets with the certificate it verified (nginx:
  `$ssl_client_escaped_cert`, a URL-escaped PEM; HAProxy: `%[ssl_c_der,base64]`), believed
  only from a peer in OCPP_TLS_PROXY_ADDRESSES. The
  peer is the socket's, read here before uvicorn's --proxy-headers rewrites the client
  address from X-Forwarded-For.

Imported by uvicorn before Django is set up: settings are read per connection."""

import ipaddress
import ssl
import textwrap
from urllib.parse import unquote

from django.conf import settings
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class ClientCertificateWebSocketProtocol(WebSocketsSansIOProtocol):
    async def run_asgi(self) -> None:
        self.scope["extensions"]["tls"] = tls_extension(
            ssl_object=self.transport.get_extra_info("ssl_object"),
            peer=self.client[0] if self.client else None,
            headers=self.scope["headers"],
        )
        await super().run_asgi()


def tls_extension(*, ssl_object: ssl.SSLObject | None, peer: str | None, headers: list[tuple[bytes, bytes]]) -> dict:
    chain, error = [], None
    if ssl_object is not None:
        der = ssl_object.getpeercert(binary_form=True)
        if der:
            chain = [ssl.DER_cert_to_PEM_cert(der)]
    elif peer is not None and _trusted_proxy(peer):
        chain, error = _forwarded_chain(headers)
    return {
        "client_cert_chain": chain,
        "client_cert_error": error,
        "client_cert_name": None,
        "server_cert": None,
        "tls_version": None,
        "cipher_suite": None,
    }


def _trusted_proxy(peer: str) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in network for network in settings.OCPP_TLS_PROXY_ADDRESSES)


def _forwarded_chain(headers: list[tuple[bytes, bytes]]) -> tuple[list[str], str | None]:
    wanted = {
        settings.OCPP_TLS_PROXY_CERT_HEADER.lower().encode(),
        settings.OCPP_TLS_PROXY_VERIFY_HEADER.lower().encode(),
    }
    found = {name.lower(): value.decode("latin-1") for name, value in headers if name.lower() in wanted}
    certificate = unquote(found.get(settings.OCPP_TLS_PROXY_CERT_HEADER.lower().encode(), "")).strip()
    if not certificate:
        return [], None
    if not certificate.startswith("-----BEGIN"):
        # HAProxy forwards the DER, base64 (`%[ssl_c_der,base64]`); nginx the escaped PEM.
        body = "\n".join(textwrap.wrap(certificate, 64))
        certificate = f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"
    if settings.OCPP_TLS_PROXY_VERIFY_HEADER:
        verdict = found.get(settings.OCPP_TLS_PROXY_VERIFY_HEADER.lower().encode(), "")
        if verdict != "SUCCESS":
            return [], f"The proxy did not verify the client certificate ({verdict or 'no verdict'})."
    return [certificate], None
