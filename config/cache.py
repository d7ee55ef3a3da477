"""The production cache: Django's Redis cache, degrading to a miss while Redis is down.

What the cache holds here is derived or advisory (API throttle counters, login-failure
counters, cached schema): losing it for the length of an outage is safe, failing every
request for it is not (a Redis outage made every API call a 500, anonymous ones included).
While Redis is down, reads miss, writes are dropped and counters start from zero, i.e.
throttles and login limits fail open for that time (docs/reliability.md)."""

import logging
import time
from urllib.parse import unquote, urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError
from redis.sentinel import Sentinel, SentinelConnectionPool

logger = logging.getLogger(__name__)


class SentinelCacheClient(RedisCacheClient):
    """Django's Redis cache client on the master that Redis Sentinel names: the LOCATION's
    host is the master's name (config/redis_connection.py), OPTIONS carry the Sentinels."""

    def __init__(self, servers, *, sentinels, sentinel_kwargs=None, **options) -> None:
        super().__init__(servers, **options)
        self._sentinel = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs or {})

    def _get_connection_pool(self, write):
        if 0 not in self._pools:
            url = urlsplit(self._servers[0])
            self._pools[0] = SentinelConnectionPool(
                url.hostname,
                self._sentinel,
                db=int(url.path.strip("/") or 0),
                password=unquote(url.password) if url.password else None,
                **self._pool_options,
            )
        return self._pools[0]


class DegradingRedisCache(RedisCache):
    # After a failure, skip Redis for this long instead of paying a connect per call.
    retry_after_seconds = 1.0

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        if "sentinels" in self._options:
            self._class = SentinelCacheClient
        self._failed_at = float("-inf")

    def _guarded(self, default, operation, *args, **kwargs):
        if time.monotonic() - self._failed_at < self.retry_after_seconds:
            return default
        try:
            return operation(*args, **kwargs)
        except RedisError as error:
            if time.monotonic() - self._failed_at > 60:
                logger.warning("cache unavailable (%s: %s); serving without it", type(error).__name__, error)
            self._failed_at = time.monotonic()
            return default

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def incr(self, key, delta=1, version=None):
        return self._guarded(delta, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded([], super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def clear(self):
        return self._guarded(False, super().clear)
