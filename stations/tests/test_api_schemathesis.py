"""The whole /api/v1 against its own published schema, on a real server: schemathesis
generates requests from /api/schema/ as a driver and as staff; no response may be a 5xx
and every response must conform to the schema (status, content type, headers, body)."""

import subprocess
import sys
from pathlib import Path

import pytest

from config import live_servers
from config.tests.api_clients import api_key_for
from drivers.tests.factories import DriverFactory, TokenFactory, UserFactory, VehicleFactory
from stations.tests.factories import ChargingSessionFactory, ConnectorFactory

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
# Bounded so the run takes a few minutes in CI: few examples per operation, fixed seed.
MAX_EXAMPLES = 10
RUN_TIMEOUT_SECONDS = 600


@pytest.fixture
def api_server(tmp_path):
    # Throttling would only turn the generated requests into 429s; it has its own tests.
    process = None
    port = live_servers.free_port()
    try:
        process = live_servers.start_uvicorn(
            port=port,
            log_path=tmp_path / "uvicorn.log",
            extra_env={"API_THROTTLE_ANON": "100000/minute", "API_THROTTLE_USER": "100000/minute"},
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        if process is not None:
            live_servers.stop(process)


def _token_for(user) -> str:
    return api_key_for(user)


def _start_schemathesis(base_url: str, token: str, report_dir: Path) -> subprocess.Popen:
    executable = Path(sys.executable).with_name("schemathesis")
    command = [
        str(executable),
        "--no-color",
        "run",
        f"{base_url}/api/schema/",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20261124",
        # One worker per run: hypothesis parses lambda sources with `ast`, which is not
        # thread-safe on CPython 3.11; the two roles run as two processes instead.
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--phases",
        "examples,coverage,fuzzing",
        "--header",
        f"Authorization: Token {token}",
        "--report",
        "junit",
        "--report-dir",
        str(report_dir),
    ]
    report_dir.mkdir(parents=True, exist_ok=True)
    with (report_dir / "output.txt").open("w") as output:
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def test_api_conforms_to_its_schema_for_driver_and_staff(api_server, tmp_path):
    driver = DriverFactory()
    token = TokenFactory(driver=driver)
    VehicleFactory(driver=driver)
    ChargingSessionFactory(token=token, station=ConnectorFactory().station)
    staff = UserFactory(is_staff=True)

    runs = {
        role: _start_schemathesis(api_server, _token_for(user), tmp_path / role)
        for role, user in (("driver", driver.user), ("staff", staff))
    }
    try:
        for process in runs.values():
            process.wait(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        for process in runs.values():
            if process.poll() is None:
                process.kill()
    for role, process in runs.items():
        output = (tmp_path / role / "output.txt").read_text()
        server_log = (tmp_path / "uvicorn.log").read_text()[-6000:]
        assert process.returncode == 0, f"schemathesis as {role}:\n{output[-20000:]}\nserver log:\n{server_log}"
