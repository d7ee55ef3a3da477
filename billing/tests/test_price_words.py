"""The price in plain words on the station page, with a member's discount applied."""

from datetime import UTC, date, datetime, time
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.urls import reverse

from billing import pricing
from billing.models import Subscription
from billing.price_words import energy_rate_now_words, membership_discount_words, membership_fee_words, tariff_in_words
from billing.tests.factories import MembershipPlanFactory, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory


def test_energy_time_after_an_hour_and_idle_fee_read_like_the_sign_at_the_charger():
    spec = pricing.TariffSpec(
        "EUR",
        (
            pricing.Element((pricing.Component("ENERGY", D("0.3277"), D("19")),)),
            pricing.Element((pricing.Component("TIME", D("5.042"), D("19")),), pricing.Restrictions(min_duration=3600)),
            pricing.Element(
                (pricing.Component("PARKING_TIME", D("10.08"), D("19")),), pricing.Restrictions(min_duration=14400)
            ),
        ),
    )
    assert tariff_in_words(spec=spec) == "€0.39/kWh + €0.10/min after 1 h, idle fee €0.20/min after 4 h"


def test_reservation_prices_are_said_apart_from_charging_prices():
    # OCPI 2.2.1 example 17 at 0 % VAT: 0.25/kWh and a 0.50 start fee; reserving 2.00/h; 4.00 if unused.
    reserved = pricing.Restrictions(reservation=pricing.RESERVATION)
    unused = pricing.Restrictions(reservation=pricing.RESERVATION_EXPIRES)
    spec = pricing.TariffSpec(
        "EUR",
        (
            pricing.Element((pricing.Component("FLAT", D("4.00"), D("0")),), unused),
            pricing.Element((pricing.Component("TIME", D("2.00"), D("0"), 600),), reserved),
            pricing.Element(
                (pricing.Component("FLAT", D("0.50"), D("0")), pricing.Component("ENERGY", D("0.25"), D("0")))
            ),
        ),
    )
    assert tariff_in_words(spec=spec) == (
        "€0.50 per session + €0.25/kWh, reservation €0.03/min, unused reservation €4.00"
    )


def test_member_discounts_lower_the_energy_price():
    spec = pricing.TariffSpec("EUR", (pricing.Element((pricing.Component("ENERGY", D("0.50"), D("0")),)),))
    assert tariff_in_words(spec=spec, discount_per_kwh=D("0.10"), discount_percent=D("10")) == "€0.36/kWh"


@pytest.mark.django_db
def test_station_page_shows_the_member_price_to_a_member(client):
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.50", vat="0")
    driver = DriverFactory()
    plan = MembershipPlanFactory(operator=connector.station.site.operator, discount_per_kwh=D("0.10"), name="Plus")
    Subscription.objects.create(driver=driver, plan=plan, started_on=date(2025, 1, 1))
    url = reverse("portal-site", args=[connector.station.site_id])
    assert "€0.50/kWh" in client.get(url).content.decode()
    client.force_login(driver.user)
    page = client.get(url).content.decode()
    assert "€0.40/kWh" in page and "Plus member price" in page


@pytest.mark.django_db
def test_membership_fee_is_shown_including_vat():
    plan = MembershipPlanFactory.build(monthly_fee=D("9.90"), vat_rate=D("19"), currency="EUR")
    assert membership_fee_words(plan=plan) == "€11.78 incl. VAT per month"
    assert Template("{% load money %}{{ plan|membership_fee }}").render(Context({"plan": plan})) == (
        "€11.78 incl. VAT per month"
    )


def test_membership_discount_per_kwh_is_shown_including_vat():
    plan = MembershipPlanFactory.build(discount_per_kwh=D("0.10"), discount_percent=D("10.00"), vat_rate=D("19"))
    assert membership_discount_words(plan=plan) == "−€0.12/kWh incl. VAT, −10 %"
    assert membership_discount_words(plan=MembershipPlanFactory.build(discount_per_kwh=D("0"))) == "–"


@pytest.mark.django_db
def test_membership_page_shows_the_per_kwh_discount_including_vat(client):
    MembershipPlanFactory(name="Plus", discount_per_kwh=D("0.10"), vat_rate=D("20"), currency="GBP")
    client.force_login(DriverFactory().user)
    page = client.get(reverse("portal-memberships")).content.decode()
    assert "−£0.12/kWh incl. VAT" in page and "£0.10/kWh" not in page


def test_the_rate_now_is_the_first_element_whose_time_of_day_includes_the_local_moment():
    night = pricing.Restrictions(start_time=time(22), end_time=time(6))
    spec = pricing.TariffSpec(
        "EUR",
        (
            pricing.Element((pricing.Component("ENERGY", D("0.3866"), D("19")),), night),
            pricing.Element((pricing.Component("TIME", D("6"), D("19")),), pricing.Restrictions(min_duration=3600)),
            pricing.Element((pricing.Component("ENERGY", D("0.4874"), D("19")),)),
        ),
    )
    berlin = ZoneInfo("Europe/Berlin")
    assert energy_rate_now_words(spec=spec, local_now=datetime(2026, 5, 4, 23, 30, tzinfo=berlin)) == "€0.46/kWh"
    assert energy_rate_now_words(spec=spec, local_now=datetime(2026, 5, 4, 5, 59, tzinfo=berlin)) == "€0.46/kWh"
    assert energy_rate_now_words(spec=spec, local_now=datetime(2026, 5, 4, 12, 0, tzinfo=berlin)) == "€0.58/kWh"
    member = energy_rate_now_words(
        spec=spec, local_now=datetime(2026, 5, 4, 12, 0, tzinfo=berlin), discount_per_kwh=D("0.0874")
    )
    assert member == "€0.48/kWh"


@pytest.mark.django_db
def test_the_station_page_says_which_of_several_rates_applies_now(client):
    connector = ConnectorFactory()
    connector.station.site.time_zone = "UTC"
    connector.station.site.save()
    hour = datetime.now(UTC).hour
    # A rate for the current two hours (no flake at the turn of the hour) and one for the rest.
    now_hours = {"start_time": f"{hour:02d}:00", "end_time": f"{(hour + 2) % 24:02d}:00"}
    energy_tariff(
        site=connector.station.site,
        elements=[
            {
                "price_components": [{"type": "ENERGY", "price": "0.10", "vat": "0", "step_size": 1}],
                "restrictions": now_hours,
            },
            {"price_components": [{"type": "ENERGY", "price": "0.90", "vat": "0", "step_size": 1}]},
        ],
    )
    page = client.get(reverse("portal-site", args=[connector.station.site.pk])).content.decode()
    assert "Now €0.10/kWh · €0.10/kWh" in page and "€0.90/kWh" in page


@pytest.mark.django_db
def test_the_membership_page_offers_plans_at_their_fee_including_vat(client):
    MembershipPlanFactory(monthly_fee=D("9.90"), vat_rate=D("19"), currency="EUR")
    driver = DriverFactory()
    client.force_login(driver.user)
    page = client.get(reverse("portal-memberships")).content.decode()
    assert "€11.78 incl. VAT per month" in page and "€9.90" not in page
