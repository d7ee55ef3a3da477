"""S0 protocol-only cost: a central system built on the `ocpp` package alone (schema
validation on, no database), answering what the simulator sends.

    python -m bench.servers.ocpp_central PORT
"""

import contextlib
import itertools
import sys
from datetime import UTC, datetime

import uvloop
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, RegistrationStatus
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


async def handle(websocket) -> None:
    identity = websocket.request.path.rstrip("/").rsplit("/", 1)[-1]
    with contextlib.suppress(ConnectionClosed):
        await CentralSystem(identity, websocket).start()


async def main(port: int) -> None:
    async with serve(
        handle, "127.0.0.1", port, subprotocols=["ocpp1.6"], ping_interval=None, compression=None
    ) as server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
