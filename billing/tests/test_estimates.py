from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from billing.models import ChargeDetailRecord
from billing.selectors import session_cost_estimate
from billing.services.cdrs import session_price
from billing.services.memberships import subscription_start
from billing.tests.factories import START, MembershipPlanFactory, completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations import signals
from stations.models import ChargingSession
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def test_running_session_estimate_uses_the_latest_meter_value(connector):
    session = completed_session(connector=connector, energy_wh=10000)
    ChargingSession.objects.filter(pk=session.pk).update(
        status=ChargingSession.Status.ACTIVE,
        stopped_at=None,
        meter_stop_wh=None,
        energy_wh=0,
        last_meter_wh=1000 + 5000,
        last_meter_at=START + timedelta(minutes=30),
    )
    session.refresh_from_db()
    amount, currency = session_cost_estimate(session=session)
    assert (amount, currency) == (Decimal("2.38"), "EUR")  # 5 kWh × 0.40 × 1.19


def test_priced_session_estimate_is_its_cdr_total(connector):
    session = completed_session(connector=connector, energy_wh=20000)
    session_price(session_id=session.pk)
    assert session_cost_estimate(session=session) == (Decimal("9.52"), "EUR")


def test_estimate_without_tariff_is_zero_in_the_operator_currency():
    session = completed_session(connector=ConnectorFactory())
    assert session_cost_estimate(session=session) == (Decimal("0.00"), "EUR")


def test_session_stopped_signal_prices_the_session_after_commit(
    connector, django_capture_on_commit_callbacks, monkeypatch
):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)  # run the real task in-process
    session = completed_session(connector=connector)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        signals.session_stopped.send(sender=None, session_id=session.pk)
        assert not ChargeDetailRecord.objects.exists()
    signals.session_stopped.send(sender=None, session_id=session.pk)  # a replayed stop
    assert ChargeDetailRecord.objects.get(session=session).total_incl_vat == Decimal("9.52")


def test_estimate_equals_the_cdr_with_member_discount_on_the_site_local_date():
    # 00:30 on 1 June in Berlin is still 31 May in UTC: the membership starting on 1 June
    # (the site's local date) applies to this session, in the estimate as in the CDR.
    berlin_midnight = datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
    connector = ConnectorFactory(station__site__time_zone="Europe/Berlin")
    energy_tariff(site=connector.station.site, price="0.4321", vat="19", flat="0.333")
    driver = DriverFactory()
    plan = MembershipPlanFactory(
        operator=connector.station.operator, discount_per_kwh=Decimal("0.05"), discount_percent=Decimal("10")
    )
    subscription_start(driver=driver, plan=plan, on=date(2026, 6, 1))
    session = completed_session(connector=connector, driver=driver, started_at=berlin_midnight, energy_wh=17777)
    estimate = session_cost_estimate(session=session)
    cdr = session_price(session_id=session.pk)
    assert cdr.membership_plan == plan and cdr.discount_excl_vat > 0
    assert estimate == (cdr.total_incl_vat, cdr.currency)
    assert estimate[0] == estimate[0].quantize(Decimal("0.01"))


def test_running_estimate_after_a_rejected_meter_start_counts_only_counted_energy(connector):
    session = completed_session(connector=connector, energy_wh=10000)
    ChargingSession.objects.filter(pk=session.pk).update(
        status=ChargingSession.Status.ACTIVE,
        stopped_at=None,
        meter_stop_wh=None,
        meter_start_wh=-1000,
        flags=["meter_start_rejected"],
        energy_wh=5000,  # counted from the first good reading, 1000 Wh
        last_meter_wh=1000 + 5000,
        last_meter_at=START + timedelta(minutes=30),
    )
    session.refresh_from_db()
    amount, _ = session_cost_estimate(session=session)
    assert amount == Decimal("2.38")  # 5 kWh, not the 7 kWh from a meterStart of -1000


def test_estimate_equals_the_cdr_in_a_currency_without_minor_units():
    # Yen have no minor unit: the live estimate rounds to whole yen exactly as the CDR does.
    connector = ConnectorFactory(station__site__operator__currency="JPY")
    energy_tariff(site=connector.station.site, price="43.7", vat="10", flat="55.5", currency="JPY")
    session = completed_session(connector=connector, energy_wh=12345)
    estimate = session_cost_estimate(session=session)
    cdr = session_price(session_id=session.pk)
    assert cdr.currency == "JPY"
    assert estimate == (cdr.total_incl_vat, "JPY")
    assert estimate[0] == estimate[0].quantize(Decimal("1"))
