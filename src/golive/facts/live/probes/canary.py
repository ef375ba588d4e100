"""A loopback canary for the SSRF probe: a tiny HTTP server on 127.0.0.1 and an ephemeral
port that records which unique token paths were requested. A request that reaches it
with a token golive sent only as a parameter value was made by the target's server."""

from __future__ import annotations

import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["Canary"]

_PREFIX = "/golive-canary-"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _hit(self) -> None:
        self.server.record(self.path, self.command, self.client_address[0])
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = _hit

    def log_message(self, format: str, *args: object) -> None:
        return  # quiet: the hits are the record


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: dict[str, list[str]] = {}
        self.lock = threading.Lock()

    def record(self, path: str, method: str, client: str) -> None:
        token = path.split("?", 1)[0].removeprefix(_PREFIX)
        with self.lock:
            self.hits.setdefault(token, []).append(f"{method} from {client}")


class Canary:
    """``with Canary() as canary``: listening until the block ends; ``canary.url()`` a
    fresh token URL, ``canary.wait(tokens, seconds)`` the tokens that were requested."""

    def __init__(self) -> None:
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Canary:
        self._server = _Server()
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def port(self) -> int:
        assert self._server is not None, "the canary is not listening"
        return int(self._server.server_address[1])

    def url(self, host: str = "127.0.0.1") -> tuple[str, str]:
        """(token, URL) of a token path on the canary under ``host``."""
        token = secrets.token_hex(8)
        return token, f"http://{host}:{self.port}{_PREFIX}{token}"

    def hits(self, token: str) -> list[str]:
        assert self._server is not None
        with self._server.lock:
            return list(self._server.hits.get(token, ()))

    def wait(self, tokens: list[str], seconds: float) -> set[str]:
        """The tokens requested, waiting up to ``seconds`` for all of them."""
        deadline = time.monotonic() + seconds
        while True:
            seen = {t for t in tokens if self.hits(t)}
            if len(seen) == len(tokens) or time.monotonic() >= deadline:
                return seen
            time.sleep(0.05)
