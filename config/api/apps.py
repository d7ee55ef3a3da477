from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The shared API toolkit as an app, so that it owns the one table it needs (the
    Idempotency-Key records) without importing any domain app."""

    name = "config.api"
    label = "api"
    verbose_name = "API"
