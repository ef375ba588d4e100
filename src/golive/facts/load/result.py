"""What one load phase measured: counts, latency percentiles, cache facts, a time series."""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "CacheStats",
    "EndpointStats",
    "Generator",
    "Latency",
    "LoadResult",
    "SeriesPoint",
    "WorkerAccount",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else math.nan


class Latency(_Model):
    """Response times of a set of requests, milliseconds; percentiles from HdrHistogram."""

    count: int
    avg_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    p999_ms: float
    max_ms: float


class CacheStats(_Model):
    """Responses that allowed reuse (Cache-Control) or came from a cache (hit)."""

    cacheable: int = 0  # hits + cacheable misses
    hits: int = 0
    hit_p50_ms: float | None = None
    miss_p50_ms: float | None = None

    @property
    def hit_ratio_pct(self) -> float:
        return _pct(self.hits, self.cacheable)


class EndpointStats(_Model):
    name: str  # "METHOD name", as the locustfile names the request
    requests: int
    failures: int
    latency: Latency  # corrected (what is judged)
    uncorrected_latency: Latency | None = None  # from the actual send
    rps: float
    cache: CacheStats

    @property
    def error_rate_pct(self) -> float:
        return _pct(self.failures, self.requests)


class SeriesPoint(_Model):
    """One bucket of the run: seconds since start, users, throughput, p95, failures."""

    t_s: float
    users: int | None
    rps: float
    p95_ms: float | None
    failures: int


class Generator(_Model):
    """The load generator's own account: could it apply the intended load?"""

    model: str  # "open" (arrival rate) or "closed" (users with think time)
    intended_arrivals: int | None = None  # open model: scheduled in the run
    sent: int | None = None  # open model: arrivals that were sent
    late: int = 0  # sent more than late_bound_ms after their intended start
    late_bound_ms: float | None = None
    max_late_ms: float = 0.0
    queued: int = 0  # arrivals that found every pooled connection busy
    cpu: float | None = None  # CPU time / wall time of the generator process, 1.0 = one core
    cpu_s: float | None = None
    wall_s: float | None = None


class WorkerAccount(_Model):
    """One worker of a distributed run, as its figures reached the master."""

    index: int  # its share: every of-th arrival of the schedule, from this one
    worker: str  # Locust's client id
    host: str
    requests: int
    intended_arrivals: int
    cpu: float | None = None


class LoadResult(_Model):
    """The load phase, once per test session; several checks judge it."""

    target: str
    plan: dict[str, Any]
    started_at: float  # epoch seconds of the first request
    duration_s: float  # first request start to last request start
    requests: int
    failures: int
    latency: Latency | None  # corrected; None when no request was made
    uncorrected_latency: Latency | None = None  # from the actual send
    correction: str = "none"  # how the corrected figures were computed
    model: str = "closed"
    intended_rate: float | None = None  # open model: arrivals per second, steady stage
    achieved_rate: float | None = None  # requests per second over the run's arrival window
    generator: Generator | None = None
    unverified_reason: str | None = None  # the generator could not apply the intended load
    endpoints: dict[str, EndpointStats]
    bucket_s: float
    series: list[SeriesPoint]
    peak_users: int
    locust_requests: int | None  # Locust's own count (cross-check of the recorder)
    locust_failures: int | None
    exit_code: int
    argv: list[str]
    html_report: str
    csv_files: list[str]
    samples_files: list[str]
    log_tail: str
    wall_s: float
    workers: list[WorkerAccount] = []  # a distributed run's workers
    histogram: str | None = None  # distributed: the merged corrected HdrHistogram, encoded

    @property
    def successes(self) -> int:
        return self.requests - self.failures

    @property
    def availability_pct(self) -> float:
        """Successful requests / all requests, percent (NaN when there were none)."""
        return _pct(self.successes, self.requests)

    @property
    def error_rate_pct(self) -> float:
        """Failed requests / all requests, percent (NaN when there were none)."""
        return _pct(self.failures, self.requests)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else math.nan

    def series_json(self) -> list[dict[str, Any]]:
        """time → rps, p95 (and users, failures): what a report plots as an inline SVG."""
        return [p.model_dump() for p in self.series]
