"""The simulated charger's frames are valid OCPP 1.6: checked against the `ocpp`
package's schemas directly, and end to end against the bare `ocpp` central system
(which validates every CALL it receives)."""

import asyncio

import pytest
from ocpp.messages import Call, validate_payload
from websockets.asyncio.server import serve

from bench import simulator, wire
from bench.servers.ocpp_central import handle
from config import bench_fleet


async def test_meter_values_frame_matches_the_ocpp16_schema():
    await validate_payload(Call("1", "MeterValues", simulator.meter_values(2, 17, 123456)), ocpp_version="1.6")


async def test_status_and_transaction_payloads_match_the_ocpp16_schema():
    charger = simulator.Charger(
        identity="CP1",
        password="x" * 20,
        target=simulator.Target(host="127.0.0.1", port=1),
        profile=simulator.ChargerProfile(connectors=1, charging_fraction=0.5, id_tag="TAG1"),
        recorder=simulator.Recorder(),
    )
    transaction = charger._new_transaction(1)
    await validate_payload(Call("1", "StartTransaction", transaction["start"]), ocpp_version="1.6")
    status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging", "timestamp": simulator.now_iso()}
    await validate_payload(Call("2", "StatusNotification", status), ocpp_version="1.6")


async def test_a_charger_boots_charges_and_stops_against_the_ocpp_package_central_system():
    recorder = simulator.Recorder()
    recorder.recording = True
    async with serve(handle, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:
        port = server.sockets[0].getsockname()[1]
        profile = simulator.ChargerProfile(
            connectors=2,
            heartbeat_interval=0.2,
            meter_interval=0.1,
            charging_fraction=0.99,
            session_seconds=0.5,
            id_tag=simulator.PER_CONNECTOR,
        )
        charger = simulator.Charger(
            identity="CP-SIM-1",
            password="x" * 20,
            target=simulator.Target(host="127.0.0.1", port=port),
            profile=profile,
            recorder=recorder,
        )
        stop = asyncio.Event()
        task = asyncio.ensure_future(charger.run(stop))
        wanted = ("BootNotification", "StatusNotification", "Heartbeat", "StartTransaction", "MeterValues")
        async with asyncio.timeout(30):
            while not all(recorder.round_trips[action] for action in (*wanted, "StopTransaction")):
                await asyncio.sleep(0.1)
        stop.set()
        await asyncio.wait_for(task, 10)
    assert not recorder.failures
    assert charger.state.booted_at
    assert charger.state.transactions
    assert all(len(recorder.round_trips[action]) >= 1 for action in wanted)


def test_every_station_gets_its_own_password_within_the_whitepaper_length():
    fleet = bench_fleet.fleet(count=3, prefix="BX", seed="s")
    assert [identity for identity, _ in fleet] == ["BX-000001", "BX-000002", "BX-000003"]
    passwords = [password for _, password in fleet]
    assert len(set(passwords)) == 3
    assert all(16 <= len(p) <= 40 for p in passwords)
    assert bench_fleet.fleet(count=3, prefix="BX", seed="s") == fleet
    assert bench_fleet.fleet(count=1, prefix="BX", seed="other") != fleet[:1]


def test_each_connector_of_the_fleet_has_its_own_deterministic_tag_within_ocpp16s_limit():
    identities = [identity for identity, _ in bench_fleet.fleet(count=10_000)]
    tags = [bench_fleet.id_tag(identity, connector) for identity in identities for connector in (1, 2)]
    assert len(set(tags)) == 20_000
    assert all(len(tag) <= 20 and tag.isalnum() for tag in tags)
    assert bench_fleet.id_tag("BENCH-000001", 1) == bench_fleet.id_tag("BENCH-000001", 1)
    assert bench_fleet.id_tag("BENCH-000001", 1) != bench_fleet.id_tag("BENCH-000001", 2)


def test_a_charger_starts_with_its_connectors_own_tag_when_the_profile_asks_for_it():
    def start_tag(identity: str, connector: int, id_tag: str) -> str:
        charger = simulator.Charger(
            identity=identity,
            password="x" * 20,
            target=simulator.Target(host="127.0.0.1", port=1),
            profile=simulator.ChargerProfile(connectors=2, id_tag=id_tag),
            recorder=simulator.Recorder(),
        )
        return charger._new_transaction(connector)["start"]["idTag"]

    assert start_tag("BENCH-000007", 2, simulator.PER_CONNECTOR) == bench_fleet.id_tag("BENCH-000007", 2)
    assert start_tag("BENCH-000007", 1, simulator.PER_CONNECTOR) == bench_fleet.id_tag("BENCH-000007", 1)
    assert start_tag("BENCH-000007", 1, "SHARED1") == "SHARED1"


@pytest.mark.parametrize("bad", [b"not json", b"[3]"])
def test_a_garbled_frame_counts_as_a_failure_not_a_crash(bad):
    recorder = simulator.Recorder()
    recorder.recording = True
    simulator.Link(recorder=recorder)._on_message(bad)
    assert recorder.failures["bad_frame"] == 1


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (ConnectionRefusedError(111, "refused"), "ConnectionRefusedError"),
        (OSError(24, "Too many open files"), "OSError:EMFILE"),
        (TimeoutError(), "TimeoutError"),
        (wire.HandshakeError("HTTP/1.1 503 Service Unavailable"), "HandshakeError:503"),
        (simulator.CallFailed("timeout", "BootNotification"), "timeout"),
    ],
)
def test_connect_failures_are_counted_by_a_kind_that_says_what_limited_the_ramp(error, kind):
    recorder = simulator.Recorder()
    recorder.connect_failure(simulator.connect_failure_kind(error))
    # Counted outside measurement windows too (recording is off here), unlike call failures.
    assert recorder.connect_failures == {kind: 1}
    assert recorder.failures == {}


def _idle_charger(boots: int) -> simulator.Charger:
    charger = simulator.Charger(
        identity="CP-IDLE",
        password="x" * 20,
        target=simulator.Target(host="127.0.0.1", port=1),
        profile=simulator.ChargerProfile(connectors=1, charging_fraction=0.5, session_seconds=1000),
        recorder=simulator.Recorder(),
    )
    charger.state.booted_at = [float(n) for n in range(boots)]
    return charger


def test_an_idle_connector_starts_somewhere_in_its_cycle_on_the_first_connection(monkeypatch):
    charger = _idle_charger(boots=1)
    monkeypatch.setattr(simulator.random, "random", lambda: 0.5)  # within the charging fraction
    assert charger._idle_before_first_session(1000) == 0.0
    monkeypatch.setattr(simulator.random, "random", lambda: 0.75)
    assert charger._idle_before_first_session(1000) == 750.0


def test_an_idle_connector_stays_idle_after_a_reconnect(monkeypatch):
    """A CSMS restart brings no drivers: the rest of the idle time (exponential, mean
    1000 s here), not an immediate session for a charging fraction of the fleet."""
    charger = _idle_charger(boots=2)
    monkeypatch.setattr(simulator.random, "random", lambda: 0.5)  # would start at once on a first connection
    monkeypatch.setattr(simulator.random, "expovariate", lambda rate: 1 / rate)  # its mean
    assert charger._idle_before_first_session(1000) == 1000
