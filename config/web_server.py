"""`python -m config.web_server config.asgi:application [uvicorn options]`: uvicorn with a
graceful drain of charger sockets on SIGTERM (ocpp_gateway/drain.py).

Every uvicorn command-line option works as usual (the Procfile passes them). The only
difference is the order of a shutdown: stop accepting connections, then close the charger
sockets in batches over OCPP_DRAIN_WINDOW_SECONDS, then let uvicorn finish in-flight HTTP
requests and close what is left, as it always does."""

import asyncio
import importlib
import logging

from uvicorn.server import Server

from ocpp_gateway.drain import process_drain

logger = logging.getLogger("evcms.web_server")


class DrainingServer(Server):
    async def shutdown(self, sockets=None) -> None:
        # Stop accepting first, so that the load balancer sends new sockets elsewhere.
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        if not self.force_exit:
            try:
                await process_drain.run()
            except Exception:
                logger.exception("draining charger sockets failed; closing the rest at once")
        watcher = asyncio.get_running_loop().create_task(self._name_lingering_tasks())
        try:
            await super().shutdown(sockets)
        finally:
            watcher.cancel()

    async def _name_lingering_tasks(self) -> None:
        """Just before uvicorn cancels what outlived the graceful shutdown, say what it is."""
        await asyncio.sleep(max(0.0, (self.config.timeout_graceful_shutdown or 0) - 0.5))
        for task in list(self.server_state.tasks):
            logger.warning("still running at shutdown: %s", " -> ".join(_awaiting(task.get_coro())))


def _awaiting(coroutine) -> list[str]:
    """Where a suspended coroutine waits: each coroutine it awaits, outermost first."""
    chain = []
    while coroutine is not None and len(chain) < 20:
        frame = getattr(coroutine, "cr_frame", None) or getattr(coroutine, "gi_frame", None)
        if frame is None:
            chain.append(repr(coroutine))
            break
        chain.append(f"{frame.f_code.co_qualname}:{frame.f_lineno}")
        coroutine = getattr(coroutine, "cr_await", None) or getattr(coroutine, "gi_yieldfrom", None)
    return chain


# uvicorn builds `Server(config)` by these module-level names: in `run` for one process, in
# the supervisor for each of --workers N (a spawned child imports this module again, so the
# names are set there too). Pointing them at ours keeps uvicorn's whole command line.
# (`uvicorn.main` as an attribute is the CLI function, which shadows the module of that name.)
uvicorn_main = importlib.import_module("uvicorn.main")
uvicorn_main.Server = DrainingServer
importlib.import_module("uvicorn.supervisors.multiprocess").Server = DrainingServer


def main() -> None:
    uvicorn_main.main()


if __name__ == "__main__":
    main()
