"""drivers.selectors.tokens.token_authorization (contract 4), as Authorize/StartTransaction use it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from drivers.models import Driver, Token
from drivers.selectors.tokens import token_authorization
from drivers.tests.factories import TokenFactory
from stations.tests.factories import ChargingSessionFactory

pytestmark = pytest.mark.django_db


def test_valid_token_is_accepted_with_expiry_and_parent():
    expiry = timezone.now() + timedelta(days=30)
    token = TokenFactory(expires_at=expiry, parent_id_tag="FLEET1")
    result = token_authorization(id_tag=token.uid)
    assert (result.status, result.token, result.driver) == ("Accepted", token, token.driver)
    assert (result.expiry_date, result.parent_id_tag) == (expiry, "FLEET1")


def test_id_tag_matches_case_insensitively():
    token = TokenFactory(uid="AbCd1234")
    assert token_authorization(id_tag="abcd1234").token == token


def test_unknown_tag_is_invalid():
    assert token_authorization(id_tag="NOPE").status == "Invalid"


def test_blocked_and_expired_tokens():
    blocked = TokenFactory(status=Token.Status.BLOCKED)
    lapsed = TokenFactory(expires_at=timezone.now() - timedelta(seconds=1))
    flagged_expired = TokenFactory(status=Token.Status.EXPIRED)
    assert token_authorization(id_tag=blocked.uid).status == "Blocked"
    assert token_authorization(id_tag=lapsed.uid).status == "Expired"
    assert token_authorization(id_tag=flagged_expired.uid).status == "Expired"


def test_suspended_driver_and_overdue_payment_block():
    suspended = TokenFactory(driver__account_status=Driver.AccountStatus.SUSPENDED)
    overdue = TokenFactory(driver__account_status=Driver.AccountStatus.OVERDUE)
    assert token_authorization(id_tag=suspended.uid).status == "Blocked"
    result = token_authorization(id_tag=overdue.uid)
    assert result.status == "Blocked"
    assert result.reason


def test_token_with_session_in_progress_is_concurrent_tx():
    token = TokenFactory()
    ChargingSessionFactory(token=token, id_tag=token.uid)
    assert token_authorization(id_tag=token.uid).status == "ConcurrentTx"
