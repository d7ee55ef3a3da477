"""Login throttling, the same for the portal and the admin: failures count per (account,
client address) pair, so a stranger who knows a driver's e-mail locks out only themselves,
and a completed password reset lifts every lockout of the account."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.test import Client
from django.urls import reverse

from drivers.tests.factories import DRIVER_PASSWORD, DriverFactory, UserFactory

pytestmark = pytest.mark.django_db

ATTACKER = "198.51.100.66"
DRIVERS_HOME = "203.0.113.10"


def _fail_until_locked(client: Client, url: str, username: str, settings) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(url, {"username": username, "password": "wrong-guess"})


def test_admin_login_is_refused_after_repeated_failures_even_with_the_right_password(settings):
    staff = UserFactory(username="ops-lead", is_staff=True, is_superuser=True)
    client = Client(REMOTE_ADDR=ATTACKER)
    _fail_until_locked(client, "/admin/login/", "ops-lead", settings)

    response = client.post("/admin/login/", {"username": "ops-lead", "password": DRIVER_PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        Client(REMOTE_ADDR=DRIVERS_HOME)
        .post("/admin/login/", {"username": staff.username, "password": DRIVER_PASSWORD})
        .status_code
        == 302
    )


def test_portal_login_is_refused_after_repeated_failures_even_with_the_right_password(settings):
    driver = DriverFactory()
    client = Client(REMOTE_ADDR=ATTACKER)
    _fail_until_locked(client, reverse("login"), driver.user.username, settings)

    locked = client.post(reverse("login"), {"username": driver.user.username, "password": DRIVER_PASSWORD})

    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert reverse("password_reset") in locked.content.decode()
    other = DriverFactory()
    assert (
        client.post(reverse("login"), {"username": other.user.username, "password": DRIVER_PASSWORD}).status_code == 302
    )


def test_someone_who_knows_a_drivers_email_cannot_lock_the_driver_out(settings):
    driver = DriverFactory()
    _fail_until_locked(Client(REMOTE_ADDR=ATTACKER), reverse("login"), f" {driver.user.username.upper()}", settings)

    response = Client(REMOTE_ADDR=DRIVERS_HOME).post(
        reverse("login"), {"username": driver.user.username, "password": DRIVER_PASSWORD}
    )

    assert response.status_code == 302
    assert AccessAttempt.objects.get(ip_address=ATTACKER).username == driver.user.username


def test_password_reset_link_unlocks_an_address_that_was_locked_out(settings):
    driver = DriverFactory()
    client = Client(REMOTE_ADDR=DRIVERS_HOME)  # e.g. the attacker shares the driver's NAT
    _fail_until_locked(client, reverse("login"), driver.user.username, settings)
    assert (
        client.post(reverse("login"), {"username": driver.user.username, "password": DRIVER_PASSWORD}).status_code
        == 429
    )

    client.post(reverse("password_reset"), {"email": driver.user.email})
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"})

    response = client.post(reverse("login"), {"username": driver.user.username, "password": "a-brand-new-secret-9"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=driver.user.username).exists()


def test_a_successful_login_clears_the_pairs_earlier_failures(settings):
    driver = DriverFactory()
    client = Client(REMOTE_ADDR=DRIVERS_HOME)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(reverse("login"), {"username": driver.user.username, "password": "typo"})
    assert (
        client.post(reverse("login"), {"username": driver.user.username, "password": DRIVER_PASSWORD}).status_code
        == 302
    )
    client.logout()

    client.post(reverse("login"), {"username": driver.user.username, "password": "typo"})

    assert (
        client.post(reverse("login"), {"username": driver.user.username, "password": DRIVER_PASSWORD}).status_code
        == 302
    )
