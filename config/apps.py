from django.apps import AppConfig

# Imported for its database check, which refuses a database made by the old migrations.
from config import migration_history  # noqa: F401


class ConfigConfig(AppConfig):
    """The composition root as an app, so that it can hold the management commands that
    span every app (demo data, benchmark provisioning)."""

    name = "config"
    verbose_name = "Configuration"
