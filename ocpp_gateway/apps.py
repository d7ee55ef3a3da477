from django.apps import AppConfig


class OcppGatewayConfig(AppConfig):
    name = "ocpp_gateway"
    verbose_name = "OCPP gateway"

    def ready(self) -> None:
        # Stations queue protocol-neutral requests; only the gateway knows whether the
        # station's protocol can carry one (and checks raw frames against its schemas).
        from ocpp_gateway.commands import request_validate
        from stations.services.commands import command_validator_register

        command_validator_register(request_validate)
