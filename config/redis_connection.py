"""Where Redis is: one server (REDIS_URL), or the master that Redis Sentinel names.

With REDIS_SENTINELS set (`host:port,host:port,…`), the host part of REDIS_URL is the
Sentinel master's name, and its password and database number are the master's:
`REDIS_URL=redis://:secret@mymaster/0`. The channel layer, the Celery broker and result
backend, the cache, /readyz and /metrics all then ask the Sentinels for the current master
and follow a failover. A managed Redis is a plain URL (`rediss://` for TLS)."""

from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import redis
from django.core.exceptions import ImproperlyConfigured
from redis.sentinel import Sentinel


@dataclass(frozen=True)
class RedisTarget:
    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    sentinel_password: str = ""

    @property
    def uses_sentinel(self) -> bool:
        return bool(self.sentinels)

    @property
    def master_name(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def db(self) -> int:
        path = urlsplit(self.url).path.strip("/")
        return int(path) if path else 0

    @property
    def password(self) -> str | None:
        password = urlsplit(self.url).password
        return unquote(password) if password else None

    def sentinel_kwargs(self) -> dict:
        return {"password": self.sentinel_password} if self.sentinel_password else {}

    def client(self, **options) -> redis.Redis:
        """A redis-py client for the current master."""
        if not self.uses_sentinel:
            return redis.Redis.from_url(self.url, **options)
        sentinel = Sentinel(list(self.sentinels), sentinel_kwargs=self.sentinel_kwargs(), **_timeouts(options))
        return sentinel.master_for(self.master_name, db=self.db, password=self.password, **options)

    def channel_layer_host(self, **options) -> dict:
        """A `hosts` entry of channels_redis."""
        if not self.uses_sentinel:
            return {"address": self.url, **options}
        return {
            "master_name": self.master_name,
            "sentinels": list(self.sentinels),
            "sentinel_kwargs": self.sentinel_kwargs(),
            "db": self.db,
            "password": self.password,
            **options,
        }

    def celery_url(self) -> str:
        """Celery's broker and result backend URL: kombu's `sentinel://` list for Sentinel."""
        if not self.uses_sentinel:
            return self.url
        secret = f":{urlsplit(self.url).password}@" if self.password else ""
        return ";".join(f"sentinel://{secret}{host}:{port}/{self.db}" for host, port in self.sentinels)

    def celery_transport_options(self) -> dict:
        if not self.uses_sentinel:
            return {}
        options = {"master_name": self.master_name}
        if self.sentinel_password:
            options["sentinel_kwargs"] = self.sentinel_kwargs()
        return options

    def cache_options(self) -> dict:
        if not self.uses_sentinel:
            return {}
        return {"sentinels": list(self.sentinels), "sentinel_kwargs": self.sentinel_kwargs()}


def _timeouts(options: dict) -> dict:
    return {key: value for key, value in options.items() if key in ("socket_timeout", "socket_connect_timeout")}


def sentinels_parse(name: str, raw: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` as given in the variable `name`."""
    found = []
    for item in (part.strip() for part in raw.split(",")):
        host, _, port = item.rpartition(":")
        if not item or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ImproperlyConfigured(f"{name}={raw!r}: expected host:port[,host:port…], e.g. 10.0.0.1:26379")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)
