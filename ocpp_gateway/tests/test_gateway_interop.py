"""What an independently written charger expects of us: the subprotocol echoed as it was
offered, status notifications that may overtake the answer they follow, spec defaults for
omitted fields, commands only after the BootNotification.conf, and one timestamp form.
Raw frames over a real socket where the order of frames on the wire is the point."""

import asyncio
import json
import re
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
import websockets
from ocpp.v16 import call

from drivers.services import reservations
from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands
from ocpp_gateway.protocols import OCPP16
from ocpp_gateway.tests.charger import TIMEOUT, basic_auth, connected, in_db, now_iso, run, ws_url
from stations.models import ChargingSession, CommandRequest, RegistrationStatus
from stations.services.commands import command_request
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ONE_TIME_FORM = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
BOOT = {"chargePointVendor": "Independent", "chargePointModel": "Sim-X"}


@pytest.fixture
def station():
    return ConnectorFactory().station


class RawCharger:
    """A charger written from the spec: frames by hand, everything it receives kept in order."""

    def __init__(self, socket):
        self.socket = socket
        self.received: list[list] = []

    async def next_frame(self) -> list:
        frame = json.loads(await asyncio.wait_for(self.socket.recv(), TIMEOUT))
        self.received.append(frame)
        return frame

    async def call(self, message_id: str, action: str, payload: dict) -> list:
        """Send a CALL and return its answer; CALLs from the CSMS that arrive meanwhile are kept."""
        await self.socket.send(json.dumps([2, message_id, action, payload]))
        while (frame := await self.next_frame())[:2] not in ([3, message_id], [4, message_id]):
            pass
        return frame

    async def next_call(self, action: str) -> list:
        for frame in self.received:
            if frame[0] == 2 and frame[2] == action:
                return frame
        while (frame := await self.next_frame())[0] != 2 or frame[2] != action:
            pass
        return frame


@asynccontextmanager
async def raw_charger(base_url: str, identity: str):
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=["ocpp1.6"], additional_headers=basic_auth(identity)
    ) as socket:
        yield RawCharger(socket)


async def _until(predicate, timeout: float = TIMEOUT):
    async def poll():
        while not (result := await in_db(predicate)()):
            await asyncio.sleep(0.05)
        return result

    return await asyncio.wait_for(poll(), timeout)


def test_subprotocol_is_echoed_in_the_clients_own_spelling(asgi_server, station):
    async def scenario():
        # websockets refuses the connection if the answer is not one of the offered values.
        async with websockets.connect(
            ws_url(asgi_server, station.identity),
            subprotocols=["OCPP1.6"],
            additional_headers=basic_auth(station.identity),
            open_timeout=TIMEOUT,
        ) as socket:
            charger = RawCharger(socket)
            return socket.subprotocol, await charger.call("hb-1", "Heartbeat", {})

    subprotocol, heartbeat = run(scenario())
    assert subprotocol == "OCPP1.6"
    assert heartbeat[0] == 3


@pytest.mark.parametrize(
    ("action", "payload", "notification", "status"),
    [
        ("GetDiagnostics", {"location": "ftp://logs.example.com/"}, "DiagnosticsStatusNotification", "Uploading"),
        (
            "UpdateFirmware",
            {"location": "https://fw.example.com/2.bin", "retrieveDate": now_iso()},
            "FirmwareStatusNotification",
            "Downloading",
        ),
    ],
)
def test_status_notification_arriving_before_the_commands_result_is_kept_on_the_command(
    asgi_server, station, action, payload, notification, status
):
    command = commands.raw_send(station=station, action=action, payload=payload)
    result = {"fileName": "diag.zip"} if action == "GetDiagnostics" else {}

    async def scenario():
        async with raw_charger(asgi_server, station.identity) as charger:
            await charger.call("boot-1", "BootNotification", BOOT)
            request = await charger.next_call(action)
            # Progress first, the answer to the command second, as some firmware does.
            await charger.call("note-1", notification, {"status": status})
            await charger.socket.send(json.dumps([3, request[1], result]))
            return await _until(lambda: CommandRequest.objects.filter(pk=command.pk, status="accepted").first())

    accepted = run(scenario())
    assert accepted.followup_status == status
    assert accepted.result == OCPP16.result_of(result)


def test_stop_transaction_without_reason_is_stored_as_local(asgi_server, station):
    token = TokenFactory()

    async def scenario():
        async with connected(asgi_server, station.identity) as charger:
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag=token.uid, meter_start=0, timestamp=now_iso())
            )
            await charger.call(
                call.StopTransaction(meter_stop=1000, timestamp=now_iso(), transaction_id=started.transaction_id)
            )
            return started.transaction_id

    session = ChargingSession.objects.get(pk=run(scenario()))
    assert (session.status, session.stop_reason) == (ChargingSession.Status.COMPLETED, "Local")


def test_queued_commands_go_out_only_after_the_boot_notification_conf(asgi_server, station):
    commands.raw_send(station=station, action="ClearCache", payload={})

    async def scenario():
        async with raw_charger(asgi_server, station.identity) as charger:
            await charger.call("boot-1", "BootNotification", BOOT)
            await charger.next_call("ClearCache")
            return [frame[:3] for frame in charger.received]

    first, second = run(scenario())
    assert first[:2] == [3, "boot-1"]
    assert second[0] == 2 and second[2] == "ClearCache"


def test_queued_commands_reach_a_charger_that_reconnects_without_booting(asgi_server, station):
    commands.raw_send(station=station, action="ClearCache", payload={})

    async def scenario():
        async with raw_charger(asgi_server, station.identity) as charger:
            return await charger.next_call("ClearCache")

    assert run(scenario())[2] == "ClearCache"


def test_pending_station_gets_only_what_ocpp16_allows_in_pending(asgi_server, station):
    station.registration_status = RegistrationStatus.PENDING
    station.save(update_fields=["registration_status"])
    # Queued straight through command_request: the delivery holds it back whatever door queued it.
    remote_start = command_request(station=station, action="start", parameters={"connector": 1, "id_tag": "T1"})
    configuration = commands.raw_send(
        station=station, action="ChangeConfiguration", payload={"key": "HeartbeatInterval", "value": "60"}
    )

    async def scenario():
        async with raw_charger(asgi_server, station.identity) as charger:
            boot = await charger.call("boot-1", "BootNotification", BOOT)
            # Queued first, so it would have been sent first had Pending allowed it.
            request = await charger.next_call("ChangeConfiguration")
            await charger.socket.send(json.dumps([3, request[1], {"status": "Accepted"}]))
            await _until(lambda: CommandRequest.objects.filter(pk=configuration.pk, status="accepted").exists())
            return boot, [frame[2] for frame in charger.received if frame[0] == 2]

    boot, calls = run(scenario())
    assert boot[2]["status"] == "Pending"
    assert calls == ["ChangeConfiguration"]
    remote_start.refresh_from_db()
    assert remote_start.status == CommandRequest.Status.PENDING


def test_every_timestamp_we_emit_is_utc_with_milliseconds_and_z(asgi_server, station):
    token = TokenFactory(expires_at=datetime.now(UTC) + timedelta(days=30, microseconds=123456))
    plus_two = timezone(timedelta(hours=2))
    reservations.reservation_request(
        token=token,
        station=station,
        connector_number=1,
        expires_at=(datetime.now(UTC) + timedelta(hours=1)).astimezone(plus_two),
    )
    commands.raw_send(
        station=station,
        action="GetDiagnostics",
        payload={"location": "ftp://logs/", "startTime": datetime(2026, 11, 1, 8, 30, tzinfo=plus_two).isoformat()},
    )

    async def scenario():
        async with raw_charger(asgi_server, station.identity) as charger:
            boot = await charger.call("boot-1", "BootNotification", BOOT)
            heartbeat = await charger.call("hb-1", "Heartbeat", {})
            authorize = await charger.call("auth-1", "Authorize", {"idTag": token.uid})
            reserve = await charger.next_call("ReserveNow")
            await charger.socket.send(json.dumps([3, reserve[1], {"status": "Accepted"}]))
            diagnostics = await charger.next_call("GetDiagnostics")
            return boot, heartbeat, authorize, reserve, diagnostics

    boot, heartbeat, authorize, reserve, diagnostics = run(scenario())
    emitted = {
        "BootNotification.conf currentTime": boot[2]["currentTime"],
        "Heartbeat.conf currentTime": heartbeat[2]["currentTime"],
        "Authorize.conf idTagInfo.expiryDate": authorize[2]["idTagInfo"]["expiryDate"],
        "ReserveNow.req expiryDate": reserve[3]["expiryDate"],
        "GetDiagnostics.req startTime": diagnostics[3]["startTime"],
    }
    assert {name: bool(ONE_TIME_FORM.match(value)) for name, value in emitted.items()} == dict.fromkeys(emitted, True)
    assert diagnostics[3]["startTime"] == "2026-11-01T06:30:00.000Z"
