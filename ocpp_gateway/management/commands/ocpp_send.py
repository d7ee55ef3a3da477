"""Queue an OCPP command for a station from the shell, from any process:

    manage.py ocpp_send CP-0001 RemoteStartTransaction '{"idTag": "TAG1", "connectorId": 1}' --wait 30

It is the raw escape hatch (ocpp_gateway.commands.raw_send): the frame goes as typed,
except that frames a domain rule owns go through that rule (a start or stop the charge
rule refuses exits non-zero with the refusal's code). The gateway process holding
the station's socket delivers it; with --wait the command prints the outcome once the
charger has answered (or the wait ends)."""

import json
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ocpp_gateway import commands
from stations.models import ChargingStation, CommandRequest
from stations.services.charging import ChargeRefused


class Command(BaseCommand):
    help = "Queue a CSMS→charger OCPP command through the outbox."

    def add_arguments(self, parser):
        parser.add_argument("identity")
        parser.add_argument("action")
        parser.add_argument("payload", nargs="?", default="{}", help="JSON object, the OCPP payload")
        parser.add_argument("--wait", type=float, default=0, help="Seconds to wait for the outcome.")

    def handle(self, *args, identity, action, payload, wait, **options):
        station = ChargingStation.objects.filter(identity=identity).first()
        if station is None:
            raise CommandError(f"No station {identity!r}.")
        try:
            data = json.loads(payload)
        except ValueError as error:
            raise CommandError(f"The payload is not JSON: {error}") from error
        try:
            command = commands.raw_send(
                station=station, action=action, payload=data, source=CommandRequest.Source.SYSTEM
            )
        except ChargeRefused as refusal:
            # The same code every door gives; CommandError makes the exit status non-zero.
            raise CommandError(f"Refused ({refusal.code}): {refusal.message}") from refusal
        except (ValueError, ValidationError) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(f"queued command {command.pk} ({action} → {identity})")
        deadline = time.monotonic() + wait
        while wait and time.monotonic() < deadline:
            command.refresh_from_db()
            if command.is_final:
                break
            time.sleep(0.2)
        command.refresh_from_db()
        outcome = {"id": command.pk, "status": command.status, "result": command.result}
        if command.error_code or command.error_description:
            outcome["error"] = {"code": command.error_code, "description": command.error_description}
        self.stdout.write(json.dumps(outcome))
