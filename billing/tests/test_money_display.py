"""Money is shown by one rule everywhere (billing.money.money_text): rounded to the
currency, never float noise or "-0.00". SQLite sums decimals as floats, so this module is
meant to pass on SQLite as well as PostgreSQL (run it without DATABASE_URL for SQLite)."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import Account
from billing.money import money_round, money_text, stored_sum
from billing.selectors.ledger import account_balance, ledger_totals
from billing.services.cdrs import cdr_credit, session_price
from billing.tests.factories import completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.selectors.analytics import analytics_series, analytics_totals
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def two_cdrs():
    """4.93 + 9.86 excl. VAT (5.87 + 11.73 incl.): sums a float adds up as 14.790000000000001."""
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.493", vat="19")
    driver = DriverFactory()
    cdrs = [
        session_price(session_id=completed_session(connector=connector, driver=driver, energy_wh=wh).pk)
        for wh in (10000, 20000)
    ]
    return connector, driver, cdrs


def test_the_display_rule_rounds_and_never_shows_a_negative_zero():
    assert money_text(D("15.0300"), "EUR") == "15.03"
    assert money_text(D("-0.0000"), "EUR") == "0.00"
    assert money_text(D("-0.004"), "EUR") == "0.00"
    assert money_text(D("14.7900000000000"), "EUR") == "14.79"
    assert money_text(D("1234.5"), "JPY") == "1235"
    assert str(money_round(D("-0.001"), "EUR")) == "0.00"
    assert str(stored_sum(14.790000000000001)) == "14.7900"
    assert str(stored_sum(-0.0)) == "0.0000"
    assert stored_sum(None) == 0


def test_analytics_revenue_is_whole_cents(two_cdrs):
    connector, _, _ = two_cdrs
    rows = analytics_series(
        station_ids=[connector.station_id], start=date(2026, 5, 1), end=date(2026, 5, 31), period="month"
    )
    assert [str(row["revenue"]["EUR"]) for row in rows if row["revenue"]] == ["14.79"]
    assert str(analytics_totals(rows)["revenue"]["EUR"]) == "14.79"


def test_ops_analytics_csv_shows_cents(two_cdrs, admin_client):
    csv = admin_client.get(reverse("ops:analytics-csv"), {"start": "2026-05-01", "end": "2026-05-31"})
    text = csv.content.decode()
    assert "14.79" in text and "14.79000" not in text


def test_ledger_balances_are_exact_and_admin_shows_cents(two_cdrs, admin_client):
    _, driver, _ = two_cdrs
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert str(account_balance(account=receivable)) == "17.6000"
    page = admin_client.get(reverse("admin:billing_account_changelist")).content.decode()
    assert "17.60<" in page and "17.6000" not in page
    cdr_list = admin_client.get(reverse("admin:billing_chargedetailrecord_changelist")).content.decode()
    assert "11.73<" in cdr_list and "11.7300" not in cdr_list


def test_a_ledger_that_nets_to_zero_shows_zero_not_minus_zero(two_cdrs, admin_client):
    _, driver, cdrs = two_cdrs
    for cdr in cdrs:
        cdr_credit(cdr=cdr, reason="test")
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert str(account_balance(account=receivable)) == "0.0000"
    assert all(str(total) == "0.0000" for total in ledger_totals().values())
    page = admin_client.get(reverse("admin:billing_account_changelist")).content.decode()
    assert "-0.00" not in page


def test_api_amounts_are_cents(two_cdrs, admin_client):
    listed = admin_client.get("/api/v1/cdrs/", {"ordering": "id"}).json()["results"]
    assert sorted(item["total_incl_vat"] for item in listed) == ["11.73", "5.87"]
