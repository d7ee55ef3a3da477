"""OCPP 2.1 end to end with the real `ocpp.v21.ChargePoint` (real uvicorn, real socket):
2.0.1's messages under 2.1's schemas, the DER/V2X and settlement notices kept read-only,
the new SEND and CALLRESULTERROR frames (written on the socket by hand: the `ocpp`
package cannot send them), tariff messages sent as raw command requests, and the
messages we do not take answered NotSupported."""

import asyncio
import json
import time
import uuid

import pytest
import websockets
from ocpp.exceptions import NotSupportedError
from ocpp.v21 import call

from drivers.tests.factories import TokenFactory
from ocpp_gateway import commands
from ocpp_gateway.models import MessageLog, StationReport
from ocpp_gateway.tests.charger import basic_auth, in_db, run, ws_url
from ocpp_gateway.tests.charger_v201 import SimulatedCharger21, connected, energy, now_iso
from stations.models import ChargingSession, ChargingStation, CommandRequest
from stations.tests.factories import ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _logged(message_id: str, timeout: float = 20) -> list[MessageLog]:
    deadline = time.monotonic() + timeout
    while True:
        rows = list(MessageLog.objects.filter(message_id=message_id))
        if rows or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_a_21_charger_charges_reports_and_streams(asgi_server):
    connector = ConnectorFactory()
    identity = connector.station.identity
    token = TokenFactory()
    send_id, error_id = str(uuid.uuid4()), str(uuid.uuid4())

    async def scenario():
        async with connected(asgi_server, identity, charger_class=SimulatedCharger21, subprotocols=("ocpp2.1",)) as cp:
            await cp.boot()
            await cp.transaction_event(
                "Started",
                "TX-21",
                trigger_reason="Authorized",
                id_token={"id_token": token.uid, "type": "ISO14443"},
                evse={"id": 1, "connector_id": 1},
                meter_value=[energy(100, "Transaction.Begin")],
            )
            await cp.transaction_event(
                "Ended",
                "TX-21",
                trigger_reason="StopAuthorized",
                meter_value=[energy(1_100, "Transaction.End")],
                transaction_info={"stopped_reason": "Local"},
            )
            await cp.call(
                call.NotifyDERAlarm(control_type="FreqDroop", timestamp=now_iso(), grid_event_fault="OverFrequency")
            )
            await cp.call(call.NotifyDERStartStop(control_id="c1", started=True, timestamp=now_iso()))
            await cp.call(call.ReportDERControl(request_id=1))
            await cp.call(
                call.NotifySettlement(
                    psp_ref="psp-1", settlement_amount=12.5, settlement_time=now_iso(), status="Settled"
                )
            )
            opened = await cp.call(
                call.OpenPeriodicEventStream(
                    constant_stream_data={"id": 1, "variable_monitoring_id": 2, "params": {"interval": 60}}
                )
            )
            await cp.send_frame(
                [
                    6,
                    send_id,
                    "NotifyPeriodicEventStream",
                    {"id": 1, "pending": 0, "basetime": now_iso(), "data": [{"t": 0, "v": "11.0"}]},
                ]
            )
            await cp.send_frame([5, error_id, "InternalError", "could not take the result", {}])
            with pytest.raises(NotSupportedError):
                await cp.call(call.VatNumberValidation(vat_number="DE123456789"), suppress=False)
            return opened, await in_db(_logged)(send_id), await in_db(_logged)(error_id)

    opened, send_rows, error_rows = run(scenario())
    session = ChargingSession.objects.get(charger_transaction_id="TX-21")
    assert (session.status, session.energy_wh) == ("completed", 1_000)
    assert ChargingStation.objects.get(identity=identity).ocpp_protocol == "ocpp2.1"
    assert opened.status == "Accepted"
    kept = set(StationReport.objects.filter(station=connector.station).values_list("action", flat=True))
    assert kept == {
        "NotifyDERAlarm",
        "NotifyDERStartStop",
        "ReportDERControl",
        "NotifySettlement",
        "OpenPeriodicEventStream",
        "NotifyPeriodicEventStream",
    }
    # A SEND is kept and never answered; a CALLRESULTERROR is logged.
    assert [(row.direction, row.message_type, row.note) for row in send_rows] == [("in", 6, "")]
    assert [(row.direction, row.message_type) for row in error_rows] == [("in", 5)]
    assert error_rows[0].payload["errorCode"] == "InternalError"


def test_tariff_messages_go_to_a_21_charger_as_validated_raw_requests(asgi_server):
    connector = ConnectorFactory()
    station = connector.station
    ChargingStation.objects.filter(pk=station.pk).update(ocpp_protocol="ocpp2.1")
    station.refresh_from_db()
    tariff = {"tariffId": "T1", "currency": "EUR", "energy": {"prices": [{"priceKwh": 0.39}]}}
    queued = [
        commands.raw_send(station=station, action="SetDefaultTariff", payload={"evseId": 1, "tariff": tariff}).pk,
        commands.raw_send(station=station, action="GetTariffs", payload={"evseId": 1}).pk,
    ]

    async def scenario():
        async with connected(
            asgi_server, station.identity, charger_class=SimulatedCharger21, subprotocols=("ocpp2.1",)
        ) as cp:
            await cp.boot()
            await cp.wait_for_call("GetTariffs")
            await asyncio.sleep(0.5)
            return [action for action, _ in cp.received]

    assert run(scenario()) == ["SetDefaultTariff", "GetTariffs"]
    statuses = dict(CommandRequest.objects.filter(pk__in=queued).values_list("raw_action", "status"))
    assert statuses == {"SetDefaultTariff": "accepted", "GetTariffs": "rejected"}
    with pytest.raises(Exception, match="Invalid SetDefaultTariff payload"):
        commands.raw_send(station=station, action="SetDefaultTariff", payload={"evseId": 1})


def test_a_21_chargers_malformed_callresult_is_answered_with_callresulterror(asgi_server):
    station = ConnectorFactory().station
    ChargingStation.objects.filter(pk=station.pk).update(ocpp_protocol="ocpp2.1")
    station.refresh_from_db()
    queued = commands.raw_send(station=station, action="GetTariffs", payload={"evseId": 1})

    async def scenario():
        async with websockets.connect(
            ws_url(asgi_server, station.identity),
            subprotocols=["ocpp2.1"],
            additional_headers=basic_auth(station.identity),
        ) as socket:
            boot = {"chargingStation": {"model": "M", "vendorName": "V"}, "reason": "PowerUp"}
            await socket.send(json.dumps([2, "boot-1", "BootNotification", boot]))
            messages = [json.loads(await asyncio.wait_for(socket.recv(), 30)) for _ in range(2)]
            get_tariffs = next(message for message in messages if message[0] == 2)
            await socket.send(json.dumps([3, get_tariffs[1], {"status": "Maybe"}]))
            return get_tariffs[1], json.loads(await asyncio.wait_for(socket.recv(), 30))

    message_id, answer = run(scenario())
    assert answer[:3] == [5, message_id, "PropertyConstraintViolation"]
    queued.refresh_from_db()
    assert (queued.status, queued.error_code) == ("failed", "PropertyConstraintViolation")
    assert MessageLog.objects.filter(message_id=message_id, direction="out", message_type=5).exists()
