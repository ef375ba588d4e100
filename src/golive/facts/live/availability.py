"""Watch a health endpoint while something changes (a deploy, a rollback, a failover).

A background thread requests the URL at a fixed rate (≈20 Hz) on one keep-alive client,
as a steady user would, and keeps every answer: status, latency, the release it names.
A request fails when it gets no answer or an answer other than 2xx.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

import httpx

__all__ = ["HealthPoller", "HealthSample", "Window", "check_health", "release_of"]

_RELEASE_KEYS = ("release", "version", "commit", "build")
_RELEASE_HEADERS = ("x-release", "x-version", "x-commit")


def release_of(response: httpx.Response) -> str | None:
    """The release a response names: a JSON key (release/version/…) or an X-Release header."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in _RELEASE_KEYS:
            if isinstance(body.get(key), str | int) and str(body[key]):
                return str(body[key])
    for header in _RELEASE_HEADERS:
        if response.headers.get(header):
            return response.headers[header]
    return None


@dataclass(frozen=True)
class HealthSample:
    at: float  # seconds since the window opened
    status: int | None
    ms: float
    release: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def check_health(client: httpx.Client, url: str, *, started: float | None = None) -> HealthSample:
    """One request to ``url``; transport errors become a failed sample, never an exception."""
    t0 = time.perf_counter()
    at = t0 - (started if started is not None else t0)
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        return HealthSample(round(at, 3), None, round((time.perf_counter() - t0) * 1000, 1),
                            error=type(exc).__name__)  # fmt: skip
    ms = round((time.perf_counter() - t0) * 1000, 1)
    release = release_of(response) if response.is_success else None
    return HealthSample(round(at, 3), response.status_code, ms, release)


@dataclass
class Window:
    """Every sample taken while the poller ran."""

    samples: list[HealthSample] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def failures(self) -> list[HealthSample]:
        return [s for s in self.samples if not s.ok]

    @property
    def releases(self) -> list[str]:
        """Releases seen, in the order they first answered."""
        seen: list[str] = []
        for sample in self.samples:
            if sample.release and sample.release not in seen:
                seen.append(sample.release)
        return seen

    @property
    def rate_hz(self) -> float:
        return round(self.requests / self.seconds, 1) if self.seconds else 0.0

    def outage_seconds(self) -> float:
        """Length of the longest run of consecutive failed samples (first to last failure)."""
        longest, start = 0.0, None
        for sample in self.samples:
            if not sample.ok:
                start = sample.at if start is None else start
                longest = max(longest, sample.at - start)
            else:
                start = None
        return round(longest, 3)

    def summary(self) -> dict[str, object]:
        kinds = Counter(s.error or str(s.status) for s in self.failures)
        return {
            "requests": self.requests,
            "failed": len(self.failures),
            "rate_hz": self.rate_hz,
            "seconds": round(self.seconds, 3),
            "releases": self.releases,
            "failures_by_kind": dict(kinds),
            "longest_outage_s": self.outage_seconds(),
            "first_failures": [
                {"at": s.at, "status": s.status, "error": s.error} for s in self.failures[:5]
            ],
        }


class HealthPoller:
    """``with HealthPoller(url) as poll: ...`` then ``poll.window`` holds the samples."""

    def __init__(self, url: str, *, hz: float = 20.0, timeout: float = 2.0) -> None:
        self.url = url
        self.interval = 1.0 / hz
        self.timeout = timeout
        self.window = Window()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            next_at = time.perf_counter()
            while not self._stop.is_set():
                self.window.samples.append(check_health(client, self.url, started=self._started))
                next_at += self.interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = time.perf_counter()  # fell behind (slow answers): do not burst

    def __enter__(self) -> HealthPoller:
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._run, name="golive-health-poller", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 5.0)
        self.window.seconds = time.perf_counter() - self._started
