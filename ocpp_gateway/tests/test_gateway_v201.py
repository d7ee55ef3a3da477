"""OCPP 2.0.1 end to end: a real uvicorn in production mode (PostgreSQL, Redis channel
layer) and the real `ocpp.v201.ChargePoint` over a real socket. Version negotiation,
boot, status, authorization, every transaction shape onto the same sessions as 1.6,
and remote start/stop through the protocol-neutral command requests."""

from datetime import UTC, datetime, timedelta

import pytest
import websockets
from ocpp.v16 import call as call16
from ocpp.v201 import call

from drivers.models import Token
from drivers.selectors.sessions import session_token
from drivers.tests.factories import TokenFactory
from ocpp_gateway.models import StationProtocolState, TransactionEventRecord
from ocpp_gateway.tests import charger as charger16
from ocpp_gateway.tests.charger import basic_auth, in_db, run, ws_url
from ocpp_gateway.tests.charger_v201 import connected, energy
from stations.models import ChargingSession, ChargingStation, CommandRequest, Connector
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


def _session(transaction_id: str) -> ChargingSession:
    return ChargingSession.objects.get(charger_transaction_id=transaction_id)


async def _negotiated(base_url: str, identity: str, offered: list[str]) -> str | None:
    async with websockets.connect(
        ws_url(base_url, identity), subprotocols=offered, additional_headers=basic_auth(identity)
    ) as socket:
        return socket.subprotocol


def test_the_highest_version_both_speak_is_chosen_in_the_clients_spelling(asgi_server, identity):
    async def scenario():
        return [
            await _negotiated(asgi_server, identity, offered)
            for offered in (["ocpp1.6", "ocpp2.0.1"], ["OCPP2.0.1", "ocpp1.6"], ["ocpp2.0.1", "ocpp2.1"], ["ocpp1.6"])
        ]

    assert run(scenario()) == ["ocpp2.0.1", "OCPP2.0.1", "ocpp2.1", "ocpp1.6"]


def test_a_charger_switching_from_16_to_201_keeps_its_station_and_connectors(asgi_server, identity, connector):
    async def scenario():
        async with charger16.connected(asgi_server, identity) as old:
            await old.call(call16.StatusNotification(connector_id=1, error_code="NoError", status="Available"))
        protocol_before = (await in_db(ChargingStation.objects.get)(identity=identity)).ocpp_protocol
        async with connected(asgi_server, identity) as new:
            boot = await new.boot(reason="FirmwareUpdate")
            await new.call(
                call.StatusNotification(
                    timestamp=datetime.now(UTC).isoformat(), connector_status="Occupied", evse_id=1, connector_id=1
                )
            )
            return protocol_before, boot

    protocol_before, boot = run(scenario())
    assert (protocol_before, boot.status) == ("ocpp1.6", "Accepted")
    station = ChargingStation.objects.get(identity=identity)
    assert (station.ocpp_protocol, station.model, station.firmware_version) == ("ocpp2.0.1", "Sim-201", "1.0")
    assert StationProtocolState.objects.get(station=station).boot_reason == "FirmwareUpdate"
    connector.refresh_from_db()
    assert connector.status == "Preparing"


def test_authorize_answers_per_token_state_and_type(asgi_server, identity):
    good = TokenFactory()
    blocked = TokenFactory(status=Token.Status.BLOCKED)
    contract = TokenFactory(contract_id="DE-ABC-C12345678-X")

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            answers = []
            for id_token in (
                {"id_token": good.uid, "type": "ISO14443"},
                {"id_token": blocked.uid, "type": "ISO14443"},
                {"id_token": "NO-SUCH-TAG", "type": "ISO14443"},
                {"id_token": "de-abc-c12345678-x", "type": "eMAID"},
                {"id_token": "", "type": "NoAuthorization"},
            ):
                answers.append((await charger.call(call.Authorize(id_token=id_token))).id_token_info["status"])
            return answers

    assert run(scenario()) == ["Accepted", "Blocked", "Invalid", "Accepted", "Invalid"]
    assert contract.uid


def test_authorize_first_transaction_becomes_a_session_with_its_energy(asgi_server, identity, connector):
    token = TokenFactory()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    id_token = {"id_token": token.uid, "type": "ISO14443"}

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.boot()
            started = await charger.transaction_event(
                "Started",
                "TX-AUTH-1",
                trigger_reason="Authorized",
                timestamp=at(0),
                id_token=id_token,
                evse={"id": 1, "connector_id": 1},
                meter_value=[energy(10_000, "Transaction.Begin", at(0))],
                transaction_info={"charging_state": "Charging"},
            )
            during = await in_db(_session)("TX-AUTH-1")
            await charger.transaction_event(
                "Updated",
                "TX-AUTH-1",
                trigger_reason="MeterValuePeriodic",
                timestamp=at(15),
                meter_value=[energy(13_000, at=at(15))],
            )
            ended = await charger.transaction_event(
                "Ended",
                "TX-AUTH-1",
                trigger_reason="StopAuthorized",
                timestamp=at(30),
                id_token=id_token,
                meter_value=[energy(16_500, "Transaction.End", at(30))],
                transaction_info={"stopped_reason": "Local", "charging_state": "EVConnected"},
            )
            return started, during, ended

    started, during, ended = run(scenario())
    assert started.id_token_info["status"] == "Accepted" and ended.id_token_info["status"] == "Accepted"
    assert (during.status, during.connector_number, during.meter_start_wh) == ("active", 1, 10_000)
    session = _session("TX-AUTH-1")
    assert (session.status, session.energy_wh, session.stop_reason, session.id_tag) == (
        "completed",
        6_500,
        "Local",
        token.uid,
    )
    assert session.connector_id == connector.pk and session.started_at == start
    assert TransactionEventRecord.objects.filter(session=session).count() == 3
    assert session.meter_samples.filter(context="Transaction.End").exists()


def test_cable_first_transaction_starts_the_session_when_the_token_comes(asgi_server, identity):
    token = TokenFactory()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.transaction_event(
                "Started",
                "TX-CABLE",
                trigger_reason="CablePluggedIn",
                timestamp=at(0),
                evse={"id": 1, "connector_id": 1},
                meter_value=[energy(500, "Transaction.Begin", at(0))],
                transaction_info={"charging_state": "EVConnected"},
            )
            before_token = await in_db(ChargingSession.objects.filter(charger_transaction_id="TX-CABLE").count)()
            authorized = await charger.transaction_event(
                "Updated",
                "TX-CABLE",
                trigger_reason="Authorized",
                timestamp=at(1),
                id_token={"id_token": token.uid, "type": "ISO14443"},
                transaction_info={"charging_state": "Charging"},
            )
            await charger.transaction_event(
                "Ended",
                "TX-CABLE",
                trigger_reason="EVCommunicationLost",
                timestamp=at(10),
                meter_value=[energy(2_500, "Transaction.End", at(10))],
                transaction_info={"stopped_reason": "EVDisconnected"},
            )
            return before_token, authorized

    before_token, authorized = run(scenario())
    assert before_token == 0 and authorized.id_token_info["status"] == "Accepted"
    session = _session("TX-CABLE")
    assert (session.started_at, session.meter_start_wh, session.energy_wh, session.stop_reason) == (
        start,
        500,
        2_000,
        "EVDisconnected",
    )


def test_a_transaction_that_never_gets_a_token_becomes_a_discrepancy_for_staff(asgi_server, identity):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.transaction_event(
                "Started",
                "TX-NOTOKEN",
                trigger_reason="CablePluggedIn",
                timestamp=at(0),
                evse={"id": 1, "connector_id": 1},
                meter_value=[energy(1_000, "Transaction.Begin", at(0))],
            )
            ended = {
                "trigger_reason": "EVCommunicationLost",
                "timestamp": at(10),
                "seq_no": 1,
                "meter_value": [energy(1_800, "Transaction.End", at(10))],
                "transaction_info": {"stopped_reason": "EVDisconnected"},
            }
            await charger.transaction_event("Ended", "TX-NOTOKEN", **ended)
            # The charger replays its Ended (lost answer): still one discrepancy.
            await charger.transaction_event("Ended", "TX-NOTOKEN", **ended)

    run(scenario())
    assert not ChargingSession.objects.filter(charger_transaction_id="TX-NOTOKEN").exists()
    discrepancy = TransactionDiscrepancy.objects.get(charger_transaction_id="TX-NOTOKEN")
    assert (discrepancy.kind, discrepancy.station.identity, discrepancy.session) == (
        TransactionDiscrepancy.Kind.ENDED_WITHOUT_TOKEN,
        identity,
        None,
    )
    assert discrepancy.payload == {
        "connector": 1,
        "startedAt": start.isoformat(),
        "endedAt": (start + timedelta(minutes=10)).isoformat(),
        "stoppedReason": "EVDisconnected",
        "events": 2,
        "energyWh": 800,
    }


def test_a_free_vend_station_accepts_a_charger_starting_without_a_token(asgi_server, identity, connector):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    free = {"id_token": "", "type": "NoAuthorization"}

    async def transaction(charger, transaction_id: str):
        started = await charger.transaction_event(
            "Started",
            transaction_id,
            trigger_reason="Authorized",
            timestamp=at(0),
            id_token=free,
            evse={"id": 1, "connector_id": 1},
            meter_value=[energy(1_000, "Transaction.Begin", at(0))],
        )
        await charger.transaction_event(
            "Ended",
            transaction_id,
            trigger_reason="EVCommunicationLost",
            timestamp=at(10),
            meter_value=[energy(3_000, "Transaction.End", at(10))],
            transaction_info={"stopped_reason": "EVDisconnected"},
        )
        return started.id_token_info["status"]

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            # Free charging is off by default: NoAuthorization is Invalid, as any unknown token.
            refused = (await charger.call(call.Authorize(id_token=free))).id_token_info["status"]
            refused_start = await transaction(charger, "TX-FREE-OFF")
            await in_db(ChargingStation.objects.filter(identity=identity).update)(free_vend=True)
            allowed = (await charger.call(call.Authorize(id_token=free))).id_token_info["status"]
            allowed_start = await transaction(charger, "TX-FREE-ON")
            return refused, refused_start, allowed, allowed_start

    assert run(scenario()) == ("Invalid", "Invalid", "Accepted", "Accepted")
    assert not ChargingSession.objects.filter(charger_transaction_id="TX-FREE-OFF").exists()
    assert TransactionDiscrepancy.objects.filter(charger_transaction_id="TX-FREE-OFF").exists()
    session = _session("TX-FREE-ON")
    assert (session.status, session.auth_status, session.id_tag, session.energy_wh, session.flags) == (
        ChargingSession.Status.COMPLETED,
        "Accepted",
        "",
        2_000,
        ["free_vend"],
    )
    assert session_token(session=session) is None


def test_offline_replay_is_applied_once_and_gaps_flag_the_session(asgi_server, identity):
    token = TokenFactory()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    at = lambda minutes: (start + timedelta(minutes=minutes)).isoformat()  # noqa: E731
    id_token = {"id_token": token.uid, "type": "ISO14443"}

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            first = {
                "trigger_reason": "Authorized",
                "timestamp": at(0),
                "seq_no": 0,
                "id_token": id_token,
                "offline": True,
                "evse": {"id": 1, "connector_id": 1},
                "meter_value": [energy(1_000, "Transaction.Begin", at(0))],
            }
            await charger.transaction_event("Started", "TX-OFF", **first)
            await charger.transaction_event("Started", "TX-OFF", **first)  # the same event, replayed
            # seqNo 1 and 2 were lost; 3 is a periodic value, 4 the end.
            await charger.transaction_event(
                "Updated",
                "TX-OFF",
                trigger_reason="MeterValuePeriodic",
                timestamp=at(20),
                seq_no=3,
                offline=True,
                meter_value=[energy(3_000, at=at(20))],
            )
            await charger.transaction_event(
                "Ended",
                "TX-OFF",
                trigger_reason="EVDeparted",
                timestamp=at(40),
                seq_no=4,
                offline=True,
                meter_value=[energy(5_000, "Transaction.End", at(40))],
                transaction_info={"stopped_reason": "EVDisconnected"},
            )

    run(scenario())
    session = _session("TX-OFF")
    assert ChargingSession.objects.filter(charger_transaction_id="TX-OFF").count() == 1
    assert (session.status, session.energy_wh) == ("completed", 4_000)
    assert "transaction_event_gap" in session.flags
    assert list(TransactionEventRecord.objects.filter(session=session).values_list("seq_no", "offline")) == [
        (0, True),
        (3, True),
        (4, True),
    ]


def test_remote_start_and_stop_go_through_command_requests(asgi_server, identity, connector):
    token = TokenFactory()

    async def scenario():
        async with connected(asgi_server, identity) as charger:
            await charger.boot()
            station = await in_db(ChargingStation.objects.get)(identity=identity)
            start = await in_db(command_request)(
                station=station, action="start", parameters={"connector": 1, "id_tag": token.uid}
            )
            asked = await charger.wait_for_call("RequestStartTransaction")
            await charger.transaction_event(
                "Started",
                "TX-REMOTE",
                trigger_reason="RemoteStart",
                id_token=asked["id_token"],
                evse={"id": asked["evse_id"], "connector_id": 1},
                meter_value=[energy(7_000, "Transaction.Begin")],
                transaction_info={"remote_start_id": asked["remote_start_id"], "charging_state": "Charging"},
            )
            session = await in_db(_session)("TX-REMOTE")
            await in_db(command_request)(station=station, action="stop", parameters={"session": session.pk})
            stop = await charger.wait_for_call("RequestStopTransaction")
            await charger.transaction_event(
                "Ended",
                "TX-REMOTE",
                trigger_reason="RemoteStop",
                meter_value=[energy(9_000, "Transaction.End")],
                transaction_info={"stopped_reason": "Remote"},
            )
            return start, asked, stop

    start, asked, stop = run(scenario())
    assert asked["id_token"] == {"id_token": token.uid, "type": "ISO14443"}
    assert (asked["remote_start_id"], asked["evse_id"]) == (start.pk, 1)
    assert stop == {"transaction_id": "TX-REMOTE"}
    session = _session("TX-REMOTE")
    assert (session.status, session.energy_wh, session.stop_reason) == ("completed", 2_000, "Remote")
    assert CommandRequest.objects.get(pk=start.pk).status == "accepted"
    assert Connector.objects.get(pk=connector.pk).status in ("Charging", "Preparing", "Available")
