"""The Celery app. The beat schedule is declared here, in code; django-celery-beat's
database scheduler picks it up so staff can see (and pause) the entries in the admin."""

import functools
import os

from celery import Celery, Task
from celery.schedules import crontab
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


class TransactionAwareTask(Task):
    """Every task of this app is sent only once the database has committed.

    Called inside a transaction, `delay()`/`apply_async()` queue the message on commit (and
    return None); a worker could otherwise pick it up before the rows it names exist, or act
    on a write that is then rolled back. Outside a transaction they send at once. So call
    sites simply write `task.delay(ids)`, never `transaction.on_commit(...)` around it."""

    def apply_async(self, args=None, kwargs=None, **options):
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(functools.partial(super().apply_async, args, kwargs, **options))
            return None
        return super().apply_async(args, kwargs, **options)


# The app's default task class: `@shared_task` in every app gets it without importing config.
app = Celery("config", task_cls=TransactionAwareTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app adds its entries to BEAT_SCHEDULE in its own `schedule.py`; gathered here so
# one place shows the whole month's work.
BEAT_SCHEDULE: dict[str, dict] = {}

# Operations (docs/operations.md): health, alerts, maintenance, uptime, firmware.
BEAT_SCHEDULE.update(
    {
        "ops-detect-offline-stations": {"task": "stations.tasks.detect_offline_stations", "schedule": 60.0},
        "ops-confirm-incidents": {"task": "stations.tasks.confirm_incidents", "schedule": 30.0},
        "ops-dispatch-alerts": {"task": "stations.tasks.dispatch_alerts", "schedule": 60.0},
        "ops-retry-notifications": {"task": "stations.tasks.retry_notifications", "schedule": 60.0},
        "ops-detect-stuck-sessions": {"task": "stations.tasks.detect_stuck_sessions", "schedule": 300.0},
        # Site load management (docs/smart-charging.md): time-of-day limits, stale signals.
        "load-sites-rebalance": {"task": "stations.load_management.tasks.load_sites_rebalance", "schedule": 30.0},
        "ops-plan-maintenance": {"task": "stations.tasks.plan_maintenance", "schedule": crontab(minute=10)},
        "ops-alert-overdue-work-orders": {
            "task": "stations.tasks.alert_overdue_work_orders",
            "schedule": crontab(hour=7, minute=0),
        },
        "ops-compute-uptime": {"task": "stations.tasks.compute_uptime", "schedule": crontab(minute=5)},
        "pipeline-remind-stages": {
            "task": "stations.tasks.remind_pipeline_stages",
            "schedule": crontab(hour=7, minute=0),
        },
        "ops-advance-firmware-campaigns": {"task": "stations.tasks.advance_firmware_campaigns", "schedule": 60.0},
    }
)
# Roaming (docs/ocpi.md): the periodic pull that catches up on pushes a partner missed.
BEAT_SCHEDULE.update(
    {
        "roaming-pull-tokens": {"task": "roaming.tasks.tokens_pull_all", "schedule": crontab(minute=17)},
        "roaming-pull-locations": {"task": "roaming.tasks.locations_pull_all", "schedule": crontab(minute=47)},
        "roaming-pull-tariffs": {"task": "roaming.tasks.tariffs_pull_all", "schedule": crontab(minute=52)},
        # Sessions while charging (kWh, cost so far) and CDRs not yet accepted by the partner.
        "roaming-push-sessions": {"task": "roaming.tasks.sessions_progress_push", "schedule": 60.0},
        "roaming-push-cdrs": {"task": "roaming.tasks.cdrs_push_pending", "schedule": 60.0},
    }
)
# Billing (docs/billing.md). Invoices run hourly on the 1st (UTC) and each operator's
# invoices go out once the 1st has begun in its own zone.
BEAT_SCHEDULE.update(
    {
        "billing-post-membership-fees": {
            "task": "billing.tasks.post_membership_fees",
            "schedule": crontab(minute=5, hour=0, day_of_month=1),
        },
        "billing-issue-monthly-invoices": {
            "task": "billing.tasks.issue_monthly_invoices",
            "schedule": crontab(minute=15, day_of_month=1),
        },
        "billing-generate-settlements": {
            "task": "billing.tasks.generate_settlements",
            "schedule": crontab(minute=30, hour=3, day_of_month=2),
        },
        "billing-send-analytics-reports": {
            "task": "billing.tasks.send_analytics_reports",
            "schedule": crontab(minute=30, hour=4, day_of_month=2),
        },
        "billing-collect-invoice-payments": {
            "task": "billing.tasks.collect_invoice_payments",
            "schedule": crontab(minute=0, hour=6),
        },
        "billing-dun-overdue-invoices": {
            "task": "billing.tasks.dun_overdue_invoices",
            "schedule": crontab(minute=0, hour=8),
        },
        "billing-retry-failed-payments": {
            "task": "billing.tasks.retry_failed_payments",
            "schedule": crontab(minute=20),
        },
        "billing-price-missed-sessions": {
            "task": "billing.tasks.price_missed_sessions",
            "schedule": crontab(minute="*/30"),
        },
        "billing-charge-expired-reservations": {
            "task": "billing.tasks.charge_expired_reservations",
            "schedule": crontab(minute="*/15"),
        },
        "billing-email-unsent-invoices": {
            "task": "billing.tasks.email_unsent_invoices",
            "schedule": crontab(minute="*/15"),
        },
        "billing-release-unused-ad-hoc-holds": {
            "task": "billing.tasks.release_unused_ad_hoc_holds",
            "schedule": crontab(minute="*/5"),
        },
        "billing-email-unsent-ad-hoc-receipts": {
            "task": "billing.tasks.email_unsent_ad_hoc_receipts",
            "schedule": crontab(minute="*/15"),
        },
    }
)
# OCPP gateway (docs/ocpp.md): outbox expiry/timeouts, reservations, message-log retention.
BEAT_SCHEDULE.update(
    {
        "ocpp-commands-sweep": {"task": "ocpp_gateway.tasks.commands_sweep", "schedule": 30.0},
        "drivers-reservations-expire": {"task": "drivers.tasks.reservations_expire", "schedule": 60.0},
        "ocpp-message-log-prune": {"task": "ocpp_gateway.tasks.message_log_prune", "schedule": crontab(minute=40)},
        "ocpp-certificates-renew": {"task": "ocpp_gateway.tasks.certificates_renew", "schedule": crontab(minute=25)},
    }
)
# REST API (docs/api.md): Idempotency-Key records are kept for a day.
app.autodiscover_tasks(["config.api"])
BEAT_SCHEDULE.update(
    {
        "api-purge-idempotency-records": {
            "task": "config.api.tasks.purge_idempotency_records",
            "schedule": crontab(minute=50),
        }
    }
)
app.conf.beat_schedule = BEAT_SCHEDULE
