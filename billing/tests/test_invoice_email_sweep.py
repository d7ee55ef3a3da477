"""The beat sweep for documents whose e-mail batch was lost (a worker killed mid-run, a
broker that came back empty): each is e-mailed exactly once, and only after a grace time
that leaves the regular batches their turn."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from billing import tasks
from billing.models import Invoice
from billing.services.cdrs import session_price
from billing.services.invoices import invoices_issue_for_month
from billing.tests.factories import completed_session, energy_tariff
from drivers.services.accounts import driver_account_close
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
MAY = date(2026, 5, 1)
RUN_AT = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def issued_unsent(monkeypatch):
    """Three invoices whose batches never reached a worker."""
    monkeypatch.setattr(tasks.email_invoices, "delay", lambda ids: None)
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    for _ in range(3):
        session_price(session_id=completed_session(connector=connector, driver=DriverFactory()).pk)
    return invoices_issue_for_month(period_start=MAY, now=RUN_AT)


def test_sweep_emails_each_unsent_invoice_exactly_once(issued_unsent):
    Invoice.objects.filter(pk__in=issued_unsent).update(issued_at=timezone.now() - timedelta(minutes=30))

    assert tasks.email_unsent_invoices() == 3
    assert tasks.email_unsent_invoices() == 0
    assert tasks.email_invoices(issued_unsent) == 0  # the lost batch, redelivered late, sends nothing twice
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        Invoice.objects.filter(pk__in=issued_unsent).values_list("driver__user__email", flat=True)
    )
    assert not Invoice.objects.filter(emailed_at__isnull=True).exists()


def test_sweep_leaves_just_issued_invoices_to_their_batch(issued_unsent):
    Invoice.objects.filter(pk__in=issued_unsent).update(issued_at=timezone.now() - timedelta(minutes=1))

    assert tasks.email_unsent_invoices() == 0
    assert mail.outbox == []


def test_a_closed_accounts_invoice_is_never_e_mailed(issued_unsent):
    """A closed account's address is a placeholder (closed-<id>@invalid): nothing goes there,
    neither from its batch nor from the sweep."""
    closed = Invoice.objects.get(pk=issued_unsent[0]).driver
    driver_account_close(driver=closed)
    Invoice.objects.filter(pk__in=issued_unsent).update(issued_at=timezone.now() - timedelta(minutes=30))

    assert tasks.email_invoices(issued_unsent[:1]) == 0
    assert tasks.email_unsent_invoices() == 2
    assert tasks.email_unsent_invoices() == 0
    assert len(mail.outbox) == 2 and closed.user.email not in [message.to[0] for message in mail.outbox]
