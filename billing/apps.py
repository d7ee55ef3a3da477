from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Price sessions when the gateway reports them stopped (stations/signals.py).
        from billing import receivers  # noqa: F401
