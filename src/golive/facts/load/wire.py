"""The open model's requests, prepared once per endpoint before the first arrival.

Each arrival then only puts the endpoint's bytes (HTTP/1.1 head and body, built here) on
a kept-alive connection and reads the answer: no URL building, header merging, validation
or JSON encoding per request, which is where a generator's CPU goes at a few thousand
requests per second. Pure data, no Locust or gevent: loadtests/locustfile.py sends them on
geventhttpclient's connection pool.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from golive import __version__
from golive.config import HEADER_NAME, LoadEndpoint

__all__ = ["WireRequest", "wire_requests"]

# what FastHttpSession asks for too: a browser-like request gets the compressed answer
_ACCEPT_ENCODING = "gzip, deflate, br"
_USER_AGENT = f"golive/{__version__} (load)"
_FIELD_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")  # no CR, LF, NUL; latin-1 only
_URI_SAFE = "/?#[]@!$&'()*+,;=:%~"  # reserved characters and escapes stay as written
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})  # Content-Length even when empty


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One endpoint's request as sent: method, target path, headers and body, and what
    counts as its success (``expect_status``, else Locust's rule: a status below 400)."""

    method: str
    uri: str  # the target's base path followed by the endpoint's path
    name: str  # the name the figures are kept under (Locust's name column)
    expect_status: frozenset[int]
    wire: bytes  # what is sent: request line, headers, blank line, body

    def failure(self, status: int) -> str | None:
        """Why an answer with ``status`` failed, or None when it succeeded."""
        if self.expect_status:
            if status in self.expect_status:
                return None
            return f"status {status}, expected {sorted(self.expect_status)}"
        return f"status {status}" if status >= 400 else None


def _has(headers: dict[str, str], name: str) -> bool:
    return any(key.lower() == name for key in headers)


def wire_requests(
    endpoints: Iterable[LoadEndpoint], *, base_url: str, token: str | None, bearer: str | None
) -> list[WireRequest]:
    """The endpoints as requests on ``base_url``: ``token`` is the login flow's, ``bearer``
    the configured bearer token; user:password in ``base_url`` becomes Basic auth."""
    parts = urlsplit(base_url)
    prefix = parts.path.rstrip("/")
    host = parts.netloc.rpartition("@")[2]
    basic = None
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        basic = "Basic " + base64.b64encode(pair.encode()).decode("ascii")
    prepared = []
    for endpoint in endpoints:
        headers = dict(endpoint.headers)
        credential = token if endpoint.auth == "login" else bearer
        if endpoint.auth != "none" and credential:
            headers["authorization"] = f"Bearer {credential}"
        elif basic and not _has(headers, "authorization"):
            headers["authorization"] = basic
        if not _has(headers, "accept-encoding"):
            headers["accept-encoding"] = _ACCEPT_ENCODING
        body = b""
        if isinstance(endpoint.body, str):
            body = endpoint.body.encode("utf-8")
        elif endpoint.body is not None:
            body = json.dumps(endpoint.body).encode("utf-8")
            if not _has(headers, "content-type"):
                headers["content-type"] = "application/json"
            if not _has(headers, "accept"):
                headers["accept"] = "application/json"
        uri = quote(prefix + endpoint.path, safe=_URI_SAFE)
        wire = _head(endpoint.method, uri, host, headers, body) + body
        name, expected = endpoint.name or endpoint.path, frozenset(endpoint.expect_status)
        prepared.append(WireRequest(endpoint.method, uri, name, expected, wire))
    return prepared


def _head(method: str, uri: str, host: str, headers: dict[str, str], body: bytes) -> bytes:
    """An HTTP/1.1 request head; a header that could split the request is refused."""
    fields = {"host": host, "user-agent": _USER_AGENT}
    fields.update({name.lower(): value for name, value in headers.items()})
    if body or method in _BODY_METHODS:
        fields["content-length"] = str(len(body))
    lines = [f"{method} {uri} HTTP/1.1"]
    for name, value in fields.items():
        if not HEADER_NAME.fullmatch(name) or not _FIELD_VALUE.fullmatch(value):
            raise ValueError(f"load endpoint {method} {uri}: header {name!r} is not sendable")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
