from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Signal receivers and registrations need the models loaded, hence imported here.
        from billing import receivers  # noqa: F401
