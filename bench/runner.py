"""Process orchestration: servers and load generators pinned to their own cores with
taskset, their CPU and memory sampled with psutil exactly over each measurement window."""

import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.request import urlopen

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
SERVER_CORE = os.environ.get("BENCH_SERVER_CORE", "0")
GENERATOR_CORE = os.environ.get("BENCH_GENERATOR_CORE", "1")
HOST = "127.0.0.1"  # loopback only, always


def raise_file_limit() -> int:
    """Lift the soft open-files limit to the hard one (children inherit it); returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def cpu_of(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def rss_of(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def service_cpu_by_pid(names=("postgres", "redis-server")) -> dict[str, dict[int, float]]:
    """CPU seconds so far of every PostgreSQL and Redis process, by name and pid."""
    found: dict[str, dict[int, float]] = {name: {} for name in names}
    for process in psutil.process_iter(["name", "cpu_times"]):
        name, times = process.info["name"], process.info["cpu_times"]
        if name in found and times is not None:
            found[name][process.pid] = times.user + times.system
    return found


def service_cpu_delta(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds each service spent between two readings. Backends come and go: one
    that ended in between is lost (a small undercount), one that started counts whole."""
    return {
        name: sum(seconds - before.get(name, {}).get(pid, 0.0) for pid, seconds in pids.items())
        for name, pids in after.items()
    }


class Server:
    """A server subprocess pinned to SERVER_CORE; its whole process tree is measured."""

    def __init__(self, *, name: str, command: list[str], port: int, env: dict | None = None, health_path=None) -> None:
        self.name = name
        self.command = command
        self.port = port
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.health_path = health_path
        self.log_path = Path(tempfile.gettempdir()) / f"bench-{name}-{port}.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "Server":
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            ["taskset", "-c", SERVER_CORE, *self.command],
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        if not self.port:  # a worker with no port: alive after a moment is ready enough
            time.sleep(3)
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_path.read_text()[-3000:]}")
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if self.health_path:
                    with urlopen(f"http://{HOST}:{self.port}{self.health_path}", timeout=2) as response:
                        if response.status == 200:
                            return
                else:
                    with socket.create_connection((HOST, self.port), timeout=1):
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not come up on port {self.port}:\n{self.log_path.read_text()[-3000:]}")

    def processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def kill(self) -> None:
        """SIGKILL the whole tree at once: the crash S4 simulates."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()

    def __enter__(self) -> "Server":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class Sampler:
    """Server CPU (fraction of one core) and RSS (end and peak) over a window, plus the
    CPU that PostgreSQL and Redis spent in it."""

    def __init__(self, server: Server, generator_pid: int) -> None:
        self.server = server
        self.generator = psutil.Process(generator_pid)
        self.peak_rss = 0
        self._stop = threading.Event()

    def begin(self) -> None:
        self.started = time.monotonic()
        self.processes = self.server.processes()
        self.cpu = cpu_of(self.processes)
        self.generator_cpu = cpu_of([self.generator])
        self.service_cpu = service_cpu_by_pid()
        self.peak_rss = rss_of(self.processes)
        self._stop.clear()
        threading.Thread(target=self._poll, daemon=True).start()

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            self.peak_rss = max(self.peak_rss, rss_of(self.processes))

    def end(self) -> dict:
        self._stop.set()
        elapsed = time.monotonic() - self.started
        rss = rss_of(self.processes)
        return {
            "server_cpu": (cpu_of(self.processes) - self.cpu) / elapsed,
            "server_rss_mib": rss / 2**20,
            "server_peak_rss_mib": max(self.peak_rss, rss) / 2**20,
            "server_processes": len(self.processes),
            "generator_cpu_psutil": (cpu_of([self.generator]) - self.generator_cpu) / elapsed,
            **{
                f"{name.split('-')[0]}_cpu": seconds / elapsed
                for name, seconds in service_cpu_delta(self.service_cpu, service_cpu_by_pid()).items()
            },
        }


def run_generator(spec: dict, *, server: Server, on_event=None, time_limit: float = 900) -> dict:
    """Run one load generator process pinned to GENERATOR_CORE; return its windows
    ({label: result with server figures}) and other events."""
    spec = {"host": HOST, "port": server.port, "time_limit": time_limit, **spec}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as spec_file:
        json.dump(spec, spec_file)
    process = subprocess.Popen(
        ["taskset", "-c", GENERATOR_CORE, sys.executable, "-m", "bench.loadgen", spec_file.name],
        cwd=BASE_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    timer = threading.Timer(time_limit + 30, process.kill)
    timer.start()
    sampler = Sampler(server, process.pid)
    outcome = {"windows": {}, "events": []}
    try:
        for line in process.stdout:
            event = json.loads(line)
            name = event.pop("event")
            if name == "measure_start":
                sampler.begin()
            elif name == "measure_end":
                outcome["windows"][event["label"]] = {**event["result"], **sampler.end()}
            else:
                outcome["events"].append({name: event})
            if on_event is not None:
                on_event(name, event)
            if name == "storm_ready":
                # The hook has killed and restarted the server: the storm's window measures
                # the new process tree from the moment it answers until the fleet is back.
                sampler.begin()
    finally:
        timer.cancel()
        process.wait(timeout=30)
        os.unlink(spec_file.name)
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed: {outcome['events'][-3:]}")
    return outcome


def django_command(*args: str, env: dict, timeout: float = 600) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout
