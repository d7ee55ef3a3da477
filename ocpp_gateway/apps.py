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
    """Stop start-up on a CA class path that does not import (it is used only when a
    charger sends its first CSR, which would be too late to learn of a typo)."""
    try:
        import_string(settings.OCPP_CERTIFICATE_AUTHORITY)
    except ImportError as error:
        raise ImproperlyConfigured(f"OCPP_CERTIFICATE_AUTHORITY: {error}") from error
