from datetime import date
from decimal import Decimal

import pytest

from billing.models import Account, SettlementStatement
from billing.selectors.ledger import account_balance
from billing.services.cdrs import session_price
from billing.services.settlements import statement_payout, statements_generate
from billing.tests.factories import completed_session, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import DriverFactory, UserFactory
from stations.models import OrganisationMember

pytestmark = pytest.mark.django_db
D = Decimal
MAY = date(2026, 5, 1)


@pytest.fixture
def month_of_sessions():
    connector = leased_connector()
    agreement = connector.station.agreement
    agreement.fixed_monthly_fee = D("50.00")
    agreement.save()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    driver = DriverFactory(emsp=connector.station.site.operator)
    for energy_wh in (20000, 10000):
        session_price(session_id=completed_session(connector=connector, driver=driver, energy_wh=energy_wh).pk)
    return connector


def test_owner_statement_shows_share_and_fixed_fee_due(month_of_sessions):
    statements_generate(period_start=MAY)
    owner = month_of_sessions.station.owner
    statement = SettlementStatement.objects.get(party=owner, role="owner")
    assert (statement.session_count, statement.energy_wh) == (2, 30000)
    assert (statement.gross_incl_vat, statement.vat, statement.net_revenue) == (D("14.28"), D("2.28"), D("12.00"))
    assert (statement.commission, statement.owner_share, statement.fixed_fee) == (D("0.90"), D("3.00"), D("50.00"))
    assert statement.payout_due == D("53.00")
    payable = Account.objects.get(kind=Account.Kind.OWNER_PAYABLE, organisation=owner)
    assert account_balance(account=payable) == D("-53.00")


def test_operator_statement_keeps_net_after_commission_share_and_fee(month_of_sessions):
    statements_generate(period_start=MAY)
    operator = month_of_sessions.station.site.operator
    statement = SettlementStatement.objects.get(party=operator, role="operator")
    assert statement.payout_due == D("12.00") - D("0.90") - D("3.00") - D("50.00")
    assert statement.lines[0]["station"] == month_of_sessions.station.identity


def test_generating_the_month_twice_changes_nothing(month_of_sessions):
    first = statements_generate(period_start=MAY)
    assert statements_generate(period_start=MAY) == first
    owner = month_of_sessions.station.owner
    payable = Account.objects.get(kind=Account.Kind.OWNER_PAYABLE, organisation=owner)
    assert account_balance(account=payable) == D("-53.00")  # the fixed fee posted once


def test_payout_clears_the_owner_payable_once(month_of_sessions):
    statements_generate(period_start=MAY)
    statement = SettlementStatement.objects.get(role="owner")
    assert statement_payout(statement=statement) is True
    assert statement_payout(statement=statement) is False
    payable = Account.objects.get(kind=Account.Kind.OWNER_PAYABLE, organisation=statement.party)
    assert account_balance(account=payable) == 0


def test_statement_downloads_as_pdf_and_csv_for_staff(admin_client, month_of_sessions):
    statements_generate(period_start=MAY)
    statement = SettlementStatement.objects.get(role="owner")
    pdf = admin_client.get(f"/billing/statements/{statement.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = admin_client.get(f"/billing/statements/{statement.pk}.csv").content.decode()
    assert month_of_sessions.station.identity in csv and "Payout due,53.0000,EUR" in csv


def test_statement_download_is_for_staff_and_the_owner_it_is_for(client, month_of_sessions):
    statements_generate(period_start=MAY)
    statement = SettlementStatement.objects.get(role="owner")
    operator_statement = SettlementStatement.objects.get(role="operator")
    assert client.get(f"/billing/statements/{statement.pk}.csv").status_code == 302  # to the login
    client.force_login(DriverFactory().user)
    assert client.get(f"/billing/statements/{statement.pk}.csv").status_code == 404
    owner_login = UserFactory()
    OrganisationMember.objects.create(organisation=statement.party, user=owner_login)
    client.force_login(owner_login)
    pdf = client.get(f"/billing/statements/{statement.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/billing/statements/{operator_statement.pk}.pdf").status_code == 404
