"""Commands, Receiver interface (we are the CPO)."""

from roaming.envelope import ocpi_response
from roaming.services.commands import command_receive
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("POST",))
def command(request, command):
    return ocpi_response(command_receive(partner=request.ocpi_partner, command=command, data=request.ocpi_body))
