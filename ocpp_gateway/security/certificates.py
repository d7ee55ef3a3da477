"""Charger certificates: a charger's SignCertificate request signed by the CSMS CA and
delivered with CertificateSigned; the certificates chargers hold (Install/Delete/
GetInstalledCertificateIds); revocation, which stops a certificate admitting its station.

Signing runs in a Celery task, never in the charger's call: an operator's CA may be a
remote PKI that answers in seconds."""

import hashlib
import logging
from datetime import datetime, timedelta

from celery import shared_task
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from django.db import OperationalError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ocpp_gateway.security.authority import CertificateAuthorityError, certificate_authority
from ocpp_gateway.security.models import ChargerCertificate, InstalledCertificate
from stations.models import ChargingStation, CommandRequest
from stations.services.commands import command_request

logger = logging.getLogger(__name__)

MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)
HASH_ALGORITHMS = {"SHA256": hashes.SHA256, "SHA384": hashes.SHA384, "SHA512": hashes.SHA512}


class CertificateRefused(ValueError):
    """A CSR or certificate we do not accept; the message says why (for the log and staff)."""


def common_name(name: x509.Name) -> str:
    names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def csr_check(*, csr_pem: str, identity: str) -> x509.CertificateSigningRequest:
    """The parsed CSR, if it is one we sign for `identity`: well-formed, self-signed by its
    key, a strong enough key, and the identity as its subject's common name (what binds a
    profile 3 connection to the station). Raises CertificateRefused."""
    try:
        csr = x509.load_pem_x509_csr(csr_pem.encode())
        signature_valid = csr.is_signature_valid
        key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm) as error:
        raise CertificateRefused(f"Not a PEM certificate signing request: {error}") from error
    if not signature_valid:
        raise CertificateRefused("The CSR's signature does not match its key.")
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateRefused(f"RSA keys need at least {MIN_RSA_BITS} bits.")
    elif not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, EC_CURVES)):
        raise CertificateRefused("Only RSA (2048+) and NIST P-256/384/521 keys are signed.")
    if common_name(csr.subject) != identity:
        raise CertificateRefused(f"The CSR's common name must be the station identity {identity!r}.")
    return csr


def csr_receive(
    *, station_id: int, identity: str, csr_pem: str, at: datetime, certificate_type: str = "ChargingStationCertificate"
) -> ChargerCertificate:
    """SignCertificate: keep the CSR and sign it once the call's transaction commits.
    A repeated CSR (a charger retrying the call) is the request already kept, signed once.
    Raises CertificateRefused (nothing kept) for a CSR we do not sign."""
    csr = csr_check(csr_pem=csr_pem, identity=identity)
    repeated = (
        ChargerCertificate.objects.filter(station_id=station_id, csr_pem=csr_pem)
        .exclude(status=ChargerCertificate.Status.FAILED)
        .first()
    )
    if repeated is not None:
        return repeated
    certificate = ChargerCertificate.objects.create(
        station_id=station_id,
        certificate_type=certificate_type,
        csr_pem=csr_pem,
        subject=csr.subject.rfc4514_string()[:255],
        requested_at=at,
    )
    certificate_sign.delay(certificate.pk)
    return certificate


def certificate_issue(*, certificate_id: int) -> ChargerCertificate | None:
    """Sign a requested CSR with the configured CA and queue CertificateSigned. Runs once
    per CSR: a second run finds the row no longer REQUESTED. A CA error marks it FAILED."""
    with transaction.atomic():
        certificate = (
            ChargerCertificate.objects.select_for_update()
            .filter(pk=certificate_id, status=ChargerCertificate.Status.REQUESTED)
            .select_related("station")
            .first()
        )
        if certificate is None:
            return None
        csr = x509.load_pem_x509_csr(certificate.csr_pem.encode())
        try:
            chain = certificate_authority().sign(csr=csr, station_identity=certificate.station.identity)
        except CertificateAuthorityError as error:
            logger.warning("station %s: CSR %s not signed: %s", certificate.station_id, certificate.pk, error)
            certificate.status, certificate.error = ChargerCertificate.Status.FAILED, str(error)
            certificate.save(update_fields=["status", "error"])
            return certificate
        leaf = chain[0]
        certificate.status = ChargerCertificate.Status.ISSUED
        certificate.certificate_pem = pem(leaf)
        certificate.chain_pem = "".join(pem(item) for item in chain)
        certificate.serial_number = format(leaf.serial_number, "x")
        certificate.fingerprint_sha256 = fingerprint(leaf)
        certificate.not_before, certificate.not_after = leaf.not_valid_before_utc, leaf.not_valid_after_utc
        certificate.issued_at = timezone.now()
        certificate.save()
        command_request(
            station=certificate.station,
            action=CommandRequest.Action.CERTIFICATE_SIGNED,
            parameters={"certificate_chain": certificate.chain_pem, "certificate_type": certificate.certificate_type},
        )
        return certificate


@shared_task(
    name="ocpp_gateway.tasks.certificate_sign", acks_late=True, autoretry_for=(OperationalError,), max_retries=5
)
def certificate_sign(certificate_id: int) -> None:
    certificate_issue(certificate_id=certificate_id)


def certificate_signed_record(*, station_id: int, chain_pem: str, status: str, at: datetime) -> None:
    """The outcome of CertificateSigned: `status` accepted, rejected, or failed (never
    answered)."""
    try:
        leaf = x509.load_pem_x509_certificate(chain_pem.encode())
    except ValueError:
        return  # a raw frame with text we never issued
    ChargerCertificate.objects.filter(station_id=station_id, fingerprint_sha256=fingerprint(leaf)).update(
        status=status, answered_at=at
    )


def certificate_revoke(*, certificate: ChargerCertificate, at: datetime) -> None:
    """From now on this certificate no longer admits its station. Idempotent."""
    ChargerCertificate.objects.filter(pk=certificate.pk, revoked_at=None).update(revoked_at=at)


def certificate_admits(*, station: ChargingStation, certificate: x509.Certificate) -> bool:
    """A certificate the TLS layer verified admits `station` unless we revoked it."""
    return not ChargerCertificate.objects.filter(
        station=station, fingerprint_sha256=fingerprint(certificate), revoked_at__isnull=False
    ).exists()


def certificates_renew_due(*, now: datetime, within_days: int) -> list[CommandRequest]:
    """Ask each connected-or-not station whose current certificate (its latest accepted,
    unrevoked one) expires within `within_days` for a new CSR (trigger sign_certificate,
    delivered when it is next connected). Safe to run every hour: a station already asked
    in the last day, or with a CSR in progress since, is skipped."""
    horizon = now + timedelta(days=within_days)
    accepted = ChargerCertificate.objects.filter(status=ChargerCertificate.Status.ACCEPTED, revoked_at=None)
    # Each station's latest-expiring accepted certificate; a subquery rather than DISTINCT ON,
    # which the embedded database (SQLite) does not have.
    latest = accepted.filter(station_id=OuterRef("station_id")).order_by("-not_after", "-pk").values("pk")[:1]
    current = accepted.filter(pk=Subquery(latest)).order_by("station_id")
    asked = []
    for certificate in current.select_related("station"):
        if certificate.not_after is None or certificate.not_after > horizon:
            continue
        in_progress = ChargerCertificate.objects.filter(
            station_id=certificate.station_id,
            requested_at__gt=certificate.requested_at,
            status__in=[ChargerCertificate.Status.REQUESTED, ChargerCertificate.Status.ISSUED],
        ).exists()
        recently_asked = CommandRequest.objects.filter(
            station_id=certificate.station_id,
            action=CommandRequest.Action.TRIGGER_MESSAGE,
            parameters__message="sign_certificate",
            created_at__gt=now - timedelta(days=1),
        ).exists()
        if in_progress or recently_asked:
            continue
        asked.append(
            command_request(
                station=certificate.station,
                action=CommandRequest.Action.TRIGGER_MESSAGE,
                parameters={"message": "sign_certificate"},
                source=CommandRequest.Source.TASK,
            )
        )
    return asked


# --- certificates held by chargers -----------------------------------------------------
def hash_data(certificate: x509.Certificate, *, issuer_public_key=None, algorithm: str = "SHA256") -> dict:
    """OCPP's CertificateHashData of `certificate` (issuer name hash, issuer key hash,
    serial number), in the charger's camelCase. A self-signed root is its own issuer."""
    digest = HASH_ALGORITHMS[algorithm]
    return {
        "hashAlgorithm": algorithm,
        "issuerNameHash": hashlib.new(digest.name, certificate.issuer.public_bytes()).hexdigest(),
        "issuerKeyHash": hashlib.new(digest.name, _key_bits(issuer_public_key or certificate.public_key())).hexdigest(),
        "serialNumber": format(certificate.serial_number, "x"),
    }


def _key_bits(public_key) -> bytes:
    """The subjectPublicKey BIT STRING's bits, which RFC 6960's issuerKeyHash covers (as
    OpenSSL's OCSP_cert_to_id computes it)."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)


def installed_certificates_store(*, station_id: int, certificate_type: str | None, entries: list[dict], at) -> None:
    """GetInstalledCertificateIds answered: the station holds exactly `entries` (hash data)
    of `certificate_type` (every type when None)."""
    with transaction.atomic():
        held = InstalledCertificate.objects.filter(station_id=station_id)
        if certificate_type:
            held = held.filter(certificate_type=certificate_type)
        keep = {_hash_key(entry) for entry in entries}
        for row in held:
            if _hash_key(_row_hash(row)) not in keep:
                row.delete()
        for entry in entries:
            InstalledCertificate.objects.update_or_create(
                station_id=station_id,
                hash_algorithm=entry["hashAlgorithm"],
                issuer_name_hash=entry["issuerNameHash"].lower(),
                issuer_key_hash=entry["issuerKeyHash"].lower(),
                serial_number=entry["serialNumber"].lower(),
                defaults={"certificate_type": entry.get("certificateType") or certificate_type or "", "updated_at": at},
            )


def installed_certificate_add(*, station_id: int, certificate_type: str, certificate_pem: str, at) -> None:
    """InstallCertificate accepted: the station now holds this (root) certificate."""
    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        return
    entry = hash_data(certificate)
    InstalledCertificate.objects.update_or_create(
        station_id=station_id,
        hash_algorithm=entry["hashAlgorithm"],
        issuer_name_hash=entry["issuerNameHash"],
        issuer_key_hash=entry["issuerKeyHash"],
        serial_number=entry["serialNumber"],
        defaults={"certificate_type": certificate_type, "certificate_pem": certificate_pem, "updated_at": at},
    )


def installed_certificate_remove(*, station_id: int, entry: dict) -> None:
    """DeleteCertificate accepted (or NotFound: the station does not hold it either way)."""
    InstalledCertificate.objects.filter(
        station_id=station_id,
        hash_algorithm=entry["hashAlgorithm"],
        issuer_name_hash=entry["issuerNameHash"].lower(),
        issuer_key_hash=entry["issuerKeyHash"].lower(),
        serial_number=entry["serialNumber"].lower(),
    ).delete()


def _hash_key(entry: dict) -> tuple[str, str, str, str]:
    return (
        entry["hashAlgorithm"],
        entry["issuerNameHash"].lower(),
        entry["issuerKeyHash"].lower(),
        entry["serialNumber"].lower(),
    )


def _row_hash(row: InstalledCertificate) -> dict:
    return {
        "hashAlgorithm": row.hash_algorithm,
        "issuerNameHash": row.issuer_name_hash,
        "issuerKeyHash": row.issuer_key_hash,
        "serialNumber": row.serial_number,
    }
