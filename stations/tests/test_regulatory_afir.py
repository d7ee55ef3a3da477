"""AFIR checks on what we publish: static data, known status, an ad hoc price and, at
50 kW or more, a price per kWh (prices from billing through the locations registry)."""

from decimal import Decimal

import pytest
from django.utils import timezone

from billing.tests.factories import energy_tariff
from stations.models import ChargePointStatus, Connector
from stations.operations.regulatory import afir
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


def failed(row) -> dict[str, str]:
    return {check.key: check.detail for check in row["checks"] if not check.passed}


def rapid_site(name, **site_fields):
    site = SiteFactory(name=name, **site_fields)
    ConnectorFactory(
        station=ChargingStationFactory(site=site, status=ChargePointStatus.AVAILABLE),
        standard=Connector.Standard.CCS2,
        power_type=Connector.PowerType.DC,
        max_power_kw=Decimal("150"),
    )
    return site


def test_a_rapid_site_priced_per_kwh_passes_every_check():
    energy_tariff(site=rapid_site("A Good"), price="0.59")
    (row,) = afir.afir_site_checks(at=timezone.now())
    assert (row["site"], row["passed"], failed(row)) == ("A Good", True, {})


def test_a_rapid_site_priced_per_minute_only_and_one_without_price_fail():
    per_minute = [{"price_components": [{"type": "TIME", "price": "0.30", "vat": "19", "step_size": 60}]}]
    energy_tariff(site=rapid_site("B Minutes"), elements=per_minute)
    rapid_site("C Unpriced")
    unpublished = rapid_site("D Hidden", is_published=False)
    energy_tariff(site=unpublished)
    rows = {row["site"]: failed(row) for row in afir.afir_site_checks(at=timezone.now())}
    assert rows == {
        "B Minutes": {"price_per_kwh_at_50kw": "50 kW or more without a price per kWh"},
        "C Unpriced": {"ad_hoc_price": "no public tariff", "price_per_kwh_at_50kw": "no tariff"},
    }


def test_missing_hours_and_unknown_status_fail():
    site = SiteFactory(name="E Shop", is_open_24_7=False)
    ConnectorFactory(station=ChargingStationFactory(site=site, identity="CP-E-1"))
    energy_tariff(site=site)
    (row,) = afir.afir_site_checks(at=timezone.now())
    assert failed(row) == {
        "opening_hours": "not 24/7 and no opening hours",
        "dynamic_status": "status unknown: CP-E-1",
    }
