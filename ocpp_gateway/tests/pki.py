"""Real certificates for the security tests, generated with `cryptography`: chargers' keys
and CSRs, a server certificate for 127.0.0.1, and files for uvicorn's and the chargers'
TLS contexts."""

import ipaddress
import ssl
import threading
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocpp_gateway.security.authority import key_pem, root_create


def charger_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def csr_pem(identity: str, key=None, organisation: str = "Test CPO") -> str:
    key = key or charger_key()
    subject = x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation), x509.NameAttribute(NameOID.COMMON_NAME, identity)]
    )
    csr = x509.CertificateSigningRequestBuilder().subject_name(subject).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode()


def weak_rsa_csr_pem(identity: str) -> str:
    # Weak on purpose: the CA must refuse it.
    return csr_pem(identity, key=rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505


def leaf_sign(*, ca_key, ca_certificate: x509.Certificate, common_name: str, key, server: bool = False):
    """A certificate signed by a test CA (the rogue CA's chargers, the server's own)."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


class ServerPki:
    """The TLS server's CA and certificate, written to `directory`."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.ca_key, self.ca_certificate = root_create(common_name="Test server CA")
        server_key = charger_key()
        server_certificate = leaf_sign(
            ca_key=self.ca_key, ca_certificate=self.ca_certificate, common_name="127.0.0.1", key=server_key, server=True
        )
        self.ca_file = directory / "server-ca.pem"
        self.certificate_file = directory / "server-cert.pem"
        self.key_file = directory / "server-key.pem"
        self.ca_file.write_bytes(pem(self.ca_certificate))
        self.certificate_file.write_bytes(pem(server_certificate))
        self.key_file.write_bytes(key_pem(server_key))

    def client_context(self, *, certificate_pem: bytes | None = None, key=None) -> ssl.SSLContext:
        """A charger's TLS context: trusts the server's CA, presents its certificate if given."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        if certificate_pem is not None:
            certificate_file = self.directory / f"client-{id(key)}.pem"
            certificate_file.write_bytes(certificate_pem + key_pem(key))
            context.load_cert_chain(str(certificate_file))
        return context


@contextmanager
def ocsp_responder(authority, certificate: x509.Certificate):
    """A real OCSP responder on loopback for `authority` (a LocalCertificateAuthority):
    GOOD for `certificate`, UNAUTHORIZED for anything else. Yields (url, asked), `asked`
    listing (Content-Type, serial number) of each request."""
    asked = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers["Content-Length"])))
            asked.append((self.headers["Content-Type"], request.serial_number))
            if request.serial_number != certificate.serial_number:
                answer = ocsp.OCSPResponseBuilder.build_unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
            else:
                now = datetime.now(UTC)
                answer = (
                    ocsp.OCSPResponseBuilder()
                    .add_response(
                        cert=certificate,
                        issuer=authority.root_certificate(),
                        algorithm=hashes.SHA256(),
                        cert_status=ocsp.OCSPCertStatus.GOOD,
                        this_update=now,
                        next_update=now + timedelta(hours=1),
                        revocation_time=None,
                        revocation_reason=None,
                    )
                    .responder_id(ocsp.OCSPResponderEncoding.HASH, authority.root_certificate())
                    .sign(authority._key, hashes.SHA256())
                )
            body = answer.public_bytes(serialization.Encoding.DER)
            self.send_response(200)
            self.send_header("Content-Type", "application/ocsp-response")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/ocsp", asked
    finally:
        server.shutdown()
        server.server_close()
