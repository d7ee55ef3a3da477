"""Domain command requests become OCPP 2.0.1 (and 2.1) frames: one row per domain action,
each queued for a 2.0.1 station (so checked against the 2.0.1 JSON schema) and its CALL
compared with what the charger must receive. A station with two connectors on one EVSE
shows the EVSE mapping."""

import pytest

from ocpp_gateway import protocols
from stations.models import ChargingSession, ChargingStation
from stations.services.commands import PARAMETERS, CommandError, command_request
from stations.tests.factories import ChargingStationFactory, ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def station():
    station = ChargingStationFactory(ocpp_protocol=ChargingStation.Protocol.OCPP201)
    ConnectorFactory(station=station, connector_id=1, evse_id=1, evse_connector_id=1)
    ConnectorFactory(station=station, connector_id=2, evse_id=1, evse_connector_id=2)
    return station


def _call(station, action: str, parameters: dict):
    request = command_request(station=station, action=action, parameters=parameters)
    return protocols.OCPP201.call_for(request), request


TRANSLATIONS = [
    ("reset", {"type": "hard"}, "Reset", {"type": "Immediate"}),
    ("reset", {"type": "soft"}, "Reset", {"type": "OnIdle"}),
    ("unlock", {"connector": 2}, "UnlockConnector", {"evseId": 1, "connectorId": 2}),
    (
        "set_availability",
        {"connector": 0, "operative": False},
        "ChangeAvailability",
        {"operationalStatus": "Inoperative"},
    ),
    (
        "set_availability",
        {"connector": 2, "operative": True},
        "ChangeAvailability",
        {"operationalStatus": "Operative", "evse": {"id": 1, "connectorId": 2}},
    ),
    ("cancel_reservation", {"reservation": 5}, "CancelReservation", {"reservationId": 5}),
    (
        "send_local_list",
        {
            "version": 4,
            "update": "differential",
            "entries": [{"id_tag": "LOST", "status": "blocked"}, {"id_tag": "GONE"}],
        },
        "SendLocalList",
        {
            "versionNumber": 4,
            "updateType": "Differential",
            "localAuthorizationList": [
                {"idToken": {"idToken": "LOST", "type": "Central"}, "idTokenInfo": {"status": "Blocked"}},
                {"idToken": {"idToken": "GONE", "type": "Central"}},
            ],
        },
    ),
    (
        "change_configuration",
        {"key": "OCPPCommCtrlr.HeartbeatInterval", "value": "60"},
        "SetVariables",
        {
            "setVariableData": [
                {
                    "component": {"name": "OCPPCommCtrlr"},
                    "variable": {"name": "HeartbeatInterval"},
                    "attributeValue": "60",
                }
            ]
        },
    ),
    (
        "get_configuration",
        {"keys": ["EVSE[1].Power"]},
        "GetVariables",
        {"getVariableData": [{"component": {"name": "EVSE", "instance": "1"}, "variable": {"name": "Power"}}]},
    ),
    (
        "trigger_message",
        {"message": "diagnostics_status_notification"},
        "TriggerMessage",
        {"requestedMessage": "LogStatusNotification"},
    ),
    ("clear_cache", {}, "ClearCache", {}),
    ("clear_charging_profile", {"profile_id": 3}, "ClearChargingProfile", {"chargingProfileId": 3}),
    ("clear_charging_limit", {"scope": "default"}, "ClearChargingProfile", {"chargingProfileId": 9000}),
    ("data_transfer", {"vendor_id": "acme", "data": "x"}, "DataTransfer", {"vendorId": "acme", "data": "x"}),
    (
        "get_log",
        {"log_type": "security", "request_id": 7, "location": "https://logs/"},
        "GetLog",
        {"logType": "SecurityLog", "requestId": 7, "log": {"remoteLocation": "https://logs/"}},
    ),
    (
        "install_certificate",
        {"certificate_type": "v2g_root", "certificate": "PEM"},
        "InstallCertificate",
        {"certificateType": "V2GRootCertificate", "certificate": "PEM"},
    ),
    ("get_installed_certificate_ids", {}, "GetInstalledCertificateIds", {}),
    (
        "update_firmware",
        {
            "location": "https://fw/x.bin",
            "retrieve_at": "2030-01-01T00:00:00+00:00",
            "request_id": 12,
            "signing_certificate": "PEM",
            "signature": "c2ln",
        },
        "UpdateFirmware",
        {
            "requestId": 12,
            "firmware": {
                "location": "https://fw/x.bin",
                "retrieveDateTime": "2030-01-01T00:00:00.000Z",
                "signingCertificate": "PEM",
                "signature": "c2ln",
            },
        },
    ),
    (
        "trigger_message",
        {"message": "sign_certificate"},
        "TriggerMessage",
        {"requestedMessage": "SignChargingStationCertificate"},
    ),
    (
        "certificate_signed",
        {"certificate_chain": "PEM", "certificate_type": "V2GCertificate"},
        "CertificateSigned",
        {"certificateChain": "PEM", "certificateType": "V2GCertificate"},
    ),
    (
        "delete_certificate",
        {"hash_algorithm": "sha256", "issuer_name_hash": "a", "issuer_key_hash": "b", "serial_number": "c"},
        "DeleteCertificate",
        {
            "certificateHashData": {
                "hashAlgorithm": "SHA256",
                "issuerNameHash": "a",
                "issuerKeyHash": "b",
                "serialNumber": "c",
            }
        },
    ),
]


@pytest.mark.parametrize(("action", "parameters", "call", "payload"), TRANSLATIONS)
def test_each_domain_action_becomes_its_201_frame(station, action, parameters, call, payload):
    assert _call(station, action, parameters)[0] == (call, payload)


def test_every_domain_action_has_a_201_and_21_translation():
    assert set(protocols.OCPP201.translations) == set(PARAMETERS)
    assert set(protocols.OCPP21.translations) == set(PARAMETERS)


def test_numbered_requests_carry_the_request_id(station):
    (call, payload), request = _call(station, "start", {"connector": 2, "id_tag": "APP1"})
    assert (call, payload) == (
        "RequestStartTransaction",
        {"idToken": {"idToken": "APP1", "type": "Central"}, "remoteStartId": request.pk, "evseId": 1},
    )
    (call, payload), request = _call(station, "get_diagnostics", {"location": "ftp://logs/"})
    assert payload == {"logType": "DiagnosticsLog", "requestId": request.pk, "log": {"remoteLocation": "ftp://logs/"}}


def test_reading_all_the_configuration_asks_for_the_configuration_report(station):
    (call, payload), request = _call(station, "get_configuration", {})
    assert (call, payload) == ("GetBaseReport", {"requestId": request.pk, "reportBase": "ConfigurationInventory"})


def test_stop_and_session_limits_use_the_chargers_transaction_id(station):
    session = ChargingSession.objects.create(
        station=station,
        connector_number=1,
        id_tag="T",
        meter_start_wh=0,
        started_at="2030-01-01T00:00:00Z",
        charger_transaction_id="tx-abc",
    )
    assert _call(station, "stop", {"session": session.pk})[0] == ("RequestStopTransaction", {"transactionId": "tx-abc"})
    (call, payload), _ = _call(
        station,
        "set_charging_limit",
        {"connector": 1, "scope": "session", "limit": 16, "unit": "A", "session": session.pk},
    )
    assert (call, payload["evseId"], payload["chargingProfile"]["transactionId"]) == ("SetChargingProfile", 1, "tx-abc")
    assert _call(station, "cost_update", {"session": session.pk, "total_cost": 4.76})[0] == (
        "CostUpdated",
        {"totalCost": 4.76, "transactionId": "tx-abc"},
    )


def test_a_16_station_refuses_a_running_cost_update():
    session = ChargingSession.objects.create(
        station=ChargingStationFactory(),
        connector_number=1,
        id_tag="T",
        meter_start_wh=0,
        started_at="2030-01-01T00:00:00Z",
    )
    with pytest.raises(CommandError, match="running cost"):
        command_request(
            station=session.station, action="cost_update", parameters={"session": session.pk, "total_cost": 1.5}
        )
    assert not session.station.commands.exists()


def test_a_16_session_cannot_be_stopped_through_201(station):
    session = ChargingSession.objects.create(
        station=station, connector_number=1, id_tag="T", meter_start_wh=0, started_at="2030-01-01T00:00:00Z"
    )
    with pytest.raises(CommandError, match=r"not an OCPP 2\.0\.1 transaction"):
        command_request(station=station, action="stop", parameters={"session": session.pk})


def test_16_style_configuration_keys_are_refused_with_the_201_form(station):
    with pytest.raises(CommandError, match=r"Component\.Variable"):
        command_request(
            station=station, action="change_configuration", parameters={"key": "HeartbeatInterval", "value": "1"}
        )
