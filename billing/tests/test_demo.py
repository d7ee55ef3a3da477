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
