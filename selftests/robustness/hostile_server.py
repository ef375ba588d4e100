"""A misbehaving HTTP target on loopback: one thread, one asyncio loop, a mode per path.

The first path segment picks the mode, so a base_url of ``http://127.0.0.1:PORT/<mode>``
makes every request of a run (``/``, ``/health``, ...) meet that misbehaviour:

``ok``              /health answers 200 ``{"status": "ok"}``, anything else a small page
``hang``            reads the request, never answers
``drip``            the answer's head, one byte every ``drip_s`` (10 s by default)
``drip-body``       a quick head, then the body one byte every ``drip_s``
``reset``           the connection reset (RST) after the request
``garbage``         random bytes instead of HTTP, then close
``truncated``       Content-Length 1000, 10 bytes sent, then close
``big``             a 50 MB body (Content-Length given)
``big-chunked``     a 50 MB body, chunked (no length announced)
``gzip-bomb``       50 MB of zeros sent gzip-compressed (≈50 kB on the wire)
``redirect-host``   302 to another loopback host (127.0.0.2)
``redirect-scheme`` 302 to file:///etc/passwd
``redirect-https``  302 to the TLS port (another scheme and port)
``health-garbage``  /health answers 200 with random bytes
``health-down``     /health answers 200 ``{"status": "down"}``
``flap``            /health answers 200 ok and 500 in turn

Beside it: ``silent_port`` accepts connections and never reads or writes, and ``tls_port``
serves ``ok`` over TLS with a self-signed certificate (invalid to any client that checks).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import ssl
import struct
import threading
import zlib
from collections.abc import Awaitable, Callable
from pathlib import Path

from selftests.security.tls_server import make_cert

MODES = (
    "ok", "hang", "drip", "drip-body", "reset", "garbage", "truncated", "big", "big-chunked",
    "gzip-bomb", "redirect-host", "redirect-scheme", "redirect-https", "health-garbage",
    "health-down", "flap",
)  # fmt: skip
BIG = 50 * 1024 * 1024
_CHUNK = 64 * 1024


def _gzip_zeros(size: int) -> bytes:
    """``size`` zero bytes gzip-compressed, built without holding them all."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip format
    block = bytes(1024 * 1024)
    return b"".join(packer.compress(block) for _ in range(size // len(block))) + packer.flush()


@functools.cache
def _gzip_bomb() -> bytes:
    return _gzip_zeros(BIG)  # ≈50 kB, built once per process (about a second of CPU)


def _head(status: int, headers: dict[str, str]) -> bytes:
    reason = {200: "OK", 302: "Found", 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _answer(status: int, body: bytes, content_type: str = "application/json") -> bytes:
    return _head(status, {"content-type": content_type, "content-length": str(len(body)),
                          "connection": "close"}) + body  # fmt: skip


class HostileServer:
    """``with HostileServer(folder) as hostile: hostile.url("drip")``."""

    def __init__(self, folder: Path, *, drip_s: float = 10.0) -> None:
        self.drip_s = drip_s
        self._folder = folder
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hostile-server",
                                        daemon=True)  # fmt: skip
        self._servers: list[asyncio.Server] = []
        self._writers: set[asyncio.StreamWriter] = set()
        self._stopping = asyncio.Event()
        self._flap = 0
        self.requests: dict[str, int] = {}
        self.port = self.silent_port = self.tls_port = 0

    # --- lifecycle ---------------------------------------------------------------------
    def __enter__(self) -> HostileServer:
        _gzip_bomb()  # built before serving: the first request must not wait for it
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _start(self) -> None:
        cert, key = make_cert(self._folder / "hostile-tls", expired=False)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        plain = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        silent = await asyncio.start_server(self._silent, "127.0.0.1", 0)
        secure = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=tls)
        self._servers = [plain, silent, secure]
        self.port, self.silent_port, self.tls_port = (
            s.sockets[0].getsockname()[1] for s in self._servers
        )

    async def _stop(self) -> None:
        for server in self._servers:
            server.close()
        # handlers waiting (a hang, a drip) wake up on the event; writers blocked on a client
        # that stopped reading fail once aborted (cancelling them trips Python 3.11's streams)
        self._stopping.set()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = asyncio.all_tasks(self._loop) - {asyncio.current_task()}
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for server in self._servers:
            await server.wait_closed()

    # --- addresses ---------------------------------------------------------------------
    def url(self, mode: str, path: str = "") -> str:
        assert mode in MODES, mode
        return f"http://127.0.0.1:{self.port}/{mode}{path}"

    @property
    def silent_url(self) -> str:
        return f"http://127.0.0.1:{self.silent_port}"

    @property
    def tls_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}/ok"

    # --- connections -------------------------------------------------------------------
    async def _pause(self, seconds: float) -> bool:
        """Sleep; True when the server is stopping meanwhile."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def _silent(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            await self._pause(3600)
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b" ", 2)[1].decode("latin-1")
            mode, _, rest = target.lstrip("/").partition("/")
            self.requests[mode] = self.requests.get(mode, 0) + 1
            handler = self._handlers().get(mode, self._not_found)
            await handler(writer, "/" + rest.partition("?")[0])
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                IndexError):  # fmt: skip
            pass  # the client went away or sent no HTTP: nothing to answer
        finally:
            self._writers.discard(writer)
            if not writer.is_closing():
                writer.close()

    def _handlers(self) -> dict[str, Callable[[asyncio.StreamWriter, str], Awaitable[None]]]:
        return {
            "ok": self._ok, "hang": self._hang, "drip": self._drip,
            "drip-body": self._drip_body, "reset": self._reset, "garbage": self._garbage,
            "truncated": self._truncated, "big": self._big, "big-chunked": self._big_chunked,
            "gzip-bomb": self._bomb, "redirect-host": self._redirect_host,
            "redirect-scheme": self._redirect_scheme, "redirect-https": self._redirect_https,
            "health-garbage": self._health_garbage, "health-down": self._health_down,
            "flap": self._flapping,
        }  # fmt: skip

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    async def _not_found(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._send(writer, _answer(404, b'{"error": "no such mode"}'))

    async def _ok(self, writer: asyncio.StreamWriter, path: str) -> None:
        if path == "/health":
            body = json.dumps({"status": "ok", "release": "hostile-1"}).encode()
            await self._send(writer, _answer(200, body))
        else:
            await self._send(writer, _answer(200, b"<html><body>ok</body></html>", "text/html"))

    async def _hang(self, _writer: asyncio.StreamWriter, _path: str) -> None:
        await self._pause(3600)

    async def _drip(self, writer: asyncio.StreamWriter, _path: str) -> None:
        for byte in _answer(200, b'{"status": "ok"}'):
            await self._send(writer, bytes([byte]))
            if await self._pause(self.drip_s):
                return

    async def _drip_body(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._send(writer, _head(200, {"content-type": "application/json",
                                             "content-length": "1000"}))  # fmt: skip
        for _ in range(1000):
            await self._send(writer, b" ")
            if await self._pause(self.drip_s):
                return

    async def _reset(self, writer: asyncio.StreamWriter, _path: str) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()  # SO_LINGER 0: the close sends RST

    async def _garbage(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._send(writer, os.urandom(4096))

    async def _truncated(self, writer: asyncio.StreamWriter, _path: str) -> None:
        head = _head(200, {"content-type": "application/json", "content-length": "1000"})
        await self._send(writer, head + b'{"status":')

    async def _big(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._send(writer, _head(200, {"content-type": "application/octet-stream",
                                             "content-length": str(BIG)}))  # fmt: skip
        block = b"x" * _CHUNK
        for _ in range(BIG // _CHUNK):
            await self._send(writer, block)

    async def _big_chunked(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._send(writer, _head(200, {"content-type": "application/json",
                                             "transfer-encoding": "chunked"}))  # fmt: skip
        block = b"%x\r\n" % _CHUNK + b" " * _CHUNK + b"\r\n"
        for _ in range(BIG // _CHUNK):
            await self._send(writer, block)
        await self._send(writer, b"0\r\n\r\n")

    async def _bomb(self, writer: asyncio.StreamWriter, _path: str) -> None:
        bomb = _gzip_bomb()
        await self._send(writer, _head(200, {
            "content-type": "application/json", "content-encoding": "gzip",
            "content-length": str(len(bomb))}) + bomb)  # fmt: skip

    async def _redirect(self, writer: asyncio.StreamWriter, location: str) -> None:
        await self._send(writer, _head(302, {"location": location, "content-length": "0",
                                             "connection": "close"}))  # fmt: skip

    async def _redirect_host(self, writer: asyncio.StreamWriter, path: str) -> None:
        await self._redirect(writer, f"http://127.0.0.2:{self.port}/ok{path}")

    async def _redirect_scheme(self, writer: asyncio.StreamWriter, _path: str) -> None:
        await self._redirect(writer, "file:///etc/passwd")

    async def _redirect_https(self, writer: asyncio.StreamWriter, path: str) -> None:
        await self._redirect(writer, f"https://127.0.0.1:{self.tls_port}/ok{path}")

    async def _health_garbage(self, writer: asyncio.StreamWriter, path: str) -> None:
        if path != "/health":
            return await self._ok(writer, path)
        await self._send(writer, _answer(200, os.urandom(64), "application/octet-stream"))

    async def _health_down(self, writer: asyncio.StreamWriter, path: str) -> None:
        if path != "/health":
            return await self._ok(writer, path)
        await self._send(writer, _answer(200, b'{"status": "down"}'))

    async def _flapping(self, writer: asyncio.StreamWriter, path: str) -> None:
        self._flap += 1
        if self._flap % 2:
            return await self._ok(writer, path)
        await self._send(writer, _answer(500, b'{"status": "error"}'))
