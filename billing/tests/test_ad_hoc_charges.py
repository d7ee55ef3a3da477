"""Pay-as-you-go without an account (EU AFIR ad hoc): the card is held through Stripe's
HTTP API (its stand-in on loopback), the charge starts through the one charge rule, the
hold is captured at the CDR's total (once) or released, and the receipt is e-mailed once."""

from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone, translation

from billing.models import Account, AdHocCharge, Payment
from billing.selectors.ad_hoc import ad_hoc_session
from billing.selectors.ledger import account_balance
from billing.services.ad_hoc import (
    UNUSED_HOLD_MINUTES,
    AdHocError,
    ad_hoc_charge_begin,
    ad_hoc_charge_settle,
    ad_hoc_charge_stop,
    ad_hoc_holds_release_unused,
    ad_hoc_receipts_unsent_send,
    ad_hoc_start_failed,
)
from billing.services.cdrs import session_price
from billing.tests.factories import energy_tariff
from billing.tests.stripe_stub import DECLINING_CARD
from drivers.models import Token
from drivers.selectors.tokens import token_authorization
from stations.models import ChargePointStatus, CommandRequest
from stations.services.sessions import session_start, session_stop
from stations.tests.factories import ConnectorFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def connector():
    connector = ConnectorFactory(station__is_connected=True, status=ChargePointStatus.AVAILABLE)
    energy_tariff(site=connector.station.site, price="0.40", vat="19")
    return connector


def begin(connector, card="pm_card_visa", key="form-1", email="ada@example.com"):
    return ad_hoc_charge_begin(connector=connector, payment_method=card, email=email, client_key=key)


def charge_and_stop(charge, *, energy_wh):
    """What the charger reports once the driver plugs in: a transaction with the hold's
    one-off idTag, then its stop."""
    now = timezone.now()
    station_id = charge.connector.station_id
    started = session_start(
        station_id=station_id,
        connector_number=charge.connector.connector_id,
        id_tag=charge.payment.id_tag,
        meter_start_wh=1000,
        started_at=now - timedelta(hours=1),
        received_at=now - timedelta(hours=1),
    )
    session_stop(
        station_id=station_id,
        transaction_id=started.session.pk,
        meter_stop_wh=1000 + energy_wh,
        stopped_at=now,
        received_at=now,
    )
    return started.session


def captures(stripe_server):
    return [r for r in stripe_server.requests if r["path"].endswith("/capture")]


def test_paying_holds_the_card_and_starts_the_charge_with_a_one_off_token(stripe_server, connector):
    charge = begin(connector)
    payment = charge.payment
    assert payment.status == Payment.Status.REQUIRES_CAPTURE and payment.driver_id is None
    [hold] = stripe_server.requests
    assert hold["form"]["capture_method"] == "manual" and hold["form"]["amount"] == "5000"
    assert hold["form"]["payment_method"] == "pm_card_visa" and charge.hold_amount == D("50.00")
    token = Token.objects.get(uid=payment.id_tag)
    assert token.kind == Token.Kind.CONTRACT and token.driver_id is None
    assert token_authorization(id_tag=payment.id_tag).status == "Accepted"
    command = charge.start_command
    assert command.action == CommandRequest.Action.START
    assert command.parameters == {"connector": connector.connector_id, "id_tag": payment.id_tag}


def test_submitting_the_same_form_twice_holds_and_starts_once(stripe_server, connector):
    first = begin(connector)
    assert begin(connector).pk == first.pk
    assert len(stripe_server.requests) == 1
    assert CommandRequest.objects.filter(action=CommandRequest.Action.START).count() == 1


def test_a_declined_card_gets_the_processors_words_and_starts_nothing(stripe_server, connector):
    with pytest.raises(AdHocError) as refused:
        begin(connector, card=DECLINING_CARD)
    assert refused.value.message == "Your card was declined." and refused.value.code == "card_declined"
    assert not CommandRequest.objects.exists() and not AdHocCharge.objects.exists()
    assert not Token.objects.exists()


def test_an_unreachable_processor_asks_to_try_again_and_starts_nothing(connector, settings):
    settings.STRIPE_API_KEY = "sk_test_stub"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(AdHocError) as refused:
        begin(connector)
    assert refused.value.message == "The card processor could not be reached. Please try again."
    assert not CommandRequest.objects.exists() and not Token.objects.exists()


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"station__is_connected": False}, "station_offline"),
        ({"status": ChargePointStatus.FAULTED}, "connector_unavailable"),
        ({"status": ChargePointStatus.CHARGING}, "connector_busy"),
        ({"station__registration_status": "Pending"}, "station_not_accepted"),
    ],
)
def test_an_evse_that_cannot_charge_takes_no_payment(stripe_server, change, code):
    # The charge rule's station half, with its codes (config/tests/test_charge_doors.py).
    station_fields = {k.split("__")[1]: v for k, v in change.items() if k.startswith("station__")}
    fields = {k: v for k, v in change.items() if not k.startswith("station__")}
    connector = ConnectorFactory(
        station__is_connected=station_fields.get("is_connected", True),
        station__registration_status=station_fields.get("registration_status", "Accepted"),
        status=fields.get("status", ChargePointStatus.AVAILABLE),
    )
    energy_tariff(site=connector.station.site)
    with pytest.raises(AdHocError) as refused:
        begin(connector)
    assert refused.value.code == code
    assert stripe_server.requests == [] and not Payment.objects.exists()


def test_an_evse_without_a_public_price_takes_no_payment(stripe_server):
    connector = ConnectorFactory(station__is_connected=True, status=ChargePointStatus.AVAILABLE)
    with pytest.raises(AdHocError) as refused:
        begin(connector)
    assert refused.value.code == "no_price" and stripe_server.requests == []


def test_the_priced_session_is_captured_at_its_total_once_and_the_receipt_mailed_once(stripe_server, connector):
    charge = begin(connector)
    session = charge_and_stop(charge, energy_wh=20000)
    cdr = session_price(session_id=session.pk)
    payment = ad_hoc_charge_settle(session_id=session.pk)
    assert cdr.total_incl_vat == D("9.52")  # 20 kWh at 0.40 + 19 % VAT
    assert payment.status == Payment.Status.SUCCEEDED and payment.captured_amount == cdr.total_incl_vat
    [capture] = captures(stripe_server)
    assert capture["form"] == {"amount_to_capture": "952"}
    assert capture["idempotency_key"] == f"{payment.idempotency_key}-capture"
    # A retried task captures nothing more and mails nothing more.
    ad_hoc_charge_settle(session_id=session.pk)
    assert len(captures(stripe_server)) == 1
    [receipt] = mail.outbox
    assert receipt.to == ["ada@example.com"]
    assert "€9.52" in receipt.body and "€50.00" in receipt.body and payment.id_tag in receipt.body
    # Ledger: the card's money sits in clearing; the anonymous receivable is settled.
    clearing = Account.objects.get(kind=Account.Kind.PAYMENT_CLEARING, currency="EUR")
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=None, currency="EUR")
    assert account_balance(account=clearing) == D("9.52") and account_balance(account=receivable) == 0
    # One session per hold: the token no longer starts anything.
    assert token_authorization(id_tag=payment.id_tag).status == "Blocked"
    assert AdHocCharge.objects.get(pk=charge.pk).shortfall == 0


def test_a_session_dearer_than_the_hold_captures_the_hold_and_records_the_shortfall(stripe_server, connector, settings):
    settings.BILLING_AD_HOC_PREAUTH_AMOUNT = "5.00"
    charge = begin(connector, email="")
    session = charge_and_stop(charge, energy_wh=20000)
    session_price(session_id=session.pk)
    payment = ad_hoc_charge_settle(session_id=session.pk)
    assert payment.captured_amount == D("5.00")
    assert captures(stripe_server)[0]["form"] == {"amount_to_capture": "500"}
    charge.refresh_from_db()
    assert charge.shortfall == D("4.52")
    # The shortfall stays owed on the anonymous receivable for staff to follow up.
    receivable = Account.objects.get(kind=Account.Kind.DRIVER_RECEIVABLE, driver=None, currency="EUR")
    assert account_balance(account=receivable) == D("4.52")
    assert mail.outbox == []  # no address given: the receipt is on the page only


def test_a_start_the_charger_refuses_releases_the_hold_once(stripe_server, connector):
    charge = begin(connector)
    CommandRequest.objects.filter(pk=charge.start_command_id).update(status=CommandRequest.Status.REJECTED)
    assert ad_hoc_start_failed(command_id=charge.start_command_id) is True
    assert ad_hoc_start_failed(command_id=charge.start_command_id) is False
    payment = Payment.objects.get(pk=charge.payment_id)
    assert payment.status == Payment.Status.CANCELED and payment.captured_amount == 0
    assert [r["path"].rsplit("/", 1)[-1] for r in stripe_server.requests] == ["payment_intents", "cancel"]
    assert token_authorization(id_tag=payment.id_tag).status == "Blocked"


def test_a_hold_without_a_session_is_released_after_a_while(stripe_server, connector):
    charge = begin(connector)
    assert ad_hoc_holds_release_unused(now=timezone.now()) == []
    later = timezone.now() + timedelta(minutes=UNUSED_HOLD_MINUTES + 1)
    assert ad_hoc_holds_release_unused(now=later) == [charge.payment_id]
    assert ad_hoc_holds_release_unused(now=later) == []


def test_the_driver_stops_through_the_one_stop_rule(stripe_server, connector):
    charge = begin(connector)
    now = timezone.now()
    session_start(
        station_id=connector.station_id,
        connector_number=connector.connector_id,
        id_tag=charge.payment.id_tag,
        meter_start_wh=0,
        started_at=now,
        received_at=now,
    )
    assert ad_hoc_session(charge=charge) is not None
    command = ad_hoc_charge_stop(charge=charge)
    assert command.action == CommandRequest.Action.STOP
    assert AdHocCharge.objects.get(pk=charge.pk).stop_command_id == command.pk


def test_a_receipt_the_mail_server_refused_is_sent_once_by_the_sweep(stripe_server, connector, monkeypatch):
    charge = begin(connector)
    session = charge_and_stop(charge, energy_wh=5000)
    session_price(session_id=session.pk)
    with monkeypatch.context() as patched:
        patched.setattr(EmailMessage, "send", lambda self: (_ for _ in ()).throw(SMTPException("421 try later")))
        payment = ad_hoc_charge_settle(session_id=session.pk)
    assert payment.status == Payment.Status.SUCCEEDED and mail.outbox == []  # captured all the same
    assert ad_hoc_receipts_unsent_send(now=timezone.now()) == 1
    assert ad_hoc_receipts_unsent_send(now=timezone.now()) == 0
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]


def test_the_receipt_is_written_in_the_pay_pages_language_whatever_the_worker_speaks(stripe_server, connector):
    with translation.override("de"):
        charge = begin(connector)
    assert charge.language == "de"
    session = charge_and_stop(charge, energy_wh=20000)
    session_price(session_id=session.pk)
    with translation.override("fr"):  # the worker thread's language is not the driver's
        ad_hoc_charge_settle(session_id=session.pk)
    [receipt] = mail.outbox
    assert receipt.subject == "Ihr Ladebeleg"
    assert "9,52 €" in receipt.body
