from django.apps import AppConfig


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = "OCPP gateway"

    def ready(self) -> None:
        # Registrations need the models loaded, hence imported here (ocpp_gateway/receivers.py).
        from ocpp_gateway import receivers  # noqa: F401
