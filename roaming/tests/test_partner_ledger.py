"""Roaming CDRs in the ledger, per partner: a partner CPO's CDR of our driver credits its
payable (its price less our commission) and debits our driver what the invoice says; our CDR
of a partner EMSP's token moves to its receivable (our price less its commission); credits
reverse them; the monthly statements carry the agreement's due date and, once settled, clear
the account exactly. Real rows through the real services; amounts worked out by hand."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.documents.statement_pdf import statement_pdf
from billing.models import Account, Invoice, SettlementStatement
from billing.selectors.ledger import account_balance, ledger_totals
from billing.services.cdrs import cdr_credit, session_price
from billing.services.invoices import invoices_issue_for_month
from billing.services.ledger import account_get
from billing.services.settlements import statement_settle, statements_generate
from billing.tests.test_invoice_documents import pdf_text
from drivers.tests.factories import DriverFactory, TokenFactory
from roaming.models import CdrPush, Partner, PartnerToken
from roaming.selectors import sessions
from roaming.services import pushes
from roaming.services.partner_sessions import cdr_receive
from roaming.tests.factories import registered_partner
from roaming.tests.test_sessions_cdrs_cpo import partner_session
from roaming.tests.test_tokens_cpo import token_object
from stations.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

MAY, JUNE = date(2026, 5, 1), date(2026, 6, 1)
JUNE_1ST = datetime(2026, 6, 1, 6, tzinfo=UTC)


def balance(kind, *, organisation=None, driver=None) -> Decimal:
    return account_balance(account=account_get(kind=kind, currency="EUR", organisation=organisation, driver=driver))


def books(name: str):
    return OrganisationFactory(name=name, is_owner=False, is_operator=False, is_emsp=False)


def partner_token(partner) -> PartnerToken:
    data = token_object()
    return PartnerToken.objects.create(
        partner=partner,
        country_code="NL",
        party_id="PAR",
        uid=data["uid"],
        type="RFID",
        contract_id=data["contract_id"],
        valid=True,
        whitelist="ALLOWED",
        data=data,
        last_updated="2026-01-01T10:00:00Z",
    )


@pytest.fixture
def cpo():
    """A partner CPO (we are the EMSP) at 15 % commission, 10 % markup, net 14 days."""
    partner = registered_partner(name="Partner CPO", token="cpo", role="CPO", country_code="DE", party_id="EVC")
    partner.organisation, partner.commission_percent = books("Partner CPO GmbH"), Decimal("15")
    partner.markup_percent, partner.payment_terms_days = Decimal("10"), 14
    partner.save()
    return partner


def partner_cpo_cdr(*, credit_of=None):
    """What the partner CPO sends: a CDR of 20 kWh at 0.40 EUR/kWh excl. VAT, 19 % VAT
    (8.00 + 1.52), for the token 04A1B2C3D4 (built as a CPO would, then received by us)."""
    cpo_side = PartnerToken.objects.filter(partner__name="the CPO's view").first()
    cpo_side = cpo_side or partner_token(registered_partner(name="the CPO's view", token="unused", role="EMSP"))
    cdr = credit_of or session_price(session_id=partner_session().pk)
    return cdr, sessions.cdr_object(cdr=cdr, token=cpo_side)


def test_a_partner_cpo_cdr_owes_the_partner_and_bills_our_driver_and_its_credit_reverses_both(cpo):
    emsp = OrganisationFactory(name="Our EMSP")
    driver = DriverFactory(emsp=emsp)
    TokenFactory(uid="04A1B2C3D4", driver=driver)
    ours, body = partner_cpo_cdr()
    before = {
        kind: balance(kind, organisation=emsp) for kind in (Account.Kind.VAT_PAYABLE, Account.Kind.EMSP_COMMISSION)
    }

    received = cdr_receive(partner=cpo, data=body)
    assert cdr_receive(partner=cpo, data=body) == received  # a repeated POST posts nothing more

    # We owe the CPO 8.00 − 15 % = 6.80. Our driver pays 8.00 + 10 % = 8.80 + 19 % VAT 1.672
    # → 1.67: 10.47. We keep 8.80 − 6.80 = 2.00 (1.20 commission, 0.80 markup).
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=cpo.organisation) == Decimal("-6.80")
    assert balance(Account.Kind.DRIVER_RECEIVABLE, driver=driver) == Decimal("10.47")
    assert balance(Account.Kind.VAT_PAYABLE, organisation=emsp) - before[Account.Kind.VAT_PAYABLE] == Decimal("-1.67")
    earned = balance(Account.Kind.EMSP_COMMISSION, organisation=emsp) - before[Account.Kind.EMSP_COMMISSION]
    assert earned == Decimal("-2.00")
    assert set(ledger_totals().values()) == {Decimal("0")}

    # The driver's invoice says exactly what the ledger holds for them.
    invoices_issue_for_month(period_start=MAY, now=JUNE_1ST)
    assert Invoice.objects.get(driver=driver).total_incl_vat == Decimal("10.47")

    # The CPO corrects it with a credit CDR: both sides come back to zero.
    credit = cdr_credit(cdr=ours, reason="meter fault")
    _, credit_body = partner_cpo_cdr(credit_of=credit)
    cdr_receive(partner=cpo, data=credit_body)
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=cpo.organisation) == Decimal("0")
    assert balance(Account.Kind.DRIVER_RECEIVABLE, driver=driver) == Decimal("0")
    assert set(ledger_totals().values()) == {Decimal("0")}


def test_the_partner_cpo_statement_is_due_on_its_terms_and_settling_it_clears_the_payable(cpo):
    TokenFactory(uid="04A1B2C3D4", driver=DriverFactory(emsp=OrganisationFactory()))
    cdr_receive(partner=cpo, data=partner_cpo_cdr()[1])
    # The agreement changes after the CDR arrived: the CDR keeps the terms it came under.
    cpo.commission_percent = Decimal("50")
    cpo.save()

    statements_generate(period_start=MAY, now=JUNE_1ST)
    statement = SettlementStatement.objects.get(party=cpo.organisation, role=SettlementStatement.Role.PARTNER_CPO)
    assert (statement.net_revenue, statement.commission, statement.payout_due) == (
        Decimal("8.00"),
        Decimal("1.20"),
        Decimal("6.80"),
    )
    assert statement.due_on == date(2026, 6, 15)  # issued 1 June, net 14
    assert statement.settled_at is None

    assert statement_settle(statement=statement) is True
    assert statement_settle(statement=statement) is False
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=cpo.organisation) == Decimal("0")
    assert balance(Account.Kind.BANK) == Decimal("-6.80")
    statement.refresh_from_db()
    assert statement.settled_at is not None
    assert set(ledger_totals().values()) == {Decimal("0")}


def test_a_partner_without_books_is_posted_by_the_statement_run_once_staff_name_them(cpo):
    organisation = cpo.organisation
    cpo.organisation = None
    cpo.save()
    TokenFactory(uid="04A1B2C3D4", driver=DriverFactory(emsp=OrganisationFactory()))
    cdr_receive(partner=cpo, data=partner_cpo_cdr()[1])
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=organisation) == Decimal("0")

    cpo.organisation = organisation
    cpo.save()
    statements_generate(period_start=MAY, now=JUNE_1ST)
    statement = SettlementStatement.objects.get(party=organisation)
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=organisation) == -statement.payout_due
    assert statement.payout_due == Decimal("6.80")


def test_our_cdr_of_a_partner_emsp_token_is_its_receivable_and_the_statement_clears_it():
    emsp = registered_partner(name="Partner EMSP", token="emsp", role="EMSP", country_code="NL", party_id="PAR")
    emsp.organisation, emsp.commission_percent, emsp.payment_terms_days = books("Partner EMSP BV"), Decimal("5"), 30
    emsp.save()
    partner_token(emsp)
    first = session_price(session_id=partner_session().pk)
    session_price(session_id=partner_session(started_at=datetime(2026, 5, 20, 8, tzinfo=UTC)).pk)
    ad_hoc_before = balance(Account.Kind.DRIVER_RECEIVABLE)

    pushes.cdrs_to_push()
    pushes.cdrs_to_push()  # the next beat posts nothing again
    assert CdrPush.objects.count() == 2
    # Each: 8.00 net less 5 % = 7.60 owed by the partner; its VAT is the partner's to charge.
    assert balance(Account.Kind.PARTNER_RECEIVABLE, organisation=emsp.organisation) == Decimal("15.20")
    assert ad_hoc_before - balance(Account.Kind.DRIVER_RECEIVABLE) == Decimal("19.04")
    assert set(ledger_totals().values()) == {Decimal("0")}

    statements_generate(period_start=MAY, now=JUNE_1ST)
    may = SettlementStatement.objects.get(party=emsp.organisation, role=SettlementStatement.Role.PARTNER_EMSP)
    assert may.payout_due == Decimal("15.20") and may.due_on == date(2026, 7, 1)
    # The partner EMSP pays this statement: its PDF names it the payer ("Zahler"), not the payee.
    text = pdf_text(statement_pdf(statement=may))
    assert "Zahler" in text and "Zahlungsempfänger" not in text and "Fällig am: 2026-07-01" in text
    statement_settle(statement=may, now=JUNE_1ST + timedelta(days=20))
    assert balance(Account.Kind.PARTNER_RECEIVABLE, organisation=emsp.organisation) == Decimal("0")
    assert balance(Account.Kind.BANK) == Decimal("15.20")

    # A credit reverses its share of the receivable; June's statement carries it.
    cdr_credit(cdr=first, reason="meter fault")
    statements_generate(period_start=JUNE, now=datetime(2026, 7, 1, 6, tzinfo=UTC))
    june = SettlementStatement.objects.get(party=emsp.organisation, period_start=JUNE)
    assert june.payout_due == Decimal("-7.60")
    assert balance(Account.Kind.PARTNER_RECEIVABLE, organisation=emsp.organisation) == Decimal("-7.60")
    statement_settle(statement=june)
    assert balance(Account.Kind.PARTNER_RECEIVABLE, organisation=emsp.organisation) == Decimal("0")
    assert set(ledger_totals().values()) == {Decimal("0")}


def test_the_due_date_is_on_the_statement_csv_pdf_and_api(cpo, admin_client, staff_client):
    TokenFactory(uid="04A1B2C3D4", driver=DriverFactory(emsp=OrganisationFactory()))
    cdr_receive(partner=cpo, data=partner_cpo_cdr()[1])
    statements_generate(period_start=MAY, now=JUNE_1ST)
    statement = SettlementStatement.objects.get(party=cpo.organisation)
    csv = admin_client.get(reverse("billing:statement-download", args=[statement.pk, "csv"]))
    assert csv.content.decode().splitlines()[-1] == "Due on,2026-06-15"
    pdf = admin_client.get(reverse("billing:statement-download", args=[statement.pk, "pdf"]))
    assert "Fällig am: 2026-06-15" in pdf_text(pdf.content)  # a German partner: German labels
    [listed] = staff_client.get("/api/v1/settlements/", {"role": "cpo"}).json()["results"]
    assert (listed["due_on"], listed["settled_at"]) == ("2026-06-15", None)
    statement_settle(statement=statement)
    [listed] = staff_client.get("/api/v1/settlements/", {"role": "cpo"}).json()["results"]
    assert listed["settled_at"] is not None


def test_naming_the_partners_books_in_the_admin_posts_what_waited_and_shows_the_balance(cpo, admin_client):
    organisation = cpo.organisation
    Partner.objects.filter(pk=cpo.pk).update(organisation=None)
    TokenFactory(uid="04A1B2C3D4", driver=DriverFactory(emsp=OrganisationFactory()))
    cdr_receive(partner=Partner.objects.get(pk=cpo.pk), data=partner_cpo_cdr()[1])
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=organisation) == Decimal("0")

    url = reverse("admin:roaming_partner_change", args=[cpo.pk])
    role = cpo.roles.get()
    form = {
        "name": cpo.name,
        "versions_url": cpo.versions_url,
        "outbound_token": cpo.outbound_token,
        "organisation": organisation.pk,
        "commission_percent": "15",
        "markup_percent": "10",
        "payment_terms_days": "14",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "1",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-id": role.pk,
        "roles-0-partner": cpo.pk,
    }
    assert admin_client.post(url, form).status_code == 302
    assert balance(Account.Kind.PARTNER_PAYABLE, organisation=organisation) == Decimal("-6.80")
    assert "Partner CPO payable -6.80 EUR" in admin_client.get(url).content.decode()
