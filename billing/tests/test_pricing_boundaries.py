"""Our own boundary cases: midnight, DST in the site's zone, step rounding, price limits,
and tariffs that cannot be applied."""

from datetime import time
from decimal import Decimal

import pytest

from billing.pricing import ENERGY, FLAT, TIME, TariffError, price_session
from billing.tests.pricing_helpers import component, element, tariff, usage

D = Decimal


def test_session_across_a_time_of_day_boundary_is_split_between_elements():
    t = tariff(
        element(component(TIME, "2.00", None, 60), start_time=time(6), end_time=time(22)),
        element(component(TIME, "1.00", None, 60)),
    )
    result = price_session(tariff=t, usage=usage("2026-06-03T21:30", [(60, 10, True)]))
    assert result.total_excl_vat == D("1.50")
    assert [p.component.price for p in result.periods] == [D("2.00"), D("1.00")]


def test_night_window_wrapping_midnight_applies_on_both_sides():
    t = tariff(
        element(component(ENERGY, "0.20", None), start_time=time(22), end_time=time(6)),
        element(component(ENERGY, "0.40", None)),
    )
    # 21:00–01:00 at a steady 10 kW: 1 h day (10 kWh) and 3 h night (30 kWh).
    result = price_session(tariff=t, usage=usage("2026-06-03T21:00", [(240, 40, True)]))
    assert result.total_excl_vat == D("10.00")  # 10 × 0.40 + 30 × 0.20


def test_midnight_into_the_weekend_switches_the_day_of_week_element():
    t = tariff(element(component(ENERGY, "0.30", None), days_of_week=(5, 6)), element(component(ENERGY, "0.40", None)))
    # Friday 23:00 → Saturday 01:00 at 10 kW: 10 kWh Friday, 10 kWh Saturday.
    result = price_session(tariff=t, usage=usage("2026-06-05T23:00", [(120, 20, True)]))
    assert result.total_excl_vat == D("7.00")


def off_peak_tariff():
    return tariff(
        element(component(TIME, "1.00", None, 1), start_time=time(1), end_time=time(3)),
        element(component(TIME, "3.00", None, 1)),
    )


def test_spring_forward_in_the_site_zone_counts_real_time_in_local_windows():
    # Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST. 00:30 → 03:30 local is 2 h real:
    # 30 min at 3.00, the 01:00–03:00 window lasts only 1 h real at 1.00, 30 min at 3.00.
    result = price_session(tariff=off_peak_tariff(), usage=usage("2026-03-29T00:30", [(120, 10, True)]))
    assert result.charging_seconds == 7200
    assert result.total_excl_vat == D("4.00")


def test_fall_back_in_the_site_zone_counts_the_repeated_hour_once_per_real_hour():
    # Berlin, 2026-10-25: 03:00 CEST falls back to 02:00 CET. From 01:30 local for 3 h real:
    # the 01:00–03:00 window lasts 2.5 h real (it contains 02:xx twice), then 30 min at 3.00.
    result = price_session(tariff=off_peak_tariff(), usage=usage("2026-10-25T01:30", [(180, 10, True)]))
    assert result.total_excl_vat == D("4.00")


def test_restriction_times_are_read_in_the_site_zone_not_utc():
    # 21:30–22:30 in New York is 01:30–02:30 UTC; only the local reading splits it.
    t = tariff(
        element(component(TIME, "2.00", None, 60), start_time=time(6), end_time=time(22)),
        element(component(TIME, "1.00", None, 60)),
    )
    result = price_session(tariff=t, usage=usage("2026-06-03T21:30", [(60, 10, True)], zone="America/New_York"))
    assert result.total_excl_vat == D("1.50")


def test_energy_step_rounds_up_to_whole_blocks():
    t = tariff(element(component(ENERGY, "0.50", "19", 1000)))
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(5, "0.1", True)]))
    assert result.billed_volumes[ENERGY] == 1000
    assert (result.total_excl_vat, result.total_incl_vat) == (D("0.50"), D("0.60"))  # 0.595 rounds half up


def test_rounding_is_half_up_once_at_the_total():
    t = tariff(element(component(ENERGY, "0.345", None)))
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(60, 11, True)]))  # 3.795
    assert result.total_excl_vat == D("3.80")


def test_minimum_price_applies_to_a_session_without_energy():
    t = tariff(element(component(ENERGY, "0.30", "19")), min_price_excl=D("1.00"), min_price_incl=D("1.19"))
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(3, 0, False)]))
    assert (result.total_excl_vat, result.total_incl_vat) == (D("1.00"), D("1.19"))
    assert result.vat_breakdown == [{"rate": "19.00", "base": "1.00", "vat": "0.19"}]


def test_maximum_price_caps_excl_and_incl_independently():
    t = tariff(
        element(component(FLAT, "1.00", "20"), component(ENERGY, "0.50", "10")),
        max_price_excl=D("20.00"),
        max_price_incl=D("21.00"),
    )
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(60, 40, True)]))
    assert (result.total_excl_vat, result.total_incl_vat) == (D("20.00"), D("21.00"))
    assert sum(D(line["base"]) for line in result.vat_breakdown) == D("20.00")
    assert sum(D(line["vat"]) for line in result.vat_breakdown) == D("1.00")


def test_no_matching_element_and_no_fallback_means_the_dimension_is_free():
    t = tariff(element(component(ENERGY, "0.30", None), start_time=time(8), end_time=time(9)))
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(60, 10, True)]))
    assert result.total_excl_vat == D("0.00")


@pytest.mark.parametrize(
    ("bad_component", "message"),
    [
        (component(ENERGY, "-0.10"), "negative"),
        (component(TIME, "1.00", None, 0), "step_size"),
        (component(ENERGY, "0.10", "150"), "VAT"),
    ],
)
def test_unusable_tariffs_are_refused_with_a_reason(bad_component, message):
    with pytest.raises(TariffError, match=message):
        price_session(tariff=tariff(element(bad_component)), usage=usage("2026-06-03T10:00", [(10, 1, True)]))


def test_min_price_above_max_price_is_refused():
    t = tariff(element(component(ENERGY, "0.30")), min_price_excl=D("5"), max_price_excl=D("4"))
    with pytest.raises(TariffError, match="min_price"):
        price_session(tariff=t, usage=usage("2026-06-03T10:00", [(10, 1, True)]))


def test_a_steady_price_gives_one_period_per_dimension_however_many_samples():
    t = tariff(element(component(ENERGY, "0.30", None), component(TIME, "1.00", None)))
    result = price_session(tariff=t, usage=usage("2026-06-03T10:00", [(15, 5, True)] * 4))
    assert [(p.dimension, p.volume) for p in result.periods] == [(ENERGY, 20000), (TIME, 3600)]


def test_energy_is_billed_even_when_the_charger_clock_went_backwards():
    from datetime import timedelta

    from billing.pricing import Segment, Usage

    start = usage("2026-06-03T10:00", [(1, 0, True)]).started_at
    backwards = Usage(start, (Segment(start, start - timedelta(minutes=5), D(10000), True),), "Europe/Berlin")
    t = tariff(element(component(ENERGY, "0.30", None), component(TIME, "1.00", None)))
    result = price_session(tariff=t, usage=backwards)
    assert result.total_excl_vat == D("3.00") and result.charging_seconds == 0
