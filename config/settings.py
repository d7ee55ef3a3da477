"""Settings for both deployment modes, read from the environment.

Embedded mode (neither DATABASE_URL nor REDIS_URL set): SQLite under var/, in-process
channel layer, a file-system Celery broker, a generated dev secret, DEBUG on.
Production mode (DATABASE_URL and REDIS_URL set): PostgreSQL, Redis for channels,
Celery and cache, DEBUG off, and every secret must come from the environment.
"""

import secrets
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from config import env as config_env
from config.env import boolean, int_in_range, ip_networks, is_set, str_list
from config.redis_connection import RedisTarget, sentinels_parse

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(config_env.env.str("VAR_DIR", default=str(BASE_DIR / "var")))

PRODUCTION = is_set("DATABASE_URL") or is_set("REDIS_URL")
if PRODUCTION and not (is_set("DATABASE_URL") and is_set("REDIS_URL")):
    missing = "REDIS_URL" if is_set("DATABASE_URL") else "DATABASE_URL"
    raise ImproperlyConfigured(f"{missing} must be set: production mode needs both DATABASE_URL and REDIS_URL.")


DEBUG = boolean("DJANGO_DEBUG", default=not PRODUCTION)
CSRF_TRUSTED_ORIGINS = str_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "django_celery_beat",
    "stations",
    "drivers",
    "billing",
    "ocpp_gateway",
    "roaming",
    "config",
    "config.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The driver's time zone (their setting, or their browser's) for every page's times.
    "drivers.time_zones.TimeZoneMiddleware",
    # The driver's chosen language wins over the browser's (LocaleMiddleware's guess).
    "drivers.languages.DriverLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Analytics and report views read from the replica when one is configured.
    "config.db_replica.ReplicaReadsMiddleware",
    # Last: turns a login refused for too many failures into the lockout page (429).
    "axes.middleware.AxesMiddleware",
]

DATABASE_ROUTERS = ["config.db_replica.ReplicaRouter"]
# Views (URL names; a name also covers "<name>-…") whose GET reads the domain's tables from
# DATABASE_REPLICA_URL when it is set.
DATABASE_REPLICA_VIEWS = str_list(
    "DATABASE_REPLICA_VIEWS", ["api-analytics", "ops:analytics", "ops:uptime", "ops:reports"]
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "drivers.context_processors.support",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
if PRODUCTION:
    DATABASES = {"default": config_env.database_config("DATABASE_URL")}
    # 0 by default: under ASGI every sync_to_async thread would otherwise keep its own
    # connection open (Django advises against persistent connections there); the
    # benchmark saw one web process hold 39 and PostgreSQL refuse new clients.
    DATABASES["default"]["CONN_MAX_AGE"] = int_in_range("DB_CONN_MAX_AGE", 0, 0, 3600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = DATABASES["default"]["CONN_MAX_AGE"] > 0
    # psycopg's pool per process instead: without it every OCPP message (each runs on an
    # executor thread that Django closes connections for) opened a new PostgreSQL
    # connection. Bounded, so a process never holds more than DB_POOL_MAX_SIZE.
    DB_POOL_MAX_SIZE = int_in_range("DB_POOL_MAX_SIZE", 10, 0, 1000)
    if DB_POOL_MAX_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        if DATABASES["default"]["CONN_MAX_AGE"]:
            raise ImproperlyConfigured(
                "DB_CONN_MAX_AGE must be 0 while DB_POOL_MAX_SIZE is above 0 (the pool keeps the connections); "
                "set DB_POOL_MAX_SIZE=0 to use persistent connections instead."
            )
        # Django's backend with a pool that fails fast while PostgreSQL is unreachable and
        # finds it again within a second (config/db/postgresql/base.py).
        DATABASES["default"]["ENGINE"] = "config.db.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, DB_POOL_MAX_SIZE),
            "max_size": DB_POOL_MAX_SIZE,
            # Waiting longer than this for a free connection fails the request instead of
            # queueing without bound behind a stuck database.
            "timeout": int_in_range("DB_POOL_TIMEOUT", 10, 1, 600),
        }
    # Reports and analytics may read from a streaming replica (config/db_replica.py).
    if is_set("DATABASE_REPLICA_URL"):
        DATABASES["replica"] = {
            **config_env.database_config("DATABASE_REPLICA_URL"),
            "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
            "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
            # Tests have no replica: the alias reads the test database itself.
            "TEST": {"MIRROR": "default"},
        }
    # Behind PgBouncer (or another pooler) in transaction mode, consecutive transactions of
    # one client may run on different server connections: nothing may live on a server
    # connection between them, i.e. no server-side (named) cursors and no prepared statements.
    DB_TRANSACTION_POOLER = boolean("DB_TRANSACTION_POOLER", default=False)
    if DB_TRANSACTION_POOLER:
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "CONN_MAX_AGE": None,
            # WAL and IMMEDIATE transactions let web, worker and beat share one file
            # without "database is locked" on concurrent writes. Connections are kept:
            # opening one per OCPP message cost 17% of the gateway's CPU.
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, channel layer, Celery ------------------------------------------------
REDIS_URL = config_env.redis_url("REDIS_URL") if PRODUCTION else ""
# High availability: Sentinels to ask for the master named by REDIS_URL's host (config/redis_connection.py).
REDIS_TARGET = RedisTarget(
    url=REDIS_URL,
    sentinels=sentinels_parse("REDIS_SENTINELS", config_env.env.str("REDIS_SENTINELS"))
    if PRODUCTION and is_set("REDIS_SENTINELS")
    else (),
    sentinel_password=config_env.env.str("REDIS_SENTINEL_PASSWORD", default=""),
)

# The gateway keeps its concurrent channel-layer calls (join, leave, announce) below the
# pool's size: redis-py fails a call outright when the pool is exhausted, which a mass
# disconnect or reconnect storm of thousands of sockets did (benchmark S1/S4).
CHANNELS_REDIS_MAX_CONNECTIONS = int_in_range("CHANNELS_REDIS_MAX_CONNECTIONS", 1000, 10, 100000)
OCPP_LAYER_CONCURRENCY = max(1, CHANNELS_REDIS_MAX_CONNECTIONS * 3 // 4)

# Instances sharing one Redis (a CPO and an EMSP network side by side, say) must not read
# each other's cache entries (a partner token's remote-start allowance, throttle counters):
# by default each instance's keys carry its database's name.
CACHE_KEY_PREFIX = config_env.env.str("CACHE_KEY_PREFIX", default="").strip() or str(DATABASES["default"]["NAME"])

if PRODUCTION:
    CACHES = {
        "default": {
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            # Degrades to a miss while Redis is down (config/cache.py); short timeouts, so
            # that a Redis host that does not answer costs a request one second, not many.
            "BACKEND": "config.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, **REDIS_TARGET.cache_options()},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, the same as channels_redis'
            # blocking pop: an idle consumer's receive would then time out and kill its socket.
            "CONFIG": {
                # redis-py 8 caps a pool at 100 connections; thousands of sockets in one
                # process need more (the benchmark saw MaxConnectionsError at 1,000 chargers).
                "hosts": [
                    REDIS_TARGET.channel_layer_host(
                        socket_timeout=30,
                        socket_connect_timeout=2,
                        # One immediate retry on a fresh connection: after Redis restarts,
                        # every pooled connection is dead, and without it each one failed
                        # a call (and, before, the consumer making it) on first use.
                        retry=Retry(NoBackoff(), 1),
                        max_connections=CHANNELS_REDIS_MAX_CONNECTIONS,
                    )
                ],
                "prefix": config_env.env.str("CHANNELS_PREFIX", default="evcms"),
            },
        }
    }
    CELERY_BROKER_URL = REDIS_TARGET.celery_url()
    CELERY_RESULT_BACKEND = REDIS_TARGET.celery_url()
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = REDIS_TARGET.celery_transport_options()
    # Tasks are acknowledged late: a task whose worker died (kill -9, a lost host) goes back
    # to the queue once its message has been unacknowledged this long (Redis' default is an
    # hour). Every task is safe to run twice, so a task outliving it is merely run again.
    CELERY_VISIBILITY_TIMEOUT = int_in_range("CELERY_VISIBILITY_TIMEOUT", 600, 2, 86400)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # How often workers look for such messages: every 10 s (or sooner for short timeouts).
        "unacked_restore_interval": min(10, max(1, CELERY_VISIBILITY_TIMEOUT // 2)),
        "unacked_restore_throttle": 1,
        **REDIS_TARGET.celery_transport_options(),
    }
else:
    # File-based so that web, worker and beat (separate processes) share it.
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": VAR_DIR / "cache"}
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "config.channel_layers.SweptInMemoryChannelLayer"}}
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast (pidbox) files; kombu's default is ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None

# On SIGTERM the worker lets running tasks finish for this long, then cancels them; their
# messages (acknowledged late) go back to the queue. Stopping the pool takes about as long
# again (up to 7 s on a loaded machine), so the worker is gone within 10 s,
# before a process manager's SIGKILL. Needs REMAP_SIGTERM=SIGQUIT in the worker's
# environment (Procfile): Celery's own SIGTERM waits for running tasks without a bound.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = 3.0
CELERY_TIMEZONE = "UTC"
CELERY_TASK_DEFAULT_QUEUE = config_env.env.str("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = boolean("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"


# --- Secrets and hosts (after the URLs, so a malformed URL is reported first) -------------
def _dev_secret_key() -> str:
    # Kept in a file so that logins survive a restart of `make run`.
    key_file = VAR_DIR / "dev-secret-key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


if PRODUCTION:
    SECRET_KEY = config_env.required_str("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = str_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production mode (comma-separated host names).")
else:
    SECRET_KEY = config_env.env.str("DJANGO_SECRET_KEY", default="") or _dev_secret_key()
    ALLOWED_HOSTS = str_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])

# --- Auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Login throttling for every password login (admin and portal alike): the first backend
# refuses to check a password while this account has failed too often from this client
# address (docs/security.md).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Keyed by the (account, address) pair: someone who knows a driver's e-mail locks only
# their own address out, never the driver; a password reset clears the account's lockouts.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int_in_range("LOGIN_FAILURE_LIMIT", 5, 1, 100)
AXES_COOLOFF_TIME = timedelta(minutes=int_in_range("LOGIN_LOCKOUT_MINUTES", 15, 1, 24 * 60))
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "drivers.login_throttle.login_name"
# REMOTE_ADDR only, which uvicorn sets from X-Forwarded-For only for the proxies in
# FORWARDED_ALLOW_IPS; never a header the client could have written itself.
AXES_CLIENT_IP_CALLABLE = "drivers.login_throttle.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Failures are what the throttle needs; successful logins are not recorded.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- I18N, time -------------------------------------------------------------------------
LANGUAGE_CODE = "en"
# Each language in its own words: the switcher lists them for someone who reads only theirs.
# Translations in locale/<code>/LC_MESSAGES (compiled .mo files are committed).
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# Every default datetime format carries its zone (config/formats/en/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(config_env.env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Production serves hashed, compressed files from `collectstatic`; without a manifest
# (embedded mode, test servers) WhiteNoise finds files in the apps and static/ directly.
STATIC_MANIFEST = boolean("DJANGO_STATIC_MANIFEST", default=PRODUCTION)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail -----------------------------------------------------------------------------
if is_set("EMAIL_URL"):
    vars().update(config_env.env.email_url("EMAIL_URL"))
else:
    # Not sent: kept as files, one log line each (config/mail.py). Set EMAIL_URL to send.
    EMAIL_BACKEND = "config.mail.MailFolderBackend"
    EMAIL_FILE_PATH = config_env.env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = config_env.env.str("DEFAULT_FROM_EMAIL", default="no-reply@localhost")

# --- Support ------------------------------------------------------------------------------
# Where a new support ticket is announced by e-mail (empty: only the live staff inbox).
SUPPORT_INBOX_EMAIL = config_env.matching(
    "SUPPORT_INBOX_EMAIL", "", r"|[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address (or empty)"
)
# The portal's address as drivers reach it, for links in e-mails sent by background tasks.
PORTAL_URL = config_env.matching(
    "PORTAL_URL", "http://127.0.0.1:8000", r"https?://[^\s/]+(/[^\s]*)?", "an http(s) URL"
).rstrip("/")
# The 24/7 helpline shown on every portal page (UK regulations want one for public chargers).
SUPPORT_PHONE = config_env.matching("SUPPORT_PHONE", "+49 30 1234 5678", r"\+?[0-9 ()/-]{6,24}", "a phone number")

# --- Security (production sits behind a TLS-terminating proxy) ----------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = boolean("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = int_in_range("DJANGO_HSTS_SECONDS", 31536000, 0, 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- REST API (docs/api.md) -------------------------------------------------------------


def api_rate(name: str, default: str) -> str:
    import re

    rate = config_env.env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name}={rate!r} is not a rate like 120/minute.")
    return rate


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # `Authorization: Token <key>`; keys are stored hashed, with an expiry (config/api/tokens.py).
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.ApiAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["config.api.throttling.PerIPAnonThrottle", "config.api.throttling.PerUserThrottle"],
    # Anonymous callers per IP, signed-in callers per user; "<n>/<second|minute|hour|day>".
    "DEFAULT_THROTTLE_RATES": {
        "anon": api_rate("API_THROTTLE_ANON", "120/minute"),
        "user": api_rate("API_THROTTLE_USER", "1200/minute"),
    },
    # 0: the client address is REMOTE_ADDR, which uvicorn already took from X-Forwarded-For
    # for the proxies in FORWARDED_ALLOW_IPS; counting proxies here again would believe an
    # X-Forwarded-For that a client talking to uvicorn directly wrote itself.
    "NUM_PROXIES": int_in_range("API_NUM_PROXIES", 0, 0, 10),
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "COERCE_DECIMAL_TO_STRING": True,
}
# API tokens: life of a new token unless the caller asks for less, and the longest allowed.
API_TOKEN_MAX_TTL_DAYS = int_in_range("API_TOKEN_MAX_TTL_DAYS", 365, 1, 3650)
API_TOKEN_TTL_DAYS = int_in_range("API_TOKEN_TTL_DAYS", 90, 1, API_TOKEN_MAX_TTL_DAYS)
API_TOKEN_LIMIT_PER_USER = int_in_range("API_TOKEN_LIMIT_PER_USER", 20, 1, 1000)
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTH_HEADER_PREFIX": "Token"}
SPECTACULAR_SETTINGS = {
    "TITLE": "EV charging platform API",
    "DESCRIPTION": "CPO and EMSP operations: locations, stations, sessions, billing.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's assets from our own static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"ChargePointStatusEnum": "stations.models.chargers.ChargePointStatus"},
}

# --- Money ------------------------------------------------------------------------------
DEFAULT_CURRENCY = config_env.env.str("DEFAULT_CURRENCY", default="EUR")
# Minor units per ISO 4217; amounts are rounded ROUND_HALF_UP to these places.
CURRENCY_PLACES = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "JPY": 0}
if DEFAULT_CURRENCY not in CURRENCY_PLACES:
    raise ImproperlyConfigured(f"DEFAULT_CURRENCY={DEFAULT_CURRENCY!r} is not one of {sorted(CURRENCY_PLACES)}.")

# --- Billing (docs/billing.md) -----------------------------------------------------------
# Prepaid wallets below this balance are refused at Authorize.
BILLING_WALLET_MIN_BALANCE = config_env.env.str("BILLING_WALLET_MIN_BALANCE", default="5.00")
BILLING_INVOICE_SERIES = config_env.env.str("BILLING_INVOICE_SERIES", default="INV")
BILLING_CREDIT_NOTE_SERIES = config_env.env.str("BILLING_CREDIT_NOTE_SERIES", default="CN")
# Hours after a failed payment at which it is retried; after the last one the account stays overdue.
BILLING_PAYMENT_RETRY_HOURS = [24, 72, 168]
# Payment terms and dunning (docs/billing.md, "Getting paid"): an invoice is due this many
# days after issue; the first and second reminders go out this many days after the due date;
# charging is blocked this many days after the second reminder (and never before it was sent).
BILLING_PAYMENT_TERMS_DAYS = config_env.env.int("BILLING_PAYMENT_TERMS_DAYS", default=14)
BILLING_REMINDER_1_DAYS = config_env.env.int("BILLING_REMINDER_1_DAYS", default=3)
BILLING_REMINDER_2_DAYS = config_env.env.int("BILLING_REMINDER_2_DAYS", default=10)
BILLING_BLOCK_GRACE_DAYS = config_env.env.int("BILLING_BLOCK_GRACE_DAYS", default=7)
if not 0 <= BILLING_PAYMENT_TERMS_DAYS <= 120:
    raise ImproperlyConfigured(f"BILLING_PAYMENT_TERMS_DAYS={BILLING_PAYMENT_TERMS_DAYS} must be between 0 and 120.")
if not 0 <= BILLING_REMINDER_1_DAYS < BILLING_REMINDER_2_DAYS:
    raise ImproperlyConfigured("BILLING_REMINDER_1_DAYS must be >= 0 and less than BILLING_REMINDER_2_DAYS.")
# SEPA direct debit: the driver is told the amount and date this many days before the
# debit (the mandate text promises it; the rulebook's default is 14 unless agreed shorter).
BILLING_SEPA_PRENOTICE_DAYS = config_env.env.int("BILLING_SEPA_PRENOTICE_DAYS", default=2)
if BILLING_SEPA_PRENOTICE_DAYS < 1:
    raise ImproperlyConfigured(f"BILLING_SEPA_PRENOTICE_DAYS={BILLING_SEPA_PRENOTICE_DAYS} must be at least 1.")
if BILLING_BLOCK_GRACE_DAYS < 1:
    raise ImproperlyConfigured(f"BILLING_BLOCK_GRACE_DAYS={BILLING_BLOCK_GRACE_DAYS} must be at least 1.")
# Amount held on the card for an ad-hoc (QR) session, captured at stop for the real price.
BILLING_AD_HOC_PREAUTH_AMOUNT = config_env.env.str("BILLING_AD_HOC_PREAUTH_AMOUNT", default="50.00")
STRIPE_API_KEY = config_env.env.str("STRIPE_API_KEY", default="")
STRIPE_WEBHOOK_SECRET = config_env.env.str("STRIPE_WEBHOOK_SECRET", default="")
# Public by design: the portal's card form (Stripe Elements) needs it in the browser.
STRIPE_PUBLISHABLE_KEY = config_env.env.str("STRIPE_PUBLISHABLE_KEY", default="")
# Only tests point this elsewhere (a loopback stand-in for Stripe's API).
STRIPE_API_BASE = config_env.env.str("STRIPE_API_BASE", default="https://api.stripe.com")

# --- OCPP gateway -----------------------------------------------------------------------
OCPP_HEARTBEAT_INTERVAL = int_in_range("OCPP_HEARTBEAT_INTERVAL", 300, 10, 86400)
OCPP_AUTO_REGISTER = boolean("OCPP_AUTO_REGISTER", default=False)
OCPP_CALL_TIMEOUT = int_in_range("OCPP_CALL_TIMEOUT", 30, 1, 600)
OCPP_MAX_FRAME_BYTES = int_in_range("OCPP_MAX_FRAME_BYTES", 65536, 1024, 1048576)
OCPP_MESSAGE_LOG_RETENTION_DAYS = int_in_range("OCPP_MESSAGE_LOG_RETENTION_DAYS", 30, 1, 3650)
# The message log is written by a per-process writer outside the CALL's transaction
# (ocpp_gateway/message_log_writer.py): in batches of up to OCPP_MESSAGE_LOG_BATCH_SIZE rows,
# at least every OCPP_MESSAGE_LOG_FLUSH_MS; at most OCPP_MESSAGE_LOG_BUFFER_ROWS wait, and a
# frame that finds the buffer full waits up to OCPP_MESSAGE_LOG_WAIT_SECONDS for room before
# its rows are dropped (counted). A crash loses at most what waited (docs/reliability.md).
OCPP_MESSAGE_LOG_BATCH_SIZE = int_in_range("OCPP_MESSAGE_LOG_BATCH_SIZE", 500, 1, 100_000)
OCPP_MESSAGE_LOG_FLUSH_MS = int_in_range("OCPP_MESSAGE_LOG_FLUSH_MS", 200, 1, 60_000)
OCPP_MESSAGE_LOG_BUFFER_ROWS = int_in_range("OCPP_MESSAGE_LOG_BUFFER_ROWS", 20_000, 1, 10_000_000)
OCPP_MESSAGE_LOG_WAIT_SECONDS = int_in_range("OCPP_MESSAGE_LOG_WAIT_SECONDS", 5, 0, 600)
OCPP_COMMAND_TTL_SECONDS = int_in_range("OCPP_COMMAND_TTL_SECONDS", 3600, 10, 7 * 86400)
# A start or stop waits this long for its charger, then expires: whoever stands at the charger
# should not be surprised by a command queued minutes ago (stations/services/charging.py).
CHARGE_COMMAND_TTL_SECONDS = int_in_range("CHARGE_COMMAND_TTL_SECONDS", 90, 10, 3600)
# How often each web process asks the outbox which of its connected stations have commands
# waiting, in case a wake-up was lost (e.g. across processes in embedded mode): a lost
# wake-up delays a command by at most this (ocpp_gateway/outbox_poller.py).
OCPP_OUTBOX_POLL_SECONDS = int_in_range("OCPP_OUTBOX_POLL_SECONDS", 15, 1, 3600)
# How long after connecting a charger may take to send its BootNotification before
# queued commands go out anyway (one that reconnects without rebooting sends none).
OCPP_BOOT_WAIT_SECONDS = int_in_range("OCPP_BOOT_WAIT_SECONDS", 3, 0, 300)
# How many chargers one web process lets connect at once (handshake to first answered
# CALL); more are answered 503 and retry, so that a restart's reconnect storm is served at
# the core's pace instead of every charger timing out together (ocpp_gateway/connecting.py).
OCPP_MAX_CONNECTING = int_in_range("OCPP_MAX_CONNECTING", 100, 1, 100_000)
# A connection's malformed frames: the first of each window is kept in the message log (the
# rest counted onto it); this many in one window close the socket (ocpp_gateway/malformed.py).
OCPP_MALFORMED_WINDOW_SECONDS = int_in_range("OCPP_MALFORMED_WINDOW_SECONDS", 60, 1, 86400)
OCPP_MALFORMED_CLOSE_AFTER = int_in_range("OCPP_MALFORMED_CLOSE_AFTER", 100, 1, 1_000_000)
# Graceful drain on SIGTERM (ocpp_gateway/drain.py): charger sockets close in batches of
# OCPP_DRAIN_BATCH_SIZE spread over OCPP_DRAIN_WINDOW_SECONDS, so that the other processes
# absorb the reconnects without a storm. Keep the window well inside the orchestrator's
# stop grace period (30 s by default in Kubernetes and systemd).
OCPP_DRAIN_WINDOW_SECONDS = int_in_range("OCPP_DRAIN_WINDOW_SECONDS", 10, 0, 600)
OCPP_DRAIN_BATCH_SIZE = int_in_range("OCPP_DRAIN_BATCH_SIZE", 100, 1, 100_000)
# Security (docs/security.md): the CA that signs chargers' CSRs (a class path; the local CA
# keeps its root in OCPP_LOCAL_CA_DIR), and the TLS proxies whose forwarded client
# certificate admits profile 3 chargers.
OCPP_CERTIFICATE_AUTHORITY = config_env.env.str(
    "OCPP_CERTIFICATE_AUTHORITY", default="ocpp_gateway.security.authority.LocalCertificateAuthority"
)
OCPP_LOCAL_CA_DIR = config_env.env.str("OCPP_LOCAL_CA_DIR", default=str(VAR_DIR / "ca"))
OCPP_CHARGER_CERTIFICATE_DAYS = int_in_range("OCPP_CHARGER_CERTIFICATE_DAYS", 365, 1, 3650)
# Stations whose certificate expires within this many days are asked for a new CSR (hourly).
OCPP_CERTIFICATE_RENEW_DAYS = int_in_range("OCPP_CERTIFICATE_RENEW_DAYS", 30, 1, 365)
OCPP_TLS_PROXY_ADDRESSES = ip_networks("OCPP_TLS_PROXY_ADDRESSES")
OCPP_TLS_PROXY_CERT_HEADER = config_env.env.str("OCPP_TLS_PROXY_CERT_HEADER", default="X-SSL-Client-Cert")
OCPP_TLS_PROXY_VERIFY_HEADER = config_env.env.str("OCPP_TLS_PROXY_VERIFY_HEADER", default="X-SSL-Client-Verify")
# Where ISO 15118 contract certificates and OCSP answers come from (2.0.1 block M).
OCPP_15118_CERTIFICATE_SOURCE = config_env.env.str(
    "OCPP_15118_CERTIFICATE_SOURCE", default="ocpp_gateway.security.iso15118.OcspCertificateSource"
)
# Young-generation threshold of the ASGI process's garbage collector (config/gc_tuning.py);
# CPython's default is 700.
GC_GEN0_THRESHOLD = int_in_range("GC_GEN0_THRESHOLD", 50_000, 100, 10_000_000)

# --- Sessions: meter plausibility (docs/ocpp.md) -------------------------------------------
# Energy beyond the connector's max power over the elapsed time, plus this percentage and
# this many Wh (meter resolution), is not counted and the session's CDR is held for review.
SESSION_ENERGY_MARGIN_PERCENT = int_in_range("SESSION_ENERGY_MARGIN_PERCENT", 10, 0, 1000)
SESSION_ENERGY_MARGIN_WH = int_in_range("SESSION_ENERGY_MARGIN_WH", 100, 0, 100_000)

# --- Operations: health, alerts, maintenance, uptime, firmware (docs/operations.md) --------
# A station is offline after N heartbeat intervals of silence; shorter flaps raise nothing.
OPS_OFFLINE_HEARTBEATS = int_in_range("OPS_OFFLINE_HEARTBEATS", 3, 1, 100)
OPS_DEBOUNCE_SECONDS = int_in_range("OPS_DEBOUNCE_SECONDS", 120, 0, 3600)
# A cause that returns within this many seconds of its incident closing reopens it.
OPS_FLAP_SECONDS = int_in_range("OPS_FLAP_SECONDS", 900, 0, 86400)
OPS_DIGEST_THRESHOLD = int_in_range("OPS_DIGEST_THRESHOLD", 20, 1, 100000)
OPS_DIGEST_WINDOW_SECONDS = int_in_range("OPS_DIGEST_WINDOW_SECONDS", 300, 10, 86400)


def _optional_url(name: str, schemes: set[str]) -> str:
    from urllib.parse import urlsplit

    raw = config_env.env.str(name, default="").strip()
    if raw and (urlsplit(raw).scheme not in schemes or not urlsplit(raw).hostname):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a URL with one of the schemes {sorted(schemes)}.")
    return raw


OPS_ALERT_WEBHOOK_URL = _optional_url("OPS_ALERT_WEBHOOK_URL", {"http", "https"})
OPS_ALERT_WEBHOOK_SECRET = config_env.env.str("OPS_ALERT_WEBHOOK_SECRET", default="")
if OPS_ALERT_WEBHOOK_URL and len(OPS_ALERT_WEBHOOK_SECRET) < 16:
    raise ImproperlyConfigured("OPS_ALERT_WEBHOOK_SECRET must be set (16+ characters) when OPS_ALERT_WEBHOOK_URL is.")
OPS_ALERT_MAX_ATTEMPTS = int_in_range("OPS_ALERT_MAX_ATTEMPTS", 6, 1, 20)
OPS_ALERT_BACKOFF_SECONDS = int_in_range("OPS_ALERT_BACKOFF_SECONDS", 30, 1, 3600)
OPS_STUCK_SESSION_IDLE_MINUTES = int_in_range("OPS_STUCK_SESSION_IDLE_MINUTES", 60, 5, 7 * 1440)
OPS_SESSION_MAX_HOURS = int_in_range("OPS_SESSION_MAX_HOURS", 24, 1, 24 * 30)
OPS_UPTIME_TARGET_PERCENT = int_in_range("OPS_UPTIME_TARGET_PERCENT", 97, 1, 100)
# Scheduled maintenance a NEVI port may have excluded per 12-month window, in hours (0: no
# cap). 23 CFR 680.116(b)(3) defines T_excluded as outage minutes caused by reasons outside
# the operator's control, where it can show the port would otherwise work: electric utility
# service interruptions, the vehicle's fault, scheduled maintenance, vandalism, natural
# disasters, and hours outside the station's hours of operation. It names no limit for any
# of them, so the federal default is no cap; a state's NEVI contract may set one (California's
# CEC standard allows 72 h of planned maintenance a year), and time beyond it counts as outage.
NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS = int_in_range("NEVI_SCHEDULED_MAINTENANCE_CAP_HOURS", 0, 0, 8760)
OPS_DIAGNOSTICS_UPLOAD_URL = _optional_url("OPS_DIAGNOSTICS_UPLOAD_URL", {"ftp", "ftps", "sftp", "http", "https"})

# --- OCPI roaming (docs/ocpi.md) ---------------------------------------------------------
# Who we are to partner networks: one country code and a party id per role (CPO, EMSP).
OCPI_COUNTRY_CODE = config_env.matching("OCPI_COUNTRY_CODE", "DE", r"[A-Z]{2}", "an ISO 3166 alpha-2 code like DE")
OCPI_CPO_PARTY_ID = config_env.matching("OCPI_CPO_PARTY_ID", "EVC", r"[A-Z0-9]{3}", "a party id of 3 letters/digits")
OCPI_EMSP_PARTY_ID = config_env.matching("OCPI_EMSP_PARTY_ID", "EVC", r"[A-Z0-9]{3}", "a party id of 3 letters/digits")
OCPI_BUSINESS_NAME = config_env.env.str("OCPI_BUSINESS_NAME", default="EVCMS")[:100]
# The address partners reach us at (our versions endpoint is <this>/ocpi/versions).
OCPI_PUBLIC_URL = config_env.matching(
    "OCPI_PUBLIC_URL", "http://127.0.0.1:8000", r"https?://[^\s/]+(/[^\s]*)?", "an http(s) URL"
).rstrip("/")
# Seconds we wait for a partner's answer; a push that times out is retried with backoff.
OCPI_HTTP_TIMEOUT = int_in_range("OCPI_HTTP_TIMEOUT", 10, 1, 120)
# Real-time authorization of a partner's token at our charger: the partner must answer within
# this many seconds (the charger is waiting); a token it allowed is remembered this long.
OCPI_REALTIME_AUTH_SECONDS = int_in_range("OCPI_REALTIME_AUTH_SECONDS", 3, 1, 20)
OCPI_REALTIME_AUTH_CACHE_SECONDS = int_in_range("OCPI_REALTIME_AUTH_CACHE_SECONDS", 120, 0, 3600)
# The public open-data Locations and Tariffs (AFIR), per client address.
OCPI_OPEN_DATA_RATE = api_rate("OCPI_OPEN_DATA_RATE", "60/minute")
# The most objects one page of a list answers with (X-Limit).
OCPI_PAGE_LIMIT = int_in_range("OCPI_PAGE_LIMIT", 100, 1, 1000)
# What we add to a partner CPO's price before our drivers see it in the portal's search.
OCPI_ROAMING_MARKUP_PERCENT = Decimal(
    config_env.matching("OCPI_ROAMING_MARKUP_PERCENT", "10", r"\d{1,2}(\.\d{1,2})?", "a percentage from 0 to 99.99")
)

# --- Metrics (docs/operations.md#metrics) -----------------------------------------------------
METRICS_TOKEN = config_env.env.str("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 16:
    raise ImproperlyConfigured("METRICS_TOKEN must be at least 16 characters (or unset).")


def _networks(name: str, default: str) -> list:
    import ipaddress

    try:
        return [ipaddress.ip_network(item, strict=False) for item in str_list(name, default.split(","))]
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from error


METRICS_ALLOWED_NETWORKS = _networks("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
if is_set("PROMETHEUS_MULTIPROC_DIR") and not Path(config_env.env.str("PROMETHEUS_MULTIPROC_DIR")).is_dir():
    raise ImproperlyConfigured("PROMETHEUS_MULTIPROC_DIR must name an existing (empty at start-up) directory.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Lines logged while handling a charger's frames name it (" station=<identity>").
    "filters": {"station": {"()": "ocpp_gateway.log_context.StationIdentityFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s%(station)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["station"]}},
    "root": {"handlers": ["console"], "level": config_env.env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
