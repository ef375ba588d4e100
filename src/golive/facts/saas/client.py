"""What the SaaS readers share: one error, time parsing, export files, a small API client.

An API that cannot be read (no answer, 401/403, rate limit, a body that is not the
expected JSON) raises :class:`SourceUnavailable`; the checks turn it into *not verified*
with its message. A message never holds a secret: headers carry the credentials, and
every text that leaves this module is scrubbed of the values it was given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import httpx

from golive._errors import GoliveError

__all__ = [
    "ApiClient",
    "SourceUnavailable",
    "as_list",
    "load_export",
    "parse_time",
    "scrub",
]

_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
_DETAIL_CHARS = 160


class SourceUnavailable(GoliveError):
    """A SaaS API or an export file could not be read; the reason names which and why."""


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every secret value replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 string, or epoch milliseconds (Vercel) / seconds (Datadog), as UTC."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value  # ms after 1973, else seconds
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.year <= 1:  # gh prints 0001-01-01T00:00:00Z for "not yet"
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def as_list(value: object) -> list[dict[str, Any]]:
    """The dict items of a JSON list (anything else counts as empty)."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def load_export(path: Path) -> Any:
    """The JSON of an export file; SourceUnavailable names the file when it is unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceUnavailable(f"export {path.name} cannot be read: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceUnavailable(
            f"export {path.name} is not JSON (line {exc.lineno}: {exc.msg})"
        ) from None


def _error_detail(response: httpx.Response) -> str:
    """The service's own short error text (GitHub message, Vercel error, Datadog errors)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    detail: object = None
    if isinstance(body, dict):
        error = body.get("error")
        detail = body.get("message") or body.get("errors") or (
            error.get("message") if isinstance(error, dict) else error
        )
    if isinstance(detail, list):
        detail = "; ".join(str(item) for item in detail)
    return str(detail)[:_DETAIL_CHARS] if detail else ""


class ApiClient:
    """An httpx client for one service; every failure becomes SourceUnavailable."""

    def __init__(
        self,
        service: str,
        base_url: str,
        headers: Mapping[str, str],
        *,
        secrets: Iterable[str | None] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self._secrets = [s for s in secrets if s]
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": "golive", **headers},
            timeout=_TIMEOUT,
            follow_redirects=True,  # httpx drops Authorization on a cross-origin redirect
            transport=transport,
        )

    def _fail(self, what: str, reason: str) -> SourceUnavailable:
        return SourceUnavailable(scrub(f"{self.service} API {what}: {reason}", self._secrets))

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> httpx.Response:
        """GET ``path`` (or an absolute URL the service handed back); 2xx or raise."""
        what = f"GET {httpx.URL(path).path or path}"
        try:
            response = self._client.get(path, params=params)
        except httpx.TimeoutException as exc:
            raise self._fail(what, f"timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            host = self._client.base_url.host
            raise self._fail(what, f"{host} unreachable ({type(exc).__name__})") from None
        if response.is_success:
            return response
        detail = _error_detail(response)
        limited = response.headers.get("x-ratelimit-remaining") == "0"
        reason = f"HTTP {response.status_code}" + (" rate limited" if limited else "")
        raise self._fail(what, f"{reason} {detail}".strip())

    def get_json(self, path: str, params: Mapping[str, str | int] | None = None) -> Any:
        response = self.get(path, params)
        try:
            return response.json()
        except ValueError:
            raise self._fail(f"GET {path}", "the answer is not JSON") from None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
