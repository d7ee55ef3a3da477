"""The regulators' formulas against worked examples written from the rules' text."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from stations.operations.regulatory import formulas


def test_nevi_example_port_with_excluded_utility_outage_is_above_97_percent():
    # A port out for 1,000 minutes in the year, 400 of them a utility interruption:
    # μ = (525,600 − (1,000 − 400)) / 525,600 × 100 = 99.8858 %.
    uptime = formulas.nevi_port_uptime(outage_minutes=1000, excluded_minutes=400)
    assert formulas.percent(uptime) == Decimal("99.89")
    assert formulas.nevi_meets(uptime)


def test_nevi_example_port_down_eleven_days_fails():
    # 16,000 minutes (about 11 days) of outage, none excluded: 96.9559 % ≤ 97 %.
    uptime = formulas.nevi_port_uptime(outage_minutes=16000, excluded_minutes=0)
    assert formulas.percent(uptime) == Decimal("96.96")
    assert not formulas.nevi_meets(uptime)


def test_nevi_exactly_97_percent_is_not_more_than_97():
    # 3 % of 525,600 minutes is 15,768 minutes.
    uptime = formulas.nevi_port_uptime(outage_minutes=15768, excluded_minutes=0)
    assert uptime == Decimal(97)
    assert not formulas.nevi_meets(uptime)


def test_nevi_scheduled_maintenance_beyond_its_cap_counts_as_outage():
    # A port out 3,000 minutes: 2,400 scheduled maintenance and 600 a utility
    # interruption, with scheduled maintenance capped at 24 h (1,440 minutes):
    # T_excluded = 600 + 1,440 = 2,040; μ = (525,600 − (3,000 − 2,040)) / 525,600 = 99.8174 %.
    excluded, over = formulas.nevi_excluded_minutes(
        scheduled_maintenance_minutes=Decimal(2400), other_excluded_minutes=Decimal(600), scheduled_cap_minutes=1440
    )
    assert (excluded, over) == (Decimal(2040), Decimal(960))
    assert formulas.percent(formulas.nevi_port_uptime(outage_minutes=3000, excluded_minutes=excluded)) == Decimal(
        "99.82"
    )
    # Without a cap all of it is excused; under the cap nothing changes.
    assert formulas.nevi_excluded_minutes(
        scheduled_maintenance_minutes=Decimal(2400), other_excluded_minutes=Decimal(600), scheduled_cap_minutes=None
    ) == (Decimal(3000), Decimal(0))
    assert formulas.nevi_excluded_minutes(
        scheduled_maintenance_minutes=Decimal(60), other_excluded_minutes=Decimal(0), scheduled_cap_minutes=1440
    ) == (Decimal(60), Decimal(0))


def test_nevi_refuses_more_excluded_than_outage():
    with pytest.raises(ValueError):
        formulas.nevi_port_uptime(outage_minutes=10, excluded_minutes=20)


def test_uk_network_of_three_rapid_points_averages_their_reliability():
    # A common year is 525,600 minutes. Point A down 2,628 min (99.5 %), point B down
    # 10,512 min of which 5,256 vandalism (99.0 %), point C never down (100 %):
    # network = (99.5 + 99.0 + 100) / 3 = 99.5 % ≥ 99 %.
    year = 525_600
    a = formulas.uk_charge_point_reliability(period_minutes=year, inoperative_minutes=2628, excluded_minutes=0)
    b = formulas.uk_charge_point_reliability(period_minutes=year, inoperative_minutes=10512, excluded_minutes=5256)
    c = formulas.uk_charge_point_reliability(period_minutes=year, inoperative_minutes=0, excluded_minutes=0)
    assert (a, b, c) == (Decimal("99.5"), Decimal("99"), Decimal("100"))
    network = formulas.uk_network_reliability([a, b, c])
    assert formulas.percent(network) == Decimal("99.50")
    assert formulas.uk_meets(network)
    assert formulas.uk_meets(Decimal(99)) and not formulas.uk_meets(Decimal("98.99"))
    assert formulas.uk_network_reliability([]) is None


def test_uk_rapid_means_50_kw_or_more():
    assert formulas.uk_is_rapid(Decimal(50)) and not formulas.uk_is_rapid(Decimal("49.9"))


def test_cec_intervals_are_quarter_hours_aligned_to_the_clock():
    start = datetime(2026, 3, 2, 10, 7, tzinfo=UTC)
    intervals = formulas.cec_intervals(start, start + timedelta(minutes=30))
    assert [(s.strftime("%H:%M"), e.strftime("%H:%M")) for s, e in intervals] == [
        ("10:00", "10:15"),
        ("10:15", "10:30"),
        ("10:30", "10:45"),
    ]


def test_cec_interval_with_any_unexcused_down_time_is_down():
    assert formulas.cec_interval_status(up_seconds=890, down_seconds=10, excluded_seconds=0) == "down"
    assert formulas.cec_interval_status(up_seconds=300, down_seconds=0, excluded_seconds=600) == "excluded"
    assert formulas.cec_interval_status(up_seconds=900, down_seconds=0, excluded_seconds=0) == "up"
    assert formulas.cec_interval_status(up_seconds=0, down_seconds=0, excluded_seconds=0) == "unknown"


def test_session_energy_is_prorated_into_an_interval_by_overlap():
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    # 30 minutes and 6 kWh; 10:15–10:30 holds half.
    assert (
        formulas.prorate_wh(
            energy_wh=6000,
            start=start,
            end=start + timedelta(minutes=30),
            within_start=start + timedelta(minutes=15),
            within_end=start + timedelta(minutes=30),
        )
        == 3000
    )
