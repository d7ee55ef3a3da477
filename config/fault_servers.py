"""Private PostgreSQL and Redis servers for the fault-injection tests (docs/reliability.md).

Each instance lives in its own temporary directory and listens on a free loopback port,
so a test can stop, kill and restart it without touching the shared servers on 5432 and
6379 that the rest of the suite (and other test runs) are using."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from config.live_servers import free_port

POSTGRES_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on this machine, or None."""
    found = sorted(Path("/").glob(POSTGRES_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name))
    if found and (found[-1] / "initdb").exists():
        return found[-1]
    for name in ("initdb", "pg_ctl"):
        if shutil.which(name) is None:
            return None
    return Path(shutil.which("initdb")).parent


def available() -> str | None:
    """Why private servers cannot be started here, or None when they can."""
    if postgres_bin() is None:
        return "needs PostgreSQL server binaries (initdb, pg_ctl)"
    if shutil.which("redis-server") is None:
        return "needs redis-server"
    return None


class PrivatePostgres:
    """initdb + pg_ctl into a temporary directory. PostgreSQL refuses to run as root, so
    when we are root the server runs as the `postgres` system user."""

    def __init__(self, *, replica_of: "PrivatePostgres | None" = None) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="evcms-fault-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.user = None
        if os.geteuid() == 0:
            self.user = "postgres"
            owner = pwd.getpwnam(self.user)
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        if replica_of is None:
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        else:
            # A streaming replica of a running primary (its initdb allows replication on loopback).
            primary = ("-h", "127.0.0.1", "-p", str(replica_of.port), "-U", "postgres")
            self._run("pg_basebackup", *primary, "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync")

    def url(self, database: str, **params: str) -> str:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}" + (f"?{query}" if query else "")

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended, as in a crash of the database host
        as far as clients can tell (their connections break)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def sql(self, database: str, statement: str) -> str:
        result = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database, "-At", "-c", statement],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return result.stdout.strip()

    def create_database(self, name: str) -> None:
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)

    def destroy(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop", check=False)
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str, check: bool = True) -> None:
        result = subprocess.run(
            [str(self.bin / program), *args],
            user=self.user,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stdout}{result.stderr}\n{log}")


class PrivateRedis:
    """A redis-server without persistence: a restart comes back empty, as the worst case
    of a failover (channel-layer groups and queued broker messages are gone)."""

    def __init__(self, *, replica_of: int | None = None) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="evcms-fault-redis-"))
        self.process: subprocess.Popen | None = None
        self.replica_of = replica_of

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--dir", str(self.root), "--logfile", str(self.root / "redis.log")),
        ]
        if self.replica_of is not None:
            command += ["--replicaof", "127.0.0.1", str(self.replica_of)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
            )
            if "PONG" in probe.stdout:
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
        self.process = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateHaproxy:
    """HAProxy (Debian's package) on a free loopback port in front of web processes, set up as
    docs/deployment.md recommends for chargers: least connections, a tunnel timeout longer
    than the chargers' ping interval, health checks on /healthz, and a retry on another
    process when one refuses (it is draining or gone)."""

    def __init__(self, backend_ports: list[int]) -> None:
        self.port = free_port()
        self.backend_ports = backend_ports
        self.root = Path(tempfile.mkdtemp(prefix="evcms-haproxy-"))
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        return None if shutil.which("haproxy") else "needs haproxy (Debian package haproxy)"

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> str:
        servers = "\n".join(
            f"    server web{number} 127.0.0.1:{port} check" for number, port in enumerate(self.backend_ports, 1)
        )
        return f"""global
    maxconn 4000
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    option redispatch
    retries 3
frontend chargers
    bind 127.0.0.1:{self.port}
    default_backend web
backend web
    balance leastconn
    option httpchk GET /healthz
    default-server inter 500ms fall 2 rise 2
{servers}
"""

    def start(self) -> None:
        path = self.root / "haproxy.cfg"
        path.write_text(self.config())
        log = (self.root / "haproxy.log").open("ab")
        self.process = subprocess.Popen(["haproxy", "-f", str(path), "-db"], stdout=log, stderr=subprocess.STDOUT)
        _wait_listening(self.process, self.port, "haproxy", self.root / "haproxy.log")

    def destroy(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


class SentinelRedis:
    """A Redis primary, one replica and three Sentinels watching them (quorum 2), on free
    loopback ports: what docs/deployment.md recommends for Redis high availability, with
    the failure detection shortened to a second so that a test sees a failover quickly."""

    MASTER_NAME = "evcms"

    def __init__(self) -> None:
        self.primary = PrivateRedis()
        self.replica = PrivateRedis(replica_of=self.primary.port)
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.root = Path(tempfile.mkdtemp(prefix="evcms-sentinel-"))
        self.sentinels: list[subprocess.Popen] = []

    def url(self, db: int = 0) -> str:
        """REDIS_URL with Sentinel: the host part is the master's name."""
        return f"redis://{self.MASTER_NAME}/{db}"

    def sentinels_env(self) -> str:
        """REDIS_SENTINELS."""
        return ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)

    def start(self) -> None:
        self.primary.start()
        self.replica.start()
        for number, port in enumerate(self.sentinel_ports):
            config = self.root / f"sentinel-{number}.conf"
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.root}\n"
                f"sentinel monitor {self.MASTER_NAME} 127.0.0.1 {self.primary.port} 2\n"
                f"sentinel down-after-milliseconds {self.MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {self.MASTER_NAME} 5000\n"
                f"sentinel parallel-syncs {self.MASTER_NAME} 1\n"
            )
            log = (self.root / f"sentinel-{number}.log").open("ab")
            self.sentinels.append(
                subprocess.Popen(["redis-server", str(config), "--sentinel"], stdout=log, stderr=subprocess.STDOUT)
            )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.master_port() == self.primary.port and self._replica_linked():
                return
            time.sleep(0.1)
        raise RuntimeError("Sentinels did not see the primary and its replica")

    def master_port(self) -> int | None:
        """The master's port as the first Sentinel that answers names it."""
        for port in self.sentinel_ports:
            probe = subprocess.run(
                ["redis-cli", "-p", str(port), "SENTINEL", "get-master-addr-by-name", self.MASTER_NAME],
                capture_output=True,
                text=True,
                check=False,
            )
            lines = probe.stdout.split()
            if probe.returncode == 0 and len(lines) == 2 and lines[1].isdigit():
                return int(lines[1])
        return None

    def _replica_linked(self) -> bool:
        probe = subprocess.run(
            ["redis-cli", "-p", str(self.replica.port), "INFO", "replication"],
            capture_output=True,
            text=True,
            check=False,
        )
        return "master_link_status:up" in probe.stdout

    def destroy(self) -> None:
        for process in self.sentinels:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
        self.primary.destroy()
        self.replica.destroy()
        shutil.rmtree(self.root, ignore_errors=True)


class PrivatePgbouncer:
    """PgBouncer (Debian's package) in transaction pooling mode in front of a private
    PostgreSQL, as docs/deployment.md recommends at scale. It refuses to run as root, so as
    root it runs as the `postgres` system user, like the private PostgreSQL."""

    def __init__(self, *, postgres_port: int, databases: list[str], pool_size: int = 10) -> None:
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="evcms-pgbouncer-"))
        self.user = None
        entries = "\n".join(f"{name} = host=127.0.0.1 port={postgres_port} dbname={name}" for name in databases)
        (self.root / "userlist.txt").write_text('"postgres" ""\n')
        (self.root / "pgbouncer.ini").write_text(
            f"[databases]\n{entries}\n\n[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmax_client_conn = 1000\n"
            "admin_users = postgres\nignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
        )
        if os.geteuid() == 0:
            self.user = "postgres"
            owner = pwd.getpwnam(self.user)
            for path in (self.root, *self.root.iterdir()):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        self.process: subprocess.Popen | None = None

    @staticmethod
    def available() -> str | None:
        found = shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()
        return None if found else "needs pgbouncer (Debian package pgbouncer)"

    def url(self, database: str, **params: str) -> str:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}" + (f"?{query}" if query else "")

    def start(self) -> None:
        program = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        self.process = subprocess.Popen(
            [program, str(self.root / "pgbouncer.ini")],
            user=self.user,
            cwd=self.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_listening(self.process, self.port, "pgbouncer", self.root / "pgbouncer.log")

    def show(self, what: str) -> str:
        """The admin console's SHOW `what` (e.g. CONFIG, POOLS), as text."""
        result = subprocess.run(
            [
                "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "pgbouncer",
                "-At",
                "-c",
                f"SHOW {what}",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
        return result.stdout

    def destroy(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


def _wait_listening(process: subprocess.Popen, port: int, name: str, log: Path, timeout: float = 10) -> None:
    """Until `process` accepts connections on loopback `port`; raises with its log if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited: {log.read_text()[-2000:] if log.exists() else ''}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"{name} on port {port} did not start")
