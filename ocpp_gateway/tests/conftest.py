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
