"""The security extension's command requests become OCPP 1.6 frames, each checked
against the 1.6 JSON schema; what 1.6 cannot carry is refused before it is queued."""

import pytest

from ocpp_gateway import protocols
from stations.models import CommandRequest
from stations.services.commands import CommandError, command_request
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db
OCPP16 = protocols.OCPP16
PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
HASH = {"hash_algorithm": "sha256", "issuer_name_hash": "ab12", "issuer_key_hash": "cd34", "serial_number": "5f"}

TRANSLATIONS = [
    ("certificate_signed", {"certificate_chain": PEM}, "CertificateSigned", {"certificateChain": PEM}),
    (
        "install_certificate",
        {"certificate_type": "manufacturer_root", "certificate": PEM},
        "InstallCertificate",
        {"certificateType": "ManufacturerRootCertificate", "certificate": PEM},
    ),
    (
        "delete_certificate",
        HASH,
        "DeleteCertificate",
        {
            "certificateHashData": {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": "ab12",
                "issuerKeyHash": "cd34",
                "serialNumber": "5f",
            }
        },
    ),
    (
        "get_installed_certificate_ids",
        {"certificate_type": "csms_root"},
        "GetInstalledCertificateIds",
        {"certificateType": "CentralSystemRootCertificate"},
    ),
    (
        "get_log",
        {"log_type": "security", "request_id": 7, "location": "https://logs/", "start_at": "2030-01-01T00:00:00Z"},
        "GetLog",
        {
            "logType": "SecurityLog",
            "requestId": 7,
            "log": {"remoteLocation": "https://logs/", "oldestTimestamp": "2030-01-01T00:00:00.000Z"},
        },
    ),
    (
        "trigger_message",
        {"message": "sign_certificate"},
        "ExtendedTriggerMessage",
        {"requestedMessage": "SignChargePointCertificate"},
    ),
    (
        "trigger_message",
        {"message": "log_status_notification"},
        "ExtendedTriggerMessage",
        {"requestedMessage": "LogStatusNotification"},
    ),
    (
        "update_firmware",
        {
            "location": "https://fw/x.bin",
            "retrieve_at": "2030-01-01T00:00:00Z",
            "request_id": 3,
            "signing_certificate": PEM,
            "signature": "c2ln",
        },
        "SignedUpdateFirmware",
        {
            "requestId": 3,
            "firmware": {
                "location": "https://fw/x.bin",
                "retrieveDateTime": "2030-01-01T00:00:00.000Z",
                "signingCertificate": PEM,
                "signature": "c2ln",
            },
        },
    ),
]


@pytest.mark.parametrize(("action", "parameters", "ocpp_action", "payload"), TRANSLATIONS)
def test_each_security_action_becomes_its_16_frame(action, parameters, ocpp_action, payload):
    request = command_request(station=ChargingStationFactory(), action=action, parameters=parameters)

    assert OCPP16.call_for(request) == (ocpp_action, payload)
    OCPP16.validate_call(ocpp_action, payload)


@pytest.mark.parametrize(
    ("action", "parameters", "message"),
    [
        ("install_certificate", {"certificate_type": "v2g_root", "certificate": PEM}, "no v2g_root"),
        ("get_installed_certificate_ids", {}, "one certificate type at a time"),
        ("certificate_signed", {"certificate_chain": PEM, "certificate_type": "V2GCertificate"}, "no V2G"),
        (
            "update_firmware",
            {"location": "https://fw/x.bin", "retrieve_at": "2030-01-01T00:00:00Z", "signature": "c2ln"},
            "needs request_id, signing_certificate",
        ),
        ("delete_certificate", {**HASH, "hash_algorithm": "md5"}, "must be one of"),
    ],
)
def test_what_16_cannot_carry_is_refused_and_nothing_is_queued(action, parameters, message):
    with pytest.raises(CommandError, match=message):
        command_request(station=ChargingStationFactory(), action=action, parameters=parameters)

    assert not CommandRequest.objects.exists()
