"""The CSMS CA and the certificates it signs, the hash data chargers report certificates
by, and who a client certificate admits (security profile 3) — without a server."""

import ipaddress
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp
from django.utils import timezone

from ocpp_gateway import handshake, tls
from ocpp_gateway.security import certificates
from ocpp_gateway.security.authority import LocalCertificateAuthority, root_create
from ocpp_gateway.security.models import ChargerCertificate
from ocpp_gateway.tests import pki
from stations.models import ChargingStation, CommandRequest
from stations.tests.factories import STATION_PASSWORD, ChargingStationFactory

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
PROFILE_3 = ChargingStation.SecurityProfile.CLIENT_CERT


@pytest.fixture
def authority(tmp_path, settings):
    settings.OCPP_LOCAL_CA_DIR = str(tmp_path / "ca")
    certificates.certificate_authority.cache_clear()
    yield LocalCertificateAuthority()
    certificates.certificate_authority.cache_clear()


def _issued(identity: str, authority) -> x509.Certificate:
    csr = x509.load_pem_x509_csr(pki.csr_pem(identity).encode())
    return authority.sign(csr=csr, station_identity=identity)[0]


# --- CSRs and signing --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("csr", "message"),
    [
        ("not a csr", "Not a PEM"),
        (pki.csr_pem("CP-OTHER"), "common name must be the station identity"),
        (pki.weak_rsa_csr_pem("CP-1"), "RSA keys need at least 2048"),
    ],
)
def test_csrs_we_do_not_sign_are_refused_with_the_reason(csr, message):
    with pytest.raises(certificates.CertificateRefused, match=message):
        certificates.csr_check(csr_pem=csr, identity="CP-1")


def test_the_local_ca_signs_a_client_certificate_its_root_verifies(authority):
    issued = _issued("CP-1", authority)

    issued.verify_directly_issued_by(authority.root_certificate())
    assert certificates.common_name(issued.subject) == "CP-1"
    usage = issued.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH in usage


def test_the_local_ca_is_created_once_and_reloaded_by_the_next_process(authority):
    again = LocalCertificateAuthority()

    assert again.root_certificate() == authority.root_certificate()


@pytest.mark.django_db
def test_a_csr_is_signed_once_and_its_certificate_queued_for_the_charger(authority, django_capture_on_commit_callbacks):
    station = ChargingStationFactory(identity="CP-1")
    csr = pki.csr_pem("CP-1")
    with django_capture_on_commit_callbacks(execute=False) as signing_tasks:
        requested = certificates.csr_receive(station_id=station.pk, identity="CP-1", csr_pem=csr, at=NOW)
        retried = certificates.csr_receive(station_id=station.pk, identity="CP-1", csr_pem=csr, at=NOW)

    assert (retried, len(signing_tasks)) == (requested, 1)

    issued = certificates.certificate_issue(certificate_id=requested.pk)
    assert certificates.certificate_issue(certificate_id=requested.pk) is None  # a replayed task

    assert issued.status == ChargerCertificate.Status.ISSUED
    leaf = x509.load_pem_x509_certificate(issued.certificate_pem.encode())
    assert issued.fingerprint_sha256 == leaf.fingerprint(hashes.SHA256()).hex()
    command = CommandRequest.objects.get(station=station)
    assert command.action == "certificate_signed"
    assert command.parameters["certificate_chain"] == issued.chain_pem


# --- hash data ---------------------------------------------------------------------------
@pytest.mark.parametrize("algorithm", ["SHA256", "SHA384"])
def test_hash_data_is_the_ocsp_certificate_id(authority, algorithm):
    issued = _issued("CP-1", authority)
    root = authority.root_certificate()
    digest = {"SHA256": hashes.SHA256(), "SHA384": hashes.SHA384()}[algorithm]
    request = ocsp.OCSPRequestBuilder().add_certificate(issued, root, digest).build()

    data = certificates.hash_data(issued, issuer_public_key=root.public_key(), algorithm=algorithm)

    assert data == {
        "hashAlgorithm": algorithm,
        "issuerNameHash": request.issuer_name_hash.hex(),
        "issuerKeyHash": request.issuer_key_hash.hex(),
        "serialNumber": format(issued.serial_number, "x"),
    }


# --- admission ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_profile_3_station_is_admitted_by_its_certificate_alone(authority):
    station = ChargingStationFactory(identity="CP-1", security_profile=PROFILE_3)

    admission = handshake.station_admit(identity="CP-1", credentials=None, certificate=_issued("CP-1", authority))

    assert (admission.refusal, admission.station_id) == (None, station.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("credentials", "certificate_of", "reason"),
    [
        (("CP-1", STATION_PASSWORD), None, "connects with its client certificate"),  # no downgrade
        (None, None, "connects with its client certificate"),
        (None, "CP-2", "not this station's"),
    ],
)
def test_a_profile_3_station_is_refused_without_its_own_certificate(authority, credentials, certificate_of, reason):
    ChargingStationFactory(identity="CP-1", security_profile=PROFILE_3)
    certificate = _issued(certificate_of, authority) if certificate_of else None

    admission = handshake.station_admit(identity="CP-1", credentials=credentials, certificate=certificate)

    assert admission.refusal == 401
    assert reason in admission.reason


@pytest.mark.django_db
def test_a_revoked_certificate_no_longer_admits_its_station(authority):
    station = ChargingStationFactory(identity="CP-1", security_profile=PROFILE_3)
    issued = _issued("CP-1", authority)
    row = ChargerCertificate.objects.create(
        station=station,
        csr_pem="-",
        subject="CN=CP-1",
        fingerprint_sha256=certificates.fingerprint(issued),
        requested_at=NOW,
        status=ChargerCertificate.Status.ACCEPTED,
    )

    certificates.certificate_revoke(certificate=row, at=NOW)

    admission = handshake.station_admit(identity="CP-1", credentials=None, certificate=issued)
    assert (admission.refusal, admission.reason) == (401, "The client certificate was revoked.")


@pytest.mark.django_db
def test_a_lower_profile_station_still_needs_its_password_with_a_certificate(authority):
    ChargingStationFactory(identity="CP-1", security_profile=ChargingStation.SecurityProfile.BASIC_TLS)
    issued = _issued("CP-1", authority)

    assert handshake.station_admit(identity="CP-1", credentials=None, certificate=issued).refusal == 401
    admitted = handshake.station_admit(identity="CP-1", credentials=("CP-1", STATION_PASSWORD), certificate=issued)
    assert admitted.refusal is None


@pytest.mark.django_db
def test_auto_registration_by_certificate_starts_the_station_at_profile_3(authority, settings):
    settings.OCPP_AUTO_REGISTER = True

    admission = handshake.station_admit(identity="CP-NEW", credentials=None, certificate=_issued("CP-NEW", authority))

    station = ChargingStation.objects.get(pk=admission.station_id)
    assert (station.security_profile, station.registration_status) == (PROFILE_3, "Pending")


# --- where the certificate comes from ----------------------------------------------------
def _proxy_headers(certificate_pem: str, verdict: str = "SUCCESS") -> list[tuple[bytes, bytes]]:
    return [(b"x-ssl-client-cert", quote(certificate_pem).encode()), (b"x-ssl-client-verify", verdict.encode())]


def test_a_trusted_proxy_forwards_the_certificate_it_verified(settings):
    settings.OCPP_TLS_PROXY_ADDRESSES = [ipaddress.ip_network("10.0.0.0/24")]
    _, root = root_create(common_name="CP-1")
    certificate_pem = pki.pem(root).decode()

    forwarded = tls.tls_extension(ssl_object=None, peer="10.0.0.7", headers=_proxy_headers(certificate_pem))
    untrusted = tls.tls_extension(ssl_object=None, peer="10.0.1.7", headers=_proxy_headers(certificate_pem))
    unverified = tls.tls_extension(ssl_object=None, peer="10.0.0.7", headers=_proxy_headers(certificate_pem, "FAILED"))

    assert forwarded["client_cert_chain"] == [certificate_pem.strip()]
    assert handshake.client_certificate({"extensions": {"tls": forwarded}}) == root
    assert untrusted["client_cert_chain"] == []
    assert unverified["client_cert_chain"] == []
    assert "FAILED" in unverified["client_cert_error"]


# --- renewal -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_stations_whose_certificate_expires_soon_are_asked_for_a_new_csr_once():
    now = timezone.now()  # the trigger's own created_at is the real time
    expiring, fresh, revoked = (ChargingStationFactory(security_profile=PROFILE_3) for _ in range(3))
    for station, days_left, revoked_at in ((expiring, 10, None), (fresh, 200, None), (revoked, 5, now)):
        ChargerCertificate.objects.create(
            station=station,
            csr_pem="-",
            subject=f"CN={station.identity}",
            status=ChargerCertificate.Status.ACCEPTED,
            fingerprint_sha256=f"{station.pk:064x}",
            requested_at=now - timedelta(days=300),
            not_after=now + timedelta(days=days_left),
            revoked_at=revoked_at,
        )

    asked = certificates.certificates_renew_due(now=now, within_days=30)
    again = certificates.certificates_renew_due(now=now + timedelta(hours=1), within_days=30)

    assert [(request.station, request.action, request.parameters) for request in asked] == [
        (expiring, "trigger_message", {"message": "sign_certificate"})
    ]
    assert again == []
