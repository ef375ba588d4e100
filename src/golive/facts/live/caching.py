"""HTTP caching and runtime-configuration probes of a running target.

- :func:`cache_directives` parses Cache-Control into a dict.
- :func:`static_asset_urls` finds the static assets an HTML page links to.
- :func:`revalidates` asks again with the ETag and reports whether 304 came back.
- :func:`repeat_reads` reads one URL several times and records each response's cache
  status (X-Cache and its CDN spellings, or Age) and time.
- :func:`config_report` reads the configuration check a health endpoint exposes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = [
    "CONFIG_KEYS",
    "HIT_HEADERS",
    "Read",
    "cache_directives",
    "cache_status",
    "config_report",
    "repeat_reads",
    "revalidates",
    "static_asset_urls",
]

HIT_HEADERS = ("x-cache", "x-vercel-cache", "cf-cache-status", "x-cache-status")
CONFIG_KEYS = ("config", "configuration", "env", "environment")
_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+\.(?:js|css|mjs|woff2?|png|svg|ico))["']""")


def cache_directives(value: str | None) -> dict[str, str | None]:
    """``"public, max-age=60"`` -> ``{"public": None, "max-age": "60"}`` (names lowercased)."""
    out: dict[str, str | None] = {}
    for part in (value or "").split(","):
        name, sep, arg = part.strip().partition("=")
        if name:
            out[name.strip().lower()] = arg.strip().strip('"') if sep else None
    return out


def max_age(directives: dict[str, str | None]) -> int | None:
    for key in ("s-maxage", "max-age"):
        raw = directives.get(key)
        if raw is not None:
            try:
                return int(raw)
            except ValueError:
                return None
    return None


def static_asset_urls(html: str) -> list[str]:
    """Same-site static asset paths an HTML page links to, in order, without repeats."""
    found = [u for u in _ASSET.findall(html) if u.startswith("/") and not u.startswith("//")]
    return list(dict.fromkeys(found))


def revalidates(client: httpx.Client, path: str, etag: str) -> int:
    """The status of a conditional GET with ``If-None-Match: etag`` (304 means revalidated)."""
    return client.get(path, headers={"if-none-match": etag}).status_code


def cache_status(response: httpx.Response) -> str | None:
    """HIT, MISS, … as the response says; ``HIT`` also for a positive Age header."""
    for name in HIT_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value).strip().upper().split()[0]
    age = response.headers.get("age", "")
    if age.isdigit() and int(age) > 0:
        return "HIT"
    return None


@dataclass
class Read:
    status: int
    ms: float
    cache: str | None
    cache_control: str | None

    def facts(self) -> dict[str, Any]:
        return {"status": self.status, "ms": self.ms, "cache": self.cache,
                "cache_control": self.cache_control}  # fmt: skip


@dataclass
class Reads:
    path: str
    reads: list[Read] = field(default_factory=list)

    @property
    def hits(self) -> list[Read]:
        return [r for r in self.reads if r.cache and r.cache.startswith("HIT")]

    @property
    def misses(self) -> list[Read]:
        return [r for r in self.reads if not (r.cache and r.cache.startswith("HIT"))]


def repeat_reads(client: httpx.Client, path: str, count: int = 5) -> Reads:
    """``count`` identical anonymous GETs of ``path``, one after the other."""
    out = Reads(path)
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        ms = round((time.perf_counter() - started) * 1000, 2)
        out.reads.append(
            Read(response.status_code, ms, cache_status(response),
                 response.headers.get("cache-control"))
        )  # fmt: skip
    return out


def config_report(body: object) -> dict[str, Any] | None:
    """The configuration check a health body exposes (``{"config": {"status": ...}}``)."""
    if not isinstance(body, dict):
        return None
    for key in CONFIG_KEYS:
        value = body.get(key)
        if isinstance(value, dict) and "status" in value:
            return value
        if isinstance(value, str):
            return {"status": value}
    return None
