"""The front switch: a small HTTP/1.1 reverse proxy on the public port.

Each request goes to the *current* upstream (one webapp release). A deploy starts the
new release, then switches the upstream through the admin port; requests already on
their way finish on the old one, which is stopped once its in-flight count is zero::

    python -m golive.demo.proxy --port 8000 --admin-port 8009 --upstream 8001

Admin API (a separate 127.0.0.1 socket, never on the public port):
``GET /upstream`` -> ``{"port": N, "inflight": {"8001": 0}}``;
``PUT /upstream`` with ``{"port": N}`` switches.

Written on asyncio streams rather than an ASGI stack because every request of every
load test passes through it: it parses only what it must (request line, headers,
Content-Length or chunked bodies) and reuses upstream connections. It never stores
cookies or any other per-client state.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import ssl
import sys
import time
from collections import Counter
from dataclasses import dataclass

__all__ = ["Proxy", "main"]

# Hop-by-hop headers (RFC 9110 7.6.1) describe one connection and are never forwarded.
_HOP = {
    b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization",
    b"proxy-connection", b"te", b"trailer", b"transfer-encoding", b"upgrade",
    b"expect",  # the body was already read here; 100-continue is not passed on
}  # fmt: skip
_HEAD_LIMIT = 64 * 1024
_CLIENT_IDLE = 75.0  # longer than clients' keep-alive expiry: the client closes first
_UPSTREAM_IDLE = 30.0  # shorter than the webapp's keep-alive timeout (75 s): we close first
_UPSTREAM_TIMEOUT = 30.0
_IDEMPOTENT = {b"GET", b"HEAD", b"OPTIONS"}


class _BadRequest(Exception):
    pass


@dataclass
class _Message:
    start: bytes  # request or status line, without CRLF
    headers: list[tuple[bytes, bytes]]

    def get(self, name: bytes) -> bytes | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.get(b"connection") or b"").split(b",")}
        if self.start.startswith(b"HTTP/1.0") or self.start.endswith(b"HTTP/1.0"):
            return b"keep-alive" in tokens
        return b"close" not in tokens


async def _read_head(reader: asyncio.StreamReader) -> _Message:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError as exc:
        raise _BadRequest("header section too large") from exc
    lines = raw[:-4].split(b"\r\n")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise _BadRequest("malformed header line")
        headers.append((name, value.strip()))
    return _Message(lines[0], headers)


async def _read_body(
    reader: asyncio.StreamReader, msg: _Message, *, until_eof: bool = False
) -> bytes:
    """The body as bytes, de-chunked (Content-Length is set again when forwarding)."""
    encoding = (msg.get(b"transfer-encoding") or b"").lower()
    if b"chunked" in encoding:
        chunks: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":  # trailers
                    pass
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = msg.get(b"content-length")
    if length is not None:
        try:
            n = int(length)
        except ValueError as exc:
            raise _BadRequest("bad Content-Length") from exc
        return await reader.readexactly(n) if n else b""
    return await reader.read() if until_eof else b""


def _serialize(start: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    lines = [start, *(k + b": " + v for k, v in headers), b"", b""]
    return b"\r\n".join(lines) + body


def _json_response(status: int, reason: str, payload: object, *, close: bool) -> bytes:
    body = json.dumps(payload).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
    ]
    if close:
        headers.append((b"connection", b"close"))
    return _serialize(f"HTTP/1.1 {status} {reason}".encode(), headers, body)


def _bad_gateway(port: int) -> bytes:
    return _json_response(
        502, "Bad Gateway", {"error": "bad gateway", "upstream": port}, close=False
    )


@dataclass
class _Conn:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float


class Proxy:
    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.inflight: Counter[int] = Counter()
        self._idle: dict[int, list[_Conn]] = {}

    # --- upstream connections -------------------------------------------------------
    async def _acquire(self, port: int) -> tuple[_Conn, bool]:
        """A pooled connection to ``port`` (and whether it was reused) or a new one."""
        pool = self._idle.get(port, [])
        now = time.monotonic()
        while pool:
            conn = pool.pop()
            if now - conn.idle_since < _UPSTREAM_IDLE and not conn.reader.at_eof():
                return conn, True
            conn.writer.close()
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, limit=_HEAD_LIMIT), 2.0
        )
        return _Conn(reader, writer, now), False

    def _release(self, port: int, conn: _Conn) -> None:
        conn.idle_since = time.monotonic()
        self._idle.setdefault(port, []).append(conn)

    async def forward(
        self, request: _Message, body: bytes, client_ip: bytes, scheme: bytes = b"http"
    ) -> bytes:
        method = request.start.split(b" ", 1)[0]
        headers = [(k, v) for k, v in request.headers if k.lower() not in _HOP]
        headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
        headers += [
            (b"x-forwarded-for", client_ip),
            (b"x-forwarded-proto", scheme),
            (b"content-length", str(len(body)).encode()),
        ]
        start = b" ".join(request.start.split(b" ")[:2]) + b" HTTP/1.1"
        wire = _serialize(start, headers, body)
        for attempt in range(3):
            port = self.upstream  # read per attempt: a retry follows a switch
            self.inflight[port] += 1
            try:
                try:
                    conn, reused = await self._acquire(port)
                except OSError:  # refused or timed out: nothing reached the upstream
                    if attempt == 0:
                        await asyncio.sleep(0.05)
                        continue
                    return _bad_gateway(port)
                try:
                    conn.writer.write(wire)
                    await conn.writer.drain()
                    response, reusable = await asyncio.wait_for(
                        self._read_response(conn, method), _UPSTREAM_TIMEOUT
                    )
                except (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError):
                    conn.writer.close()
                    # A reused keep-alive connection the upstream had just closed: the
                    # request never ran there, so an idempotent one is retried afresh.
                    if reused and method in _IDEMPOTENT and attempt < 2:
                        continue
                    return _bad_gateway(port)
                except (OSError, _BadRequest, ValueError):
                    conn.writer.close()
                    return _bad_gateway(port)
                if reusable:
                    self._release(port, conn)
                else:
                    conn.writer.close()
                return response
            finally:
                self.inflight[port] -= 1
        return _bad_gateway(self.upstream)

    async def _read_response(self, conn: _Conn, method: bytes) -> tuple[bytes, bool]:
        head = await _read_head(conn.reader)
        status = int(head.start.split(b" ", 2)[1])
        no_body = method == b"HEAD" or status in (204, 304) or 100 <= status < 200
        has_length = head.get(b"content-length") is not None
        chunked = b"chunked" in (head.get(b"transfer-encoding") or b"").lower()
        body = b"" if no_body else await _read_body(conn.reader, head, until_eof=True)
        reusable = head.keep_alive() and (no_body or has_length or chunked)
        headers = [(k, v) for k, v in head.headers if k.lower() not in _HOP]
        if not no_body:
            headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
        return _serialize(head.start, headers, body), reusable

    # --- admin ----------------------------------------------------------------------
    def admin(self, request: _Message, body: bytes) -> bytes:
        method, target = request.start.split(b" ")[:2]
        if target != b"/upstream":
            return _json_response(404, "Not Found", {"error": "not found"}, close=False)
        if method == b"PUT":
            try:
                port = int(json.loads(body)["port"])
            except (ValueError, KeyError, TypeError):
                return _json_response(
                    400, "Bad Request", {"error": 'body must be {"port": N}'}, close=False
                )
            previous, self.upstream = self.upstream, port
            return _json_response(200, "OK", {"port": port, "previous": previous}, close=False)
        inflight = {str(p): n for p, n in self.inflight.items()}
        return _json_response(200, "OK", {"port": self.upstream, "inflight": inflight}, close=False)

    # --- client connections ---------------------------------------------------------
    async def serve_client(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        admin: bool,
        scheme: bytes = b"http",
    ) -> None:
        peer = writer.get_extra_info("peername")
        client_ip = str(peer[0] if peer else "").encode()
        try:
            while True:
                try:
                    request = await asyncio.wait_for(_read_head(reader), _CLIENT_IDLE)
                    body = await _read_body(reader, request)
                except (asyncio.IncompleteReadError, OSError):  # gone, idle or TLS error
                    return  # client went away or stayed idle: close quietly
                except (_BadRequest, ValueError) as exc:
                    writer.write(
                        _json_response(400, "Bad Request", {"error": str(exc)}, close=True)
                    )
                    await writer.drain()
                    return
                keep_alive = request.keep_alive()
                if admin:
                    response = self.admin(request, body)
                else:
                    response = await self.forward(request, body, client_ip, scheme)
                if not keep_alive:
                    head, sep, rest = response.partition(b"\r\n\r\n")
                    response = head + b"\r\nconnection: close" + sep + rest
                writer.write(response)
                await writer.drain()
                if not keep_alive:
                    return
        except OSError:  # connection reset, TLS errors: nothing left to answer
            return
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _serve(args: argparse.Namespace) -> None:
    proxy = Proxy(args.upstream)
    port, admin_port = args.port, args.admin_port
    public = await asyncio.start_server(
        lambda r, w: proxy.serve_client(r, w, admin=False),
        "127.0.0.1", port, limit=_HEAD_LIMIT, reuse_address=True, backlog=1024,
    )  # fmt: skip
    control = await asyncio.start_server(
        lambda r, w: proxy.serve_client(r, w, admin=True),
        "127.0.0.1", admin_port, limit=_HEAD_LIMIT, reuse_address=True,
    )  # fmt: skip
    servers = [public, control]
    if args.tls_port:
        # The HTTPS front: TLS 1.2+ only, with the certificate the stack generated.
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(args.certfile, args.keyfile)
        servers.append(
            await asyncio.start_server(
                lambda r, w: proxy.serve_client(r, w, admin=False, scheme=b"https"),
                "127.0.0.1", args.tls_port, limit=_HEAD_LIMIT, reuse_address=True,
                backlog=1024, ssl=context,
            )
        )  # fmt: skip
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for server in servers:
        server.close()
    await asyncio.sleep(0.2)  # let responses being written go out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.proxy")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin-port", type=int, required=True)
    parser.add_argument("--upstream", type=int, required=True)
    parser.add_argument("--tls-port", type=int, help="also serve HTTPS on this port")
    parser.add_argument("--certfile")
    parser.add_argument("--keyfile")
    args = parser.parse_args(argv)
    if args.tls_port and not (args.certfile and args.keyfile):
        parser.error("--tls-port needs --certfile and --keyfile")
    asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
