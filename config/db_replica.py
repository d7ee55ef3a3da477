"""Reports and analytics read from a PostgreSQL streaming replica (DATABASE_REPLICA_URL).

Only GET/HEAD requests of the views named in DATABASE_REPLICA_VIEWS (analytics, uptime,
regulatory reports) read from it, and only the domain's tables: logins, sessions and API
tokens are always read from the primary, so a token made a moment ago authenticates on a
lagging replica too. Everything else, and every write, goes to the primary. A replica is
seconds behind at most; a report does not need the last second, a charger's session does."""

from contextvars import ContextVar

from django.conf import settings

REPLICA = "replica"
DOMAIN_APPS = frozenset({"stations", "drivers", "billing", "ocpp_gateway"})

reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if reading_replica.get() and model._meta.app_label in DOMAIN_APPS and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # Rows read from the replica are the primary's rows; relating them is safe.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaReadsMiddleware:
    """Runs the views named in DATABASE_REPLICA_VIEWS with ReplicaRouter reading the replica.

    The view is called here, inside the flag, rather than the flag being set here and reset
    in __call__: under ASGI the middleware hooks of one request run in different contexts."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not _reads_replica(request):
            return None
        token = reading_replica.set(True)
        try:
            return view_func(request, *view_args, **view_kwargs)
        finally:
            reading_replica.reset(token)


def _reads_replica(request) -> bool:
    if REPLICA not in settings.DATABASES or request.method not in ("GET", "HEAD"):
        return False
    view_name = request.resolver_match.view_name if request.resolver_match else ""
    return any(view_name == name or view_name.startswith(f"{name}-") for name in settings.DATABASE_REPLICA_VIEWS)
