from django.apps import AppConfig


class ConfigConfig(AppConfig):
    """The composition root as an app, so that it can hold the management commands that
    span every app (demo data, benchmark provisioning)."""

    name = "config"
    verbose_name = "Configuration"
