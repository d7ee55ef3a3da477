"""The monthly analytics report as a product: an owner's or partner CPO's subscription fee
is posted to the ledger once per month and charged on its settlement statement."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from billing.models import Account, AnalyticsReportDelivery, AnalyticsSubscription, SettlementStatement
from billing.selectors.ledger import account_balance
from billing.services.analytics_reports import analytics_reports_send
from billing.services.settlements import statements_generate
from billing.tests.test_settlements import MAY, month_of_sessions  # noqa: F401 (fixture)
from drivers.tests.factories import UserFactory
from stations.models import OrganisationMember
from stations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db
D = Decimal


def subscribe(subscriber, seller, fee="20.00", **dates):
    return AnalyticsSubscription.objects.create(
        subscriber=subscriber,
        seller=seller,
        monthly_fee=D(fee),
        currency="EUR",
        valid_from=dates.get("valid_from", date(2026, 1, 1)),
        valid_until=dates.get("valid_until"),
    )


def revenue_of(seller):
    return account_balance(account=Account.objects.get(kind=Account.Kind.ANALYTICS_REVENUE, organisation=seller))


def test_owner_pays_the_fee_out_of_its_statement_once(month_of_sessions):  # noqa: F811
    owner = month_of_sessions.station.owner
    operator = month_of_sessions.station.site.operator
    subscribe(owner, operator)

    statements_generate(period_start=MAY)
    statements_generate(period_start=MAY)  # again: nothing more

    statement = SettlementStatement.objects.get(party=owner, role="owner")
    # Share 3.00 + fixed fee 50.00 − analytics 20.00 (test_settlements' month).
    assert (statement.analytics_fee, statement.payout_due) == (D("20.00"), D("33.00"))
    payable = Account.objects.get(kind=Account.Kind.OWNER_PAYABLE, organisation=owner)
    assert account_balance(account=payable) == D("-33.00")
    assert revenue_of(operator) == D("-20.00")
    operator_statement = SettlementStatement.objects.get(party=operator, role="operator")
    assert operator_statement.analytics_fee == 0


def test_partner_cpo_without_sessions_gets_a_statement_with_the_fee(month_of_sessions):  # noqa: F811
    seller = month_of_sessions.station.site.operator
    partner = OrganisationFactory(name="Partner CPO", is_owner=False, is_operator=True, is_emsp=False)
    subscribe(partner, seller, fee="35.00")
    subscribe(partner, seller, fee="99.00", valid_from=date(2026, 6, 1))  # not yet in May

    statements_generate(period_start=MAY)

    statement = SettlementStatement.objects.get(party=partner)
    assert (statement.role, statement.session_count, statement.analytics_fee, statement.payout_due) == (
        "operator",
        0,
        D("35.00"),
        D("-35.00"),
    )
    assert revenue_of(seller) == D("-35.00")


def test_owner_statements_page_shows_the_fee(client, month_of_sessions):  # noqa: F811
    owner = month_of_sessions.station.owner
    subscribe(owner, month_of_sessions.station.site.operator)
    statements_generate(period_start=MAY)
    user = UserFactory()
    OrganisationMember.objects.create(organisation=owner, user=user)
    client.force_login(user)
    page = client.get("/owner/statements/").content.decode()
    assert "Analytics report" in page and "20.00" in page


def test_subscribed_owner_reads_its_monthly_report_beside_the_network(client, month_of_sessions):  # noqa: F811
    owner = month_of_sessions.station.owner
    user = UserFactory()
    OrganisationMember.objects.create(organisation=owner, user=user)
    client.force_login(user)

    unsubscribed = client.get("/owner/analytics-report/?month=2026-05").content.decode()
    subscribe(owner, month_of_sessions.station.site.operator)
    page = client.get("/owner/analytics-report/?month=2026-05").content.decode()

    assert "None of your organisations subscribes" in unsubscribed
    assert f"analytics-report-{owner.pk}" in page and owner.name in page
    # test_settlements' month: two sessions of 20 and 10 kWh at the owner's station, the
    # only ones in the network.
    assert page.count('<td class="num">30.0</td>') == 2
    assert client.get("/owner/analytics-report/?month=May").status_code == 400


def test_the_months_report_is_emailed_to_the_subscribers_members_once(month_of_sessions, mailoutbox):  # noqa: F811
    owner = month_of_sessions.station.owner
    subscribe(owner, month_of_sessions.station.site.operator)
    for n in (1, 2):
        OrganisationMember.objects.create(organisation=owner, user=UserFactory(email=f"member{n}@example.com"))
    subscribe(OrganisationFactory(name="Not yet"), owner, valid_from=date(2026, 6, 1))

    assert analytics_reports_send(month=MAY, now=datetime(2026, 5, 31, 12, tzinfo=UTC)) == 0  # May not over
    assert analytics_reports_send(month=MAY, now=datetime(2026, 6, 2, 4, tzinfo=UTC)) == 1
    assert analytics_reports_send(month=MAY, now=datetime(2026, 6, 2, 5, tzinfo=UTC)) == 0  # sent already

    (message,) = mailoutbox
    assert sorted(message.to) == ["member1@example.com", "member2@example.com"]
    assert "2026-05" in message.subject and owner.name in message.subject
    assert "Sessions: 2 (network 2)" in message.body and "kWh: 30.0 (network 30.0)" in message.body
    assert AnalyticsReportDelivery.objects.get().recipients == 2


def test_the_report_email_is_written_in_each_subscribers_language(month_of_sessions, mailoutbox):  # noqa: F811
    owner = month_of_sessions.station.owner
    owner.preferred_language = "de"
    owner.save(update_fields=["preferred_language"])
    partner = OrganisationFactory(name="Partenaire", is_owner=False, is_operator=True, is_emsp=False)
    partner.preferred_language = "fr"
    partner.save(update_fields=["preferred_language"])
    for organisation, email in ((owner, "inhaber@example.com"), (partner, "partenaire@example.com")):
        subscribe(organisation, month_of_sessions.station.site.operator)
        OrganisationMember.objects.create(organisation=organisation, user=UserFactory(email=email))

    assert analytics_reports_send(month=MAY, now=datetime(2026, 6, 2, 4, tzinfo=UTC)) == 2

    german, french = sorted(mailoutbox, key=lambda message: message.to[0] != "inhaber@example.com")
    # Words, month names and decimal commas in the subscriber's language; the owner's 30
    # kWh are the whole network's, the partner has no stations.
    assert german.subject == f"Monatlicher Analysebericht 2026-05: {owner.name}"
    assert f"{owner.name}, Mai 2026: Ihre Ladestationen im Vergleich zum gesamten Netz." in german.body
    assert "Ladevorgänge: 2 (Netz 2)" in german.body and "kWh: 30,0 (Netz 30,0)" in german.body
    assert french.subject == "Rapport d'analyse mensuel 2026-05 : Partenaire"
    assert "Partenaire, mai 2026 : vos bornes comparées à l'ensemble du réseau." in french.body
    assert "Sessions : 0 (réseau 2)" in french.body and "(réseau 30,0)" in french.body
    assert "network" not in german.body + french.body
