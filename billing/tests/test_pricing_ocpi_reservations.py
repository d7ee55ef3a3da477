"""OCPI 2.2.1 mod_tariffs reservation examples (15–18) and the other gaps of the 2.2.1
text (FLAT step_size 0, energy on a zero-length segment), priced to the cent."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.pricing import (
    ENERGY,
    FLAT,
    RESERVATION,
    RESERVATION_EXPIRES,
    RESERVATION_FLAT,
    RESERVATION_TIME,
    TIME,
    Reservation,
    Segment,
    TariffError,
    Usage,
    price_session,
    tariff_validate,
)
from billing.tests.pricing_helpers import component, element, tariff, usage

D = Decimal
MONDAY = "2026-06-01"


def start_fee_and_energy():
    return element(component(FLAT, "0.50", "20"), component(ENERGY, "0.25", "10"))


def reserved(minutes_before: int, steps=((60, 20, True),), *, expired=False) -> Usage:
    charged = usage(f"{MONDAY}T10:00", list(steps))
    made_at = charged.started_at - timedelta(minutes=minutes_before)
    if expired:
        return Usage(made_at, (), charged.time_zone, Reservation(made_at, charged.started_at, expired=True))
    return Usage(charged.started_at, charged.segments, charged.time_zone, Reservation(made_at, charged.started_at))


def totals(result):
    return result.total_excl_vat, result.total_incl_vat


def test_example_15_reservation_5_euro_per_hour():
    t = tariff(element(component(TIME, "5.00", "20", 60), reservation=RESERVATION), start_fee_and_energy())
    result = price_session(tariff=t, usage=reserved(15))
    assert totals(result) == (D("6.75"), D("7.60"))
    assert result.dimension_amounts[RESERVATION_TIME] == D("1.25")
    assert result.dimension_amounts[TIME] == 0  # the reservation's TIME never prices charging
    assert result.reservation_seconds == 15 * 60


def test_example_16_reservation_fee_and_time_billed_per_5_minutes():
    t = tariff(
        element(component(FLAT, "2.00", "20"), component(TIME, "5.00", "20", 300), reservation=RESERVATION),
        start_fee_and_energy(),
    )
    result = price_session(tariff=t, usage=reserved(13))
    # The spec's breakdown line says the fee is 2.00 incl. VAT; its 10.00 total counts 2.40.
    assert totals(result) == (D("8.75"), D("10.00"))
    assert result.dimension_amounts[RESERVATION_FLAT] == D("2.00")
    assert result.dimension_amounts[FLAT] == D("0.50")
    assert result.billed_volumes[RESERVATION_TIME] == 15 * 60


def example_17():
    return tariff(
        element(component(FLAT, "4.00", "20"), reservation=RESERVATION_EXPIRES),
        element(component(TIME, "2.00", "20", 600), reservation=RESERVATION),
        start_fee_and_energy(),
    )


def test_example_17_used_reservation_pays_time_per_10_minutes_and_no_expiry_fee():
    assert totals(price_session(tariff=example_17(), usage=reserved(22))) == (D("6.50"), D("7.30"))


def test_example_17_expired_reservation_pays_its_time_and_the_expiry_fee_not_the_start_fee():
    result = price_session(tariff=example_17(), usage=reserved(60, expired=True))
    assert totals(result) == (D("6.00"), D("7.20"))
    assert result.dimension_amounts[FLAT] == 0 and result.energy_wh == 0


def example_18():
    return tariff(
        element(component(TIME, "6.00", "20", 600), reservation=RESERVATION_EXPIRES),
        element(component(TIME, "3.00", "20", 600), reservation=RESERVATION),
        start_fee_and_energy(),
    )


def test_example_18_used_reservation():
    assert totals(price_session(tariff=example_18(), usage=reserved(22))) == (D("7.00"), D("7.90"))


def test_example_18_expired_reservation_time_priced_by_the_expires_element():
    assert totals(price_session(tariff=example_18(), usage=reserved(90, expired=True))) == (D("9.00"), D("10.80"))


def test_expires_element_wins_for_expired_time_even_when_listed_after_the_reservation_one():
    reordered = tariff(*(example_18().elements[i] for i in (1, 0, 2)))
    assert totals(price_session(tariff=reordered, usage=reserved(90, expired=True))) == (D("9.00"), D("10.80"))


def test_a_session_without_reservation_ignores_reservation_elements():
    result = price_session(tariff=example_17(), usage=usage(f"{MONDAY}T10:00", [(60, 20, True)]))
    assert totals(result) == (D("5.50"), D("6.10"))


def test_reservation_elements_price_only_flat_and_time():
    with pytest.raises(TariffError, match="only FLAT and TIME"):
        tariff_validate(tariff(element(component(ENERGY, "0.10", "20"), reservation=RESERVATION)))
    with pytest.raises(TariffError, match="unknown reservation restriction"):
        tariff_validate(tariff(element(component(TIME, "1.00", "20"), reservation="HOLD")))


def test_example_5_free_of_charge_flat_with_step_size_0():
    t = tariff(element(component(FLAT, "0.00", None, 0)))
    assert totals(price_session(tariff=t, usage=usage(f"{MONDAY}T10:00", [(60, 20, True)]))) == (D("0.00"), D("0.00"))


def test_step_size_0_is_refused_for_metered_dimensions():
    with pytest.raises(TariffError, match="step_size"):
        tariff_validate(tariff(element(component(ENERGY, "0.25", "10", 0))))


def test_energy_on_a_zero_length_segment_is_cut_at_the_kwh_threshold():
    # 1 kWh free, then 0.20/kWh; the charger's clock stood still while 3 kWh were metered.
    t = tariff(element(component(ENERGY, "0.00"), max_kwh=D("1")), element(component(ENERGY, "0.20")))
    start = usage(f"{MONDAY}T10:00", [(10, "0.5", True)])
    stuck = Segment(start.segments[0].end, start.segments[0].end, D("3000"), True)
    result = price_session(tariff=t, usage=Usage(start.started_at, (*start.segments, stuck), start.time_zone))
    assert result.dimension_amounts[ENERGY] == D("0.50")  # 2.5 kWh × 0.20


@settings(max_examples=60, deadline=None)
@given(
    held_minutes=st.integers(min_value=0, max_value=600),
    charged_minutes=st.integers(min_value=1, max_value=300),
    kwh=st.integers(min_value=0, max_value=80),
)
def test_a_reservation_adds_its_own_price_and_never_changes_the_sessions(held_minutes, charged_minutes, kwh):
    t = tariff(
        element(component(FLAT, "2.00", "20"), component(TIME, "5.00", "20", 300), reservation=RESERVATION),
        element(component(TIME, "9.00", "20", 600), reservation=RESERVATION_EXPIRES),
        start_fee_and_energy(),
        element(component(TIME, "1.20", "20", 60)),
    )
    session = usage(f"{MONDAY}T10:00", [(charged_minutes, kwh, True)])
    made_at = session.started_at - timedelta(minutes=held_minutes)
    with_reservation = Usage(
        session.started_at, session.segments, session.time_zone, Reservation(made_at, session.started_at)
    )
    alone = price_session(tariff=t, usage=session)
    both = price_session(tariff=t, usage=with_reservation)
    for dimension in (FLAT, ENERGY, TIME):
        assert both.dimension_amounts[dimension] == alone.dimension_amounts[dimension]
    held_blocks = -(-held_minutes // 5)  # 5-minute steps, rounded up
    exact = D("5.00") * (held_blocks * 300) / 3600
    assert abs(both.dimension_amounts[RESERVATION_TIME] - exact) < D("1e-20")  # exact up to Decimal's 28 digits
    assert both.dimension_amounts[RESERVATION_FLAT] == D("2.00")
