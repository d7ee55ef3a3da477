from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from billing.models import Tariff
from billing.services.tariffs import tariff_create, tariff_snapshot
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
    with pytest.raises(ValidationError, match="differs from the operator"):
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
