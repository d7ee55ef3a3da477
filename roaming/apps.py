from django.apps import AppConfig


class RoamingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "roaming"
    verbose_name = "Roaming (OCPI 2.2.1)"

    def ready(self) -> None:
        # Signal receivers and registrations need the models loaded, hence imported here.
        from roaming import receivers  # noqa: F401
