#!/usr/bin/env python3
"""A TCP load balancer for trying sigstore-local replicas on one machine: each new connection goes to the next
backend that accepts it, round robin.

usage: round-robin-proxy.py LISTEN_PORT BACKEND_PORT [BACKEND_PORT ...]

Listens on 127.0.0.1:LISTEN_PORT, prints "ready" once listening, and runs until killed. A backend that refuses the
connection is skipped (a dead replica drops out at once); a client whose backends all refuse is disconnected.
"""
import asyncio
import itertools
import sys


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def main(listen_port, backends):
    turn = itertools.cycle(backends)

    async def handle(client_reader, client_writer):
        for _ in backends:
            port = next(turn)
            try:
                backend_reader, backend_writer = await asyncio.open_connection("127.0.0.1", port)
                break
            except OSError:
                continue
        else:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, backend_writer), pipe(backend_reader, client_writer))

    server = await asyncio.start_server(handle, "127.0.0.1", listen_port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), [int(p) for p in sys.argv[2:]]))
