import pytest
from django.core.exceptions import ValidationError

from drivers.models import Token
from drivers.services import accounts, tokens, vehicles
from drivers.tests.factories import DriverFactory, TokenFactory

pytestmark = pytest.mark.django_db


def test_driver_account_is_a_login_with_a_profile():
    driver = accounts.driver_create(email="Ada@Example.com", password="correct horse battery", first_name="Ada")
    assert driver.user.username == "ada@example.com"
    assert driver.user.check_password("correct horse battery")
    assert str(driver) == "Ada"


def test_second_account_with_the_same_email_is_refused_whatever_the_case():
    accounts.driver_create(email="ada@example.com", password=None)
    with pytest.raises(ValidationError) as error:
        accounts.driver_create(email="ADA@example.com", password=None)
    assert "email" in error.value.message_dict


@pytest.mark.parametrize("uid", ["", "x" * 21, "has space", "semi;colon"])
def test_token_uid_must_fit_an_ocpp_id_tag(uid):
    with pytest.raises(ValidationError) as error:
        tokens.token_create(uid=uid, driver=DriverFactory())
    assert "uid" in error.value.message_dict


def test_app_token_gets_a_fresh_uid_that_fits_an_id_tag():
    token = tokens.token_create(driver=DriverFactory(), kind=Token.Kind.APP)
    assert token.uid.startswith("APP")
    assert len(token.uid) <= 20


def test_blocking_a_token_is_immediate_and_idempotent():
    token = TokenFactory()
    tokens.token_block(token=token)
    first_blocked_at = token.blocked_at
    tokens.token_block(token=token)
    token.refresh_from_db()
    assert token.status == Token.Status.BLOCKED
    assert token.blocked_at == first_blocked_at


def test_vehicle_battery_size_is_validated():
    with pytest.raises(ValidationError) as error:
        vehicles.vehicle_add(driver=DriverFactory(), make="Tesla", model="Model Y", battery_kwh=0)
    assert "battery_kwh" in error.value.message_dict
