"""The 1.6 protocol module and the exchange, in-process: framing, schema errors, handlers,
commit-then-answer, and what a failing handler leaves behind (nothing but the log)."""

import json
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from ocpp.v16.enums import Action

from drivers.tests.factories import TokenFactory
from ocpp_gateway import exchange, frames, malformed, protocols
from ocpp_gateway.models import MessageLog
from ocpp_gateway.protocols.base import OcppCallError
from stations.models import ChargingSession, ChargingStation, MeterSample, RegistrationStatus
from stations.tests.factories import ConnectorFactory

OCPP16 = protocols.OCPP16
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def parse(text):
    return frames.parse(text, formation_violation="FormationViolation")


def answer(station, action, payload, *, message_id="m1", registration=RegistrationStatus.ACCEPTED):
    frame = parse(json.dumps([2, message_id, action, payload]))
    result = exchange.call_answer(
        protocol=OCPP16,
        station_id=station.pk,
        identity=station.identity,
        registration_status=registration,
        frame=frame,
        received_at=NOW,
        touch_seen=False,
    )
    return json.loads(result.text), result


@pytest.mark.parametrize(
    ("text", "code", "message_id"),
    [
        ("{", "ProtocolError", "-1"),
        ("[]", "ProtocolError", "-1"),
        ('"text"', "ProtocolError", "-1"),
        ('[2, "abc", "Heartbeat"]', "FormationViolation", "abc"),
        ('[2, "abc", "Heartbeat", []]', "FormationViolation", "abc"),
        ('[2, "", "Heartbeat", {}]', "FormationViolation", "-1"),
        ('[2, "abc", "Heart', "FormationViolation", "abc"),
    ],
)
def test_frames_that_cannot_be_parsed(text, code, message_id):
    with pytest.raises(frames.FrameError) as error:
        parse(text)
    assert (error.value.code, error.value.message_id, error.value.ignore) == (code, message_id, False)


def test_unknown_message_type_and_malformed_responses_are_ignored_not_answered():
    for text in ('[5, "a", {}]', '[3, "a"]', '[4, "a"]'):
        with pytest.raises(frames.FrameError) as error:
            parse(text)
        assert error.value.ignore


def test_frames_parse_each_message_type():
    assert parse('[2, "a", "Heartbeat", {}]').action == "Heartbeat"
    assert parse('[3, "a", {"status": "Accepted"}]').payload == {"status": "Accepted"}
    error = parse('[4, "a", "NotImplemented", "nope", {"x": 1}]')
    assert (error.error_code, error.error_description, error.error_details) == ("NotImplemented", "nope", {"x": 1})


def test_protocol_declares_every_16_action_with_a_handler_for_each_charger_action():
    # Core, firmware, local list, reservation, smart charging, remote trigger and the
    # security extension: every action 1.6 defines, DataTransfer in both directions.
    assert len(OCPP16.charger_actions) == 14
    assert len(OCPP16.csms_actions) == 26
    assert OCPP16.charger_actions | OCPP16.csms_actions == {str(action) for action in Action}
    assert set(OCPP16.handlers) == set(OCPP16.charger_actions)


def test_select_takes_the_highest_version_we_share_and_echoes_the_clients_spelling():
    assert protocols.select(["ocpp1.6", "ocpp2.0.1"]) == (protocols.OCPP201, "ocpp2.0.1")
    assert protocols.select(["ocpp2.0.1", "OCPP2.1", "ocpp1.6"]) == (protocols.OCPP21, "OCPP2.1")
    assert protocols.select(["ocpp3.0", "OCPP1.6"]) == (OCPP16, "OCPP1.6")
    assert protocols.select(["ocpp3.0"]) is None
    assert protocols.select([]) is None


def test_decimal_constrained_schema_accepts_one_decimal_limits():
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Relative",
        "chargingSchedule": {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 21.4}]},
    }
    OCPP16.validate_call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile})
    with pytest.raises(OcppCallError) as error:
        OCPP16.validate_call("SetChargingProfile", {"connectorId": "1", "csChargingProfiles": profile})
    assert error.value.code == "TypeConstraintViolation"


@pytest.mark.django_db
def test_answer_is_logged_with_the_call_in_one_transaction():
    station = ConnectorFactory().station
    reply, _ = answer(station, "Heartbeat", {})
    assert reply[:2] == [3, "m1"]
    assert sorted(MessageLog.objects.values_list("direction", "message_type", "action")) == [
        ("in", 2, "Heartbeat"),
        ("out", 3, "Heartbeat"),
    ]


def _seen_call(station, text):
    return exchange.call_answer(
        protocol=OCPP16,
        station_id=station.pk,
        identity=station.identity,
        registration_status=RegistrationStatus.ACCEPTED,
        frame=parse(text),
        received_at=NOW,
        touch_seen=True,
    )


@pytest.mark.django_db
def test_heartbeat_writes_last_seen_once_and_a_refused_one_still_counts_as_seen():
    station = ConnectorFactory().station
    with CaptureQueriesContext(connection) as queries:
        _seen_call(station, '[2, "h1", "Heartbeat", {}]')
    station_updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "stations_chargingstation"')]
    assert len(station_updates) == 1
    station.refresh_from_db()
    assert (station.last_seen_at, station.last_heartbeat_at) == (NOW, NOW)
    # A Heartbeat the schema refuses never reaches its handler: the exchange marks it seen.
    ChargingStation.objects.filter(pk=station.pk).update(last_seen_at=None)
    result = _seen_call(station, '[2, "h2", "Heartbeat", {"extra": 1}]')
    assert json.loads(result.text)[2] == "FormationViolation"
    station.refresh_from_db()
    assert station.last_seen_at == NOW


@pytest.mark.django_db
def test_boot_reports_registration_status_to_the_connection():
    station = ConnectorFactory().station
    reply, result = answer(station, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"})
    assert reply[2]["status"] == "Accepted"
    assert result.registration_status == "Accepted"


@pytest.mark.django_db
def test_station_not_accepted_gets_security_error_except_for_boot():
    station = ConnectorFactory().station
    reply, _ = answer(station, "Heartbeat", {}, registration=RegistrationStatus.REJECTED)
    assert reply[2] == "SecurityError"
    reply, _ = answer(
        station, "BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"}, registration="Rejected"
    )
    assert reply[0] == 3


@pytest.mark.django_db
def test_failing_handler_rolls_back_its_writes_and_answers_internal_error(monkeypatch):
    station = ConnectorFactory().station
    token = TokenFactory()
    start = {"connectorId": 1, "idTag": token.uid, "meterStart": 0, "timestamp": NOW.isoformat()}
    transaction_id = answer(station, "StartTransaction", start)[0][2]["transactionId"]
    samples = [{"timestamp": NOW.isoformat(), "sampledValue": [{"value": "10"}]}]
    stop = {
        "meterStop": 20,
        "timestamp": NOW.isoformat(),
        "transactionId": transaction_id,
        "transactionData": samples,
    }

    def failing_save(*args, **kwargs):
        raise DatabaseError("the database refused the row")

    # The samples are written, then saving the session fails.
    monkeypatch.setattr(ChargingSession, "save", failing_save)
    reply, _ = answer(station, "StopTransaction", stop, message_id="m2")
    monkeypatch.undo()
    assert reply[2] == "InternalError"
    assert reply[3] == exchange.INTERNAL_ERROR
    assert not MeterSample.objects.exists()
    assert ChargingSession.objects.get().status == ChargingSession.Status.ACTIVE
    assert MessageLog.objects.filter(direction="in", action="StopTransaction").exists()


@pytest.mark.django_db
def test_start_transaction_answers_id_tag_info_with_expiry_and_parent():
    station = ConnectorFactory().station
    token = TokenFactory(expires_at=datetime(2030, 1, 1, tzinfo=UTC), parent_id_tag="FLEET")
    reply, _ = answer(
        station,
        "StartTransaction",
        {"connectorId": 1, "idTag": token.uid, "meterStart": 5, "timestamp": NOW.isoformat()},
    )
    assert reply[2]["idTagInfo"] == {
        "status": "Accepted",
        "expiryDate": "2030-01-01T00:00:00.000Z",
        "parentIdTag": "FLEET",
    }
    assert reply[2]["transactionId"] == ChargingSession.objects.get().pk


@pytest.mark.django_db
def test_stop_transaction_for_unknown_ids_is_answered_not_refused():
    station = ConnectorFactory().station
    for transaction_id in (0, -1):
        reply, _ = answer(
            station, "StopTransaction", {"meterStop": 1, "timestamp": NOW.isoformat(), "transactionId": transaction_id}
        )
        assert reply[0] == 3
        assert reply[2] == {}


@pytest.mark.django_db
def test_frame_refused_is_one_row_with_raw_text_and_the_answer_in_its_note():
    station = ConnectorFactory().station
    error = frames.FrameError(code="ProtocolError", description="Frame is not valid JSON.")
    row_id = exchange.frame_refused(station_id=station.pk, raw="garbage", error=error, received_at=NOW)
    row = MessageLog.objects.get()
    assert (row.pk, row.direction, row.raw, row.note) == (
        row_id,
        "in",
        "garbage",
        "ProtocolError: Frame is not valid JSON.",
    )


def test_malformed_frames_are_logged_once_per_window_and_closed_at_the_threshold():
    window = malformed.MalformedFrames(window_seconds=60, close_after=3)
    first = window.arrived(100.0)
    window.logged_row_id = 7
    second, third = window.arrived(101.0), window.arrived(102.0)
    assert [(v.log, v.close) for v in (first, second, third)] == [(True, False), (False, False), (False, True)]
    assert window.take_unlogged() == (7, 2)
    assert window.take_unlogged() == (None, 0)  # each counted frame is handed out once
    window.arrived(103.0)
    next_window = window.arrived(160.0)
    assert (next_window.log, next_window.close, next_window.flush_row_id, next_window.flush_count) == (
        True,
        False,
        7,
        1,
    )


@pytest.mark.django_db
def test_meter_values_cost_a_fixed_number_of_queries_whatever_the_sample_count(django_assert_max_num_queries):
    station = ConnectorFactory().station
    token = TokenFactory()
    start = {"connectorId": 1, "idTag": token.uid, "meterStart": 0, "timestamp": NOW.isoformat()}
    transaction_id = answer(station, "StartTransaction", start)[0][2]["transactionId"]
    meter_value = [
        {
            "timestamp": NOW.replace(minute=minute).isoformat(),
            "sampledValue": [
                {"value": str(minute * 100), "measurand": "Energy.Active.Import.Register"},
                {"value": "7000", "measurand": "Power.Active.Import", "unit": "W"},
                *({"value": "16", "measurand": "Current.Import", "phase": p, "unit": "A"} for p in ("L1", "L2", "L3")),
            ],
        }
        for minute in range(1, 11)
    ]
    # Session lock, one bulk insert of 50 samples, session update, one bulk insert of the log (+ savepoint pair).
    with django_assert_max_num_queries(7):
        reply, _ = answer(
            station,
            "MeterValues",
            {"connectorId": 1, "transactionId": transaction_id, "meterValue": meter_value},
            message_id="m2",
        )
    assert reply == [3, "m2", {}]
    assert MeterSample.objects.count() == 50


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["StopTransaction", "MeterValues"])
def test_a_transaction_id_beyond_any_database_row_gets_a_callerror_not_an_internal_error(action):
    station = ConnectorFactory().station
    payload = {
        "StopTransaction": {"meterStop": 10, "timestamp": "2026-11-24T09:00:00Z", "transactionId": 2**63},
        "MeterValues": {
            "connectorId": 1,
            "transactionId": 2**63,
            "meterValue": [{"timestamp": "2026-11-24T09:00:00Z", "sampledValue": [{"value": "10"}]}],
        },
    }[action]

    reply, _ = answer(station, action, payload)

    assert reply[0] == 4 and reply[2] == "TypeConstraintViolation", reply
    assert "transactionId" in reply[3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "payload", "where"),
    [
        (
            "StatusNotification",
            {"connectorId": 2**40, "errorCode": "NoError", "status": "Available"},
            "connectorId",
        ),
        (
            "StartTransaction",
            {
                "connectorId": 1,
                "idTag": "TAG",
                "meterStart": 0,
                "timestamp": "2026-11-24T09:00:00Z",
                "reservationId": 2**40,
            },
            "reservationId",
        ),
        (
            "MeterValues",
            {
                "connectorId": 1,
                "meterValue": [{"timestamp": "2026-11-24T09:00:00Z", "sampledValue": [{"value": "1"}]}],
                "transactionId": -(2**31) - 1,
            },
            "transactionId",
        ),
    ],
)
def test_an_identifier_beyond_32_bits_gets_a_callerror_and_stores_nothing(action, payload, where):
    station = ConnectorFactory().station

    reply, _ = answer(station, action, payload)

    assert reply[0] == 4 and reply[2] == "TypeConstraintViolation", reply
    assert reply[3].startswith(where)
    assert not ChargingSession.objects.exists()
