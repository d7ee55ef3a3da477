"""CSMS → charger through the outbox, end to end: every 1.6 action delivered and answered,
results fed back into state, remote start/stop from another process, one outstanding
CALL per connection, response timeouts and CALLERRORs recorded."""

import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from ocpp.v16 import call

from config import live_servers
from drivers.models import Reservation
from drivers.services import reservations
from drivers.tests.factories import TokenFactory
from ocpp_gateway.models import ConfigurationKey, MessageLog, StationProtocolState
from ocpp_gateway.tests.charger import SilentCharger, SimulatedCharger, connected, eventually, in_db, now_iso, run
from stations.models import ChargingSession, CommandRequest
from stations.services.commands import command_request
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

SUBPROCESS_TIMEOUT = 45
PROFILE = {
    "chargingProfileId": 7,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Absolute",
    "chargingSchedule": {
        "chargingRateUnit": "A",
        "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16.5}],
        "startSchedule": now_iso(),
    },
}
# Every CSMS→charger action of OCPP 1.6, queued as a domain request with neutral
# parameters (or raw, for the two without a domain action), the 1.6 frame it becomes and
# the status we expect once the simulated charger has answered. (Reservations go through
# their services below, as every door does.)
ACTIONS = {
    "ChangeAvailability": (("set_availability", {"connector": 1, "operative": False}), "accepted"),
    "ChangeConfiguration": (("change_configuration", {"key": "MeterValueSampleInterval", "value": "30"}), "accepted"),
    "ClearCache": (("clear_cache", {}), "accepted"),
    "ClearChargingProfile": (("clear_charging_profile", {"profile_id": 7}), "rejected"),
    "DataTransfer": (("data_transfer", {"vendor_id": "com.example", "message_id": "ping"}), "accepted"),
    "GetCompositeSchedule": (("raw", {"connectorId": 1, "duration": 3600, "chargingRateUnit": "W"}), "rejected"),
    "GetConfiguration": (("get_configuration", {"keys": ["HeartbeatInterval", "NoSuchKey"]}), "accepted"),
    "GetDiagnostics": (("get_diagnostics", {"location": "ftp://diag.example.com/"}), "accepted"),
    "GetLocalListVersion": (("raw", {}), "accepted"),
    "RemoteStartTransaction": (("start", {"connector": 1, "id_tag": "REMOTE1"}), "accepted"),
    "RemoteStopTransaction": (("stop", {"session": 1}), "accepted"),
    "Reset": (("reset", {"type": "soft"}), "accepted"),
    "SendLocalList": (
        (
            "send_local_list",
            {"version": 3, "update": "full", "entries": [{"id_tag": "LOCAL1", "status": "accepted"}]},
        ),
        "accepted",
    ),
    "SetChargingProfile": (("set_charging_profile", {"connector": 1, "profile": PROFILE}), "accepted"),
    "TriggerMessage": (("trigger_message", {"message": "status_notification", "connector": 1}), "accepted"),
    "UnlockConnector": (("unlock", {"connector": 1}), "accepted"),
    "UpdateFirmware": (
        ("update_firmware", {"location": "https://fw.example.com/2.0.bin", "retrieve_at": now_iso()}),
        "accepted",
    ),
}


def _queue(station, ocpp_action: str, action: str, parameters: dict):
    raw = {"raw_action": ocpp_action} if action == "raw" else {}
    return command_request(station=station, action=action, parameters=parameters, **raw)


@pytest.fixture
def connector():
    return ConnectorFactory()


async def _until(predicate, timeout: float = 30):
    async def poll():
        while not (result := await in_db(predicate)()):
            await asyncio.sleep(0.05)
        return result

    return await asyncio.wait_for(poll(), timeout)


def test_every_csms_action_is_delivered_answered_and_fed_back(asgi_server, connector):
    station = connector.station
    token = TokenFactory()
    # Queued while the station is offline: they wait for it.
    queued = {ocpp_action: _queue(station, ocpp_action, *request) for ocpp_action, (request, _) in ACTIONS.items()}
    reservation = reservations.reservation_request(
        token=token, station=station, connector_number=1, expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    assert {c.status for c in queued.values()} == {"pending"}

    async def scenario():
        async with connected(asgi_server, station.identity) as charger:
            await _until(lambda: CommandRequest.objects.filter(station=station, status="pending").count() == 0)
            await _until(lambda: not CommandRequest.objects.filter(station=station, status="sent").exists())
            # Queued while connected: the channel layer wakes the consumer from this process.
            await in_db(reservations.reservation_cancel)(reservation=reservation)
            await _until(lambda: Reservation.objects.get(pk=reservation.pk).status == "cancelled")
            return charger.received

    received = run(scenario())
    received_actions = [action for action, _ in received]
    assert sorted(received_actions) == sorted([*ACTIONS, "ReserveNow", "CancelReservation"])
    # Delivered in the order they were queued.
    assert received_actions[: len(ACTIONS)] == list(ACTIONS)
    for action, (_, expected) in ACTIONS.items():
        command = CommandRequest.objects.get(pk=queued[action].pk)
        assert (action, command.status) == (action, expected)
        assert command.sent_at and command.responded_at
    assert CommandRequest.objects.get(pk=queued["DataTransfer"].pk).result == {"status": "accepted", "data": "pong"}
    config = dict(ConfigurationKey.objects.filter(station=station).values_list("key", "known"))
    assert config == {"HeartbeatInterval": True, "NoSuchKey": False, "MeterValueSampleInterval": True}
    assert ConfigurationKey.objects.get(station=station, key="MeterValueSampleInterval").value == "30"
    assert StationProtocolState.objects.get(station=station).local_list_version == 3
    assert Reservation.objects.get(pk=reservation.pk).charger_status == "Accepted"
    logged = MessageLog.objects.filter(station=station, direction="out", message_type=2)
    assert eventually(lambda: logged.count() == len(ACTIONS) + 2)


def _ocpp_send(identity: str, action: str, payload: dict) -> list[str]:
    return [
        sys.executable,
        "manage.py",
        "ocpp_send",
        identity,
        action,
        json.dumps(payload),
        "--wait",
        "20",
    ]


def test_remote_start_and_stop_round_trip_from_another_process(asgi_server, connector):
    station = connector.station
    # The raw start passes the charge rule: a verified driver's token.
    token = TokenFactory(driver__email_verified_at=timezone.now())
    env = live_servers.server_env()

    async def run_command(action, payload):
        process = await asyncio.create_subprocess_exec(
            *_ocpp_send(station.identity, action, payload),
            cwd=live_servers.BASE_DIR,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()
        return json.loads(stdout.decode().strip().splitlines()[-1])

    async def scenario():
        async with connected(asgi_server, station.identity) as charger:
            started_by_cli = asyncio.create_task(
                run_command("RemoteStartTransaction", {"idTag": token.uid, "connectorId": 1})
            )
            # Generous waits: each command starts a Django process, slow on a busy CI machine.
            request = await charger.wait_for_call("RemoteStartTransaction", timeout=SUBPROCESS_TIMEOUT)
            start = await charger.call(
                call.StartTransaction(
                    connector_id=request["connector_id"], id_tag=request["id_tag"], meter_start=0, timestamp=now_iso()
                )
            )
            remote_start = await started_by_cli
            remote_stop = await asyncio.gather(
                run_command("RemoteStopTransaction", {"transactionId": start.transaction_id}),
                charger.wait_for_call("RemoteStopTransaction", timeout=SUBPROCESS_TIMEOUT),
            )
            await charger.call(
                call.StopTransaction(
                    meter_stop=7000, timestamp=now_iso(), transaction_id=start.transaction_id, reason="Remote"
                )
            )
            return start.transaction_id, remote_start, remote_stop[0]

    transaction_id, remote_start, remote_stop = run(scenario(), timeout=4 * SUBPROCESS_TIMEOUT)
    assert remote_start["status"] == "accepted"
    assert remote_stop["status"] == "accepted"
    session = ChargingSession.objects.get(pk=transaction_id)
    assert (session.status, session.energy_wh, session.stop_reason, session.token_link.token) == (
        "completed",
        7000,
        "Remote",
        token,
    )


def test_unanswered_call_times_out_and_only_then_is_the_next_sent(fast_timeout_server, connector):
    station = connector.station
    first = command_request(station=station, action="clear_cache", parameters={})
    second = command_request(station=station, action="reset", parameters={"type": "hard"})

    async def scenario():
        async with connected(fast_timeout_server, station.identity, charger_class=SilentCharger) as charger:
            await _until(lambda: CommandRequest.objects.get(pk=second.pk).status == "timed_out")
            return [action for action, _ in charger.received]

    assert run(scenario()) == ["ClearCache", "Reset"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "timed_out"
    assert "No response" in first.error_description
    # One outstanding CALL per connection: the second went out only after the first gave up.
    assert second.sent_at >= first.sent_at + timedelta(seconds=1)


class NoResetCharger(SimulatedCharger):
    """A charger without Reset: the `ocpp` library answers CALLERROR NotImplemented."""

    def on_reset(self, **payload):  # no @on: not routed
        raise AssertionError("not routed")


def test_callerror_response_is_recorded_with_code_and_description(asgi_server, connector):
    station = connector.station

    async def scenario():
        async with connected(asgi_server, station.identity, charger_class=NoResetCharger):
            command = await in_db(command_request)(station=station, action="reset", parameters={"type": "soft"})
            return await _until(lambda: CommandRequest.objects.filter(pk=command.pk, status="failed").first())

    failed = run(scenario())
    assert failed.error_code == "NotImplemented"
    assert failed.error_description


def test_command_queued_while_connected_is_picked_up_by_the_poll_even_without_wake_up(fast_timeout_server, connector):
    station = connector.station

    async def scenario():
        async with connected(fast_timeout_server, station.identity) as charger:
            # Written straight to the outbox, as a process without a channel layer would: no wake-up is sent.
            await in_db(CommandRequest.objects.create)(
                station=station, action="clear_cache", expires_at=datetime.now(UTC) + timedelta(minutes=5)
            )
            return await charger.wait_for_call("ClearCache")

    assert run(scenario()) == {}
