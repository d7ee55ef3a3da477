"""What the gateway plugs in at start-up (imported by OcppGatewayConfig.ready): stations
queue protocol-neutral requests, and only the gateway knows whether a station's protocol
can carry one (it also checks raw frames against its schemas)."""

from ocpp_gateway.commands import request_validate
from stations.services.commands import command_validator_register

command_validator_register(request_validate)
