"""S0 protocol-only cost: a central system built on the `ocpp` package alone (schema
validation on, no database), answering what the simulator sends, in OCPP 1.6 or 2.0.1
as the charger's subprotocol asks.

    python -m bench.servers.ocpp_central PORT
"""

import contextlib
import itertools
import sys
from datetime import UTC, datetime

import uvloop
from ocpp import v201
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
from ocpp.v201.enums import Action as Action201
from ocpp.v201.enums import AuthorizationStatusEnumType, RegistrationStatusEnumType
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

transaction_ids = itertools.count(1)


def now() -> str:
    return datetime.now(UTC).isoformat()


class CentralSystem(ChargePoint):
    @on(Action.boot_notification)
    def on_boot(self, **kwargs):
        return call_result.BootNotification(current_time=now(), interval=60, status=RegistrationStatus.accepted)

    @on(Action.heartbeat)
    def on_heartbeat(self, **kwargs):
        return call_result.Heartbeat(current_time=now())

    @on(Action.status_notification)
    def on_status(self, **kwargs):
        return call_result.StatusNotification()

    @on(Action.meter_values)
    def on_meter_values(self, **kwargs):
        return call_result.MeterValues()

    @on(Action.start_transaction)
    def on_start(self, **kwargs):
        return call_result.StartTransaction(
            transaction_id=next(transaction_ids), id_tag_info={"status": AuthorizationStatus.accepted}
        )

    @on(Action.stop_transaction)
    def on_stop(self, **kwargs):
        return call_result.StopTransaction()


class CentralSystem201(v201.ChargePoint):
    @on(Action201.boot_notification)
    def on_boot(self, **kwargs):
        return v201.call_result.BootNotification(
            current_time=now(), interval=60, status=RegistrationStatusEnumType.accepted
        )

    @on(Action201.heartbeat)
    def on_heartbeat(self, **kwargs):
        return v201.call_result.Heartbeat(current_time=now())

    @on(Action201.status_notification)
    def on_status(self, **kwargs):
        return v201.call_result.StatusNotification()

    @on(Action201.transaction_event)
    def on_transaction_event(self, id_token=None, **kwargs):
        # E01: idTokenInfo whenever the event carries a token, as the gateway answers.
        info = {"status": AuthorizationStatusEnumType.accepted} if id_token else None
        return v201.call_result.TransactionEvent(id_token_info=info)

    @on(Action201.meter_values)
    def on_meter_values(self, **kwargs):
        return v201.call_result.MeterValues()


CENTRAL_SYSTEMS = {"ocpp1.6": CentralSystem, "ocpp2.0.1": CentralSystem201}


async def handle(websocket) -> None:
    identity = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
    central_system = CENTRAL_SYSTEMS[websocket.subprotocol or "ocpp1.6"]
    with contextlib.suppress(ConnectionClosed):
        await central_system(identity, websocket).start()


async def main(port: int) -> None:
    async with serve(
        handle, "127.0.0.1", port, subprotocols=list(CENTRAL_SYSTEMS), ping_interval=None, compression=None
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
