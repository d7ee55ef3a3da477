"""Probes for the load balancer and the orchestrator.

`/healthz` is liveness: the process answers (and reaches its database). `/readyz` is
readiness: each dependency checked on its own and reported, 503 when any is down, so that
an operator sees which one (docs/reliability.md)."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """Liveness for the load balancer: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Readiness: {"status": "ok"|"unavailable", "checks": {name: {"ok", "ms", "error"?}}}."""
    checks = {"database": _check(_database)}
    if settings.REDIS_URL:
        checks["redis"] = _check(_redis)
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _check(probe) -> dict:
    started = time.monotonic()
    try:
        probe()
    except Exception as error:
        result = {"ok": False, "error": type(error).__name__}
    else:
        result = {"ok": True}
    result["ms"] = round((time.monotonic() - started) * 1000, 1)
    return result


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _redis() -> None:
    """The Redis behind the channel layer, the Celery broker and the cache (one URL)."""
    client = settings.REDIS_TARGET.client(socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
