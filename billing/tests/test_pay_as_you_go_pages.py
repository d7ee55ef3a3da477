"""The pay-as-you-go pages as a phone sees them after scanning an EVSE's QR code: the
price incl. VAT (the station page's own words) and availability, the pay form only where
a charge can start, a declined card's words, the charge's page and its status, and the
admin's printable sheet of QR codes."""

import re
import uuid

import pytest
from django.urls import reverse

from billing.models import AdHocCharge, EvseQrCode, Payment
from billing.tests.factories import energy_tariff
from billing.tests.stripe_stub import DECLINING_CARD
from billing.views.pay_as_you_go import PAY_ATTEMPTS_PER_HOUR
from stations import prices
from stations.models import ChargePointStatus, CommandRequest
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(stripe_server, settings, private_throttle_cache):
    # A private cache: the pay form's attempts per address start at zero in every test.
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_stub"
    return stripe_server


@pytest.fixture
def connector():
    connector = ConnectorFactory(station__is_connected=True, status=ChargePointStatus.AVAILABLE)
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def pay_url(connector):
    return reverse("pay-evse", args=[connector.station.identity, connector.evse_number])


def pay(client, connector, card="pm_card_visa"):
    form = {
        "connector": connector.connector_id,
        "email": "ada@example.com",
        "payment_method": card,
        "key": str(uuid.uuid4()),
    }
    return client.post(pay_url(connector), form, follow=True)


def test_the_qr_page_shows_the_station_pages_price_incl_vat_and_a_pay_form(client, cards, connector):
    page = client.get(pay_url(connector)).content.decode()
    words = prices.connector_prices(connectors=[connector])[connector.pk]
    assert words in page and "(incl. VAT)" in page
    assert 'class="pill available"' in page
    assert 'id="pay-form"' in page and "https://js.stripe.com/v3/" in page
    assert "€50.00" in page  # the hold, said before paying


@pytest.mark.parametrize(
    ("station_connected", "status", "pill", "why"),
    [
        (False, ChargePointStatus.AVAILABLE, "offline", "charger is offline"),
        (True, ChargePointStatus.FAULTED, "out_of_order", "out of service"),
    ],
)
def test_an_offline_or_faulted_evse_says_so_and_offers_no_payment(client, cards, station_connected, status, pill, why):
    connector = ConnectorFactory(station__is_connected=station_connected, status=status)
    energy_tariff(site=connector.station.site)
    page = client.get(pay_url(connector)).content.decode()
    assert f'class="pill {pill}"' in page and why in page.lower()
    assert 'id="pay-form"' not in page and 'id="no-payment"' in page
    assert "js.stripe.com" not in page


def test_paying_starts_the_charge_and_opens_its_page(client, cards, connector):
    response = pay(client, connector)
    charge = AdHocCharge.objects.get()
    assert response.redirect_chain[-1][0] == reverse("pay-charge", args=[charge.key])
    assert charge.payment.status == Payment.Status.REQUIRES_CAPTURE and charge.email == "ada@example.com"
    assert "the charger is starting" in response.content.decode()
    status = client.get(reverse("pay-charge-status", args=[charge.key])).json()
    assert status["stage"] == "starting" and status["receipt"] is False
    command = client.get(reverse("pay-command-status", args=[charge.key, charge.start_command_id])).json()
    assert command == {"status": CommandRequest.Status.PENDING, "final": False, "message": ""}


def test_a_declined_card_is_told_plainly_and_nothing_starts(client, cards, connector):
    response = pay(client, connector, card=DECLINING_CARD)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == pay_url(connector)
    assert "Your card was declined." in page and 'id="pay-form"' in page
    assert not CommandRequest.objects.exists() and not AdHocCharge.objects.exists()


def test_card_testing_from_one_address_is_cut_off_before_stripe_is_called(client, cards, connector):
    for _ in range(PAY_ATTEMPTS_PER_HOUR):
        assert "Your card was declined." in pay(client, connector, card=DECLINING_CARD).content.decode()
    page = pay(client, connector).content.decode()
    assert "Too many payment attempts" in page
    assert len(cards.requests) == PAY_ATTEMPTS_PER_HOUR and not AdHocCharge.objects.exists()


def test_a_charge_page_needs_its_secret_key(client, cards, connector):
    pay(client, connector)
    assert client.get(reverse("pay-charge", args=["not-the-key"])).status_code == 404
    assert client.post(reverse("pay-charge-stop", args=["not-the-key"])).status_code == 404


def test_staff_print_one_qr_code_per_evse(admin_client, connector):
    ConnectorFactory(station=connector.station, connector_id=2)
    response = admin_client.post(
        reverse("admin:billing_evseqrcode_changelist"),
        {"action": "print_qr_codes", "_selected_action": list(EvseQrCode.objects.values_list("pk", flat=True))},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert len(re.findall(r'<svg[^>]*class="segno"', page)) == 2
    assert f"http://testserver{pay_url(connector)}" in page


def test_without_card_payments_configured_the_page_shows_the_price_and_takes_nothing(client, connector, settings):
    # `make run` without Stripe keys: the price is still shown (AFIR), no form that cannot work.
    settings.STRIPE_API_KEY = settings.STRIPE_PUBLISHABLE_KEY = ""
    page = client.get(pay_url(connector)).content.decode()
    assert prices.connector_prices(connectors=[connector])[connector.pk] in page
    assert 'id="pay-form"' not in page and "Card payment is not available" in page
    form = {"connector": 1, "payment_method": "pm_card_visa", "key": str(uuid.uuid4())}
    assert client.post(pay_url(connector), form).status_code == 200
    assert not AdHocCharge.objects.exists()
