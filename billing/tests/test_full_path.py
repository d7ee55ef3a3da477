"""The whole money path on PostgreSQL: the gateway's session services record a charge
(meter values, stop), the session_stopped signal prices it into a CDR through the real
Celery task, the ledger books it, the monthly run issues the invoice and its PDF, Stripe
(its HTTP API stood in on loopback) is paid, and the owner's statement shows the share."""

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from billing.models import Account, ChargeDetailRecord, Invoice, Payment, SettlementStatement
from billing.pdf import invoice_pdf
from billing.selectors import ledger_totals
from billing.selectors.ledger import account_balance
from billing.services.invoices import invoices_issue_for_month
from billing.services.payments import invoice_payments_collect
from billing.services.settlements import statements_generate
from billing.tests.factories import BillingAccountFactory, energy_tariff
from billing.tests.test_cdrs import leased_connector
from drivers.tests.factories import TokenFactory
from stations.services.sessions import Sample, meter_values_record, session_start, session_stop

D = Decimal
STARTED = datetime(2026, 5, 12, 8, 0, tzinfo=UTC)


def charge_through_the_gateway_services(*, connector, id_tag: str) -> int:
    station_id, number = connector.station_id, connector.connector_id
    with transaction.atomic():
        outcome = session_start(
            station_id=station_id,
            connector_number=number,
            id_tag=id_tag,
            meter_start_wh=50_000,
            started_at=STARTED,
            received_at=STARTED,
        )
    session_id = outcome.session.pk
    for minutes, register_wh in ((15, 55_000), (30, 60_000), (45, 65_000), (60, 70_000)):
        at = STARTED + timedelta(minutes=minutes)
        with transaction.atomic():
            meter_values_record(
                station_id=station_id,
                connector_number=number,
                transaction_id=session_id,
                samples=[Sample(sampled_at=at, value=str(register_wh), unit="Wh")],
                received_at=at,
            )
    stopped = STARTED + timedelta(minutes=90)  # 30 idle minutes plugged in
    with transaction.atomic():
        session_stop(
            station_id=station_id,
            transaction_id=session_id,
            meter_stop_wh=70_000,
            stopped_at=stopped,
            received_at=stopped,
            reason="EVDisconnected",
        )
    return session_id


@pytest.fixture
def eager_celery(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_meter_to_cdr_to_ledger_to_invoice_to_payment_to_statement(stripe_server, eager_celery):
    connector = leased_connector()
    elements = [
        {
            "price_components": [
                {"type": "FLAT", "price": "1.00", "vat": "19", "step_size": 1},
                {"type": "ENERGY", "price": "0.40", "vat": "19", "step_size": 1},
                {"type": "PARKING_TIME", "price": "6.00", "vat": "19", "step_size": 900},
            ]
        }
    ]
    energy_tariff(site=connector.station.site, elements=elements)
    account = BillingAccountFactory(stripe_customer_id="cus_1", stripe_payment_method_id="pm_card_visa")
    driver = account.driver
    token = TokenFactory(driver=driver)

    session_id = charge_through_the_gateway_services(connector=connector, id_tag=token.uid)

    cdr = ChargeDetailRecord.objects.get(session_id=session_id)
    # 1.00 flat + 20 kWh × 0.40 + 30 min idle × 6.00/h = 12.00 net, 14.28 gross.
    assert (cdr.energy_wh, cdr.charging_seconds, cdr.parking_seconds) == (20000, 3600, 1800)
    assert (cdr.total_excl_vat, cdr.total_incl_vat) == (D("12.00"), D("14.28"))
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=driver)
    assert account_balance(account=receivable) == D("14.28")

    [invoice_id] = invoices_issue_for_month(period_start=date(2026, 5, 1), now=datetime(2026, 6, 1, 3, tzinfo=UTC))
    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.total_incl_vat == D("14.28") and invoice_pdf(invoice=invoice).startswith(b"%PDF")

    invoice_payments_collect(now=datetime(2026, 6, 1, 6, tzinfo=UTC))
    assert Payment.objects.get(invoice=invoice).status == Payment.Status.SUCCEEDED
    assert account_balance(account=receivable) == 0

    statements_generate(period_start=date(2026, 5, 1))
    statement = SettlementStatement.objects.get(party=connector.station.owner, role="owner")
    assert (statement.net_revenue, statement.owner_share, statement.payout_due) == (D("12.00"), D("3.00"), D("3.00"))
    assert all(total == 0 for total in ledger_totals().values())


@pytest.mark.integration
@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_prices_a_stopped_session_once(celery_worker_process):
    connector = leased_connector()
    energy_tariff(site=connector.station.site, price="0.40")
    token = TokenFactory()
    session_id = charge_through_the_gateway_services(connector=connector, id_tag=token.uid)
    from billing import tasks

    duplicate = tasks.price_session.delay(session_id)  # a second delivery on top of the signal's
    cdr_id = duplicate.get(timeout=60)
    deadline = time.monotonic() + 60
    while ChargeDetailRecord.objects.filter(session_id=session_id).count() != 1:
        assert time.monotonic() < deadline, "the worker did not price the session within 60 s"
        time.sleep(0.2)
    cdr = ChargeDetailRecord.objects.get(session_id=session_id)
    assert cdr.pk == cdr_id and cdr.total_excl_vat == D("8.00")
