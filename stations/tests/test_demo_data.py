from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from drivers.models import Driver, Token
from stations.models import ChargingStation, Connector, Organisation, Site

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Organisation, Site, ChargingStation, Connector, Driver, Token, get_user_model())
    }


def test_demo_network_is_realistic_and_loading_twice_creates_nothing_new():
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = counts()
    call_command("load_demo_data", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts() == first

    assert Organisation.objects.filter(is_owner=True).count() >= 2
    assert Organisation.objects.filter(is_operator=True, is_emsp=True).count() >= 1
    assert Site.objects.count() >= 10
    assert len(set(Site.objects.values_list("time_zone", flat=True))) >= 2
    assert ChargingStation.objects.count() >= 30
    per_station = Counter(Connector.objects.values_list("station_id", flat=True))
    assert set(per_station.values()) <= {1, 2, 3, 4}
    powers = Connector.objects.values_list("max_power_kw", flat=True)
    assert min(powers) == Decimal("7.4")
    assert max(powers) == Decimal("350")
    assert Driver.objects.count() >= 20
    assert all(driver.tokens.exists() for driver in Driver.objects.all())
    assert not Driver.objects.filter(email_verified_at__isnull=True).exists(), "demo drivers can charge at once"
    assert ChargingStation.objects.filter(password_hash="").count() == 0
