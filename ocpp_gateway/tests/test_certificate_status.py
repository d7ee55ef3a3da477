"""GetCertificateStatus's source: a real OCSP request, built from the charger's hash data,
to a real OCSP responder on loopback (signed by the test's CA), and what comes back."""

import base64

import pytest
from cryptography import x509
from cryptography.x509 import ocsp

from ocpp_gateway.security import certificates
from ocpp_gateway.security.authority import LocalCertificateAuthority
from ocpp_gateway.security.iso15118 import OcspCertificateSource
from ocpp_gateway.tests import pki


@pytest.fixture
def issued(tmp_path):
    authority = LocalCertificateAuthority(directory=tmp_path / "ca")
    csr = x509.load_pem_x509_csr(pki.csr_pem("CP-1").encode())
    return authority, authority.sign(csr=csr, station_identity="CP-1")[0]


@pytest.fixture
def responder(issued):
    with pki.ocsp_responder(*issued) as served:
        yield served


def test_the_responders_answer_for_the_hashed_certificate_is_passed_on(issued, responder):
    authority, certificate = issued
    url, asked = responder
    hash_data = certificates.hash_data(certificate, issuer_public_key=authority.root_certificate().public_key())

    answer = OcspCertificateSource().certificate_status(hash_data=hash_data, responder_url=url)

    assert answer.status == "Accepted"
    assert asked == [("application/ocsp-request", certificate.serial_number)]
    response = ocsp.load_der_ocsp_response(base64.b64decode(answer.payload))
    assert (response.certificate_status, response.serial_number) == (
        ocsp.OCSPCertStatus.GOOD,
        certificate.serial_number,
    )


def test_an_unsuccessful_or_unreachable_responder_fails_with_the_reason(issued, responder):
    authority, certificate = issued
    url, _ = responder
    hash_data = certificates.hash_data(certificate, issuer_public_key=authority.root_certificate().public_key())
    source = OcspCertificateSource()

    unknown = source.certificate_status(hash_data={**hash_data, "serialNumber": "1"}, responder_url=url)
    unreachable = source.certificate_status(hash_data=hash_data, responder_url="http://127.0.0.1:9/ocsp")
    garbled = source.certificate_status(hash_data={**hash_data, "issuerKeyHash": "zz"}, responder_url=url)

    assert (unknown.status, unknown.reason) == ("Failed", "OCSP responder answered UNAUTHORIZED.")
    assert (unreachable.status, garbled.status) == ("Failed", "Failed")
    assert "hash data" in garbled.reason


def test_without_a_contract_certificate_provider_ev_certificates_are_refused():
    answer = OcspCertificateSource().ev_certificate(
        station_identity="CP-1", schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="AAE="
    )

    assert answer.status == "Failed"
