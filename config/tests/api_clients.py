"""Fixtures for the API tests in each app, loaded as a pytest plugin (pyproject addopts):
API clients signed in as each role. Every client fixture gives the test a private cache,
so throttling counts start at zero."""

import pytest

# Models and factories are imported inside the fixtures: plugins load before Django's apps.


@pytest.fixture
def private_throttle_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}}
    from django.core.cache import cache

    cache.clear()


def api_key_for(user) -> str:
    """A fresh API token's key for `user` (what a client sends as `Authorization: Token <key>`)."""
    from config.api.tokens import api_token_create

    return api_token_create(user=user)[1]


def client_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {api_key_for(user)}")
    return client


@pytest.fixture
def anonymous_client(private_throttle_cache):
    return client_for(None)


@pytest.fixture
def staff_user():
    from drivers.tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.fixture
def staff_client(private_throttle_cache, staff_user):
    return client_for(staff_user)


@pytest.fixture
def driver():
    from drivers.tests.factories import DriverFactory

    return DriverFactory()


@pytest.fixture
def driver_client(private_throttle_cache, driver):
    return client_for(driver.user)


@pytest.fixture
def other_driver():
    from drivers.tests.factories import DriverFactory

    return DriverFactory()


@pytest.fixture
def other_driver_client(private_throttle_cache, other_driver):
    return client_for(other_driver.user)


@pytest.fixture
def owner_organisation():
    from stations.tests.factories import OrganisationFactory

    return OrganisationFactory(name="Owner Org", is_owner=True, is_operator=False, is_emsp=False)


@pytest.fixture
def owner_user(owner_organisation):
    from drivers.tests.factories import UserFactory
    from stations.models import OrganisationMember

    user = UserFactory()
    OrganisationMember.objects.create(organisation=owner_organisation, user=user)
    return user


@pytest.fixture
def owner_client(private_throttle_cache, owner_user):
    return client_for(owner_user)
