"""One bounded HTTP client for the active probes: a budget of requests and wall time,
redirects never followed, requests only to the target's own origin, each exchange kept
with the request that produced it (the evidence of a finding)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx

__all__ = ["BudgetExhausted", "Exchange", "FormPoint", "InjectionPoint", "Prober"]

_BODY_LIMIT = 200_000  # characters kept of a response: enough for any marker or signature


class BudgetExhausted(Exception):
    """The probes' request or time budget is spent."""


@dataclass(frozen=True)
class InjectionPoint:
    """A GET endpoint and its query parameters with ordinary values; where it was found."""

    path: str
    params: tuple[tuple[str, str], ...]
    found_at: str

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.params]

    def with_value(self, name: str, value: str) -> dict[str, str]:
        return {n: (value if n == name else v) for n, v in self.params}


@dataclass(frozen=True)
class FormPoint:
    """A state-changing request (a POST form, or a configured one): method, path, fields
    with ordinary values, how the body is encoded, where it was found."""

    method: str
    path: str
    fields: tuple[tuple[str, str], ...]
    encoding: str  # "form" or "json"
    found_at: str

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def body(self, fields: dict[str, str]) -> dict[str, dict[str, str]]:
        """Keyword arguments of :meth:`Prober.send` carrying ``fields`` as this body."""
        return {"json" if self.encoding == "json" else "form": fields}


@dataclass(frozen=True)
class Exchange:
    """A request the probes sent and what came back."""

    method: str
    target: str  # path and query as sent
    status: int
    location: str | None
    content_type: str
    text: str
    elapsed_s: float

    @property
    def request(self) -> str:
        return f"{self.method} {self.target}"


@dataclass
class Prober:
    """Sends requests to ``client``'s origin within ``max_requests`` and ``time_budget_s``."""

    client: httpx.Client
    max_requests: int
    time_budget_s: float
    timeout_s: float
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    @property
    def origin(self) -> tuple[str, str]:
        parts = urlsplit(str(self.client.base_url))
        return parts.scheme, parts.netloc

    def same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc) == self.origin

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> bool:
        return self.sent < self.max_requests and self.elapsed() < self.time_budget_s

    def get(self, path: str, params: dict[str, str] | None = None) -> Exchange | None:
        """GET ``path`` (never following a redirect); None on a transport error (noted)."""
        return self.send("GET", path, params=params)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange | None:
        """``method`` ``path`` with a query, a form or a JSON body (never following a
        redirect); None on a transport error (noted)."""
        if not self.left():
            raise BudgetExhausted(f"{self.sent} requests, {self.elapsed():.1f} s")
        target = path + ("?" + urlencode(params) if params else "")
        self.sent += 1
        started = time.perf_counter()
        try:
            response = self.client.request(
                method,
                path,
                params=params,
                data=form,
                json=json,
                headers=headers,
                follow_redirects=False,
                timeout=self.timeout_s,
            )
            text = response.text[:_BODY_LIMIT]
        except httpx.HTTPError as exc:
            self.errors.append(f"{method} {target}: {type(exc).__name__}")
            return None
        return Exchange(
            method,
            target,
            response.status_code,
            response.headers.get("location"),
            response.headers.get("content-type", ""),
            text,
            time.perf_counter() - started,
        )
