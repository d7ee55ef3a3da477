from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        # Price sessions when the gateway reports them stopped (stations/signals.py).
        from billing import receivers  # noqa: F401
        from billing.api.locations import site_tariff_snapshots
        from stations.api import locations

        # The API's `locations/` shows each site's public tariff; stations may not import billing.
        locations.site_tariffs_register(site_tariff_snapshots)
