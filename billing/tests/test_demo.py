import pytest

from billing.demo import load_billing
from billing.models import Tariff
from stations.tests.factories import SiteFactory

pytestmark = pytest.mark.django_db


def test_demo_billing_gives_every_site_a_public_and_a_member_tariff_once():
    sites = [SiteFactory(), SiteFactory()]
    load_billing()
    assert load_billing()["tariffs_created"] == 0
    for site in sites:
        audiences = sorted(t.membership_plan_id is None for t in Tariff.objects.filter(site=site))
        assert audiences == [False, True]


def test_demo_prices_uk_sites_in_gbp_at_20_percent_and_german_ones_in_eur_at_19():
    german = SiteFactory(country="DE")
    british = SiteFactory(country="GB", time_zone="Europe/London", operator=german.operator)
    load_billing()
    for site, currency, vat in ((german, "EUR", "19.00"), (british, "GBP", "20.00")):
        for tariff in Tariff.objects.filter(site=site):
            assert tariff.currency == currency
            assert {str(c.vat_rate) for e in tariff.elements.all() for c in e.components.all()} == {vat}
            assert tariff.membership_plan is None or tariff.membership_plan.currency == currency
