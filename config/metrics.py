"""`/metrics` for Prometheus: the gateway's counters (ocpp_gateway.metrics) plus figures read
at scrape time — outbox depth by status, Celery queue length, this process's database pool.

Access: from an address in METRICS_ALLOWED_IPS (default loopback), or with
`Authorization: Bearer $METRICS_TOKEN` when that is set; anyone else gets 403.
With PROMETHEUS_MULTIPROC_DIR set (several web processes), the counters are summed over the
processes' files; the pool gauge is that of the process that answered (label `pid`)."""

import hmac
import ipaddress
import logging
import os
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.models import Count
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from ocpp_gateway import metrics as gateway_metrics  # noqa: F401 - registers the gateway's metrics
from stations.models import CommandRequest

logger = logging.getLogger(__name__)


class ScrapeTimeCollector:
    """Figures that are read when Prometheus asks, not counted as they happen."""

    def collect(self):
        up = GaugeMetricFamily("evcms_metrics_source_up", "Whether a source answered this scrape.", labels=["source"])
        depth = GaugeMetricFamily(
            "evcms_outbox_commands",
            "Charger commands waiting (pending) or awaiting an answer (sent).",
            labels=["status"],
        )
        try:
            counts = dict(
                CommandRequest.objects.filter(status__in=[CommandRequest.Status.PENDING, CommandRequest.Status.SENT])
                .values_list("status")
                .annotate(n=Count("id"))
            )
            for status in (CommandRequest.Status.PENDING, CommandRequest.Status.SENT):
                depth.add_metric([status.value], counts.get(status, 0))
            up.add_metric(["database"], 1)
        except Exception:
            logger.warning("metrics: outbox depth unavailable", exc_info=True)
            up.add_metric(["database"], 0)
        queue = GaugeMetricFamily("evcms_celery_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"])
        try:
            queue.add_metric([settings.CELERY_TASK_DEFAULT_QUEUE], celery_queue_length())
            up.add_metric(["broker"], 1)
        except Exception:
            logger.warning("metrics: Celery queue length unavailable", exc_info=True)
            up.add_metric(["broker"], 0)
        yield from (depth, queue, up, db_pool_metric())


def celery_queue_length() -> int:
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    if settings.REDIS_URL:
        with settings.REDIS_TARGET.client(socket_timeout=2, socket_connect_timeout=2) as client:
            return client.llen(queue)
    # Embedded mode's file broker: one file per waiting message.
    folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
    return sum(1 for entry in folder.glob(f"*.{queue}.msg"))


def db_pool_metric() -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "evcms_db_pool_connections",
        "This process's PostgreSQL pool: connections in use, idle, and its maximum.",
        labels=["pid", "state"],
    )
    pool = getattr(connections["default"], "pool", None)
    if pool is not None:
        stats = pool.get_stats()
        pid = str(os.getpid())
        family.add_metric([pid, "in_use"], stats["pool_size"] - stats["pool_available"])
        family.add_metric([pid, "idle"], stats["pool_available"])
        family.add_metric([pid, "max"], stats["pool_max"])
    return family


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Default())
    registry.register(ScrapeTimeCollector())
    return registry


class _Default:
    """The process-wide default registry (gateway metrics, process and platform figures)."""

    def collect(self):
        return REGISTRY.collect()


def allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    if token and hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


@require_GET
def metrics_view(request):
    if not allowed(request):
        return HttpResponseForbidden("Metrics are served to METRICS_ALLOWED_IPS or with the METRICS_TOKEN bearer.\n")
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
