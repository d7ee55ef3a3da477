"""The two deployment modes the gateway is measured in, each on its own bench database:
embedded (SQLite under a bench VAR_DIR, in-process channel layer) and production
(PostgreSQL database evcms_bench, Redis db 8, the Procfile's ASGI server)."""

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench import runner
from config import bench_fleet

PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "evcms_bench")
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
EMBEDDED_VAR_DIR = Path(tempfile.gettempdir()) / "evcms-bench-var"
# uvicorn's WebSocket implementation; "websockets" is the legacy one (the 2026-11-24 S0–S4
# production run used it), "auto" what the Procfile gets.
UVICORN_WS = os.environ.get("BENCH_UVICORN_WS", "auto")
# The gateway scenarios' ASGI server: "uvicorn" (the Procfile's) or "granian" (measured
# against it for docs/asgi-server.md; it has no uvicorn options, the TLS scope hook or the drain).
ASGI_SERVER = os.environ.get("BENCH_ASGI_SERVER", "uvicorn")
# uvicorn's WebSocket keep-alive ping interval and timeout, as the Procfile sets them.
WS_PING_SECONDS = os.environ.get("BENCH_WS_PING_SECONDS", "20")
WS_PING_TIMEOUT_SECONDS = "20"
# uvicorn worker processes for the gateway scenarios; more than one only makes sense with
# BENCH_SERVER_CORE naming as many cores (e.g. "0,1"), the generator then sharing one.
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "1"))


@dataclass
class Mode:
    name: str
    env: dict = field(default_factory=dict)
    provisioned: int = 0

    def manage(self, *args: str, timeout: float = 600) -> str:
        return runner.django_command(*args, env=self.env, timeout=timeout)

    def reset(self) -> None:
        """A fresh, migrated bench database: results never depend on an earlier run."""
        if self.name == "embedded":
            subprocess.run(["rm", "-rf", str(EMBEDDED_VAR_DIR)], check=True)
        else:
            subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", PG_DATABASE])
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", PG_DATABASE], check=True)
            subprocess.run(["redis-cli", "-u", REDIS_URL, "FLUSHDB"], check=True, capture_output=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.provisioned = 0

    def provision(self, count: int) -> None:
        if count > self.provisioned:
            self.manage("provision_bench_stations", "--count", str(count), "--connectors", "2")
            # Planner statistics for the freshly bulk-loaded fleet, as autovacuum would gather
            # them in a running deployment (this machine's PostgreSQL runs without it).
            # Only these tables: statistics taken of a still-empty table (the ledger, say)
            # make the planner pick sequential scans that the cached foreign-key checks
            # then keep while the table grows to 100,000s of rows.
            tables = ["stations_organisation", "stations_site", "stations_chargingstation", "stations_connector"]
            statements = "; ".join(f"cursor.execute('ANALYZE {table}')" for table in tables)
            self.manage("shell", "-c", f"from django.db import connection; cursor = connection.cursor(); {statements}")
            self.provisioned = count

    def fleet(self, count: int) -> list[tuple[str, str]]:
        self.provision(count)
        return bench_fleet.fleet(count=count)

    def asgi_server(self, *, server: str = ASGI_SERVER, workers: int = WEB_WORKERS) -> runner.Server:
        port = runner.free_port()
        if server == "granian":
            command = [str(Path(sys.executable).parent / "granian"), "--interface", "asgi", "--host", runner.HOST]
            command += ["--port", str(port), "--loop", "uvloop", "--ws", "--workers", str(workers)]
            command += ["--no-access-log", "--log-level", "warning", "config.asgi:application"]
        elif server == "daphne":
            command = [sys.executable, "-m", "daphne", "-b", runner.HOST, "-p", str(port), "config.asgi:application"]
        else:
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--host",
                runner.HOST,
                "--port",
                str(port),
                # The Procfile's choices: auto picks uvloop, httptools and websockets-sansio.
                "--ws",
                UVICORN_WS,
                "--ws-ping-interval",
                WS_PING_SECONDS,
                "--ws-ping-timeout",
                WS_PING_TIMEOUT_SECONDS,
                "--no-access-log",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ]
        return runner.Server(
            name=f"{self.name}-{server}", command=command, port=port, env=self.env, health_path="/healthz"
        )

    def celery_worker(self) -> runner.Server | None:
        if self.name != "production":
            return None
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "threads", "--concurrency", "4"]
        command += [
            "--queues",
            self.env["CELERY_QUEUE"],
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ]
        return runner.Server(name="celery", command=command, port=0, env=self.env)


def embedded() -> Mode:
    # DEBUG off in both modes: Django's per-query debug log would be measured otherwise.
    return Mode(name="embedded", env={"VAR_DIR": str(EMBEDDED_VAR_DIR), "DJANGO_DEBUG": "false"})


def production() -> Mode:
    return Mode(
        name="production",
        env={
            "DATABASE_URL": PG_URL,
            "REDIS_URL": REDIS_URL,
            "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "CELERY_QUEUE": "bench",
            "CHANNELS_PREFIX": "evcms-bench",
            "LOG_LEVEL": "WARNING",
        },
    )


MODES = {"embedded": embedded, "production": production}
