"""S0 baseline: a bare `websockets` echo server on uvloop — the Python limit on this box.

python -m bench.servers.echo PORT
"""

import sys

import uvloop
from websockets.asyncio.server import serve


async def echo(websocket) -> None:
    async for message in websocket:
        await websocket.send(message)


async def main(port: int) -> None:
    async with serve(echo, "127.0.0.1", port, ping_interval=None, max_queue=None, compression=None) as server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.run(main(int(sys.argv[1])))
