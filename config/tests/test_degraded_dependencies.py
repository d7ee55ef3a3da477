"""What the web process does with a dependency down, short of the fault-injection runs:
the cache degrades to a miss, readiness names the dependency that is down."""

import time

import pytest
from django.test import Client

from config import live_servers
from config.cache import DegradingRedisCache
from config.redis_connection import RedisTarget


def _unreachable_redis_url() -> str:
    return f"redis://127.0.0.1:{live_servers.free_port()}/0"


def test_cache_with_redis_down_misses_and_drops_writes_without_raising():
    cache = DegradingRedisCache(_unreachable_redis_url(), {"OPTIONS": {"socket_connect_timeout": 1}})
    started = time.monotonic()
    cache.set("key", "value")
    assert cache.get("key", "fallback") == "fallback"
    assert cache.add("counter", 1) is False
    assert cache.incr("counter") == 1
    assert cache.get_many(["a", "b"]) == {}
    assert time.monotonic() - started < 2


@pytest.mark.django_db
def test_readyz_reports_each_dependency_and_answers_503_when_redis_is_down(settings):
    settings.REDIS_URL = _unreachable_redis_url()
    settings.REDIS_TARGET = RedisTarget(url=settings.REDIS_URL)
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"] == {"ok": False, "error": "ConnectionError", "ms": checks["redis"]["ms"]}


@pytest.mark.django_db
@pytest.mark.redis
def test_readyz_is_ok_when_every_dependency_answers():
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert all(check["ok"] for check in response.json()["checks"].values())
