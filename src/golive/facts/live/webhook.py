"""Notification endpoints: post to a Slack-style incoming webhook, and watch a receiver.

A real Slack webhook only answers ``ok``: nobody can read back what arrived. A receiver
that lists what it got (the demo's webhook sink: ``GET <hook>`` answers
``{"received": [{"received_at": <epoch s>, "body": ...}]}``) is *observable*, and only
an observable receiver lets a drill time delivery.

The URLs handled here are secrets (a Slack webhook URL grants posting): they are never
put into evidence or messages; :func:`redact` shows scheme, host and port only.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from golive import _http
from golive._redact import redact as redact_secrets

__all__ = [
    "Delivery",
    "PostResult",
    "SinkEntry",
    "drill_marker",
    "post_message",
    "read_sink",
    "receiver_up",
    "redact",
    "wait_for",
]


def redact(url: str) -> str:
    """Scheme, host and port of a URL; the path and query (the webhook's secret) hidden."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}/…"


def drill_marker(prefix: str = "golive") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class PostResult:
    status: int | None
    seconds: float
    body: str  # the first 200 characters of the answer ("ok" for Slack)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post_message(url: str, message: dict[str, Any], *, timeout: float = 10.0) -> PostResult:
    started = time.perf_counter()
    try:
        response = _http.request("POST", url, json=message, timeout_s=timeout)
    except httpx.HTTPError as exc:
        return PostResult(None, time.perf_counter() - started, "", type(exc).__name__)
    body = redact_secrets(response.text[:200])  # a receiver may echo its (secret) address
    return PostResult(response.status_code, time.perf_counter() - started, body)


def receiver_up(url: str, *, timeout: float = 10.0) -> tuple[bool, str]:
    """Whether the receiver answers a GET (nothing is posted) with 2xx, and what it said.

    A 4xx is down: Slack answers a retired or revoked hook with 403 ``invalid_token``,
    404 ``no_service`` or 410 ``channel_is_archived``; the address no longer delivers."""
    try:
        response = _http.request("GET", url, timeout_s=timeout)
    except httpx.HTTPError as exc:
        return False, f"GET {redact(url)}: {type(exc).__name__}"
    answer = f"GET {redact(url)}: {response.status_code}"
    if not 200 <= response.status_code < 300:
        return False, redact_secrets(f"{answer} {response.text[:80].strip()}".rstrip())
    return True, answer


@dataclass(frozen=True)
class SinkEntry:
    received_at: float  # epoch seconds, the receiver's clock
    body: Any

    def mentions(self, marker: str) -> bool:
        return marker in json.dumps(self.body, ensure_ascii=False)


def read_sink(url: str, *, timeout: float = 5.0) -> list[SinkEntry] | None:
    """What an observable receiver got; None when ``url`` does not list what it received."""
    try:
        response = _http.request("GET", url, timeout_s=timeout)
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    received = data.get("received") if isinstance(data, dict) else None
    if not isinstance(received, list):
        return None
    return [
        SinkEntry(float(item.get("received_at", 0.0)), item.get("body"))
        for item in received
        if isinstance(item, dict)
    ]


@dataclass(frozen=True)
class Delivery:
    url: str
    entry: SinkEntry
    seen_at: float  # epoch seconds when golive saw it listed


def wait_for(
    urls: list[str],
    marker: str,
    *,
    timeout_s: float,
    interval_s: float = 0.2,
    clock: Callable[[], float] = time.time,
) -> Delivery | None:
    """Poll the receivers until one lists a message containing ``marker``; None on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        for url in urls:
            for entry in read_sink(url) or []:
                if entry.mentions(marker):
                    return Delivery(url, entry, clock())
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval_s)
