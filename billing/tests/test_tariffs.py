from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing import pricing
from billing.models import Tariff
from billing.services.tariffs import tariff_create, tariff_snapshot, tariff_spec
from stations.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db
VALID_FROM = datetime(2026, 1, 1, tzinfo=UTC)


def create(site, components, currency="EUR", **fields):
    return tariff_create(
        operator=site.operator,
        name="T",
        currency=currency,
        valid_from=VALID_FROM,
        site=site,
        elements=[{"price_components": components, "restrictions": fields.pop("restrictions", {})}],
        **fields,
    )


@pytest.mark.parametrize(
    ("component", "message"),
    [
        ({"type": "ENERGY", "price": "-0.10", "vat": 19, "step_size": 1}, "negative"),
        ({"type": "ENERGY", "price": "abc", "vat": 19, "step_size": 1}, "number"),
        ({"type": "ENERGY", "price": "NaN", "vat": 19, "step_size": 1}, "finite"),
        ({"type": "ENERGY", "price": "0.30", "vat": 19, "step_size": 0}, "step_size"),
        ({"type": "VOLUME", "price": "0.30", "vat": 19, "step_size": 1}, "dimension"),
    ],
)
def test_bad_prices_are_refused_and_nothing_is_saved(component, message):
    site = SiteFactory()
    with pytest.raises(ValidationError) as error:
        create(site, [component])
    assert message in str(error.value).lower() or "valid choice" in str(error.value).lower()
    assert not Tariff.objects.exists()


def test_a_tariff_in_another_currency_than_its_operator_is_refused():
    with pytest.raises(ValidationError, match="differs from its site"):
        create(SiteFactory(), [{"type": "ENERGY", "price": "0.30", "vat": 19}], currency="CHF")
    assert not Tariff.objects.exists()


def test_unknown_weekday_in_a_restriction_is_refused():
    with pytest.raises(ValidationError, match="Unknown day"):
        create(SiteFactory(), [{"type": "ENERGY", "price": "0.30"}], restrictions={"day_of_week": ["FUNDAY"]})


def test_snapshot_keeps_the_tariff_in_ocpi_shape():
    tariff = create(
        SiteFactory(),
        [{"type": "TIME", "price": "2.00", "vat": 19, "step_size": 60}],
        restrictions={"start_time": "08:00", "end_time": "18:00", "day_of_week": ["MONDAY"]},
    )
    element = tariff_snapshot(tariff=tariff)["elements"][0]
    assert element["price_components"] == [{"type": "TIME", "price": "2.000000", "vat": "19.00", "step_size": 60}]
    assert element["restrictions"] == {"start_time": "08:00:00", "end_time": "18:00:00", "day_of_week": ["MONDAY"]}


def ocpi_example_17_elements() -> list[dict]:
    """mod_tariffs example 17 (reservation with expire fee), elements as OCPI 2.2.1 sends them."""
    return [
        {
            "price_components": [{"type": "FLAT", "price": 4.00, "vat": 20.0, "step_size": 1}],
            "restrictions": {"reservation": "RESERVATION_EXPIRES"},
        },
        {
            "price_components": [{"type": "TIME", "price": 2.00, "vat": 20.0, "step_size": 600}],
            "restrictions": {"reservation": "RESERVATION"},
        },
        {
            "price_components": [
                {"type": "FLAT", "price": 0.50, "vat": 20.0, "step_size": 1},
                {"type": "ENERGY", "price": 0.25, "vat": 10.0, "step_size": 1},
            ]
        },
    ]


def test_a_reservation_tariff_imports_with_its_restriction_and_prices_as_the_spec():
    site = SiteFactory()
    tariff = tariff_create(
        operator=site.operator,
        name="Reservation",
        currency="EUR",
        valid_from=VALID_FROM,
        site=site,
        elements=ocpi_example_17_elements(),
    )
    spec = tariff_spec(tariff=tariff)
    assert [e.restrictions.reservation for e in spec.elements] == ["RESERVATION_EXPIRES", "RESERVATION", None]
    assert tariff_snapshot(tariff=tariff)["elements"][0]["restrictions"] == {"reservation": "RESERVATION_EXPIRES"}
    made_at = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    expired = pricing.Usage(
        made_at, (), "Europe/Berlin", pricing.Reservation(made_at, made_at + timedelta(hours=1), True)
    )
    result = pricing.price_session(tariff=spec, usage=expired)
    assert (result.total_excl_vat, result.total_incl_vat) == (Decimal("6.00"), Decimal("7.20"))


@pytest.mark.parametrize(
    ("elements", "named"),
    [
        (
            [{"price_components": [{"type": "ENERGY", "price": "0.3"}], "restrictions": {"reservaton": "X"}}],
            "reservaton",
        ),
        ([{"price_components": [{"type": "ENERGY", "price": "0.3", "currency": "EUR"}]}], "currency"),
        ([{"price_components": [{"type": "ENERGY", "price": "0.3"}], "tariff_alt_text": []}], "tariff_alt_text"),
    ],
)
def test_unknown_fields_are_refused_by_name_and_nothing_is_saved(elements, named):
    site = SiteFactory()
    with pytest.raises(ValidationError, match=f"unknown field.*{named}"):
        tariff_create(
            operator=site.operator, name="T", currency="EUR", valid_from=VALID_FROM, site=site, elements=elements
        )
    assert not Tariff.objects.exists()


def test_free_of_charge_flat_with_step_size_0_is_accepted_but_not_for_energy():
    site = SiteFactory()
    free = create(site, [{"type": "FLAT", "price": "0.00", "step_size": 0}])
    assert tariff_snapshot(tariff=free)["elements"][0]["price_components"][0]["step_size"] == 0
    with pytest.raises(ValidationError, match="step_size"):
        create(site, [{"type": "ENERGY", "price": "0.30", "step_size": 0}])
