from django.apps import AppConfig


class DriversConfig(AppConfig):
    name = "drivers"
    verbose_name = "Drivers (EMSP)"

    def ready(self) -> None:
        # Registrations need the models loaded, hence imported here (drivers/receivers.py).
        from drivers import receivers  # noqa: F401
