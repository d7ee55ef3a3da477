import pytest

from billing.selectors import payment_block_reason
from drivers.models import Driver
from drivers.tests.factories import DriverFactory

pytestmark = pytest.mark.django_db


def test_active_driver_is_not_blocked():
    assert payment_block_reason(driver=DriverFactory()) is None


def test_overdue_driver_is_blocked_with_a_reason():
    driver = DriverFactory(account_status=Driver.AccountStatus.OVERDUE)
    reason = payment_block_reason(driver=driver)
    assert reason is not None
    assert "overdue" in reason.lower()


def test_no_driver_means_no_payment_block():
    assert payment_block_reason(driver=None) is None
