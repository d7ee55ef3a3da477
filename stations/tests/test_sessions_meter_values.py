"""Bad meter data: negative, non-finite and out-of-range readings are stored raw and
flagged but never counted; energy beyond what the connector could deliver in the elapsed
time is flagged (billing then holds the session's CDR for review); energy never goes
negative."""

from datetime import UTC, datetime, timedelta

import pytest

from drivers.tests.factories import TokenFactory
from stations.models import MeterSample
from stations.services import sessions
from stations.services.sessions import Sample
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


@pytest.fixture
def connector():
    TokenFactory(uid="GOODTAG1")
    return ConnectorFactory(max_power_kw=22)


def start(connector, meter_start_wh=1000):
    return sessions.session_start(
        station_id=connector.station_id,
        connector_number=connector.connector_id,
        id_tag="GOODTAG1",
        meter_start_wh=meter_start_wh,
        started_at=T0,
        received_at=T0,
    ).session


def meter(session, *readings, unit="Wh"):
    """Send each (minute, value) as its own MeterValues."""
    for minute, value in readings:
        sessions.meter_values_record(
            station_id=session.station_id,
            connector_number=session.connector_number,
            transaction_id=session.pk,
            samples=[Sample(sampled_at=T0 + timedelta(minutes=minute), value=str(value), unit=unit)],
            received_at=T0 + timedelta(minutes=minute),
        )
    session.refresh_from_db()
    return session


def stop(session, meter_stop_wh, after=timedelta(hours=1)):
    return sessions.session_stop(
        station_id=session.station_id,
        transaction_id=session.pk,
        meter_stop_wh=meter_stop_wh,
        stopped_at=T0 + after,
        received_at=T0 + after,
    )


def test_negative_reading_is_stored_raw_flagged_and_not_counted(connector):
    session = meter(start(connector), (1, 1050), (2, -5000))
    assert session.energy_wh == 50
    rejected = MeterSample.objects.get(session=session, rejected="negative")
    assert (rejected.value, rejected.normalized_value, rejected.raw_value) == (None, None, "-5000")
    assert "meter_value_rejected" in session.flags
    # The next good reading counts from the last good one, not from the rejected one.
    assert meter(session, (3, 1500)).energy_wh == 500


@pytest.mark.parametrize(
    ("value", "reason"),
    [("NaN", "not_finite"), ("Infinity", "not_finite"), ("-inf", "not_finite"), ("1e30", "out_of_range")],
)
def test_non_finite_and_out_of_range_readings_are_stored_raw_and_never_counted(connector, value, reason):
    session = meter(start(connector), (1, 1100), (2, value), (3, 1200))
    assert session.energy_wh == 200
    assert MeterSample.objects.get(session=session, raw_value=value).rejected == reason
    assert "meter_value_rejected" in session.flags


def test_negative_meter_stop_gives_no_negative_energy(connector):
    stopped = stop(start(connector, meter_start_wh=0), -2000)
    assert stopped.energy_wh == 0
    assert "meter_value_rejected" in stopped.flags
    assert MeterSample.objects.get(session=stopped, context="Transaction.End").raw_value == "-2000"


def test_negative_meter_start_is_rejected_and_energy_counts_from_the_first_good_reading(connector):
    session = start(connector, meter_start_wh=-1000)
    assert "meter_start_rejected" in session.flags
    assert MeterSample.objects.get(session=session, context="Transaction.Begin").rejected == "negative"
    session = meter(session, (1, 5000), (2, 5200))
    assert session.energy_wh == 200


def test_energy_beyond_connector_power_flags_the_session_for_review(connector):
    session = start(connector, meter_start_wh=0)
    stopped = stop(session, 2**31 - 1, after=timedelta(seconds=100))
    assert "energy_implausible" in stopped.flags
    assert stopped.energy_in_doubt
    assert stopped.meter_stop_wh == 2**31 - 1


def test_absurd_meter_start_and_stop_do_not_make_a_huge_session(connector):
    stopped = stop(start(connector, meter_start_wh=-1000), 2**31 - 1, after=timedelta(seconds=100))
    assert stopped.energy_wh == 0
    assert stopped.energy_in_doubt


def test_implausible_jump_mid_session_flags_the_session(connector):
    # 22 kW for 1 minute is ~367 Wh (+10 % and 100 Wh of margin): a 50 kWh jump is not energy it delivered.
    session = meter(start(connector), (1, 1300), (2, 51300))
    assert "energy_implausible" in session.flags
    assert session.energy_in_doubt


def test_plausible_session_at_full_power_is_not_flagged(connector):
    session = meter(start(connector, meter_start_wh=0), *[(m, m * 366) for m in range(1, 61)])
    stopped = stop(session, 22000)
    assert stopped.energy_wh == 22000
    assert not stopped.energy_in_doubt
    assert stopped.flags == []


def test_out_of_range_meter_start_beyond_the_database_is_kept_and_flagged(connector):
    session = start(connector, meter_start_wh=2**63)
    assert "meter_start_rejected" in session.flags
    assert MeterSample.objects.get(session=session, context="Transaction.Begin").raw_value == str(2**63)
