"""The e-mails billing's events send the driver through drivers' notifications: the
session receipt when its CDR is priced, membership started and ended; each once, in the
driver's language, never to a closed account."""

from datetime import date
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from billing import tasks
from billing.services.memberships import membership_fees_post, subscription_cancel, subscription_start
from billing.tests.factories import MembershipPlanFactory, completed_session, energy_tariff
from drivers.models import Driver, DriverNotification
from drivers.tests.factories import DriverFactory
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector():
    site = SiteFactory(name="Marktplatz Ulm")
    connector = ConnectorFactory(station=ChargingStationFactory(site=site))
    energy_tariff(site=site, price="0.50", vat="19")
    return connector


def test_a_priced_session_sends_its_receipt_once_in_german(eager_mail, connector, django_capture_on_commit_callbacks):
    driver = DriverFactory(preferred_language="de")
    session = completed_session(connector=connector, driver=driver, energy_wh=20000, minutes=75)
    with django_capture_on_commit_callbacks(execute=True):
        cdr_id = tasks.price_session(session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.price_session(session.pk) == cdr_id  # a retried task: same CDR, no second mail
    [sent] = mail.outbox
    assert sent.to == [driver.user.email]
    assert sent.subject == "Ihr Ladebeleg: Marktplatz Ulm, 11,90 €"  # 20 kWh × 0.50 net + 19 % VAT
    assert "Energie: 20,00 kWh" in sent.body and "Dauer: 1 h 15 min" in sent.body
    assert "11,90 € (inkl. MwSt.)" in sent.body
    assert f"https://charge.example.com/charging/{session.pk}/" in sent.body
    assert DriverNotification.objects.get().kind == DriverNotification.Kind.SESSION_RECEIPT


def test_a_closed_account_gets_no_receipt(eager_mail, connector, django_capture_on_commit_callbacks):
    driver = DriverFactory()
    session = completed_session(connector=connector, driver=driver)
    Driver.objects.filter(pk=driver.pk).update(account_status=Driver.AccountStatus.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.price_session(session.pk)
    assert mail.outbox == []


def test_membership_started_and_ended_are_mailed_once_each(eager_mail, django_capture_on_commit_callbacks):
    plan = MembershipPlanFactory(name="Voltway Plus", monthly_fee=Decimal("9.90"), vat_rate=Decimal("19"))
    driver = DriverFactory(preferred_language="en")
    with django_capture_on_commit_callbacks(execute=True):
        subscription = subscription_start(driver=driver, plan=plan, on=date(2026, 5, 3))
        subscription_cancel(subscription=subscription, on=date(2026, 5, 20))
    with django_capture_on_commit_callbacks(execute=True):
        membership_fees_post(period_start=date(2026, 6, 1))  # ran out at the end of May
    with django_capture_on_commit_callbacks(execute=True):
        membership_fees_post(period_start=date(2026, 6, 1))
    assert [m.subject for m in mail.outbox] == ["Welcome to Voltway Plus", "Your membership Voltway Plus has ended"]
    assert "started on 03 May 2026" in mail.outbox[0].body
    assert "its last day was 31 May 2026" in mail.outbox[1].body
    assert "https://charge.example.com" + reverse("portal-memberships") in mail.outbox[1].body
