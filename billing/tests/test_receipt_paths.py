"""Every path that makes a CDR final sends its driver the session receipt, exactly once:
the normal pricing task, the bulk pricing safety net, a held CDR released or corrected by
staff. A held CDR (price not final) and a later reprice send nothing (more)."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from billing import tasks
from billing.services import cdr_reviews
from billing.services.cdrs import session_price, session_reprice
from billing.services.cdrs_bulk import sessions_price_bulk
from billing.tests.factories import completed_session, energy_tariff
from drivers.models import DriverNotification
from drivers.tests.factories import DriverFactory
from stations.models import ChargingSession
from stations.tests.factories import ChargingStationFactory, ConnectorFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector():
    site = SiteFactory(name="Hafen Kiel")
    connector = ConnectorFactory(station=ChargingStationFactory(site=site))
    energy_tariff(site=site, price="0.40", vat="19")
    return connector


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(username="finance", password="x", is_staff=True, is_superuser=True)


def doubtful(connector, driver) -> ChargingSession:
    session = completed_session(connector=connector, driver=driver, energy_wh=20000)
    ChargingSession.objects.filter(pk=session.pk).update(flags=["energy_implausible"])
    return session


def receipts_to(driver) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [driver.user.email]]


def test_bulk_pricing_sends_each_driver_their_receipt_once(eager_mail, connector, django_capture_on_commit_callbacks):
    drivers = [DriverFactory(), DriverFactory(preferred_language="de")]
    sessions = [completed_session(connector=connector, driver=driver, energy_wh=10000) for driver in drivers]
    with django_capture_on_commit_callbacks(execute=True):
        assert sessions_price_bulk(session_ids=[s.pk for s in sessions]) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert sessions_price_bulk(session_ids=[s.pk for s in sessions]) == 0
    assert receipts_to(drivers[0]) == ["Your charging receipt: Hafen Kiel, €4.76"]
    assert receipts_to(drivers[1]) == ["Ihr Ladebeleg: Hafen Kiel, 4,76 €"]
    assert DriverNotification.objects.filter(kind=DriverNotification.Kind.SESSION_RECEIPT).count() == 2


def test_the_missed_sessions_sweep_sends_receipts(eager_mail, connector, django_capture_on_commit_callbacks):
    driver = DriverFactory()
    completed_session(connector=connector, driver=driver, energy_wh=10000)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.price_missed_sessions() == 1
    assert receipts_to(driver) == ["Your charging receipt: Hafen Kiel, €4.76"]


def test_a_held_cdr_sends_its_receipt_when_staff_approve_it(
    eager_mail, connector, staff, django_capture_on_commit_callbacks
):
    driver = DriverFactory()
    session = doubtful(connector, driver)
    with django_capture_on_commit_callbacks(execute=True):
        cdr = tasks.price_session(session.pk)
    assert receipts_to(driver) == []  # its price is not final yet
    with django_capture_on_commit_callbacks(execute=True):
        cdr_reviews.cdr_review_approve(cdr=session_price(session_id=session.pk), by=staff, note="ok")
    assert cdr is not None
    assert receipts_to(driver) == ["Your charging receipt: Hafen Kiel, €9.52"]


def test_a_corrected_cdr_sends_the_corrected_price_once(
    eager_mail, connector, staff, django_capture_on_commit_callbacks
):
    driver = DriverFactory()
    session = doubtful(connector, driver)
    with django_capture_on_commit_callbacks(execute=True):
        held = session_price(session_id=session.pk)
    with django_capture_on_commit_callbacks(execute=True):
        cdr_reviews.cdr_review_correct(cdr=held, energy_wh=5000, by=staff, note="meter reset")
    with django_capture_on_commit_callbacks(execute=True):
        session_reprice(session_id=session.pk, reason="tariff fixed")  # a later revision: no second receipt
    assert receipts_to(driver) == ["Your charging receipt: Hafen Kiel, €2.38"]
