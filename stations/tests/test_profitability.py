"""Per-site profitability: revenue, owner share and commission from billing's CDRs
(through the analytics registry), energy at the site's price by local time of day,
maintenance parts, CAPEX and payback — against hand-computed figures."""

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from billing.models import ChargeDetailRecord
from billing.services import cdrs
from billing.tests.factories import completed_session, energy_tariff
from stations.assets.selectors.profitability import site_profitability
from stations.models import AssetEvent, EnergyPrice, LabourRate, WorkOrder, WorkOrderPart
from stations.tests.factories import ConnectorFactory
from stations.tests.ops_factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

NOON_BERLIN = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
LATE_BERLIN = datetime(2026, 3, 10, 22, 0, tzinfo=UTC)  # 23:00 in Berlin


@pytest.fixture
def site_with_history():
    connector = ConnectorFactory()
    site = connector.station.site
    energy_tariff(site=site, price="2.00")
    EnergyPrice.objects.create(site=site, valid_from=date(2025, 1, 1), price_per_kwh=Decimal("0.30"))
    EnergyPrice.objects.create(site=site, valid_from=date(2026, 1, 1), price_per_kwh=Decimal("0.20"))
    EnergyPrice.objects.create(
        site=site,
        valid_from=date(2026, 1, 1),
        price_per_kwh=Decimal("0.10"),
        local_start=time(22),
        local_end=time(6),
    )
    for started_at, energy_wh in ((NOON_BERLIN, 20_000), (LATE_BERLIN, 10_000)):
        session = completed_session(connector=connector, started_at=started_at, energy_wh=energy_wh)
        cdrs.session_price(session_id=session.pk)
    order = WorkOrderFactory(
        station=connector.station,
        status=WorkOrder.Status.DONE,
        started_at=datetime(2026, 3, 12, 9, tzinfo=UTC),
        completed_at=datetime(2026, 3, 12, 11, tzinfo=UTC),
    )
    WorkOrderPart.objects.create(work_order=order, name="Cable", quantity=2, unit_cost=Decimal("30.00"))
    AssetEvent.objects.create(
        station=connector.station, kind=AssetEvent.Kind.INSTALLED, occurred_on=date(2025, 1, 1), capex=Decimal("500")
    )
    AssetEvent.objects.create(
        station=connector.station, kind=AssetEvent.Kind.POWER_UPGRADED, occurred_on=date(2026, 6, 1), capex=Decimal("9")
    )  # after the period
    return site


def test_site_margin_and_payback_from_hand_computed_parts(site_with_history):
    (row,) = site_profitability(site_ids=[site_with_history.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))

    records = ChargeDetailRecord.objects.filter(site=site_with_history)
    revenue = sum(record.total_excl_vat for record in records)
    owner_share = sum(record.owner_share_amount for record in records)
    commission = sum(record.commission_amount for record in records)
    assert revenue == Decimal("60.00")  # 30 kWh at 2.00 excl. VAT
    assert (row["revenue"], row["owner_share"], row["commission"]) == (revenue, owner_share, commission)
    # 20 kWh at noon × 0.20 (the 2026 all-day price) + 10 kWh at 23:00 × 0.10 (night window).
    assert row["energy_cost"] == Decimal("5.00")
    assert row["maintenance_cost"] == Decimal("60.00")
    assert row["capex"] == Decimal("500.00")
    margin = revenue - owner_share - commission - Decimal("65.00")
    assert row["margin"] == margin
    # 60 of revenue cannot cover 65 of costs: a loss has no payback.
    assert margin < 0 and row["payback_years"] is None


def test_payback_when_the_site_earns(site_with_history):
    WorkOrderPart.objects.all().delete()
    (row,) = site_profitability(site_ids=[site_with_history.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))
    # Margin over 31 days × 365 / 31 a year; CAPEX 500 / that.
    yearly = row["margin"] * 365 / 31
    assert row["margin"] > 0
    assert row["payback_years"] == (Decimal(500) / yearly).quantize(Decimal("0.1"))


def test_work_order_time_is_priced_at_the_technicians_or_the_default_rate(site_with_history):
    station = site_with_history.stations.get()
    technician = get_user_model().objects.create_user("tech", "tech@example.com", "x")
    other = get_user_model().objects.create_user("tech2", "tech2@example.com", "x")
    LabourRate.objects.create(technician=technician, hourly_rate=Decimal("40.00"))
    done = {"status": WorkOrder.Status.DONE, "completed_at": datetime(2026, 3, 20, 12, tzinfo=UTC)}
    WorkOrderFactory(station=station, assignee=technician, time_spent_minutes=90, **done)
    WorkOrderFactory(station=station, assignee=other, time_spent_minutes=30, **done)
    WorkOrderFactory(station=station, time_spent_minutes=45, **done)

    (before,) = site_profitability(site_ids=[site_with_history.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))
    LabourRate.objects.create(hourly_rate=Decimal("20.00"))  # the default, for everyone without a rate
    (row,) = site_profitability(site_ids=[site_with_history.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))

    # Without a default only the technician's 1.5 h × 40 = 60 are priced; 75 minutes wait.
    assert (before["labour_cost"], before["labour_unpriced_minutes"]) == (Decimal("60.00"), 75)
    # With it: 60 + (30 + 45) minutes × 20 / h = 60 + 25 = 85.
    assert (row["labour_cost"], row["labour_unpriced_minutes"]) == (Decimal("85.00"), 0)
    assert row["margin"] == before["margin"] - Decimal("25.00")
    assert row["margin"] == (
        row["revenue"]
        - row["owner_share"]
        - row["commission"]
        - row["energy_cost"]
        - Decimal("60.00")
        - Decimal("85.00")
    )


def test_energy_without_a_price_is_shown_not_guessed(site_with_history):
    EnergyPrice.objects.all().delete()
    (row,) = site_profitability(site_ids=[site_with_history.pk], start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (row["energy_cost"], row["energy_unpriced_wh"]) == (Decimal("0.00"), 30_000)


def test_profitability_page_and_csv_for_staff(client, site_with_history):
    client.force_login(get_user_model().objects.create_user("fin", "fin@example.com", "x", is_staff=True))
    page = client.get("/ops/profitability/?start=2026-03-01&end=2026-03-31")
    assert page.status_code == 200 and site_with_history.name in page.content.decode()
    csv_text = client.get("/ops/profitability/?start=2026-03-01&end=2026-03-31&format=csv").content.decode()
    assert csv_text.splitlines()[0].startswith("site,currency,revenue,owner_share,commission,energy_cost")
    assert client.get("/ops/profitability/?start=soon").status_code == 400
