"""The control loop against the database: what is allocated, what is sent (and what is
not, within the hysteresis step), the fail-safe default, time-of-day limits, live
signals, and chargers that refuse their limits."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from stations.load_management import services
from stations.load_management.models import (
    LoadEvent,
    LoadNode,
    LoadWindow,
    SessionAllocation,
    SiteLoadPolicy,
    StationFailSafe,
)
from stations.models import ChargePointStatus, ChargingSession, CommandRequest, Connector, Incident, MeterSample
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)  # 12:00 in Berlin
# Long enough after NOW for a car to have followed the limits sent at NOW (selectors.DRAW_SETTLE).
SETTLED = NOW + timedelta(seconds=15)


@pytest.fixture
def site():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, safety_margin_percent=Decimal("0"))
    LoadNode.objects.create(site=site, name="Grid", kind=LoadNode.Kind.GRID, max_current_a=Decimal("32"))
    return site


def _session(site, number: int, **fields) -> ChargingSession:
    station = ChargingStationFactory(site=site, identity=f"LM-{site.pk}-{number}")
    connector = ConnectorFactory(station=station, max_power_kw=Decimal("22"))
    return ChargingSessionFactory(
        station=station, connector=connector, started_at=NOW - timedelta(minutes=60 - number), **fields
    )


def _limits(site) -> dict[int, Decimal]:
    return dict(SessionAllocation.objects.filter(site=site).values_list("session_id", "limit"))


def _sent(session) -> list[dict]:
    return list(
        CommandRequest.objects.filter(station=session.station, action="set_charging_limit")
        .order_by("pk")
        .values_list("parameters", flat=True)
    )


def test_a_round_shares_the_site_and_sends_each_charger_its_session_limit(site):
    first, second = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site) == {first.pk: Decimal("16.0"), second.pk: Decimal("16.0")}
    assert _sent(first) == [
        {"connector": 1, "scope": "session", "limit": 16.0, "unit": "A", "session": first.pk, "phases": 3}
    ]
    assert LoadEvent.objects.filter(site=site, kind="allocation").get().data["allocated_a"] == [32.0, 32.0, 32.0]


def test_a_change_within_the_hysteresis_step_is_not_sent_but_a_larger_one_is(site):
    first = _session(site, 1)
    _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    LoadNode.objects.filter(site=site).update(max_current_a=Decimal("33"))
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site)[first.pk] == Decimal("16.5") and len(_sent(first)) == 1
    LoadNode.objects.filter(site=site).update(max_current_a=Decimal("40"))
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert [p["limit"] for p in _sent(first)] == [16.0, 20.0]


def test_a_stopped_session_frees_its_share_for_the_others(site):
    first, second, third = _session(site, 1), _session(site, 2), _session(site, 3)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert set(_limits(site).values()) == {Decimal("10.6")}
    ChargingSession.objects.filter(pk=first.pk).update(status=ChargingSession.Status.COMPLETED)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _sent(second)[-1]["limit"] == 16.0 and _sent(third)[-1]["limit"] == 16.0


def test_a_session_that_cannot_get_its_minimum_is_paused_then_resumed_first(site):
    sessions = [_session(site, number) for number in range(1, 7)]
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site)[sessions[-1].pk] == 0
    assert _sent(sessions[-1])[-1]["limit"] == 0.0
    newcomer = _session(site, 7)
    ChargingSession.objects.filter(pk=sessions[0].pk).update(status=ChargingSession.Status.COMPLETED)
    services.site_rebalance(site_id=site.pk, now=NOW)
    limits = _limits(site)
    assert limits[sessions[-1].pk] > 0 and limits[newcomer.pk] == 0


def test_a_suspended_ev_keeps_its_minimum_and_the_rest_goes_to_the_others(site):
    full, hungry = _session(site, 1), _session(site, 2)
    Connector.objects.filter(pk=full.connector_id).update(status=ChargePointStatus.SUSPENDED_EV)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site) == {full.pk: Decimal("6.0"), hungry.pk: Decimal("26.0")}
    # The EV holds itself back; the site holds back the other one.
    assert not SessionAllocation.objects.get(session=full).is_reduced
    assert SessionAllocation.objects.get(session=hungry).is_reduced


def test_an_ev_drawing_less_than_allowed_gives_the_rest_to_the_others(site):
    slow, fast = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    # A reading from before the car could follow its limit says nothing yet.
    ChargingSession.objects.filter(pk=slow.pk).update(last_power_w=Decimal("5520"), last_meter_at=NOW)  # 8 A
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site) == {slow.pk: Decimal("16.0"), fast.pk: Decimal("16.0")}
    ChargingSession.objects.filter(pk=slow.pk).update(last_meter_at=SETTLED)
    services.site_rebalance(site_id=site.pk, now=SETTLED)
    assert _limits(site) == {slow.pk: Decimal("10.0"), fast.pk: Decimal("22.0")}


def test_a_raise_is_not_undone_by_the_draw_measured_before_it(site):
    LoadNode.objects.filter(site=site).update(max_current_a=Decimal("16"))
    slow, fast = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)  # 8 A each: the site is full
    for session in (slow, fast):  # each car draws all of its 8 A
        ChargingSession.objects.filter(pk=session.pk).update(last_power_w=Decimal("5520"), last_meter_at=SETTLED)
    services.site_rebalance(site_id=site.pk, now=SETTLED)
    ChargingSession.objects.filter(pk=fast.pk).update(status=ChargingSession.Status.COMPLETED)
    later = SETTLED + timedelta(seconds=5)
    services.site_rebalance(site_id=site.pk, now=later)  # fast left: slow may have it all
    raised = SessionAllocation.objects.get(session=slow).limit
    # The next reading still shows 8 A from before the raise: the raise stands.
    ChargingSession.objects.filter(pk=slow.pk).update(last_meter_at=later + timedelta(seconds=2))
    services.site_rebalance(site_id=site.pk, now=later + timedelta(seconds=3))
    assert SessionAllocation.objects.get(session=slow).limit == raised == Decimal("16.0")


def test_night_capacity_applies_in_the_site_time_zone(site):
    grid = LoadNode.objects.get(site=site)
    LoadWindow.objects.create(node=grid, starts_at=time(22), ends_at=time(6), max_current_a=Decimal("64"))
    first, _ = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=datetime(2026, 6, 1, 21, 30, tzinfo=UTC))  # 23:30 Berlin
    assert _limits(site)[first.pk] == Decimal("31.8")  # 22 kW on three phases
    services.site_rebalance(site_id=site.pk, now=datetime(2026, 6, 1, 19, 30, tzinfo=UTC))  # 21:30 Berlin
    assert _limits(site)[first.pk] == Decimal("16.0")


def test_a_posted_building_load_shrinks_the_share_until_it_goes_stale(site):
    grid = LoadNode.objects.get(site=site)
    grid.signal = LoadNode.Signal.API
    grid.fallback_load_a = Decimal("4")
    grid.save()
    first = _session(site, 1)
    services.other_load_record(node=grid, l1_a=Decimal("12"), l2_a=Decimal("2"), l3_a=Decimal("0"), at=NOW)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site)[first.pk] == Decimal("20.0")
    services.site_rebalance(site_id=site.pk, now=NOW + timedelta(minutes=10))
    assert _limits(site)[first.pk] == Decimal("28.0")


def test_an_older_posted_reading_does_not_replace_a_newer_one(site):
    grid = LoadNode.objects.get(site=site)
    grid.signal = LoadNode.Signal.API
    grid.save()
    services.other_load_record(node=grid, l1_a=Decimal("12"), l2_a=Decimal("2"), l3_a=Decimal("0"), at=NOW)
    services.other_load_record(
        node=grid, l1_a=Decimal("1"), l2_a=Decimal("1"), l3_a=Decimal("1"), at=NOW - timedelta(1)
    )
    grid.refresh_from_db()
    assert grid.other_load_l1_a == Decimal("12") and grid.other_load_at == NOW


@pytest.mark.parametrize("answer", ["rejected", "timed_out", "failed"])
def test_a_refused_or_unanswered_limit_counts_the_charger_at_its_maximum_and_opens_an_incident(site, answer):
    deaf, other = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    command = SessionAllocation.objects.get(session=deaf).command
    command.status = answer
    command.save()
    assert services.limit_result_record(command_id=command.pk, now=NOW) == site.pk
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site)[other.pk] == 0  # 31.8 A counted for the deaf charger leaves no 6 A
    incident = Incident.objects.get(station=deaf.station)
    assert incident.cause == Incident.Cause.LOAD_CONTROL
    assert LoadEvent.objects.filter(kind="profile_refused", session=deaf).exists()
    services.limit_result_record(command_id=command.pk, now=NOW)  # a replay records nothing twice
    assert LoadEvent.objects.filter(kind="profile_refused").count() == 1
    assert Incident.objects.get(station=deaf.station).occurrences == 1


def test_the_fail_safe_default_keeps_every_connector_within_the_tightest_limit_of_the_day(site):
    grid = LoadNode.objects.get(site=site)
    LoadWindow.objects.create(node=grid, starts_at=time(17), ends_at=time(20), max_current_a=Decimal("20"))
    stations = [ChargingStationFactory(site=site, identity=f"FS-{n}") for n in range(3)]
    for station in stations:
        ConnectorFactory(station=station)
    sent = services.fail_safe_send(site_id=site.pk, now=NOW)
    assert len(sent) == 3
    command = CommandRequest.objects.get(pk=sent[0])
    assert command.parameters == {"connector": 0, "scope": "default", "limit": 6.6, "unit": "A"}
    assert services.fail_safe_send(site_id=site.pk, now=NOW) == []  # unchanged: nothing sent
    assert len(services.fail_safe_send(site_id=site.pk, now=NOW, station_id=stations[0].pk, force=True)) == 1
    assert StationFailSafe.objects.count() == 3


def test_a_site_without_an_enabled_policy_is_left_alone(site):
    _session(site, 1)
    SiteLoadPolicy.objects.filter(site=site).update(enabled=False)
    assert services.site_rebalance(site_id=site.pk, now=NOW) == []
    assert not CommandRequest.objects.exists()


def test_a_station_node_limits_its_own_sessions(site):
    first, second = _session(site, 1), _session(site, 2)
    grid = LoadNode.objects.get(site=site)
    LoadNode.objects.create(
        site=site, parent=grid, name="Wallbox", kind="station", station=first.station, max_current_a=Decimal("10")
    )
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site) == {first.pk: Decimal("10.0"), second.pk: Decimal("22.0")}
    assert SessionAllocation.objects.get(session=first).reason == "fair share of " + str(
        LoadNode.objects.get(station=first.station).pk
    )


def test_increases_wait_until_the_reductions_of_the_round_are_answered(site):
    slow, fast = _session(site, 1), _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    ChargingSession.objects.filter(pk=slow.pk).update(last_power_w=Decimal("5520"), last_meter_at=SETTLED)
    services.site_rebalance(site_id=site.pk, now=SETTLED)
    assert [p["limit"] for p in _sent(slow)] == [16.0, 10.0]
    assert [p["limit"] for p in _sent(fast)] == [16.0]  # 22 A could overtake the 10 A on the wire
    reduction = SessionAllocation.objects.get(session=slow).command
    reduction.status = CommandRequest.Status.ACCEPTED
    reduction.save()
    assert services.limit_result_record(command_id=reduction.pk, now=SETTLED) == site.pk
    # The slow car still draws 8 A under its 10 A once it had time to follow the cut.
    later = SETTLED + timedelta(seconds=15)
    ChargingSession.objects.filter(pk=slow.pk).update(last_meter_at=later)
    services.site_rebalance(site_id=site.pk, now=later)
    assert [p["limit"] for p in _sent(fast)] == [16.0, 22.0]


def test_a_reduction_smaller_than_the_hysteresis_step_is_still_sent(site):
    first = _session(site, 1)
    _session(site, 2)
    services.site_rebalance(site_id=site.pk, now=NOW)
    LoadNode.objects.filter(site=site).update(max_current_a=Decimal("31"))
    services.site_rebalance(site_id=site.pk, now=NOW)
    # Left at 16 A, the charger would eat into the other's 15.5 A.
    assert [p["limit"] for p in _sent(first)] == [16.0, 15.5]


def test_a_building_meter_read_over_ocpp_shrinks_the_share_and_its_silence_falls_back(site):
    meter = ChargingStationFactory(site=site, identity="GRID-METER")
    LoadNode.objects.filter(site=site).update(signal="meter", meter_station=meter, fallback_load_a=Decimal("10"))
    first = _session(site, 1)
    for phase, amps in (("L1", "4"), ("L2", "9"), ("L3", "2")):
        sample = MeterSample.objects.create(
            station=meter,
            connector_number=0,
            sampled_at=NOW,
            measurand="Current.Import",
            phase=phase,
            unit="A",
            value=Decimal(amps),
            normalized_value=Decimal(amps),
        )
        MeterSample.objects.filter(pk=sample.pk).update(received_at=NOW)
    services.site_rebalance(site_id=site.pk, now=NOW)
    assert _limits(site)[first.pk] == Decimal("23.0")  # 32 A less the busiest phase's 9 A
    services.site_rebalance(site_id=site.pk, now=NOW + timedelta(minutes=10))
    assert _limits(site)[first.pk] == Decimal("22.0")  # stale: 10 A assumed on every phase


def test_switching_load_management_off_lifts_the_limits_chargers_hold(site):
    SiteLoadPolicy.objects.filter(site=site).update(fail_safe="pause")
    first = _session(site, 1)
    services.fail_safe_send(site_id=site.pk, now=NOW)
    services.site_rebalance(site_id=site.pk, now=NOW)
    SiteLoadPolicy.objects.filter(site=site).update(enabled=False)
    lifted = services.load_limits_lift(site_id=site.pk, now=NOW)
    cleared = CommandRequest.objects.filter(pk__in=lifted).values_list("parameters", flat=True)
    assert sorted(cleared, key=lambda p: p["scope"]) == [{"scope": "default"}, {"connector": 1, "scope": "session"}]
    assert services.load_limits_lift(site_id=site.pk, now=NOW) == []  # twice: nothing more
    assert not StationFailSafe.objects.filter(station=first.station).exists()


def test_a_steady_site_logs_a_chart_point_every_five_minutes_and_old_rounds_leave(site):
    _session(site, 1)
    services.site_rebalance(site_id=site.pk, now=NOW)
    services.site_rebalance(site_id=site.pk, now=NOW + timedelta(minutes=1))
    assert LoadEvent.objects.filter(kind="allocation").count() == 1
    services.site_rebalance(site_id=site.pk, now=NOW + timedelta(minutes=6))
    assert LoadEvent.objects.filter(kind="allocation").count() == 2
    assert services.load_rounds_prune(now=NOW + timedelta(days=30, minutes=3)) == 1
