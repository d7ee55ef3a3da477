"""Suite-wide fixtures. Markers `postgres` and `redis` skip, with the reason printed,
where those servers are not configured; `.ci/run` fails the build if any such skip
happens there."""

import time

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation


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


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through the test client leaves
    the language LocaleMiddleware chose active in this thread, so one test's German page
    would otherwise write the next test's words in German."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(django_db_setup, django_db_blocker):
    """At the end of the run (before the test database is dropped), end connections that
    threads of this process (sync_to_async) left open on it."""
    yield
    from config import live_servers

    with django_db_blocker.unblock():
        live_servers.end_database_sessions(application_name=None)


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real uvicorn serving config.asgi on loopback, in production mode against the
    test database and Redis. Tests using it need `@pytest.mark.django_db(transaction=True)`
    so that the server sees their data. Yields the base URL, e.g. http://127.0.0.1:PORT."""
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    log_path = tmp_path_factory.mktemp("asgi") / "uvicorn.log"
    process = live_servers.start_uvicorn(port=port, log_path=log_path)
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real Celery worker consuming this test run's queue from Redis, writing to the
    test database. Tests using it need `@pytest.mark.django_db(transaction=True)`."""
    from config import live_servers

    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    log_path = tmp_path_factory.mktemp("celery") / "worker.log"
    process = live_servers.start_celery_worker(log_path=log_path)
    yield process
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture(autouse=True)
def _server_settles_before_flush(request):
    """Integration tests end when the test has seen what it waited for, but the server may
    still be finishing (disconnect bookkeeping, signal receivers, the message log writer's
    batches, a load management round). Truncating tables under it can deadlock, so wait
    (bounded) until no other session of the test database has been busy for a short while.
    Torn down before the database flush."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or (
        "transactional_db" in request.fixturenames
    )
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if "integration" not in request.keywords or not transactional or not on_postgres:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
    )
    quiet_checks = 0
    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while quiet_checks < 5 and time.monotonic() < deadline:
            cursor.execute(busy)
            quiet_checks = quiet_checks + 1 if cursor.fetchone()[0] == 0 else 0
            time.sleep(0.05)
