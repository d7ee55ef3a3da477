from django.apps import AppConfig


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = "Stations (CPO)"

    def ready(self) -> None:
        # Operations' signal receivers and the API's owner role (stations/receivers.py) need the
        # models loaded, hence imported here.
        from stations import receivers  # noqa: F401
