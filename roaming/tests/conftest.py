import pytest
from django.conf import settings

from config import live_servers


@pytest.fixture(scope="module")
def ocpi_server(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real uvicorn that knows its own address as OCPI_PUBLIC_URL (its versions and
    endpoint URLs must point at itself). Yields the base URL."""
    if not settings.REDIS_URL or not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        pytest.skip("needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    port = live_servers.free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("ocpi") / "uvicorn.log"
    process = live_servers.start_uvicorn(port=port, log_path=log_path, extra_env={"OCPI_PUBLIC_URL": url})
    yield url
    with django_db_blocker.unblock():
        live_servers.stop(process)
