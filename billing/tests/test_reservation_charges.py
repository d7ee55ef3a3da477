"""A reservation that expired unused is charged once under the tariff in force when it
was made (OCPI 2.2.1 example 18: 1.5 h at 6.00/h, 9.00 / 10.80) and invoiced with the month."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from billing.models import Account, Invoice, ReservationCharge
from billing.pdf import invoice_pdf
from billing.selectors.ledger import account_balance
from billing.services.invoices import invoices_issue_for_month
from billing.services.reservation_charges import reservations_expired_charge
from billing.tests.factories import START, energy_tariff
from drivers.models import Reservation
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal
EXAMPLE_18 = [
    {
        "price_components": [{"type": "TIME", "price": "6.00", "vat": "20", "step_size": 600}],
        "restrictions": {"reservation": "RESERVATION_EXPIRES"},
    },
    {
        "price_components": [{"type": "TIME", "price": "3.00", "vat": "20", "step_size": 600}],
        "restrictions": {"reservation": "RESERVATION"},
    },
    {
        "price_components": [
            {"type": "FLAT", "price": "0.50", "vat": "20"},
            {"type": "ENERGY", "price": "0.25", "vat": "10"},
        ]
    },
]


def reservation(station, *, status=Reservation.Status.EXPIRED, charger_status="Accepted", minutes=90):
    driver = DriverFactory(emsp=station.site.operator)
    made = Reservation.objects.create(
        driver=driver,
        token=TokenFactory(driver=driver),
        station=station,
        expires_at=START + timedelta(minutes=minutes),
        status=status,
        charger_status=charger_status,
    )
    Reservation.objects.filter(pk=made.pk).update(created_at=START)
    return Reservation.objects.get(pk=made.pk)


@pytest.fixture
def station():
    connector = ConnectorFactory()
    energy_tariff(site=connector.station.site, elements=EXAMPLE_18)
    return connector.station


def test_an_expired_reservation_is_charged_once_as_the_spec_prices_it(station):
    expired = reservation(station)
    reservation(station, charger_status="Rejected")  # never held: nothing to pay
    reservation(station, status=Reservation.Status.USED)  # priced on its session's CDR

    [charge_id] = reservations_expired_charge()

    assert reservations_expired_charge() == []
    charge = ReservationCharge.objects.get(pk=charge_id)
    assert charge.reservation == expired
    assert (charge.total_excl_vat, charge.total_incl_vat) == (D("9.00"), D("10.80"))
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=expired.driver)
    assert account_balance(account=receivable) == D("10.80")


def test_the_charge_is_on_the_months_invoice_with_its_reservation_time(station):
    expired = reservation(station)
    reservations_expired_charge()

    [invoice_id] = invoices_issue_for_month(period_start=START.date().replace(day=1), now=START + timedelta(days=30))

    invoice = Invoice.objects.get(pk=invoice_id)
    assert invoice.driver == expired.driver and invoice.total_incl_vat == D("10.80")
    pdf = invoice_pdf(invoice=invoice)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Reservation expired unused" in text and "Reservation time" in text
    assert "1.500 h" in text
