"""Charger → CSMS, end to end: a real uvicorn in production mode (PostgreSQL, Redis channel
layer) and the real `ocpp` ChargePoint over a real socket."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from ocpp.v16 import call

from drivers.models import Token
from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands
from ocpp_gateway.models import MessageLog, StationProtocolState
from ocpp_gateway.tests.charger import connected, eventually, in_db, now_iso, run
from stations.models import (
    ChargingSession,
    ChargingStation,
    CommandRequest,
    Connector,
    MeterSample,
    RegistrationStatus,
    StatusChange,
)
from stations.models.sessions import TransactionDiscrepancy
from stations.services.commands import command_request
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def connector():
    return ConnectorFactory()


@pytest.fixture
def identity(connector):
    return connector.station.identity


def test_boot_records_the_station_and_returns_heartbeat_interval(asgi_server, identity):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            return await charger.call(
                call.BootNotification(
                    charge_point_vendor="ACME",
                    charge_point_model="Fast-50",
                    charge_point_serial_number="SER-1",
                    firmware_version="2.4.1",
                )
            )

    response = run(scenario())
    assert (response.status, response.interval) == ("Accepted", 300)
    station = ChargingStation.objects.get(identity=identity)
    assert (station.vendor, station.model, station.serial_number, station.firmware_version) == (
        "ACME",
        "Fast-50",
        "SER-1",
        "2.4.1",
    )
    assert station.last_boot_at is not None
    logged = MessageLog.objects.filter(station=station, action="BootNotification")
    assert eventually(lambda: logged.count() == 2)
    assert sorted(logged.values_list("direction", "message_type")) == [("in", 2), ("out", 3)]


def test_connection_is_tracked_and_heartbeat_answered(asgi_server, identity):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            response = await charger.call(call.Heartbeat())
            # Answered on the event loop: the seen writer records it about a second later.
            await _wait_async(lambda: ChargingStation.objects.get(identity=identity).last_heartbeat_at is not None)
            station = await in_db(ChargingStation.objects.get)(identity=identity)
            return response, station

    response, during = run(scenario())
    assert datetime.fromisoformat(response.current_time) > datetime.now(UTC) - timedelta(minutes=1)
    assert during.is_connected and during.is_online
    # The time recorded is the time answered (which shows milliseconds only).
    assert (
        timedelta(0)
        <= during.last_heartbeat_at - datetime.fromisoformat(response.current_time)
        < timedelta(milliseconds=1)
    )
    assert during.last_seen_at >= during.last_heartbeat_at
    logged = MessageLog.objects.filter(station=during, action="Heartbeat")
    assert eventually(lambda: sorted(logged.values_list("direction", "message_type")) == [("in", 2), ("out", 3)])
    after = _wait_until(lambda: not ChargingStation.objects.get(identity=identity).is_connected)
    assert after


def test_status_notification_updates_connector_and_history(asgi_server, identity, connector):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            for state in ("Available", "Preparing"):
                await charger.call(
                    call.StatusNotification(connector_id=1, error_code="NoError", status=state, timestamp=now_iso())
                )
            await charger.call(
                call.StatusNotification(connector_id=0, error_code="PowerMeterFailure", status="Faulted")
            )

    run(scenario())
    connector.refresh_from_db()
    assert connector.status == "Preparing"
    station = ChargingStation.objects.get(pk=connector.station_id)
    assert (station.status, station.error_code) == ("Faulted", "PowerMeterFailure")
    assert StatusChange.objects.filter(station=station).count() == 3


def test_authorize_answers_per_token_state(asgi_server, identity):
    good = TokenFactory()
    blocked = TokenFactory(status=Token.Status.BLOCKED)

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            return [
                (await charger.call(call.Authorize(id_tag=tag))).id_tag_info["status"]
                for tag in (good.uid, blocked.uid, "NO-SUCH-TAG")
            ]

    assert run(scenario()) == ["Accepted", "Blocked", "Invalid"]


def test_full_transaction_with_meter_values(asgi_server, identity, connector):
    token = TokenFactory()
    start = datetime.now(UTC).replace(microsecond=0)

    def sampled(minutes, wh, watts):
        return {
            "timestamp": (start + timedelta(minutes=minutes)).isoformat(),
            "sampledValue": [
                {"value": str(wh / 1000), "unit": "kWh", "measurand": "Energy.Active.Import.Register"},
                {"value": str(watts), "unit": "W", "measurand": "Power.Active.Import"},
                {"value": "16.1", "unit": "A", "measurand": "Current.Import", "phase": "L1"},
                {"value": "55", "unit": "Percent", "measurand": "SoC", "location": "EV"},
            ],
        }

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            started = await charger.call(
                call.StartTransaction(connector_id=1, id_tag=token.uid, meter_start=10000, timestamp=start.isoformat())
            )
            transaction_id = started.transaction_id
            await charger.call(
                call.MeterValues(connector_id=1, transaction_id=transaction_id, meter_value=[sampled(5, 12000, 11000)])
            )
            stopped = await charger.call(
                call.StopTransaction(
                    meter_stop=15500,
                    timestamp=(start + timedelta(minutes=20)).isoformat(),
                    transaction_id=transaction_id,
                    id_tag=token.uid,
                    reason="EVDisconnected",
                    transaction_data=[sampled(15, 15000, 9000)],
                )
            )
            return started, stopped

    started, stopped = run(scenario())
    assert started.id_tag_info["status"] == "Accepted"
    assert stopped.id_tag_info["status"] == "Accepted"
    session = ChargingSession.objects.get(pk=started.transaction_id)
    assert session.status == ChargingSession.Status.COMPLETED
    assert (session.meter_start_wh, session.meter_stop_wh, session.energy_wh) == (10000, 15500, 5500)
    assert session.stop_reason == "EVDisconnected"
    assert session.token_link.token == token
    assert MeterSample.objects.filter(session=session).count() == 8
    assert (
        MeterSample.objects.get(session=session, measurand="SoC", sampled_at=start + timedelta(minutes=5)).location
        == "EV"
    )


def test_replayed_start_transaction_returns_same_id_and_creates_nothing(asgi_server, identity):
    token = TokenFactory()
    request = call.StartTransaction(connector_id=1, id_tag=token.uid, meter_start=500, timestamp=now_iso())

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            first = await charger.call(request)
            second = await charger.call(request)
            return first, second

    first, second = run(scenario())
    assert first.transaction_id == second.transaction_id
    assert first.id_tag_info == second.id_tag_info
    assert ChargingSession.objects.count() == 1


def test_invalid_token_still_gets_a_transaction_id(asgi_server, identity):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            return await charger.call(
                call.StartTransaction(connector_id=1, id_tag="UNKNOWN-TAG", meter_start=0, timestamp=now_iso())
            )

    response = run(scenario())
    assert response.id_tag_info["status"] == "Invalid"
    session = ChargingSession.objects.get(pk=response.transaction_id)
    assert session.status == ChargingSession.Status.REJECTED


def test_offline_queued_stop_after_reconnect_is_attached_in_order(asgi_server, identity):
    token = TokenFactory()
    hours_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=5)

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            started = await charger.call(
                call.StartTransaction(
                    connector_id=1, id_tag=token.uid, meter_start=100, timestamp=hours_ago.isoformat()
                )
            )
        # The charger lost its connection and queued what follows; it sends it all on reconnect.
        async with connected(asgi_server, identity) as charger:
            tx = started.transaction_id
            meter = {
                "timestamp": (hours_ago + timedelta(hours=1)).isoformat(),
                "sampledValue": [{"value": "2100"}],
            }
            await charger.call(call.MeterValues(connector_id=1, transaction_id=tx, meter_value=[meter]))
            stopped = await charger.call(
                call.StopTransaction(
                    meter_stop=3100, timestamp=(hours_ago + timedelta(hours=2)).isoformat(), transaction_id=tx
                )
            )
            unknown = await charger.call(call.StopTransaction(meter_stop=1, timestamp=now_iso(), transaction_id=-1))
            return tx, stopped, unknown

    tx, _stopped, _unknown = run(scenario())
    session = ChargingSession.objects.get(pk=tx)
    assert session.stopped_at == hours_ago + timedelta(hours=2)
    assert session.stop_received_at > session.stopped_at
    assert session.energy_wh == 3000
    assert session.status == ChargingSession.Status.COMPLETED
    assert TransactionDiscrepancy.objects.get().transaction_number == -1


def test_firmware_and_diagnostics_status_link_to_their_commands(asgi_server, identity):
    station = ChargingStation.objects.get(identity=identity)
    update = command_request(
        station=station, action="update_firmware", parameters={"location": "https://fw/x.bin", "retrieve_at": now_iso()}
    )
    diagnostics = commands.raw_send(station=station, action="GetDiagnostics", payload={"location": "ftp://logs/"})

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.wait_for_call("UpdateFirmware")
            await charger.wait_for_call("GetDiagnostics")
            await _wait_async(lambda: CommandRequest.objects.filter(pk=diagnostics.pk, status="accepted").exists())
            await charger.call(call.FirmwareStatusNotification(status="Downloading"))
            await charger.call(call.DiagnosticsStatusNotification(status="Uploaded"))

    run(scenario())
    update.refresh_from_db()
    diagnostics.refresh_from_db()
    assert (update.status, update.followup_status) == ("accepted", "Downloading")
    assert (diagnostics.status, diagnostics.followup_status) == ("accepted", "Uploaded")
    assert diagnostics.result == {"file_name": "diag.zip"}
    state = StationProtocolState.objects.get(station=station)
    assert (state.firmware_status, state.diagnostics_status) == ("Downloading", "Uploaded")


def test_data_transfer_from_charger_is_answered_unknown_vendor(asgi_server, identity):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            return await charger.call(call.DataTransfer(vendor_id="com.example", message_id="x", data="{}"))

    assert run(scenario()).status == "UnknownVendorId"
    assert eventually(MessageLog.objects.filter(action="DataTransfer", direction="in").exists)


def test_pending_station_may_only_boot(asgi_server, identity):
    ChargingStation.objects.filter(identity=identity).update(registration_status=RegistrationStatus.PENDING)

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            boot = await charger.boot()
            heartbeat_error = None
            try:
                await charger.call(call.Heartbeat(), suppress=False)
            except Exception as error:  # the ocpp client raises the CALLERROR as an OCPPError
                heartbeat_error = error
            return boot, heartbeat_error

    boot, error = run(scenario())
    assert (boot.status, boot.interval) == ("Pending", 60)
    assert type(error).__name__ == "SecurityError"


def test_status_for_unknown_connector_is_kept_in_history(asgi_server, identity):
    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.call(call.StatusNotification(connector_id=7, error_code="NoError", status="Available"))

    run(scenario())
    assert StatusChange.objects.filter(connector_number=7).exists()
    assert not Connector.objects.filter(connector_id=7).exists()


def _wait_until(predicate, timeout: float = 30) -> bool:
    return asyncio.run(_wait_async(predicate, timeout))


async def _wait_async(predicate, timeout: float = 30) -> bool:
    async def poll():
        while not await in_db(predicate)():
            await asyncio.sleep(0.05)
        return True

    return await asyncio.wait_for(poll(), timeout)
