"""A car that draws much less than its share, followed reading by reading: its limit
settles at its draw plus headroom and stays there. It used to swing between that and its
fair share every ~10 s (in `make run`: an 11 kW demo car on a 22 kW wallbox), because
each new limit made its draw unknown for the settling time, and an unknown draw lifted
the cap. Sequence of meter readings over time → allocations, through the real control
loop: rounds on each reading and on each charger's answer, as the receivers run them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stations.load_management import services
from stations.load_management.models import LoadNode, SessionAllocation, SiteLoadPolicy
from stations.models import ChargingSession, CommandRequest
from stations.tests.factories import ChargingSessionFactory, ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db
START = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
METER_SECONDS = 5
VOLTS_TIMES_PHASES = 230 * 3


@pytest.fixture
def site():
    site = SiteFactory()
    SiteLoadPolicy.objects.create(site=site, safety_margin_percent=Decimal("0"))
    LoadNode.objects.create(site=site, name="Grid", kind=LoadNode.Kind.GRID, max_current_a=Decimal("32"))
    return site


def _session(site, number: int) -> ChargingSession:
    station = ChargingStationFactory(site=site, identity=f"ST-{site.pk}-{number}")
    connector = ConnectorFactory(station=station, max_power_kw=Decimal("22"))  # 31.8 A
    return ChargingSessionFactory(station=station, connector=connector, started_at=START - timedelta(minutes=number))


class Cars:
    """Chargers that obey every limit at once (as the demo's do) and cars that take at
    most `wants_w`: each reading is min(want, limit in force) in W."""

    def __init__(self, wants_w: dict[int, int]):
        self.wants_w = wants_w
        self.in_force_a: dict[int, float] = {}

    def answer_all(self, site_id: int, at: datetime) -> None:
        """Accept every pending limit, in order, and run the round each answer runs."""
        for command in CommandRequest.objects.filter(
            action="set_charging_limit", status=CommandRequest.Status.PENDING
        ).order_by("pk"):
            command.status = CommandRequest.Status.ACCEPTED
            command.save(update_fields=["status"])
            self.in_force_a[command.parameters["session"]] = command.parameters["limit"]
            if services.limit_result_record(command_id=command.pk, now=at) is not None:
                services.site_rebalance(site_id=site_id, now=at)

    def read(self, session_id: int, at: datetime) -> None:
        limit_w = self.in_force_a.get(session_id, 0) * VOLTS_TIMES_PHASES
        drawn = min(self.wants_w[session_id], limit_w)
        ChargingSession.objects.filter(pk=session_id).update(last_power_w=Decimal(int(drawn)), last_meter_at=at)


def _drive(site, cars: Cars, *, seconds: int) -> list[dict[int, Decimal]]:
    """Readings every METER_SECONDS with a round after each; the limits after each tick."""
    history = []
    services.site_rebalance(site_id=site.pk, now=START)
    cars.answer_all(site.pk, START)
    for tick in range(1, seconds // METER_SECONDS + 1):
        at = START + timedelta(seconds=tick * METER_SECONDS)
        for session_id in cars.wants_w:
            cars.read(session_id, at)
        services.site_rebalance(site_id=site.pk, now=at)
        cars.answer_all(site.pk, at)
        history.append(dict(SessionAllocation.objects.values_list("session_id", "limit")))
    return history


def _sent(session) -> list[float]:
    return [
        parameters["limit"]
        for parameters in CommandRequest.objects.filter(station=session.station, action="set_charging_limit")
        .order_by("pk")
        .values_list("parameters", flat=True)
    ]


def test_a_car_drawing_less_than_its_share_settles_at_its_draw_plus_headroom_and_stays(site):
    slow = _session(site, 1)
    cars = Cars({slow.pk: 11_000})  # 15.9 A of the 31.8 A it is offered
    history = _drive(site, cars, seconds=180)
    # Capped after its first settled reading, then held: no swing back to the full share.
    assert _sent(slow) == [31.8, 17.9]
    assert {limits[slow.pk] for limits in history[2:]} == {Decimal("17.9")}


def test_the_capacity_a_slow_car_leaves_stays_with_the_others_without_swinging(site):
    slow, hungry = _session(site, 1), _session(site, 2)
    cars = Cars({slow.pk: 5_520, hungry.pk: 22_000})  # 8 A, and all it gets
    history = _drive(site, cars, seconds=180)
    settled = history[6:]
    assert {limits[slow.pk] for limits in settled} == {Decimal("10.0")}
    assert {limits[hungry.pk] for limits in settled} == {Decimal("22.0")}
    assert len(_sent(slow)) <= 2 and len(_sent(hungry)) <= 2


def test_a_capped_car_that_wants_more_gets_its_full_share_at_once(site):
    slow, hungry = _session(site, 1), _session(site, 2)
    cars = Cars({slow.pk: 5_520, hungry.pk: 22_000})
    _drive(site, cars, seconds=60)
    assert SessionAllocation.objects.get(session=slow).limit == Decimal("10.0")
    # The car now takes all it may: its 10 A are within half the headroom of the cap.
    cars.wants_w[slow.pk] = 22_000
    at = START + timedelta(seconds=65)
    cars.read(slow.pk, at)
    services.site_rebalance(site_id=site.pk, now=at)
    assert SessionAllocation.objects.get(session=slow).limit == Decimal("16.0")
