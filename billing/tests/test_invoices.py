from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from celery import Task
from django.core import mail

from billing.models import Invoice, InvoiceSequence
from billing.pdf import invoice_pdf
from billing.services.cdrs import cdr_credit, session_price
from billing.services.invoices import credit_note_issue, invoice_email, invoices_issue_for_month
from billing.services.memberships import membership_fees_post, subscription_start
from billing.tests.factories import START, MembershipPlanFactory, completed_session, energy_tariff
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal
MAY = date(2026, 5, 1)
RUN_AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def connector():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def priced(connector, driver, **kwargs):
    return session_price(session_id=completed_session(connector=connector, driver=driver, **kwargs).pk)


def test_monthly_invoice_has_a_line_per_cdr_and_fee_and_a_vat_breakdown(connector):
    driver = DriverFactory(emsp=connector.station.site.operator)
    priced(connector, driver, energy_wh=20000)
    priced(connector, driver, energy_wh=10000, started_at=START + timedelta(days=1))
    plan = MembershipPlanFactory(operator=connector.station.site.operator, monthly_fee=D("10.00"), vat_rate=D("19"))
    subscription_start(driver=driver, plan=plan, on=date(2026, 5, 1))
    membership_fees_post(period_start=MAY)
    [invoice_id] = invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.number == "INV-2026-000001"
    assert invoice.lines.count() == 3
    assert (invoice.total_excl_vat, invoice.total_vat, invoice.total_incl_vat) == (D("22.00"), D("4.18"), D("26.18"))
    assert invoice.vat_breakdown == [{"rate": "19.00", "base": "22.0000", "vat": "4.1800"}]


def test_rerunning_the_month_issues_nothing_new(connector):
    priced(connector, DriverFactory())
    first = invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    again = invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    assert len(first) == 1 and again == []
    assert Invoice.objects.count() == 1


def test_invoice_numbers_are_gapless_per_series_and_year(connector):
    for _ in range(3):
        priced(connector, DriverFactory())
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    numbers = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert numbers == [1, 2, 3]
    assert InvoiceSequence.objects.get(series="INV", year=2026).last_number == 3


def test_a_session_after_local_midnight_belongs_to_the_next_month(connector):
    driver = DriverFactory()
    # 31 May 22:30 UTC is 1 June 00:30 in Berlin (the operator's zone).
    priced(connector, driver, started_at=datetime(2026, 5, 31, 21, 30, tzinfo=UTC), minutes=60)
    assert invoices_issue_for_month(period_start=MAY, now=RUN_AT) == []
    assert len(invoices_issue_for_month(period_start=date(2026, 6, 1), now=RUN_AT + timedelta(days=30))) == 1


def test_invoice_pdf_is_a_pdf_naming_its_number(connector):
    # Re-rendering gives the same text and XML: test_invoice_documents.py.
    priced(connector, DriverFactory())
    invoice = Invoice.objects.get(pk=invoices_issue_for_month(period_start=MAY, now=RUN_AT)[0])
    pdf = invoice_pdf(invoice=invoice)
    assert pdf.startswith(b"%PDF") and invoice.number.encode() in pdf


def test_invoice_is_emailed_once_with_its_pdf(connector):
    priced(connector, DriverFactory())
    invoice_id = invoices_issue_for_month(period_start=MAY, now=RUN_AT)[0]
    assert invoice_email(invoice_id=invoice_id) is True
    assert invoice_email(invoice_id=invoice_id) is False
    [message] = mail.outbox
    assert message.attachments[0][0] == "INV-2026-000001.pdf"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("de", ["Rechnung INV-2026-000001", "Ihre Rechnung", "05/2026", "9,52 €", "Verwendungszweck RF", "15.06.2026"]),
        ("en", ["Invoice INV-2026-000001", "your invoice", "05/2026", "€9.52", "reference RF"]),
        # The documents' labels speak German and English: a French driver's is English throughout.
        ("fr", ["Invoice INV-2026-000001", "your invoice", "05/2026", "€9.52", "reference RF"]),
    ],
)
def test_invoice_email_is_in_the_drivers_language_with_the_rf_reference(connector, language, words):
    priced(connector, DriverFactory(preferred_language=language))
    invoice = Invoice.objects.get(pk=invoices_issue_for_month(period_start=MAY, now=RUN_AT)[0])
    invoice_email(invoice_id=invoice.pk)
    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    assert all(word in text for word in words), text
    assert invoice.payment_reference in message.body


def test_correcting_an_invoiced_cdr_issues_a_credit_note(connector):
    driver = DriverFactory()
    cdr = priced(connector, driver)
    invoice = Invoice.objects.get(pk=invoices_issue_for_month(period_start=MAY, now=RUN_AT)[0])
    credit = cdr_credit(cdr=cdr, reason="Meter fault")
    note = credit_note_issue(credit_cdr=credit, now=RUN_AT)
    assert note.kind == Invoice.Kind.CREDIT_NOTE and note.number == "CN-2026-000001"
    assert note.credits == invoice and note.total_incl_vat == -invoice.total_incl_vat
    assert credit_note_issue(credit_cdr=credit, now=RUN_AT) is None


def test_invoice_pdf_view_serves_the_owner_and_hides_it_from_others(client, connector):
    driver = DriverFactory()
    priced(connector, driver)
    invoice = Invoice.objects.get(pk=invoices_issue_for_month(period_start=MAY, now=RUN_AT)[0])
    client.force_login(DriverFactory().user)
    assert client.get(f"/billing/invoices/{invoice.number}.pdf").status_code == 404
    client.force_login(driver.user)
    response = client.get(f"/billing/invoices/{invoice.number}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_run_before_the_month_ends_in_the_operator_zone_waits(connector):
    connector.station.site.operator.__class__.objects.filter(pk=connector.station.site.operator.pk).update(
        time_zone="America/New_York"
    )
    priced(connector, DriverFactory())
    # 1 June 01:00 UTC is still 31 May in New York.
    assert invoices_issue_for_month(period_start=MAY, now=datetime(2026, 6, 1, 1, 0, tzinfo=UTC)) == []
    assert len(invoices_issue_for_month(period_start=MAY, now=datetime(2026, 6, 1, 5, 0, tzinfo=UTC))) == 1


def test_driver_sees_only_own_cdrs_and_invoices(connector):
    from billing.selectors import cdrs_for_driver, invoices_for_driver

    mine, other = DriverFactory(), DriverFactory()
    priced(connector, mine)
    priced(connector, other)
    invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    assert [cdr.driver for cdr in cdrs_for_driver(driver=mine)] == [mine]
    assert [invoice.driver for invoice in invoices_for_driver(driver=mine)] == [mine]


def test_the_monthly_run_emails_its_invoices_in_batches_once_committed(
    connector, django_capture_on_commit_callbacks, monkeypatch
):
    from billing import tasks
    from billing.services import invoices as invoice_services

    monkeypatch.setattr(invoice_services, "EMAIL_BATCH", 2)
    enqueued = []
    # Stands in for the broker: what reaches it, and when (the task class defers the send).
    monkeypatch.setattr(Task, "apply_async", lambda task, args=None, kwargs=None, **options: enqueued.append(args[0]))
    for _ in range(3):
        priced(connector, DriverFactory())

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        issued = invoices_issue_for_month(period_start=MAY, now=RUN_AT)
        assert enqueued == []  # nothing is sent before the commit

    assert len(callbacks) == 2  # one per batch, not one per invoice
    assert enqueued == [issued[:2], issued[2:]]
    assert tasks.email_invoices(issued) == 3
    assert tasks.email_invoices(issued) == 0  # a retried batch sends nothing twice
    assert len(mail.outbox) == 3


def test_a_refused_email_does_not_hold_back_the_rest_of_the_batch(connector, monkeypatch):
    import smtplib

    from billing.services.invoices import invoices_email

    for _ in range(2):
        priced(connector, DriverFactory())
    first, second = invoices_issue_for_month(period_start=MAY, now=RUN_AT)
    real_send = mail.EmailMessage.send

    def refuse_first(message, *args, **kwargs):
        if first_number in message.subject:
            raise smtplib.SMTPRecipientsRefused({message.to[0]: (550, b"no such user")})
        return real_send(message, *args, **kwargs)

    first_number = Invoice.objects.get(pk=first).number
    monkeypatch.setattr(mail.EmailMessage, "send", refuse_first)

    assert invoices_email(invoice_ids=[first, second]) == 1
    assert Invoice.objects.get(pk=first).emailed_at is None  # left for a later attempt
    assert Invoice.objects.get(pk=second).emailed_at is not None
