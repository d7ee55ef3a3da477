"""The partner's price our drivers see: the partner CPO's whole OCPI tariff (every element,
its restrictions, min and max price) read by our pricing engine with the partner
agreement's markup, in the words our own sites use. Pushed through our Tariffs Receiver, then
found in the portal's search; the expected words are worked out by hand from the tariff."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from billing import pricing
from billing.services.tariffs import ocpi_tariff_spec
from roaming.models import Partner, PartnerTariff
from roaming.selectors.partner_locations import partner_site_results
from roaming.tests.reference import valid
from roaming.tests.test_partner_locations_search import partner_pushed, push  # noqa: F401  (fixture)
from stations.selectors.locations import LocationQuery

pytestmark = pytest.mark.django_db

# Night energy 0.30, day energy 0.50 (per kWh), parking 6.00 per hour after 2 h, 20 % VAT;
# at least 2.00 excl. / 2.40 incl. VAT a session.
TIME_OF_USE = {
    "country_code": "NL",
    "party_id": "GRN",
    "id": "FAST",
    "currency": "EUR",
    "min_price": {"excl_vat": 2.00, "incl_vat": 2.40},
    "elements": [
        {
            "price_components": [{"type": "ENERGY", "price": 0.30, "vat": 20.0, "step_size": 1}],
            "restrictions": {"start_time": "22:00", "end_time": "06:00"},
        },
        {"price_components": [{"type": "ENERGY", "price": 0.50, "vat": 20.0, "step_size": 1}]},
        {
            "price_components": [{"type": "PARKING_TIME", "price": 6.00, "vat": 20.0, "step_size": 60}],
            "restrictions": {"min_duration": 7200},
        },
    ],
    "last_updated": "2030-01-02T00:00:00Z",
}
# With a 20 % markup: 0.30 × 1.2 × 1.2 = 0.432; 0.50 × 1.44 = 0.72; 6.00 × 1.44 / 60 = 0.144
# a minute; minimum 2.40 × 1.2 = 2.88.
ALL_WORDS = "€0.43/kWh 22:00–06:00 + €0.72/kWh, idle fee €0.14/min after 2 h, minimum €2.88"


@pytest.fixture
def time_of_use(client, partner_pushed):  # noqa: F811
    Partner.objects.filter(name="GreenCharge").update(markup_percent=Decimal("20"))
    valid("tariff", TIME_OF_USE)
    assert push(client, "put", "tariffs/NL/GRN/FAST", TIME_OF_USE).status_code == 200


def price_at(moment: datetime) -> str:
    return partner_site_results(query=LocationQuery(), at=moment, limit=10)[0].price


def test_every_element_and_restriction_of_the_partner_tariff_is_shown_with_the_agreements_markup(time_of_use):
    # 10:00 and 23:00 in Berlin (UTC+1 in January): the day rate, then the night rate, first.
    assert price_at(datetime(2030, 1, 7, 9, tzinfo=UTC)) == f"Now €0.72/kWh · {ALL_WORDS}"
    assert price_at(datetime(2030, 1, 7, 22, tzinfo=UTC)) == f"Now €0.43/kWh · {ALL_WORDS}"


def test_the_marked_up_tariff_prices_a_session_as_the_partner_would_plus_markup():
    spec = ocpi_tariff_spec(data=TIME_OF_USE, markup_percent=Decimal("20"))
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    # 20 kWh charging for 1 h at the day rate, then 2 h 30 min parked: the last 30 min parked
    # are past 2 h of session (parking from the 3rd hour on).
    usage = pricing.Usage(
        started_at=start,
        segments=(
            pricing.Segment(start, start + timedelta(hours=1), Decimal(20000), True),
            pricing.Segment(start + timedelta(hours=1), start + timedelta(hours=3, minutes=30), Decimal(0), False),
        ),
        time_zone="Europe/Berlin",
    )
    result = pricing.price_session(tariff=spec, usage=usage)
    # Partner: 20 × 0.50 = 10.00 energy + 1.5 h × 6.00 = 9.00 parking = 19.00; plus 20 %: 22.80.
    assert result.total_excl_vat == Decimal("22.80")
    assert result.total_incl_vat == Decimal("27.36")


def test_a_tariff_our_engine_cannot_apply_shows_no_price_rather_than_a_wrong_one(time_of_use):
    # Stored as the partner sent it, but an energy step of 0 Wh cannot be applied.
    broken = {**TIME_OF_USE, "elements": [{"price_components": [{"type": "ENERGY", "price": 0.5, "step_size": 0}]}]}
    PartnerTariff.objects.filter(tariff_id="FAST").update(data=broken)
    assert price_at(datetime(2030, 1, 7, 9, tzinfo=UTC)) is None
    with pytest.raises(pricing.TariffError):
        ocpi_tariff_spec(data=broken)
