"""What the scenarios share: the private servers, Django pointed at them, chargers that
keep calling (and reconnecting, as real ones do), commands with countable deliveries."""

import asyncio
import json
import logging
import os
import sys
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

from ocpp.exceptions import OCPPError

from config import fault_servers

FIGURES_PREFIX = "FIGURES "


class Servers:
    """A private PostgreSQL (database `evcms`, migrated) and Redis, with Django set up
    against them in this process."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.postgres = fault_servers.PrivatePostgres()
        self.redis = fault_servers.PrivateRedis()

    def __enter__(self) -> "Servers":
        self.postgres.start()
        self.postgres.create_database("evcms")
        self.redis.start()
        os.environ.update(
            DATABASE_URL=self.postgres.url("evcms", application_name="evcms-fault-runner"),
            REDIS_URL=self.redis.url(),
            # The runner itself: plain connections, so its checks see the database as is.
            DB_POOL_MAX_SIZE="0",
            DB_CONN_MAX_AGE="0",
            DJANGO_SECRET_KEY="fault-injection-only-" + "x" * 40,
            ALLOWED_HOSTS="*",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_MANIFEST="false",
            CHANNELS_PREFIX="evcms-faults",
            CELERY_QUEUE="evcms-faults",
            VAR_DIR=str(self.log_dir / "var"),
            MEDIA_ROOT=str(self.log_dir / "media"),
            LOG_LEVEL="INFO",
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django
        from django.core.management import call_command

        django.setup()
        logging.getLogger("ocpp").setLevel(logging.WARNING)
        call_command("migrate", verbosity=0)
        return self

    def __exit__(self, *exc) -> None:
        from django.db import connections

        connections.close_all()
        self.redis.destroy()
        self.postgres.destroy()


def web_env(**extra: str) -> dict[str, str]:
    """A production web process: the psycopg pool on, as deployed."""
    return {"DB_POOL_MAX_SIZE": "10", "OCPP_OUTBOX_POLL_SECONDS": "2", "OCPP_CALL_TIMEOUT": "5", **extra}


def start_worker(log_path: Path, **extra: str):
    """A production-like Celery worker (prefork, two processes) in its own session, so
    that `kill_group` takes it down whole, as a lost host or container would."""
    import subprocess

    from config import live_servers

    env = live_servers.server_env(application_name=live_servers.new_application_name("fault-worker"))
    env.update({"DB_POOL_MAX_SIZE": "4", "REMAP_SIGTERM": "SIGQUIT", **extra})
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency", "2", "--loglevel", "INFO"]
    command += ["--queues", "evcms-faults", "--without-gossip", "--without-mingle"]
    log = log_path.open("ab")
    process = subprocess.Popen(
        command, cwd=live_servers.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while "ready." not in log_path.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start:\n{log_tail(log_path)}")
        time.sleep(0.2)
    return process


def kill_group(process) -> None:
    import signal

    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def http_status(url: str, timeout: float = 5) -> int | None:
    try:
        with urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback URL
            return response.status
    except HTTPError as error:
        return error.code
    except OSError:
        return None


def emit(scenario: str, figures: dict) -> None:
    print(FIGURES_PREFIX + json.dumps({"scenario": scenario, **figures}, default=str), flush=True)


@dataclass
class CallRecord:
    sent_at: float
    answered: bool
    seconds: float
    error: str = ""
    message_id: str = ""


@dataclass
class FleetCharger:
    """A charger that boots, sends a Heartbeat (or, with `storing`, a StatusNotification:
    a CALL whose answer acknowledges a write) every `interval` seconds and, when its socket
    is closed, reconnects after a second, as field chargers do."""

    base_url: str
    identity: str
    deliveries: Counter
    interval: float = 1.0
    storing: bool = False
    calls: list[CallRecord] = field(default_factory=list)
    drops: int = 0
    drop_times: list[float] = field(default_factory=list)
    connects: int = 0
    task: asyncio.Task | None = None
    wanted: bool = True

    def start(self) -> None:
        self.wanted = True
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        self.wanted = False
        if self.task is not None:
            self.task.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await self.task
        self.task = None

    def answered_between(self, start: float, end: float) -> tuple[int, int]:
        window = [c for c in self.calls if start <= c.sent_at < end]
        return sum(c.answered for c in window), len(window)

    async def _run(self) -> None:
        from ocpp.v16 import call

        from ocpp_gateway.tests.charger import connected

        deliveries = self.deliveries

        while self.wanted:
            try:
                async with connected(self.base_url, self.identity, charger_class=_counting(deliveries)) as charger:
                    self.connects += 1
                    await self._call(charger, call.BootNotification(charge_point_vendor="F", charge_point_model="F"))
                    while self.wanted:
                        await self._call(charger, self._probe(call))
                        if charger._connection.state.name != "OPEN":
                            raise ConnectionError("socket closed")
                        await asyncio.sleep(self.interval)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: S110 - a dropped or refused socket: count it and reconnect
                pass
            self.drops += 1
            self.drop_times.append(time.monotonic())
            await asyncio.sleep(1)

    def _probe(self, call):
        if self.storing:
            return call.StatusNotification(connector_id=1, error_code="NoError", status="Available")
        return call.Heartbeat()

    async def _call(self, charger, payload) -> None:
        started = time.monotonic()
        message_id = str(uuid.uuid4())

        def record(answered: bool, error: str = "") -> None:
            self.calls.append(CallRecord(started, answered, time.monotonic() - started, error, message_id))

        try:
            result = await asyncio.wait_for(charger.call(payload, suppress=False, unique_id=message_id), 10)
            record(result is not None)
        except TimeoutError as error:
            record(False, "Timeout")
            raise ConnectionError("no answer") from error
        except OCPPError as error:
            # A CALLERROR: answered, though not with a result; the charger retries later.
            record(False, type(error).__name__)
        except Exception as error:
            record(False, type(error).__name__)
            raise


def _counting(deliveries: Counter):
    from ocpp.routing import on
    from ocpp.v16 import call_result
    from ocpp.v16.enums import Action

    from ocpp_gateway.tests.charger import SimulatedCharger

    class CountingCharger(SimulatedCharger):
        @on(Action.data_transfer)
        def on_data_transfer(self, **payload):
            deliveries[(self.id, payload.get("message_id"))] += 1
            return call_result.DataTransfer(status="Accepted")

    return CountingCharger


def stations_create(count: int, prefix: str) -> list:
    from stations.models import ChargingStation, RegistrationStatus
    from stations.tests.factories import ConnectorFactory

    identities = [f"{prefix}-{n}" for n in range(count)]
    for identity in identities:
        ConnectorFactory(station__identity=identity)
    ChargingStation.objects.filter(identity__in=identities).update(registration_status=RegistrationStatus.ACCEPTED)
    return list(ChargingStation.objects.filter(identity__in=identities).order_by("identity"))


QUEUE_ERRORS: Counter = Counter()


def command_queue(station, label: str) -> None:
    """A DataTransfer whose messageId is `label`, so that each delivery can be counted.
    An exception from queueing (after the row committed, as from a failed wake-up) is
    counted in QUEUE_ERRORS: the caller (an API request, a task) would have failed."""
    from stations.services.commands import command_request

    try:
        command_request(
            station=station, action="data_transfer", parameters={"vendor_id": "faults", "message_id": label}
        )
    except Exception:
        QUEUE_ERRORS["errors"] += 1


def commands_outcome(deliveries: Counter, stations: list) -> dict:
    """Every DataTransfer command of the scenario's stations: delivered exactly once and
    accepted, or lost."""
    from stations.models import CommandRequest as Command

    rows = list(
        Command.objects.filter(action="data_transfer", station__in=stations).select_related("station").order_by("pk")
    )
    statuses = Counter(row.status for row in rows)
    delivered_once = duplicated = lost = 0
    for row in rows:
        received = deliveries[(row.station.identity, row.parameters["message_id"])]
        duplicated += received > 1
        if row.status == Command.Status.EXPIRED and received == 0:
            continue
        if received == 1 and row.status == Command.Status.ACCEPTED:
            delivered_once += 1
        else:
            lost += 1
    return {
        "commands_queued": len(rows),
        "queue_calls_failed": QUEUE_ERRORS["errors"],
        "commands_delivered_once": delivered_once,
        "commands_lost": lost,
        "commands_duplicated": duplicated,
        "command_statuses": dict(statuses),
    }


async def until(predicate, timeout: float, interval: float = 0.1):
    """Poll `predicate` (sync, run in a thread) until truthy; returns (value, seconds) or (None, timeout)."""
    from ocpp_gateway.tests.charger import in_db

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with suppress(Exception):
            value = await in_db(predicate)()
            if value:
                return value, time.monotonic() - started
        await asyncio.sleep(interval)
    return None, timeout


def log_tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def fail(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def all_answered_since(fleet: dict, since: float, timeout: float) -> float:
    """Seconds until every charger of `fleet` had a call answered after `since` (monotonic)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if all(any(c.answered and c.sent_at >= since for c in charger.calls) for charger in fleet.values()):
            return time.monotonic() - max(since, started)
        await asyncio.sleep(0.1)
    return timeout


def all_final() -> bool:
    """No command is pending or awaiting its answer."""
    from stations.models import CommandRequest as Command

    return not Command.objects.filter(status__in=[Command.Status.PENDING, Command.Status.SENT]).exists()


def connected_count(pks: list[int]) -> int:
    from stations.models import ChargingStation

    return ChargingStation.objects.filter(pk__in=pks, is_connected=True).count()


def wait_exit(process, timeout: float) -> bool:
    """Whether `process` exited within `timeout` seconds."""
    try:
        process.wait(timeout=timeout)
    except Exception:
        return False
    return True
