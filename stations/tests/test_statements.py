"""The statements written once per process store and read exactly what the ORM stores
and reads: every column of an inserted row, ids when asked for, a locked session's
loaded and deferred fields with its connector's max power, and a saved session's moved
fields (on SQLite and PostgreSQL alike)."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from stations import statements
from stations.models import ChargingSession, MeterSample
from stations.services import session_rows
from stations.services.sessions import METER_VALUES_FIELDS
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _sample(session, **fields):
    return MeterSample(
        session=session,
        station_id=session.station_id,
        connector_number=1,
        transaction_number=session.pk,
        sampled_at=T0,
        measurand="Power.Active.Import",
        unit="W",
        value=Decimal("11000.5"),
        normalized_value=Decimal("11000.5"),
        signed_data={"signedMeterData": "AbC=", "encodingMethod": "OCMF"},
        **fields,
    )


def test_inserted_rows_read_back_as_the_orm_would_have_written_them():
    session = ChargingSessionFactory(connector=ConnectorFactory())
    ours = [_sample(session), _sample(session, phase="L1", clock_skewed=True, raw_value="", rejected="")]
    orm = [_sample(session), _sample(session, phase="L1", clock_skewed=True, raw_value="", rejected="")]
    statements.rows_insert(ours, ids=True)
    MeterSample.objects.bulk_create(orm)
    assert all(sample.pk for sample in ours)
    for mine, theirs in zip(ours, orm, strict=True):
        stored, expected = MeterSample.objects.get(pk=mine.pk), MeterSample.objects.get(pk=theirs.pk)
        assert stored.received_at is not None  # auto_now_add, as the ORM sets it
        ignore = ("id", "received_at")
        assert {k: v for k, v in model_to_dict(stored).items() if k not in ignore} == {
            k: v for k, v in model_to_dict(expected).items() if k not in ignore
        }


def test_inserted_rows_without_ids_are_stored_and_left_unset():
    session = ChargingSessionFactory(connector=ConnectorFactory())
    samples = [_sample(session) for _ in range(3)]
    statements.rows_insert(samples)
    assert [sample.pk for sample in samples] == [None, None, None]
    assert MeterSample.objects.filter(session=session).count() == 3


def test_a_locked_session_has_the_orms_values_and_its_connectors_max_power():
    session = ChargingSessionFactory(
        connector=ConnectorFactory(max_power_kw=Decimal("22")),
        energy_wh=1234,
        last_power_w=Decimal("7400.0"),
        last_meter_at=T0,
        flags=["clock_skew"],
    )
    locked = session_rows.session_locked(
        station_id=session.station_id, session_id=session.pk, fields=METER_VALUES_FIELDS
    )
    expected = ChargingSession.objects.get(pk=session.pk)
    for name in METER_VALUES_FIELDS:
        assert getattr(locked, name) == getattr(expected, name), name
    assert locked.connector.max_power_kw == Decimal("22")
    # A field that was not loaded is deferred, and still loads when touched.
    assert "id_tag" in locked.get_deferred_fields()
    assert locked.id_tag == expected.id_tag


def test_a_session_of_another_station_is_not_found():
    session = ChargingSessionFactory(connector=ConnectorFactory())
    other = ConnectorFactory()
    assert (
        session_rows.session_locked(station_id=other.station_id, session_id=session.pk, fields=METER_VALUES_FIELDS)
        is None
    )


def test_saving_what_meter_values_moved_writes_those_fields_only():
    session = ChargingSessionFactory(connector=ConnectorFactory(), energy_wh=10, id_tag="KEPT")
    locked = session_rows.session_locked(
        station_id=session.station_id, session_id=session.pk, fields=METER_VALUES_FIELDS
    )
    locked.energy_wh, locked.last_meter_wh, locked.last_meter_at = 510, 1510, T0
    locked.last_power_w, locked.flags = Decimal("3600.0"), ["meter_reset"]
    session_rows.session_meter_save(locked)
    stored = ChargingSession.objects.get(pk=session.pk)
    assert (stored.energy_wh, stored.last_meter_wh, stored.last_meter_at) == (510, 1510, T0)
    assert (stored.last_power_w, stored.flags, stored.id_tag) == (Decimal("3600.0"), ["meter_reset"], "KEPT")
