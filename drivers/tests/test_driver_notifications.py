"""Driver e-mails about reservations (confirmed, expired): in the driver's language, sent
once however often the task runs, after commit, never to a closed account."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from drivers.models import Driver, DriverNotification, Reservation
from drivers.services import notifications, reservations
from drivers.tests.factories import DriverFactory, TokenFactory
from stations.tests.factories import ChargingStationFactory, SiteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_URL = "https://charge.example.com"
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _reservation(driver, **fields) -> Reservation:
    station = ChargingStationFactory(identity="CP-NOTIFY", site=SiteFactory(name="Marktplatz"))
    return Reservation.objects.create(
        driver=driver,
        token=TokenFactory(driver=driver),
        station=station,
        connector_number=2,
        expires_at=timezone.now() + timedelta(minutes=30),
        **fields,
    )


def test_an_accepted_reservation_is_confirmed_once_in_german(eager_mail, django_capture_on_commit_callbacks):
    driver = DriverFactory(preferred_language="de")
    reservation = _reservation(driver)
    with django_capture_on_commit_callbacks(execute=True):
        reservations.reservation_record_answer(
            reservation_id=reservation.pk, station_id=reservation.station_id, accepted=True, delivered=True,
            charger_status="Accepted",
        )  # fmt: skip
    [sent] = mail.outbox
    assert sent.to == [driver.user.email]
    assert sent.subject == "Reservierung bestätigt: Marktplatz, CP-NOTIFY"
    assert "Anschluss: 2" in sent.body and "https://charge.example.com/reservations/" in sent.body
    # The charger repeating its answer, or the task running again, sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        reservations.reservation_record_answer(
            reservation_id=reservation.pk, station_id=reservation.station_id, accepted=True, delivered=True,
            charger_status="Accepted",
        )  # fmt: skip
    values = {"station": "x", "connector": 2, "expires": reservation.expires_at.isoformat()}
    assert not notifications.driver_notification_mail(driver.pk, "reservation_confirmed", str(reservation.pk), values)
    assert len(mail.outbox) == 1
    row = DriverNotification.objects.get()
    assert (row.driver, row.kind, row.sent_at is not None) == (driver, "reservation_confirmed", True)


def test_a_refused_reservation_sends_no_confirmation(eager_mail, django_capture_on_commit_callbacks):
    reservation = _reservation(DriverFactory())
    with django_capture_on_commit_callbacks(execute=True):
        reservations.reservation_record_answer(
            reservation_id=reservation.pk, station_id=reservation.station_id, accepted=False, delivered=True,
            charger_status="Occupied",
        )  # fmt: skip
    assert mail.outbox == []


def test_expired_reservations_are_announced_once_in_english(eager_mail, django_capture_on_commit_callbacks):
    driver = DriverFactory(preferred_language="en")
    reservation = _reservation(driver, status=Reservation.Status.ACCEPTED)
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations.reservations_expire(now=later) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations.reservations_expire(now=later) == 0
        reservations.reservation_record_ended(
            reservation_id=reservation.pk, station_id=reservation.station_id, expired=True
        )
    [sent] = mail.outbox
    assert sent.subject == "Your reservation at Marktplatz, CP-NOTIFY has expired"
    assert "the connector is free for others again" in sent.body


def test_a_closed_account_gets_no_mail(eager_mail, django_capture_on_commit_callbacks):
    driver = DriverFactory()
    _reservation(driver, status=Reservation.Status.ACCEPTED)
    Driver.objects.filter(pk=driver.pk).update(account_status=Driver.AccountStatus.CLOSED)
    with django_capture_on_commit_callbacks(execute=True):
        reservations.reservations_expire(now=timezone.now() + timedelta(hours=1))
    assert mail.outbox == [] and not DriverNotification.objects.exists()


def test_a_mail_server_error_leaves_it_unsent_for_the_retry(eager_mail, monkeypatch):
    driver = DriverFactory()
    values = {"station": "A", "connector": 0, "expires": timezone.now().isoformat()}

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(notifications, "send_mail", refuse)
    with pytest.raises(OSError):
        notifications.driver_notify(driver_id=driver.pk, kind="reservation_expired", key="7", values=values)
    assert not DriverNotification.objects.exists()
    monkeypatch.undo()
    assert notifications.driver_notify(driver_id=driver.pk, kind="reservation_expired", key="7", values=values)
    assert len(mail.outbox) == 1 and "any" not in mail.outbox[0].subject


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown driver notification"):
        notifications.driver_notify_later(driver_id=1, kind="spam", key=1, values={})


def test_sent_mails_are_listed_on_the_account_page_and_in_the_export(eager_mail, client):
    driver = DriverFactory(email_verified_at=timezone.now())
    values = {"station": "Marktplatz, CP-1", "connector": 1, "expires": timezone.now().isoformat()}
    notifications.driver_notify(driver_id=driver.pk, kind="reservation_expired", key="41", values=values)
    client.force_login(driver.user)
    page = client.get(reverse("portal-account")).content.decode()
    assert "Your reservation at Marktplatz, CP-1 has expired" in page
    exported = client.get(reverse("portal-export")).json()["notifications"]
    assert [(n["kind"], n["subject"]) for n in exported] == [
        ("reservation_expired", "Your reservation at Marktplatz, CP-1 has expired")
    ]
