"""Account flows in the portal: sign-up and e-mail verification, password reset, profile,
data export and closing the account (login throttling: test_login_throttle.py)."""

import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from drivers.models import Driver, Token
from drivers.services import accounts
from drivers.tests.factories import DRIVER_PASSWORD, DriverFactory, TokenFactory, VehicleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(settings, request):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": request.node.name}
    }


def _link_in_last_mail() -> str:
    return re.search(r"https?://\S+", mail.outbox[-1].body).group(0)


def test_sign_up_logs_in_and_mails_a_link_that_verifies_the_address(client):
    response = client.post(
        reverse("portal-signup"),
        {"email": "Ada@Example.com", "first_name": "Ada", "last_name": "L", "password": "steam-engine-1843"},
    )
    assert response.status_code == 302
    driver = Driver.objects.get(user__email="ada@example.com")
    assert driver.email_verified_at is None
    assert client.get(reverse("portal-account")).status_code == 200
    assert mail.outbox[-1].to == ["ada@example.com"]
    link = _link_in_last_mail()
    client.get(link)
    driver.refresh_from_db()
    first_verified_at = driver.email_verified_at
    assert first_verified_at is not None
    client.get(link)  # a second click changes nothing
    driver.refresh_from_db()
    assert driver.email_verified_at == first_verified_at


def test_sign_up_refuses_weak_passwords_and_taken_addresses(client):
    DriverFactory(user__username="taken@example.com")
    weak = client.post(reverse("portal-signup"), {"email": "new@example.com", "password": "12345678"})
    assert weak.status_code == 200 and weak.context["form"].errors["password"]
    taken = client.post(reverse("portal-signup"), {"email": "TAKEN@example.com", "password": "steam-engine-1843"})
    assert "already exists" in str(taken.context["form"].errors["email"])
    assert get_user_model().objects.filter(email="new@example.com").count() == 0


def test_tampered_or_foreign_verification_token_is_refused():
    driver = DriverFactory()
    token = accounts.email_verification_token(driver=driver)
    with pytest.raises(accounts.VerificationError):
        accounts.email_verify(token=token[:-2] + "xx")
    driver.user.email = "changed@example.com"
    driver.user.save()
    with pytest.raises(accounts.VerificationError):
        accounts.email_verify(token=token)


def test_password_reset_mails_a_link_that_sets_a_new_password(client):
    driver = DriverFactory()
    client.post(reverse("password_reset"), {"email": driver.user.email})
    form_url = client.get(_link_in_last_mail(), follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"})
    driver.user.refresh_from_db()
    assert driver.user.check_password("a-brand-new-secret-9")


def test_profile_edit_validates_and_saves(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    bad = client.post(reverse("portal-account"), {"country": "Germany", "preferred_language": "en"})
    assert bad.context["form"].errors["country"]
    client.post(
        reverse("portal-account"),
        {"first_name": "Grace", "city": "Berlin", "country": "de", "preferred_language": "en"},
    )
    driver.refresh_from_db()
    assert (driver.user.first_name, driver.city, driver.country) == ("Grace", "Berlin", "DE")


def test_a_business_driver_enters_company_and_vat_id_for_the_invoice_buyer(client):
    driver = DriverFactory()
    client.force_login(driver.user)
    bad = client.post(reverse("portal-account"), {"vat_number": "123456789", "preferred_language": "en"})
    assert bad.context["form"].errors["vat_number"]
    fields = {"company_name": "Grace Fleet GmbH", "vat_number": "de 123456789", "address": "Hauptstraße 1"}
    client.post(
        reverse("portal-account"), {**fields, "postal_code": "10115", "city": "Berlin", "preferred_language": "en"}
    )
    driver.refresh_from_db()
    assert (driver.company_name, driver.vat_number, driver.address) == (
        "Grace Fleet GmbH",
        "DE123456789",
        "Hauptstraße 1",
    )


def test_data_export_holds_only_the_drivers_own_data(client):
    driver = DriverFactory()
    TokenFactory(driver=driver, uid="MINE1")
    TokenFactory(uid="NOTMINE")
    VehicleFactory(driver=driver, make="Renault", model="Zoe")
    client.force_login(driver.user)
    response = client.get(reverse("portal-export"))
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert [t["uid"] for t in data["tokens"]] == ["MINE1"]
    assert data["vehicles"][0]["model"] == "Zoe"
    assert data["account"]["email"] == driver.user.email
    assert data["invoices"] == [] and data["payments"] == []


def test_closing_the_account_needs_the_password_then_erases_and_blocks(client):
    driver = DriverFactory(phone="+49 30 1234")
    token = TokenFactory(driver=driver)
    VehicleFactory(driver=driver)
    client.force_login(driver.user)
    refused = client.post(reverse("portal-account-close"), {"password": "wrong", "confirm": "on"})
    assert refused.context["form"].errors["password"]
    client.post(reverse("portal-account-close"), {"password": DRIVER_PASSWORD, "confirm": "on"})
    driver.refresh_from_db()
    token.refresh_from_db()
    assert driver.account_status == Driver.AccountStatus.CLOSED
    assert (driver.phone, driver.user.first_name, driver.user.is_active) == ("", "", False)
    assert driver.user.email.endswith("@invalid")
    assert token.status == Token.Status.BLOCKED
    assert not driver.vehicles.exists()
    assert client.get(reverse("portal-account")).status_code == 302  # logged out


def test_forms_refuse_a_post_without_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("portal-signup"), {"email": "x@example.com", "password": "steam-engine-1843"})
    assert response.status_code == 403
