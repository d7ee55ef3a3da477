"""Start-up configuration: each mode from the environment, and every bad value stops
start-up with a message naming its variable."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
MODE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "DJANGO_SECURE_SSL_REDIRECT",
)
PRODUCTION_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/evcms",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "charge.example.com",
}
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'broker': s.CELERY_BROKER_URL, "
    "'cache': s.CACHES['default']['BACKEND'], 'tz': s.TIME_ZONE, 'use_tz': s.USE_TZ, 'currency': s.DEFAULT_CURRENCY}))"
)


def run_python(args: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in MODE_VARIABLES}
    clean.update(DJANGO_SETTINGS_MODULE="config.settings", VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=60)


def test_no_environment_means_embedded_mode(tmp_path):
    result = run_python(["-c", PRINT_SETTINGS], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": True,
        "engine": "django.db.backends.sqlite3",
        "layer": "config.channel_layers.SweptInMemoryChannelLayer",
        "broker": "filesystem://",
        "cache": "django.core.cache.backends.filebased.FileBasedCache",
        "tz": "UTC",
        "use_tz": True,
        "currency": "EUR",
    }
    # The generated dev secret is kept, so sessions survive a restart.
    assert (tmp_path / "var" / "dev-secret-key").read_text().strip()


def test_database_and_redis_urls_mean_production_mode(tmp_path):
    result = run_python(["-c", PRINT_SETTINGS], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stderr
    settings = json.loads(result.stdout)
    assert settings["debug"] is False
    assert settings["engine"] == "config.db.postgresql"
    assert settings["layer"] == "channels_redis.core.RedisChannelLayer"
    assert settings["broker"] == PRODUCTION_ENV["REDIS_URL"]
    assert settings["cache"] == "config.cache.DegradingRedisCache"


SENTINEL_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'broker': s.CELERY_BROKER_URL, 'options': s.CELERY_BROKER_TRANSPORT_OPTIONS['master_name'], "
    "'layer': s.CHANNEL_LAYERS['default']['CONFIG']['hosts'][0], 'cache': s.CACHES['default']['OPTIONS']}, default=str))"
)


def test_redis_sentinels_put_every_redis_user_on_the_named_master(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "REDIS_URL": "redis://:s%40cret@evcms-master/3",
        "REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26380",
        "REDIS_SENTINEL_PASSWORD": "watch",
    }
    result = run_python(["-c", SENTINEL_SETTINGS], env, tmp_path)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["broker"] == "sentinel://:s%40cret@10.0.0.1:26379/3;sentinel://:s%40cret@10.0.0.2:26380/3"
    assert found["options"] == "evcms-master"
    layer = found["layer"]
    assert (layer["master_name"], layer["db"], layer["password"]) == ("evcms-master", 3, "s@cret")
    assert layer["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26380]]
    assert layer["sentinel_kwargs"] == {"password": "watch"}
    assert found["cache"]["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26380]]


POOL_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "d = s.DATABASES['default']; print(json.dumps([d['CONN_MAX_AGE'], d.get('OPTIONS', {}).get('pool')]))"
)


CACHE_KEY = (
    "import django; django.setup(); from django.core.cache import cache; "
    "print(cache.make_key('remote_start_allowed:04A2B3C4'))"
)


def test_instances_sharing_one_redis_get_distinct_cache_keys(tmp_path):
    def cache_key(**env) -> str:
        result = run_python(["-c", CACHE_KEY], {**PRODUCTION_ENV, **env}, tmp_path)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    cpo = cache_key(DATABASE_URL="postgres://postgres@127.0.0.1:5432/evcms_cpo")
    emsp = cache_key(DATABASE_URL="postgres://postgres@127.0.0.1:5432/evcms_emsp")
    chosen = cache_key(DATABASE_URL="postgres://postgres@127.0.0.1:5432/evcms_cpo", CACHE_KEY_PREFIX="north")
    assert cpo == "evcms_cpo:1:remote_start_allowed:04A2B3C4"
    assert emsp == "evcms_emsp:1:remote_start_allowed:04A2B3C4"
    assert chosen == "north:1:remote_start_allowed:04A2B3C4"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, [0, {"min_size": 2, "max_size": 10, "timeout": 10}]),
        ({"DB_POOL_MAX_SIZE": "1", "DB_POOL_TIMEOUT": "3"}, [0, {"min_size": 1, "max_size": 1, "timeout": 3}]),
        # Persistent connections instead of the pool, as with an external pooler.
        ({"DB_POOL_MAX_SIZE": "0", "DB_CONN_MAX_AGE": "60"}, [60, None]),
    ],
)
def test_production_database_connections_come_from_a_bounded_pool(extra, expected, tmp_path):
    result = run_python(["-c", POOL_SETTINGS], {**PRODUCTION_ENV, **extra}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == expected


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({**PRODUCTION_ENV, "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({**PRODUCTION_ENV, "DATABASE_URL": "postgres://127.0.0.1:5432/"}, "DATABASE_URL"),
        ({**PRODUCTION_ENV, "REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({**PRODUCTION_ENV, "REDIS_URL": "redis://127.0.0.1:notaport/0"}, "REDIS_URL"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "DJANGO_SECRET_KEY"}, "DJANGO_SECRET_KEY"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}, "ALLOWED_HOSTS"),
        ({k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}, "REDIS_URL"),
        ({"OCPP_HEARTBEAT_INTERVAL": "often"}, "OCPP_HEARTBEAT_INTERVAL"),
        ({"OCPP_HEARTBEAT_INTERVAL": "1"}, "OCPP_HEARTBEAT_INTERVAL"),
        ({"OCPP_BOOT_WAIT_SECONDS": "-1"}, "OCPP_BOOT_WAIT_SECONDS"),
        ({"OCPP_MALFORMED_WINDOW_SECONDS": "0"}, "OCPP_MALFORMED_WINDOW_SECONDS"),
        ({"OCPP_MALFORMED_CLOSE_AFTER": "many"}, "OCPP_MALFORMED_CLOSE_AFTER"),
        ({"CHARGE_COMMAND_TTL_SECONDS": "5"}, "CHARGE_COMMAND_TTL_SECONDS"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DEFAULT_CURRENCY": "XYZ"}, "DEFAULT_CURRENCY"),
        ({**PRODUCTION_ENV, "DB_POOL_MAX_SIZE": "-1"}, "DB_POOL_MAX_SIZE"),
        ({**PRODUCTION_ENV, "DB_CONN_MAX_AGE": "60"}, "DB_CONN_MAX_AGE"),
        ({"GC_GEN0_THRESHOLD": "5"}, "GC_GEN0_THRESHOLD"),
        ({"CHANNELS_REDIS_MAX_CONNECTIONS": "lots"}, "CHANNELS_REDIS_MAX_CONNECTIONS"),
        ({**PRODUCTION_ENV, "REDIS_SENTINELS": "10.0.0.1"}, "REDIS_SENTINELS"),
        ({**PRODUCTION_ENV, "REDIS_SENTINELS": "10.0.0.1:26379,:26379"}, "REDIS_SENTINELS"),
        ({**PRODUCTION_ENV, "OCPP_DRAIN_WINDOW_SECONDS": "soon"}, "OCPP_DRAIN_WINDOW_SECONDS"),
        ({**PRODUCTION_ENV, "OCPP_DRAIN_BATCH_SIZE": "0"}, "OCPP_DRAIN_BATCH_SIZE"),
        ({"NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS": "9000"}, "NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS"),
    ],
)
def test_bad_environment_stops_startup_naming_the_variable(env, named, tmp_path):
    result = run_python(["manage.py", "check"], env, tmp_path)
    assert result.returncode != 0
    assert result.stderr.startswith("Configuration error:"), result.stderr
    assert named in result.stderr
    assert "Traceback" not in result.stderr


def test_deploy_checks_pass_in_production_mode(tmp_path):
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
