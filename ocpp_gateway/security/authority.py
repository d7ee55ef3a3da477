"""The CSMS certificate authority that signs chargers' certificate signing requests.

Pluggable: OCPP_CERTIFICATE_AUTHORITY names a class with `sign(csr=…, station_identity=…)`
returning the signed certificate followed by the chain up to (not including) the root the
chargers trust, and `root_certificate()`. Production points it at the operator's PKI (a
class that calls its API); `LocalCertificateAuthority` keeps a self-signed root in
OCPP_LOCAL_CA_DIR, for development and tests."""

import fcntl
import os
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.module_loading import import_string


class CertificateAuthorityError(Exception):
    """The CA could not sign; the message is kept on the certificate row for staff."""


class CertificateAuthority:
    def sign(self, *, csr: x509.CertificateSigningRequest, station_identity: str) -> list[x509.Certificate]:
        raise NotImplementedError

    def root_certificate(self) -> x509.Certificate:
        raise NotImplementedError


@cache
def certificate_authority() -> CertificateAuthority:
    return import_string(settings.OCPP_CERTIFICATE_AUTHORITY)()


class LocalCertificateAuthority(CertificateAuthority):
    """A root CA whose key lives in a file: created on first use (under a file lock, so
    that web and worker processes starting together agree on one), signing directly."""

    KEY_FILE = "ca-key.pem"
    CERTIFICATE_FILE = "ca-cert.pem"

    def __init__(self, directory: str | Path | None = None, validity_days: int | None = None):
        self.directory = Path(directory or settings.OCPP_LOCAL_CA_DIR)
        self.validity_days = validity_days or settings.OCPP_CHARGER_CERTIFICATE_DAYS
        self._key, self._certificate = self._load_or_create()

    def root_certificate(self) -> x509.Certificate:
        return self._certificate

    def sign(self, *, csr: x509.CertificateSigningRequest, station_identity: str) -> list[x509.Certificate]:
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(self._certificate.subject)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))  # chargers' clocks drift
            .not_valid_after(now + timedelta(days=self.validity_days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_encipherment=False,
                    content_commitment=False,
                    data_encipherment=False,
                    key_agreement=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(csr.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()), critical=False)
        )
        return [builder.sign(self._key, hashes.SHA256())]

    def _load_or_create(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        key_path, certificate_path = self.directory / self.KEY_FILE, self.directory / self.CERTIFICATE_FILE
        with (self.directory / ".lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not key_path.exists():
                key, certificate = root_create(common_name="EVCMS local CSMS CA")
                _write(key_path, key_pem(key), private=True)
                _write(certificate_path, certificate.public_bytes(serialization.Encoding.PEM), private=False)
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(certificate_path.read_bytes())


def root_create(*, common_name: str, days: int = 3650) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A new self-signed root (P-256): the local CA's, and the tests' server and rogue CAs."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _write(path: Path, data: bytes, *, private: bool) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
