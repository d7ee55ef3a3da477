from django.apps import AppConfig
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = "OCPP gateway"

    def ready(self) -> None:
        # Registrations need the models loaded, hence imported here (ocpp_gateway/receivers.py).
        from ocpp_gateway import receivers  # noqa: F401

        _certificate_authority_check()


def _certificate_authority_check() -> None:
    """Stop start-up on a CA or certificate source class path that does not import (each
    is used only when a charger first asks, which would be too late to learn of a typo)."""
    for name in ("OCPP_CERTIFICATE_AUTHORITY", "OCPP_15118_CERTIFICATE_SOURCE"):
        try:
            import_string(getattr(settings, name))
        except ImportError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from error
