"""Commands, Sender side (we are the EMSP): where a partner CPO POSTs a charger's result."""

from roaming.envelope import ocpi_response
from roaming.services.sent_commands import sent_command_result
from roaming.views.base import ocpi_endpoint


@ocpi_endpoint(methods=("POST",))
def command_result(request, command, sent_id):
    sent_command_result(partner=request.ocpi_partner, command=command, sent_id=int(sent_id), data=request.ocpi_body)
    return ocpi_response()
