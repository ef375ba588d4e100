"""HTTP with bounds: an overall deadline per request, a body-size cap, no redirect off origin.

httpx's timeouts are per operation: a server sending one byte every few seconds is never
cut, and a response body is read whole into memory. Every request golive sends to a target
or a receiver goes through :class:`BoundedClient` (or :func:`request`), which adds:

- an overall deadline per request (connect, TLS, headers and body together): each socket
  operation gets at most the time left, enforced in the network backend so that a drip
  during the headers is cut as surely as one during the body;
- a cap on the body, raw and decoded (gzip and deflate are measured in slices before
  httpx inflates them, so a compressed bomb is cut without being inflated);
- redirects followed only within the request's origin (scheme, host, port).

Each bound breaks a request with a subclass of ``httpx.TransportError``, so every caller's
existing ``except httpx.TransportError`` turns it into a failed probe, never a traceback.
"""

from __future__ import annotations

import contextvars
import functools
import math
import ssl
import time
import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "MAX_BODY_BYTES",
    "MAX_REDIRECTS",
    "BodyTooLarge",
    "BoundedClient",
    "DeadlineExceeded",
    "OffOriginRedirect",
    "describe",
    "origin",
    "request",
]

DEFAULT_TIMEOUT_S = 10.0  # Environment.request_timeout_s unless configured
MAX_BODY_BYTES = 8 * 1024 * 1024  # no health, page or API answer golive reads is larger
MAX_REDIRECTS = 5
_ZLIB_ENCODINGS = ("gzip", "x-gzip", "deflate")  # measured before httpx inflates them


class DeadlineExceeded(httpx.TimeoutException):
    """The whole request (connect to last body byte) took longer than its deadline."""


class BodyTooLarge(httpx.TransportError):
    """The answer's body is larger than the cap."""


class OffOriginRedirect(httpx.TransportError):
    """A redirect to another scheme, host or port (never followed)."""


def origin(url: httpx.URL | str) -> str:
    """scheme://host:port of ``url`` (no userinfo, path or query: safe to report)."""
    parsed = httpx.URL(url)
    port = parsed.port or {"http": 80, "https": 443}.get(parsed.scheme)
    return f"{parsed.scheme}://{parsed.host}{f':{port}' if port else ''}"


def describe(exc: BaseException) -> str:
    """One line for evidence: the error's kind and, for golive's own bounds, why."""
    if isinstance(exc, DeadlineExceeded | BodyTooLarge | OffOriginRedirect):
        return f"{type(exc).__name__}: {exc}"
    return type(exc).__name__


# The deadline of the request running in this thread (monotonic seconds); the network
# backend reads it at every socket operation. A context variable: each thread (get_many's
# pool) has its own.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "golive_http_deadline", default=None
)


def _left(timeout: float | None) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _left(timeout), local_address,
                                         socket_options)  # fmt: skip
        return _Stream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@functools.cache
def _default_tls() -> ssl.SSLContext:
    """The verifying TLS context, built once: loading the CA bundle takes ≈0.3 s, and a
    receiver is polled several times a second (an SSLContext is safe to share)."""
    return httpx.create_ssl_context(verify=True, trust_env=False)


class _Transport(httpx.HTTPTransport):
    """httpx's transport on a connection pool whose sockets honour the deadline."""

    def __init__(self, *, verify: Any = True, local_address: str | None = None) -> None:
        super().__init__(verify=verify, local_address=local_address, trust_env=False)
        # httpx takes no network backend; its pool is rebuilt with one (the self-tests of
        # selftests/robustness/test_hostile_targets.py catch an httpx that changes this)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_default_tls() if verify is True else httpx.create_ssl_context(
                verify=verify, trust_env=False),
            local_address=local_address,
            network_backend=_Backend(),
        )


class BoundedClient(httpx.Client):
    """An ``httpx.Client`` whose every request ends within ``timeout_s`` with at most
    ``max_body`` bytes of body, following redirects (when asked) only within its origin.

    ``stream()`` is bounded too: each read of the body gets the time left, and the cap holds.
    """

    def __init__(
        self,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_body: int = MAX_BODY_BYTES,
        verify: Any = True,
        local_address: str | None = None,
        **kwargs: Any,
    ) -> None:
        if not (math.isfinite(timeout_s) and timeout_s > 0):
            raise ValueError(f"timeout_s must be a positive number, not {timeout_s!r}")
        kwargs.setdefault("timeout", timeout_s)
        # only encodings whose decoded size is measured before decoding (no br, no zstd)
        headers = httpx.Headers({"accept-encoding": "gzip, deflate"})
        headers.update(kwargs.get("headers") or {})
        kwargs["headers"] = headers
        follow = bool(kwargs.pop("follow_redirects", False))  # send() follows, in origin only
        super().__init__(
            transport=_Transport(verify=verify, local_address=local_address),
            trust_env=False,
            follow_redirects=False,
            **kwargs,
        )
        self.timeout_s = timeout_s
        self.max_body = max_body
        self.follow = follow

    def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        follow = follow_redirects if isinstance(follow_redirects, bool) else self.follow
        deadline = time.monotonic() + self.timeout_s
        start = origin(request.url)
        token = _deadline.set(deadline)
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                response = self._send_one(request, auth, deadline, stream=stream)
                if not (follow and response.next_request is not None):
                    return response
                response.close()
                request = response.next_request
                if origin(request.url) != start:
                    raise OffOriginRedirect(
                        f"{start} redirected to another origin ({origin(request.url)})",
                        request=request,
                    )
            raise OffOriginRedirect(f"{start}: more than {MAX_REDIRECTS} redirects",
                                    request=request)  # fmt: skip
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline - 0.05:
                raise DeadlineExceeded(
                    f"no complete answer from {start} within {self.timeout_s:g} s",
                    request=request,
                ) from exc
            raise
        finally:
            _deadline.reset(token)

    def _send_one(
        self, request: httpx.Request, auth: Any, deadline: float, *, stream: bool
    ) -> httpx.Response:
        response = super().send(request, stream=True, auth=auth, follow_redirects=False)
        encoding = response.headers.get("content-encoding", "")
        response.stream = _Capped(response.stream, self.max_body, deadline, request, encoding)
        if stream:
            return response
        try:
            body = bytearray()
            for chunk in response.iter_bytes():  # decoded: a compressed bomb is cut too
                body += chunk
                if len(body) > self.max_body:
                    raise BodyTooLarge(
                        f"{origin(request.url)} answered a body larger than "
                        f"{self.max_body} bytes",
                        request=request,
                    )
        finally:
            response.close()
        response._content = bytes(body)  # what Response.read() would have stored
        return response


class _Inflated:
    """How large a gzip or deflate body becomes, measured in slices: httpx inflates each
    raw chunk whole, so 50 kB of compressed zeros would become 50 MB at once; a chunk goes
    on to httpx only once its decoded size is known to fit the cap."""

    _SLICE = 64 * 1024

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._decoder = zlib.decompressobj(47 if "gzip" in encoding else 15)
        self._first = True
        self.size = 0

    def feed(self, data: bytes) -> None:
        try:
            self._inflate(data)
        except zlib.error:
            if not (self._first and "deflate" in self._encoding):
                return  # httpx's own decoder reports the broken body
            self._decoder = zlib.decompressobj(-15)  # raw deflate, as httpx also tries
            self._inflate(data)
        self._first = False

    def _inflate(self, data: bytes) -> None:
        while data:
            self.size += len(self._decoder.decompress(data, self._SLICE))
            data = self._decoder.unconsumed_tail
            if self._decoder.eof:
                return


class _Capped(httpx.SyncByteStream):
    """The raw body, cut at the cap (decoded size too, for gzip and deflate) and at the
    deadline (also when read after send())."""

    def __init__(
        self, inner: Any, cap: int, deadline: float, request: httpx.Request, encoding: str
    ) -> None:
        self._inner = inner
        self._cap = cap
        self._deadline = deadline
        self._request = request
        encoding = encoding.strip().lower()
        self._inflated = _Inflated(encoding) if encoding in _ZLIB_ENCODINGS else None

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        chunks = iter(self._inner)
        while True:
            token = _deadline.set(self._deadline)
            try:
                chunk = next(chunks, None)
            except httpx.TimeoutException as exc:
                raise DeadlineExceeded(
                    f"no complete answer from {origin(self._request.url)} in time",
                    request=self._request,
                ) from exc
            finally:
                _deadline.reset(token)
            if chunk is None:
                return
            seen += len(chunk)
            if self._inflated is not None:
                self._inflated.feed(chunk)
            if max(seen, self._inflated.size if self._inflated else 0) > self._cap:
                raise BodyTooLarge(
                    f"{origin(self._request.url)} answered a body larger than {self._cap} bytes",
                    request=self._request,
                )
            yield chunk

    def close(self) -> None:
        self._inner.close()


def request(
    method: str,
    url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_body: int = MAX_BODY_BYTES,
    **kwargs: Any,
) -> httpx.Response:
    """One bounded request on a client of its own (like ``httpx.request``)."""
    with BoundedClient(timeout_s=timeout_s, max_body=max_body) as client:
        return client.request(method, url, **kwargs)
