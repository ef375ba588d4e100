"""Watch an application's key endpoints while something changes (a deploy, a rollback,
a failover).

One background thread per endpoint requests it at a fixed rate (≈20 Hz each) on a
keep-alive client of its own, as a steady user would, and keeps every answer: endpoint,
status, latency, the release it names. A request fails when it gets no answer or an
answer other than 2xx. A release that answers again after a newer one was seen in the
same window is a mix of versions (``Window.mixed``).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from types import TracebackType

import httpx

from golive._http import BoundedClient

__all__ = ["HealthPoller", "HealthSample", "Window", "check_health", "endpoint_name", "release_of"]

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
    url: str | None = None

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
                            error=type(exc).__name__, url=url)  # fmt: skip
    ms = round((time.perf_counter() - t0) * 1000, 1)
    release = release_of(response) if response.is_success else None
    return HealthSample(round(at, 3), response.status_code, ms, release, url=url)


def endpoint_name(url: str | None) -> str:
    """The path (and query) of a polled URL: how evidence names an endpoint."""
    if not url:
        return "-"
    parts = httpx.URL(url)
    return parts.raw_path.decode("ascii", "replace") or "/"


@dataclass
class Window:
    """Every sample taken while the poller ran."""

    samples: list[HealthSample] = field(default_factory=list)
    seconds: float = 0.0
    # the release served when the window opened (read before the command): the oldest one,
    # whatever the first poll of a busy machine happened to see
    release_before: str | None = None

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
        """Length of the longest run of consecutive failed samples (first to last failure)
        of any one endpoint."""
        longest = 0.0
        for samples in self.by_endpoint().values():
            start = None
            for sample in samples:
                if not sample.ok:
                    start = sample.at if start is None else start
                    longest = max(longest, sample.at - start)
                else:
                    start = None
        return round(longest, 3)

    def by_endpoint(self) -> dict[str, list[HealthSample]]:
        """The samples of each endpoint, in time order (endpoints in first-polled order)."""
        found: dict[str, list[HealthSample]] = {}
        for sample in sorted(self.samples, key=lambda s: s.at):
            found.setdefault(endpoint_name(sample.url), []).append(sample)
        return found

    def mixed(self) -> list[HealthSample]:
        """Answers from a release older than one already seen in this window (any
        endpoint): after the switch-over the previous release answered again."""
        order: list[str] = [self.release_before] if self.release_before else []
        newest = -1
        mixed: list[HealthSample] = []
        for sample in sorted(self.samples, key=lambda s: s.at):
            if not sample.release:
                continue
            if sample.release not in order:
                order.append(sample.release)
            rank = order.index(sample.release)
            if rank < newest:
                mixed.append(sample)
            newest = max(newest, rank)
        return mixed

    def between(self, start: float, end: float) -> Window:
        """The samples taken from ``start`` to ``end`` (seconds since the window opened)."""
        kept = [s for s in self.samples if start <= s.at < end]
        return Window(kept, seconds=max(0.0, end - start), release_before=self.release_before)

    def endpoints_summary(self) -> dict[str, dict[str, object]]:
        """Per endpoint: requests, rate, failures by kind, longest outage, mixed answers."""
        mixed = Counter(endpoint_name(s.url) for s in self.mixed())
        out: dict[str, dict[str, object]] = {}
        for name, samples in self.by_endpoint().items():
            part = Window(samples, self.seconds)
            kinds = Counter(s.error or str(s.status) for s in part.failures)
            out[name] = {"requests": part.requests, "rate_hz": part.rate_hz,
                         "failed": len(part.failures), "failures_by_kind": dict(kinds),
                         "longest_outage_s": part.outage_seconds(),
                         "mixed_versions": mixed.get(name, 0)}  # fmt: skip
        return out

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
            "mixed_versions": len(self.mixed()),
            "endpoints": self.endpoints_summary(),
            "first_failures": [
                {"at": s.at, "endpoint": endpoint_name(s.url), "status": s.status,
                 "error": s.error} for s in sorted(self.failures, key=lambda s: s.at)[:5]
            ],
        }  # fmt: skip


class HealthPoller:
    """``with HealthPoller(urls) as poll: ...`` then ``poll.window`` holds the samples of
    every URL, each polled at ``hz`` by a thread of its own."""

    def __init__(self, urls: str | list[str], *, hz: float = 20.0, timeout: float = 2.0) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(dict.fromkeys(urls))
        self.interval = 1.0 / hz
        self.timeout = timeout
        self.window = Window()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = 0.0

    def now(self) -> float:
        """Seconds since polling started (the samples' clock)."""
        return time.perf_counter() - self._started

    def _run(self, url: str) -> None:
        with BoundedClient(timeout_s=self.timeout) as client:
            next_at = time.perf_counter()
            while not self._stop.is_set():
                self.window.samples.append(check_health(client, url, started=self._started))
                next_at += self.interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = time.perf_counter()  # fell behind (slow answers): do not burst

    def __enter__(self) -> HealthPoller:
        self._started = time.perf_counter()
        for url in self.urls:
            thread = threading.Thread(target=self._run, args=(url,), daemon=True,
                                      name=f"golive-poller-{endpoint_name(url)}")  # fmt: skip
            thread.start()
            self._threads.append(thread)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5.0)
        self.window.seconds = time.perf_counter() - self._started
        self.window.samples.sort(key=lambda s: s.at)
