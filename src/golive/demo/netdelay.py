"""A TCP relay that adds network latency: the broken twin's far-away database.

The broken twin's application reaches PostgreSQL across regions (the database in one
region, the application in another): every packet takes ``--delay-ms`` longer each way.
Connection establishment is several round trips (TCP, the SSL request, the TLS handshake,
the startup message, two SCRAM exchanges), so connects slow down by a multiple of it;
every query pays one round trip more. Bytes are relayed unchanged and in order (a delay
line per direction, no reordering, no loss)::

    python -m golive.demo.netdelay --port 6543 --upstream 5432 --delay-ms 30
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys

__all__ = ["main"]

_CHUNK = 64 * 1024


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Copy ``reader`` to ``writer``; each chunk leaves ``delay`` seconds after it arrived."""
    loop = asyncio.get_running_loop()
    line: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await line.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            data = await reader.read(_CHUNK)
            line.put_nowait((loop.time() + delay, data))
            if not data:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        with contextlib.suppress(OSError, RuntimeError):
            writer.close()


async def _serve(port: int, upstream: int, delay: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(
            _pipe(client_r, server_w, delay), _pipe(server_r, client_w, delay),
            return_exceptions=True,
        )  # fmt: skip

    server = await asyncio.start_server(handle, "127.0.0.1", port, reuse_address=True, backlog=512)
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.netdelay")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True, help="one-way delay")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.upstream, args.delay_ms / 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
