"""Suite-wide fixtures. Markers `postgres` and `redis` skip, with the reason printed,
where those servers are not configured; `.ci/run` fails the build if any such skip
happens there."""

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    database_is_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    redis_configured = bool(settings.REDIS_URL)
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (and REDIS_URL) to run it")
    skip_redis = pytest.mark.skip(reason="needs Redis: set REDIS_URL (and DATABASE_URL) to run it")
    for item in items:
        if "postgres" in item.keywords and not database_is_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not redis_configured:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
