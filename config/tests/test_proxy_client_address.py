"""Behind the README's nginx example, the login throttle sees each real client: the
Procfile's uvicorn (--proxy-headers, --forwarded-allow-ips) takes the client address from
X-Forwarded-For when the request comes from a trusted proxy, and ignores that header from
any other peer. The proxy's headers are read from the README's nginx block itself."""

import http.client
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from axes.models import AccessAttempt
from django.conf import settings

from config import live_servers
from drivers.tests.factories import DRIVER_PASSWORD, DriverFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
PROXY = "127.0.0.1"  # in FORWARDED_ALLOW_IPS
STRANGER = "127.0.0.2"  # any other peer talking to uvicorn directly
HOST = "charge.example.test"


def nginx_headers(*, client_address: str) -> dict[str, str]:
    """The request headers the README's nginx location adds for a client's plain request."""
    block = re.search(r"```nginx\n(.*?)```", (BASE_DIR / "README.md").read_text(), re.S).group(1)
    values = {"$host": HOST, "$scheme": "https", "$proxy_add_x_forwarded_for": client_address}
    headers = {}
    for name, value in re.findall(r"proxy_set_header\s+(\S+)\s+(\S+);", block):
        if name.lower() in ("upgrade", "connection"):  # hop-by-hop, for WebSocket upgrades only
            continue
        headers[name] = values[value]
    return headers


@pytest.fixture
def procfile_web(tmp_path, django_db_blocker):
    """The Procfile's web command, trusting only PROXY."""
    port = live_servers.free_port()
    extra_env = {"WEB_CONCURRENCY": "1", "FORWARDED_ALLOW_IPS": PROXY}
    process = live_servers.start_procfile_web(port=port, log_path=tmp_path / "uvicorn.log", extra_env=extra_env)
    yield port
    with django_db_blocker.unblock():
        live_servers.stop(process)


def _login(port: int, *, peer: str, headers: dict[str, str], username: str, password: str) -> int:
    """POST the portal login form from `peer`; returns the status code."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(peer, 0))
    try:
        connection.request("GET", "/account/login/", headers=headers)
        response = connection.getresponse()
        response.read()
        csrf = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie")).group(1)
        body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
        connection.request(
            "POST",
            "/account/login/",
            body=body,
            headers={
                **headers,
                "Cookie": f"csrftoken={csrf}",
                "Origin": f"https://{HOST}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_real_client_address_reaches_the_login_throttle_only_through_a_trusted_proxy(procfile_web):
    driver = DriverFactory()
    username = driver.user.username
    attacker, driver_at_home, forged = "198.51.100.66", "203.0.113.10", "192.0.2.99"

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(
            procfile_web, peer=PROXY, headers=nginx_headers(client_address=attacker), username=username, password="x"
        )
    locked = _login(
        procfile_web,
        peer=PROXY,
        headers=nginx_headers(client_address=attacker),
        username=username,
        password=DRIVER_PASSWORD,
    )
    through_proxy = _login(
        procfile_web,
        peer=PROXY,
        headers=nginx_headers(client_address=driver_at_home),
        username=username,
        password=DRIVER_PASSWORD,
    )
    _login(procfile_web, peer=STRANGER, headers=nginx_headers(client_address=forged), username=username, password="x")

    assert (locked, through_proxy) == (429, 302)
    counted_addresses = set(AccessAttempt.objects.filter(username=username).values_list("ip_address", flat=True))
    assert counted_addresses == {attacker, STRANGER}
