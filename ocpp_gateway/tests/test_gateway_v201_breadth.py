"""Every OCPP 2.0.1 message of the CSMS side at least once, end to end (real uvicorn,
real `ocpp.v201.ChargePoint`): each CSMS→charger CALL queued as a command request (the
neutral actions and, for the rest, schema-validated raw frames) reaches the charger and
its answer is recorded; each charger→CSMS notification is answered and kept."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v201 import call

from drivers.models import Reservation
from drivers.services import reservations
from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands
from ocpp_gateway.models import DeviceVariable, StationProtocolState, StationReport
from ocpp_gateway.tests.charger import in_db, run
from ocpp_gateway.tests.charger_v201 import connected, now_iso
from stations.models import ChargingStation, CommandRequest, MeterSample
from stations.services.commands import command_request
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SOON = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
PROFILE = {
    "id": 1,
    "stack_level": 0,
    "charging_profile_purpose": "TxDefaultProfile",
    "charging_profile_kind": "Absolute",
    "charging_schedule": [
        {
            "id": 1,
            "charging_rate_unit": "W",
            "start_schedule": SOON,
            "charging_schedule_period": [{"start_period": 0, "limit": 11000}],
        }
    ],
}
NEUTRAL = [
    ("reset", {"type": "soft"}, "Reset"),
    ("unlock", {"connector": 1}, "UnlockConnector"),
    ("set_availability", {"connector": 1, "operative": False}, "ChangeAvailability"),
    (
        "send_local_list",
        {"version": 2, "update": "full", "entries": [{"id_tag": "CARD-1", "status": "accepted"}]},
        "SendLocalList",
    ),
    ("change_configuration", {"key": "OCPPCommCtrlr.HeartbeatInterval", "value": "120"}, "SetVariables"),
    ("get_configuration", {"keys": ["OCPPCommCtrlr.HeartbeatInterval", "Nope.Missing"]}, "GetVariables"),
    ("update_firmware", {"location": "https://fw.example/1.bin", "retrieve_at": SOON}, "UpdateFirmware"),
    ("get_diagnostics", {"location": "https://logs.example/up"}, "GetLog"),
    ("trigger_message", {"message": "status_notification", "connector": 1}, "TriggerMessage"),
    ("clear_cache", {}, "ClearCache"),
    ("set_charging_profile", {"connector": 1, "profile": PROFILE}, "SetChargingProfile"),
    ("clear_charging_profile", {"profile_id": 1}, "ClearChargingProfile"),
    ("data_transfer", {"vendor_id": "com.example", "data": "ping"}, "DataTransfer"),
]
RAW = {
    "GetBaseReport": {"requestId": 1, "reportBase": "FullInventory"},
    "GetReport": {"requestId": 2},
    "SetNetworkProfile": {
        "configurationSlot": 1,
        "connectionData": {
            "ocppVersion": "OCPP20",
            "ocppTransport": "JSON",
            "ocppCsmsUrl": "wss://csms.example/ocpp",
            "messageTimeout": 30,
            "securityProfile": 2,
            "ocppInterface": "Wired0",
        },
    },
    "GetLocalListVersion": {},
    "CostUpdated": {"totalCost": 1.5, "transactionId": "TX-1"},
    "GetChargingProfiles": {"requestId": 3, "chargingProfile": {"chargingProfilePurpose": "TxDefaultProfile"}},
    "GetCompositeSchedule": {"duration": 3600, "evseId": 1},
    "PublishFirmware": {"location": "https://fw.example/1.bin", "checksum": "0" * 32, "requestId": 7},
    "UnpublishFirmware": {"checksum": "0" * 32},
    "SetVariableMonitoring": {
        "setMonitoringData": [
            {
                "value": 10,
                "type": "UpperThreshold",
                "severity": 5,
                "component": {"name": "EVSE"},
                "variable": {"name": "Power"},
            }
        ]
    },
    "ClearVariableMonitoring": {"id": [1]},
    "SetMonitoringBase": {"monitoringBase": "All"},
    "SetMonitoringLevel": {"severity": 5},
    "GetMonitoringReport": {"requestId": 4},
    "CustomerInformation": {"requestId": 5, "report": True, "clear": False},
    "GetTransactionStatus": {},
    "SetDisplayMessage": {
        "message": {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hello"}}
    },
    "GetDisplayMessages": {"requestId": 6},
    "ClearDisplayMessage": {"id": 1},
}
NOTIFICATIONS = [
    call.ReservationStatusUpdate(reservation_id=9, reservation_update_status="Expired"),
    call.NotifyEVChargingSchedule(
        time_base=now_iso(),
        evse_id=1,
        charging_schedule={
            "id": 1,
            "charging_rate_unit": "W",
            "charging_schedule_period": [{"start_period": 0, "limit": 7000}],
        },
    ),
    call.NotifyChargingLimit(charging_limit={"charging_limit_source": "EMS"}),
    call.ClearedChargingLimit(charging_limit_source="EMS"),
    call.ReportChargingProfiles(
        request_id=3,
        charging_limit_source="CSO",
        evse_id=1,
        charging_profile=[{**PROFILE, "charging_schedule": PROFILE["charging_schedule"]}],
    ),
    call.PublishFirmwareStatusNotification(status="Published", location=["https://cs.local/fw.bin"], request_id=7),
    call.NotifyEvent(
        generated_at=now_iso(),
        seq_no=0,
        event_data=[
            {
                "event_id": 1,
                "timestamp": now_iso(),
                "trigger": "Alerting",
                "actual_value": "Faulted",
                "event_notification_type": "HardWiredNotification",
                "component": {"name": "Connector", "evse": {"id": 1, "connector_id": 1}},
                "variable": {"name": "AvailabilityState"},
            }
        ],
    ),
    call.NotifyMonitoringReport(request_id=4, seq_no=0, generated_at=now_iso()),
    call.NotifyCustomerInformation(data="no data", seq_no=0, generated_at=now_iso(), request_id=5),
    call.NotifyDisplayMessages(request_id=6),
]


def _all_final(ids: list[int], timeout: float = 60) -> list[CommandRequest]:
    deadline = time.monotonic() + timeout
    while True:
        requests = list(CommandRequest.objects.filter(pk__in=ids).order_by("pk"))
        if all(request.is_final for request in requests) or time.monotonic() > deadline:
            return requests
        time.sleep(0.2)


def test_every_csms_to_charger_call_reaches_the_charger_and_its_answer_is_recorded(asgi_server):
    connector = ConnectorFactory()
    station = connector.station
    ChargingStation.objects.filter(pk=station.pk).update(ocpp_protocol="ocpp2.0.1")
    station.refresh_from_db()
    token = TokenFactory()
    queued = [command_request(station=station, action=action, parameters=p).pk for action, p, _ in NEUTRAL]
    queued += [commands.raw_send(station=station, action=action, payload=p).pk for action, p in RAW.items()]
    reservation = reservations.reservation_request(
        token=token, station=station, connector_number=1, expires_at=datetime.now(UTC) + timedelta(minutes=30)
    )

    async def scenario():
        async with connected(asgi_server, station.identity) as charger:
            await charger.boot()
            await in_db(_all_final)(queued, 90)
            await in_db(reservations.reservation_cancel)(reservation=await in_db(_reload)(reservation))
            await charger.wait_for_call("CancelReservation")
            await asyncio.sleep(0.5)
            return [action for action, _ in charger.received]

    received = run(scenario(), timeout=180)
    requests = _all_final(queued)
    # Every request answered; "rejected" where the simulated charger says no (no profiles, …).
    assert sorted(r.action_label for r in requests if r.status != "accepted") == [
        "clear_charging_profile",
        "raw GetChargingProfiles",
        "raw GetCompositeSchedule",
        "raw GetDisplayMessages",
    ]
    assert {r.status for r in requests} == {"accepted", "rejected"}
    expected = {call for _, _, call in NEUTRAL} | set(RAW) | {"ReserveNow", "CancelReservation"}
    assert expected <= set(received)
    # What the answers changed: the device model, the local list version.
    assert (
        DeviceVariable.objects.get(station=station, component="OCPPCommCtrlr", variable="HeartbeatInterval").value
        == "120"
    )
    assert StationProtocolState.objects.get(station=station).local_list_version == 2
    # GetBaseReport → the charger's NotifyReport → its device model, per component and EVSE.
    power = DeviceVariable.objects.get(
        station=station, component="EVSE", evse_id=1, variable="Power", attribute_type="MaxSet"
    )
    assert (power.value, power.characteristics["unit"]) == ("22000", "W")
    reservation.refresh_from_db()
    assert reservation.status == "cancelled"


def _reload(reservation):
    reservation.refresh_from_db()
    return reservation


def test_every_charger_notification_is_answered_and_kept(asgi_server):
    connector = ConnectorFactory()
    identity = connector.station.identity
    reservation = Reservation.objects.create(
        token=TokenFactory(),
        station=connector.station,
        connector_number=1,
        expires_at=datetime.now(UTC) + timedelta(hours=1),
        status=Reservation.Status.ACCEPTED,
    )

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.boot()
            answers = {"Heartbeat": await charger.call(call.Heartbeat())}
            for message in NOTIFICATIONS:
                answers[type(message).__name__] = await charger.call(message)
            answers["NotifyEVChargingNeeds"] = await charger.call(
                call.NotifyEVChargingNeeds(
                    evse_id=1,
                    charging_needs={
                        "requested_energy_transfer": "AC_three_phase",
                        "ac_charging_parameters": {
                            "energy_amount": 20000,
                            "ev_min_current": 6,
                            "ev_max_current": 32,
                            "ev_max_voltage": 400,
                        },
                    },
                )
            )
            await charger.call(
                call.ReservationStatusUpdate(reservation_id=reservation.pk, reservation_update_status="Removed")
            )
            answers["FirmwareStatusNotification"] = await charger.call(
                call.FirmwareStatusNotification(status="Installed")
            )
            answers["LogStatusNotification"] = await charger.call(
                call.LogStatusNotification(status="Uploaded", request_id=1)
            )
            answers["DataTransfer"] = await charger.call(call.DataTransfer(vendor_id="com.example", data="x"))
            answers["MeterValues"] = await charger.call(
                call.MeterValues(
                    evse_id=1,
                    meter_value=[
                        {
                            "timestamp": now_iso(),
                            "sampled_value": [
                                {
                                    "value": 1.5,
                                    "measurand": "Energy.Active.Import.Register",
                                    "unit_of_measure": {"unit": "kWh"},
                                }
                            ],
                        }
                    ],
                )
            )
            return answers

    answers = run(scenario())
    assert answers["NotifyEVChargingNeeds"].status == "Rejected"
    assert answers["NotifyEVChargingSchedule"].status == "Accepted"
    assert answers["DataTransfer"].status == "UnknownVendorId"
    assert answers["Heartbeat"].current_time
    kept = set(StationReport.objects.filter(station=connector.station).values_list("action", flat=True))
    assert kept == {type(message).__name__ for message in NOTIFICATIONS} | {"NotifyEVChargingNeeds"}
    event = StationReport.objects.get(station=connector.station, action="NotifyEvent")
    assert event.payload["eventData"][0]["component"]["evse"] == {"id": 1, "connectorId": 1}
    sample = MeterSample.objects.get(station=connector.station)
    assert (sample.connector_number, sample.normalized_value, sample.session_id) == (1, 1500, None)
    assert StationProtocolState.objects.get(station=connector.station).firmware_status == "Installed"
    reservation.refresh_from_db()
    assert reservation.status == Reservation.Status.CANCELLED
