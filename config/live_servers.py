"""Real servers for integration tests: uvicorn serving config.asgi and a Celery worker,
each a subprocess on loopback pointed at the test database and the test run's Redis
namespace. Used through the fixtures in the root conftest.py.

Each server connects with its own PostgreSQL application_name, so that stopping one ends
only its own database sessions, never those of servers still in use."""

import itertools
import os
import shlex
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
_server_numbers = itertools.count(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def new_application_name(kind: str) -> str:
    return f"evcms-test-{kind}-{os.getpid()}-{next(_server_numbers)}"


def test_database_url(*, application_name: str = "evcms-test-server") -> str:
    """DATABASE_URL of the database the test process is using right now (test_<name>)."""
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}/{db['NAME']}?application_name={application_name}"


def server_env(*, application_name: str = "evcms-test-server", **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    # CONN_MAX_AGE=0: no pooled connection outlives the server, so the test database can be dropped.
    env.update(
        DATABASE_URL=test_database_url(application_name=application_name),
        REDIS_URL=settings.REDIS_URL,
        DB_CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)  # may point a server elsewhere (another Redis, a pooler in front of PostgreSQL)
    return env


def start_uvicorn(
    *,
    port: int,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
    extra_args: tuple[str, ...] = (),
    ssl_context: ssl.SSLContext | None = None,
) -> subprocess.Popen:
    """`extra_args` go to uvicorn (TLS options, --ws); with them, `ssl_context` is the
    client context that reaches /healthz over https."""
    command = [
        # uvicorn with the charger-socket drain on SIGTERM, as the Procfile runs it.
        *(sys.executable, "-m", "config.web_server", "config.asgi:application"),
        *("--host", "127.0.0.1", "--port", str(port), "--ws-ping-interval", "20", "--no-access-log"),
        # As the Procfile: on SIGTERM, in-flight requests get 5 s, then the process exits.
        *("--timeout-graceful-shutdown", "5"),
        *extra_args,
    ]
    process = _start(command, kind="uvicorn", log_path=log_path, extra_env=extra_env)
    scheme = "https" if ssl_context is not None else "http"
    wait_for_http(f"{scheme}://127.0.0.1:{port}/healthz", process=process, log_path=log_path, context=ssl_context)
    return process


def start_procfile_web(*, port: int, log_path: Path, extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    """The Procfile's own `web:` command (config.web_server, i.e. uvicorn, with --proxy-headers, --forwarded-allow-ips,
    WEB_CONCURRENCY workers), listening on 127.0.0.1:`port`, expanded by the shell as the
    process manager would."""
    line = next(ln for ln in (BASE_DIR / "Procfile").read_text().splitlines() if ln.startswith("web:"))
    command = line.removeprefix("web:").strip().replace("python ", f"{shlex.quote(sys.executable)} ", 1)
    application_name = new_application_name("procfile-web")
    env = server_env(application_name=application_name, HOST="127.0.0.1", PORT=str(port), **(extra_env or {}))
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S602 - the Procfile's line, run by a shell as honcho does
            f"exec {command}", shell=True, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    process.application_name = application_name
    # Each worker process loads the whole project: slower than one on a busy machine.
    wait_for_http(f"http://127.0.0.1:{port}/healthz", process=process, log_path=log_path, timeout=90)
    return process


def start_celery_worker(
    *, log_path: Path, extra_env: dict[str, str] | None = None, queue: str | None = None
) -> subprocess.Popen:
    """`queue`: another instance's queue (give the same CELERY_QUEUE in `extra_env`)."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "4"),
        *(
            "--queues",
            queue or settings.CELERY_TASK_DEFAULT_QUEUE,
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
        ),
    ]
    process = _start(command, kind="celery", log_path=log_path, extra_env=extra_env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"celery worker exited early:\n{log_path.read_text()[-3000:]}")
        if "ready." in log_path.read_text():
            return process
        time.sleep(0.2)
    raise RuntimeError(f"celery worker did not become ready:\n{log_path.read_text()[-3000:]}")


def _start(command: list[str], *, kind: str, log_path: Path, extra_env: dict[str, str] | None) -> subprocess.Popen:
    application_name = new_application_name(kind)
    env = server_env(application_name=application_name, **(extra_env or {}))
    log = log_path.open("ab")
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    process.application_name = application_name
    return process


def wait_for_http(
    url: str, *, process: subprocess.Popen, log_path: Path, timeout: float = 30, context: ssl.SSLContext | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urlopen(url, timeout=1, context=context) as response:  # noqa: S310 - loopback URL built above
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer {url}:\n{log_path.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    end_database_sessions(application_name=getattr(process, "application_name", "evcms-test-server"))


def end_database_sessions(*, application_name: str | None, timeout: float = 3) -> None:
    """Wait for a stopped server's database sessions (by application_name) to go, then end
    any that linger. With application_name=None: every other session on the test database,
    for the end of the run only, when no server may still be using it (threads of the test
    process itself, e.g. sync_to_async, leave connections Django never closes)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    params: list[str] = []
    if application_name is not None:
        others += " AND application_name = %s"
        params.append(application_name)
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(f"SELECT count(*) {others}", params)
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.1)
        # PostgreSQL ends a backend shortly after its client goes; dropping the test
        # database before then fails with "is being accessed by other users".
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}", params)
