"""The Celery app. The beat schedule is declared here, in code; django-celery-beat's
database scheduler picks it up so staff can see (and pause) the entries in the admin."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each app adds its entries to BEAT_SCHEDULE in its own `schedule.py`; gathered here so
# one place shows the whole month's work.
BEAT_SCHEDULE: dict[str, dict] = {}
app.conf.beat_schedule = BEAT_SCHEDULE
