"""Domain command requests become OCPP 1.6 frames (and answers become neutral results):
one row per domain action, each frame checked against the 1.6 JSON schema."""

import pytest

from ocpp_gateway import protocols
from stations.models import CommandRequest
from stations.services.commands import PARAMETERS, CommandError, command_request
from stations.tests.factories import ChargingStationFactory

pytestmark = pytest.mark.django_db
OCPP16 = protocols.OCPP16

TRANSLATIONS = [
    ("start", {"connector": 2, "id_tag": "APP1"}, "RemoteStartTransaction", {"connectorId": 2, "idTag": "APP1"}),
    ("stop", {"session": 41}, "RemoteStopTransaction", {"transactionId": 41}),
    ("reset", {"type": "hard"}, "Reset", {"type": "Hard"}),
    ("unlock", {"connector": 1}, "UnlockConnector", {"connectorId": 1}),
    (
        "set_availability",
        {"connector": 0, "operative": False},
        "ChangeAvailability",
        {"connectorId": 0, "type": "Inoperative"},
    ),
    (
        "reserve",
        {"reservation": 5, "connector": 1, "id_tag": "T1", "expires_at": "2030-01-01T12:00:00+00:00"},
        "ReserveNow",
        {"connectorId": 1, "expiryDate": "2030-01-01T12:00:00.000Z", "idTag": "T1", "reservationId": 5},
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
            "listVersion": 4,
            "updateType": "Differential",
            "localAuthorizationList": [{"idTag": "LOST", "idTagInfo": {"status": "Blocked"}}, {"idTag": "GONE"}],
        },
    ),
    (
        "change_configuration",
        {"key": "HeartbeatInterval", "value": "60"},
        "ChangeConfiguration",
        {"key": "HeartbeatInterval", "value": "60"},
    ),
    ("get_configuration", {}, "GetConfiguration", {}),
    (
        "update_firmware",
        {"location": "https://fw/x.bin", "retrieve_at": "2030-01-01T00:00:00Z", "retries": 2},
        "UpdateFirmware",
        {"location": "https://fw/x.bin", "retrieveDate": "2030-01-01T00:00:00.000Z", "retries": 2},
    ),
    ("get_diagnostics", {"location": "ftp://logs/"}, "GetDiagnostics", {"location": "ftp://logs/"}),
    (
        "trigger_message",
        {"message": "meter_values", "connector": 1},
        "TriggerMessage",
        {"requestedMessage": "MeterValues", "connectorId": 1},
    ),
    ("clear_cache", {}, "ClearCache", {}),
    ("clear_charging_profile", {"profile_id": 3}, "ClearChargingProfile", {"id": 3}),
    (
        "set_charging_limit",
        {"connector": 2, "scope": "session", "limit": 10.5, "unit": "A", "phases": 3, "session": 77},
        "SetChargingProfile",
        {
            "connectorId": 2,
            "csChargingProfiles": {
                "chargingProfileId": 9002,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxProfile",
                "chargingProfileKind": "Relative",
                "transactionId": 77,
                "chargingSchedule": {
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 10.5, "numberPhases": 3}],
                },
            },
        },
    ),
    (
        "set_charging_limit",
        {"connector": 0, "scope": "default", "limit": 50000, "unit": "W"},
        "SetChargingProfile",
        {
            "connectorId": 0,
            "csChargingProfiles": {
                "chargingProfileId": 9000,
                "stackLevel": 1,
                "chargingProfilePurpose": "TxDefaultProfile",
                "chargingProfileKind": "Relative",
                "chargingSchedule": {
                    "chargingRateUnit": "W",
                    "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 50000.0}],
                },
            },
        },
    ),
    ("clear_charging_limit", {"scope": "session", "connector": 2}, "ClearChargingProfile", {"id": 9002}),
    ("clear_charging_limit", {"scope": "default"}, "ClearChargingProfile", {"id": 9000}),
    (
        "data_transfer",
        {"vendor_id": "com.example", "data": "x"},
        "DataTransfer",
        {"vendorId": "com.example", "data": "x"},
    ),
]


@pytest.mark.parametrize(("action", "parameters", "ocpp_action", "payload"), TRANSLATIONS)
def test_each_domain_action_becomes_its_16_frame(action, parameters, ocpp_action, payload):
    request = command_request(station=ChargingStationFactory(), action=action, parameters=parameters)

    assert OCPP16.call_for(request) == (ocpp_action, payload)
    OCPP16.validate_call(ocpp_action, payload)


def test_every_domain_action_has_a_16_translation():
    assert set(PARAMETERS) <= set(OCPP16.translations)


def test_a_charger_answer_becomes_a_neutral_result():
    assert OCPP16.result_of({"status": "UnlockFailed"}) == {"status": "unlock_failed"}
    assert OCPP16.result_of({"fileName": "diag.zip"}) == {"file_name": "diag.zip"}


@pytest.mark.parametrize(
    ("action", "parameters", "raw_action", "message"),
    [
        ("reboot", {}, "", "not a command action"),
        ("reset", {"type": "soft", "delay": 3}, "", "unknown parameter"),
        ("unlock", {"connector": True}, "", "must be a int"),
        ("reserve", {"reservation": 1, "connector": 1, "id_tag": "T", "expires_at": "soon"}, "", "date-time"),
        ("raw", {}, "Heartbeat", "not a command"),
        ("raw", {"type": "Sideways"}, "Reset", "Invalid Reset payload"),
        ("raw", {}, "", "names its protocol action"),
        ("set_charging_limit", {"connector": 1, "scope": "session", "limit": 6, "unit": "A"}, "", "names its session"),
        ("set_charging_limit", {"connector": 1, "scope": "default", "limit": -1, "unit": "A"}, "", "a number from 0"),
        ("set_charging_limit", {"connector": 1, "scope": "default", "limit": 6, "unit": "kW"}, "", "one of A, W"),
    ],
)
def test_requests_that_do_not_fit_are_refused_and_nothing_is_queued(action, parameters, raw_action, message):
    with pytest.raises(CommandError, match=message):
        command_request(station=ChargingStationFactory(), action=action, parameters=parameters, raw_action=raw_action)

    assert not CommandRequest.objects.exists()


def test_a_raw_frame_of_another_protocol_is_refused():
    with pytest.raises(CommandError, match=r"speaks ocpp1\.6"):
        command_request(
            station=ChargingStationFactory(),
            action="raw",
            raw_action="Reset",
            raw_protocol="ocpp2.0.1",
            parameters={"type": "Immediate"},
        )
