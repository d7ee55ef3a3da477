"""Reading the environment strictly: every bad value names its variable.

django-environ does the parsing; these helpers add the checks it leaves out (a
`DATABASE_URL=nonsense` parses to an empty dict there) so that start-up stops
with `ImproperlyConfigured` instead of failing later in an unrelated place.
"""

import ipaddress
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

DATABASE_SCHEMES = {"postgres", "postgresql", "pgsql", "sqlite"}
REDIS_SCHEMES = {"redis", "rediss"}


def is_set(name: str) -> bool:
    return bool(env.str(name, default="").strip())


def required_str(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production mode (DATABASE_URL or REDIS_URL is set).")
    return value


def database_config(name: str = "DATABASE_URL") -> dict:
    raw = env.str(name).strip()
    scheme = urlsplit(raw).scheme
    if scheme not in DATABASE_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not a database URL; expected e.g. postgres://user@host:5432/dbname"
        )
    config = env.db_url(name)
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}={raw!r} names no database.")
    return config


def redis_url(name: str = "REDIS_URL") -> str:
    raw = env.str(name).strip()
    parts = urlsplit(raw)
    if parts.scheme not in REDIS_SCHEMES or not parts.hostname:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a Redis URL; expected e.g. redis://127.0.0.1:6379/0")
    try:
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r}: {error}") from error
    return raw


def int_in_range(name: str, default: int, low: int, high: int) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from error
    if not low <= value <= high:
        raise ImproperlyConfigured(f"{name}={value} is outside {low}..{high}.")
    return value


def boolean(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false).")


def str_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default="")
    if not raw.strip():
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def matching(name: str, default: str, pattern: str, meaning: str) -> str:
    """A string that must match `pattern` in full (e.g. an OCPI party id)."""
    import re

    value = env.str(name, default=default).strip()
    if not re.fullmatch(pattern, value):
        raise ImproperlyConfigured(f"{name}={value!r} is not {meaning}.")
    return value


def ip_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A comma-separated list of addresses or CIDR networks (`10.0.0.5, 192.168.0.0/24`)."""
    try:
        return [ipaddress.ip_network(item, strict=False) for item in str_list(name, default=[])]
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from error
