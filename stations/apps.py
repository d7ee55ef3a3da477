from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = "Stations (CPO)"

    def ready(self) -> None:
        # Operations reacts to the gateway's domain signals (incidents, uptime, campaigns).
        from stations import receivers  # noqa: F401
