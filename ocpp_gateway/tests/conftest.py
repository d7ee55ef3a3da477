import time

import pytest
from django.conf import settings

from config import live_servers


@pytest.fixture(scope="module")
def fast_timeout_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A second real server whose CALL response timeout is 1 s and outbox poll 1 s."""
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    process = live_servers.start_uvicorn(
        port=port,
        log_path=tmp_path_factory.mktemp("asgi-fast") / "uvicorn.log",
        extra_env={"OCPP_CALL_TIMEOUT": "1", "OCPP_OUTBOX_POLL_SECONDS": "1"},
    )
    yield f"http://127.0.0.1:{port}"
    with django_db_blocker.unblock():
        live_servers.stop(process)


@pytest.fixture(autouse=True)
def _server_settles_before_flush(request):
    """Integration tests end when the test has seen what it waited for, but the server may
    still be finishing (disconnect bookkeeping, signal receivers). Truncating tables under
    it can deadlock, so wait (bounded) until no other session of the test database has
    been busy for a short while. Torn down before the database flush."""
    if "integration" not in request.keywords:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

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
