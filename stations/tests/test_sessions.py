"""Session services: start (idempotent, token-checked), meter values, stop, discrepancies."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from drivers.models import Token
from drivers.tests.factories import TokenFactory
from stations import signals
from stations.models import ChargingSession, MeterSample
from stations.models.sessions import TransactionDiscrepancy
from stations.services import sessions
from stations.services.sessions import Sample
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def connector():
    # DC: some tests step the register by a kWh a minute, which a 22 kW AC connector could not deliver.
    return ConnectorFactory(power_type="DC", max_power_kw=150)


@pytest.fixture
def token():
    return TokenFactory(uid="GOODTAG1")


def start(connector, id_tag="GOODTAG1", meter_start_wh=1000, started_at=T0, received_at=T0):
    return sessions.session_start(
        station_id=connector.station_id,
        connector_number=connector.connector_id,
        id_tag=id_tag,
        meter_start_wh=meter_start_wh,
        started_at=started_at,
        received_at=received_at,
    )


def energy(value, at, unit="Wh", **fields):
    return Sample(sampled_at=at, value=str(value), unit=unit, **fields)


def test_start_with_valid_token_creates_active_session_and_signals_on_commit(
    connector, token, django_capture_on_commit_callbacks
):
    received = []
    signals.session_started.connect(lambda **kw: received.append(kw["session_id"]), weak=False, dispatch_uid="t1")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            outcome = start(connector)
    finally:
        signals.session_started.disconnect(dispatch_uid="t1")
    session = outcome.session
    assert outcome.created
    assert session.status == ChargingSession.Status.ACTIVE
    assert session.auth_status == "Accepted"
    assert session.token_link.token == token
    assert session.connector == connector
    assert received == [session.pk]


def test_replayed_start_returns_same_session_and_creates_nothing(connector, token):
    first = start(connector).session
    replay = start(connector)
    assert not replay.created
    assert replay.session.pk == first.pk
    assert ChargingSession.objects.count() == 1


def test_replay_answers_as_first_time_even_after_token_blocked(connector, token):
    first = start(connector).session
    Token.objects.filter(pk=token.pk).update(status=Token.Status.BLOCKED)
    assert start(connector).session.auth_status == first.auth_status == "Accepted"


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (lambda t: None, "Invalid"),
        (lambda t: Token.objects.filter(pk=t.pk).update(status=Token.Status.BLOCKED), "Blocked"),
        (lambda t: Token.objects.filter(pk=t.pk).update(expires_at=T0 - timedelta(days=1)), "Expired"),
    ],
)
def test_start_with_bad_token_gets_rejected_session_with_transaction_id(connector, token, setup, expected):
    setup(token)
    id_tag = "UNKNOWN99" if expected == "Invalid" else token.uid
    outcome = start(connector, id_tag=id_tag)
    assert outcome.session.pk
    assert outcome.session.status == ChargingSession.Status.REJECTED
    assert outcome.session.auth_status == expected


def test_second_start_with_same_token_elsewhere_is_concurrent_tx(token):
    start(ConnectorFactory())
    outcome = start(ConnectorFactory(), started_at=T0 + timedelta(minutes=1))
    assert outcome.session.auth_status == "ConcurrentTx"
    assert outcome.session.status == ChargingSession.Status.REJECTED


def test_meter_values_store_every_sample_normalised_and_move_energy(connector, token):
    session = start(connector).session
    samples = [
        energy("1.5", T0 + timedelta(minutes=1), unit="kWh"),
        Sample(sampled_at=T0 + timedelta(minutes=1), value="7.2", unit="kW", measurand="Power.Active.Import"),
        Sample(sampled_at=T0 + timedelta(minutes=1), value="16", unit="A", measurand="Current.Import", phase="L1"),
        Sample(sampled_at=T0 + timedelta(minutes=1), value="abc==", value_format="SignedData"),
    ]
    sessions.meter_values_record(
        station_id=connector.station_id,
        connector_number=1,
        transaction_id=session.pk,
        samples=samples,
        received_at=T0 + timedelta(minutes=1),
    )
    session.refresh_from_db()
    assert session.energy_wh == 500
    assert session.last_meter_wh == 1500
    assert session.last_power_w == Decimal("7200.0")
    stored = {s.measurand + s.phase: s for s in MeterSample.objects.filter(session=session, value__isnull=False)}
    assert stored["Energy.Active.Import.Register"].normalized_value == Decimal("1500")
    assert stored["Current.ImportL1"].normalized_value == Decimal("16")
    signed = MeterSample.objects.get(session=session, value_format="SignedData")
    assert (signed.value, signed.raw_value) == (None, "abc==")


def test_meter_going_backwards_is_flagged_and_never_negative(connector, token):
    session = start(connector, meter_start_wh=5000).session
    for minute, reading in [(1, 6000), (2, 5800), (3, 6100)]:
        sessions.meter_values_record(
            station_id=connector.station_id,
            connector_number=1,
            transaction_id=session.pk,
            samples=[energy(reading, T0 + timedelta(minutes=minute))],
            received_at=T0,
        )
    session.refresh_from_db()
    assert session.energy_wh == 1300
    assert "meter_backwards" in session.flags


def test_meter_reset_counts_energy_after_the_reset(connector, token):
    session = start(connector, meter_start_wh=90000).session
    sessions.meter_values_record(
        station_id=connector.station_id,
        connector_number=1,
        transaction_id=session.pk,
        samples=[energy(91000, T0 + timedelta(minutes=1)), energy(200, T0 + timedelta(minutes=2))],
        received_at=T0,
    )
    stopped = sessions.session_stop(
        station_id=connector.station_id,
        transaction_id=session.pk,
        meter_stop_wh=700,
        stopped_at=T0 + timedelta(minutes=3),
        received_at=T0 + timedelta(minutes=3),
    )
    assert "meter_reset" in stopped.flags
    assert stopped.energy_wh == 1000 + 200 + 500


def test_stop_completes_session_with_energy_and_signals(connector, token, django_capture_on_commit_callbacks):
    session = start(connector, meter_start_wh=1000).session
    received = []
    signals.session_stopped.connect(lambda **kw: received.append(kw["session_id"]), weak=False, dispatch_uid="t2")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            stopped = sessions.session_stop(
                station_id=connector.station_id,
                transaction_id=session.pk,
                meter_stop_wh=12345,
                stopped_at=T0 + timedelta(hours=1),
                received_at=T0 + timedelta(hours=1),
                reason="Local",
                samples=[energy(6000, T0 + timedelta(minutes=30))],
            )
    finally:
        signals.session_stopped.disconnect(dispatch_uid="t2")
    assert stopped.status == ChargingSession.Status.COMPLETED
    assert stopped.energy_wh == 11345
    assert stopped.stop_reason == "Local"
    assert MeterSample.objects.filter(session=session).count() == 1
    assert received == [session.pk]


def test_replayed_stop_changes_nothing(connector, token):
    session = start(connector).session
    kwargs = {
        "station_id": connector.station_id,
        "transaction_id": session.pk,
        "meter_stop_wh": 2000,
        "stopped_at": T0 + timedelta(hours=1),
        "received_at": T0 + timedelta(hours=1),
    }
    sessions.session_stop(**kwargs)
    sessions.session_stop(**kwargs)
    assert TransactionDiscrepancy.objects.count() == 0
    assert ChargingSession.objects.get().energy_wh == 1000


def test_conflicting_second_stop_is_recorded_for_reconciliation(connector, token):
    session = start(connector).session
    common = {"station_id": connector.station_id, "transaction_id": session.pk, "received_at": T0}
    sessions.session_stop(meter_stop_wh=2000, stopped_at=T0 + timedelta(hours=1), **common)
    sessions.session_stop(meter_stop_wh=3000, stopped_at=T0 + timedelta(hours=2), **common)
    session.refresh_from_db()
    assert session.meter_stop_wh == 2000
    assert TransactionDiscrepancy.objects.get().kind == TransactionDiscrepancy.Kind.ALREADY_STOPPED


@pytest.mark.parametrize("transaction_id", [0, -1, 999999])
def test_stop_for_unknown_transaction_is_recorded_not_raised(connector, transaction_id):
    result = sessions.session_stop(
        station_id=connector.station_id,
        transaction_id=transaction_id,
        meter_stop_wh=100,
        stopped_at=T0,
        received_at=T0,
    )
    assert result is None
    discrepancy = TransactionDiscrepancy.objects.get()
    assert (discrepancy.kind, discrepancy.transaction_number) == ("unknown_transaction", transaction_id)


def test_offline_queued_stop_with_old_timestamp_is_attached_and_flagged_when_far_off(connector, token):
    long_ago = T0 - timedelta(days=60)
    session = start(connector, started_at=long_ago, received_at=T0).session
    stopped = sessions.session_stop(
        station_id=connector.station_id,
        transaction_id=session.pk,
        meter_stop_wh=4000,
        stopped_at=long_ago + timedelta(hours=2),
        received_at=T0,
    )
    assert stopped.stopped_at == long_ago + timedelta(hours=2)
    assert stopped.stop_received_at == T0
    assert "clock_skew" in stopped.flags
    assert stopped.energy_wh == 3000


def test_meter_values_for_unknown_transaction_are_kept_and_recorded(connector):
    sessions.meter_values_record(
        station_id=connector.station_id,
        connector_number=1,
        transaction_id=4242,
        samples=[energy(10, T0)],
        received_at=T0,
    )
    sample = MeterSample.objects.get()
    assert (sample.session, sample.transaction_number) == (None, 4242)
    assert TransactionDiscrepancy.objects.get().kind == "meter_values_unknown"
