"""Read a health endpoint once, within the request bounds (golive._http); never raises."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from golive import _http

__all__ = ["HealthAnswer", "read_health"]


@dataclass(frozen=True)
class HealthAnswer:
    target: str  # scheme://host:port (what evidence names; no path, no userinfo)
    path: str
    status: int | None
    body: bytes
    seconds: float
    error: str | None = None  # why no answer came (the bound that cut it, or the error)


def read_health(
    base_url: str, *, timeout_s: float, path: str = "/health", max_body: int = 64 * 1024
) -> HealthAnswer:
    """GET ``base_url`` + ``path``: a health answer is small, so its body is capped low."""
    started = time.monotonic()
    url = f"{base_url.rstrip('/')}{path}"
    try:
        response = _http.request("GET", url, timeout_s=timeout_s, max_body=max_body)
    except httpx.HTTPError as exc:
        return HealthAnswer(_http.origin(base_url), path, None, b"",
                            round(time.monotonic() - started, 3), _http.describe(exc))  # fmt: skip
    return HealthAnswer(_http.origin(base_url), path, response.status_code, response.content,
                        round(time.monotonic() - started, 3))  # fmt: skip
