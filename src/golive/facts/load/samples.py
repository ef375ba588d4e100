"""Per-request samples (written by the recorder inside Locust) → HdrHistogram statistics.

Why per-request samples rather than Locust's ``--csv-full-history``: the history rows
hold percentiles Locust computed over a sliding window from response times it had
already rounded (to 2 significant digits above 100 ms), and percentiles of windows cannot
be combined into the percentiles of the run. Exact per-request times recorded into
HdrHistogram (3 significant digits) can: across endpoints, across ``--processes``
workers (one file each) and into time buckets of any width. They also carry each
response's cache status, which no Locust CSV has.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hdrh.histogram import HdrHistogram

from golive.facts.load.result import CacheStats, EndpointStats, Latency, SeriesPoint

__all__ = ["Accumulator", "Sample", "Summary", "read_samples", "summarise"]

LOWEST_US = 1
HIGHEST_US = 3_600_000_000  # one hour; longer values are clamped (and still counted)
MAX_POINTS = 120  # series buckets: enough to plot, small enough for results.json


@dataclass(frozen=True)
class Sample:
    start_ms: int
    endpoint: str
    rt_us: int
    ok: bool
    cache: str  # H hit, M cacheable miss, - not cacheable


def read_samples(paths: Iterable[Path]) -> Iterator[Sample]:
    """Every well-formed line of the recorder's files (a torn last line is skipped)."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                if len(parts) != 5:
                    continue
                try:
                    yield Sample(int(parts[0]), parts[1], int(parts[2]), parts[3] == "1", parts[4])
                except ValueError:
                    continue


def _histogram(digits: int = 3) -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, digits)


def _ms(us: float) -> float:
    return round(us / 1000.0, 3)


@dataclass
class Accumulator:
    """Response times of one set of requests: HdrHistogram plus exact count, sum and max."""

    histogram: HdrHistogram = field(default_factory=_histogram)
    count: int = 0
    total_us: int = 0
    max_us: int = 0

    def add(self, rt_us: int) -> None:
        value = min(max(rt_us, LOWEST_US), HIGHEST_US)
        self.histogram.record_value(value)
        self.count += 1
        self.total_us += rt_us
        self.max_us = max(self.max_us, rt_us)

    def percentile_ms(self, pct: float) -> float | None:
        return _ms(self.histogram.get_value_at_percentile(pct)) if self.count else None

    def latency(self) -> Latency:
        """avg and max exact; p50/p95/p99 from the histogram (within 0.1 %)."""
        return Latency(
            count=self.count,
            avg_ms=_ms(self.total_us / self.count),
            p50_ms=_ms(self.histogram.get_value_at_percentile(50)),
            p95_ms=_ms(self.histogram.get_value_at_percentile(95)),
            p99_ms=_ms(self.histogram.get_value_at_percentile(99)),
            max_ms=_ms(self.max_us),
        )


@dataclass
class _Endpoint:
    all: Accumulator = field(default_factory=Accumulator)
    failures: int = 0
    hits: Accumulator = field(default_factory=Accumulator)
    misses: Accumulator = field(default_factory=Accumulator)


@dataclass
class _Bucket:
    histogram: HdrHistogram = field(default_factory=lambda: _histogram(2))
    count: int = 0
    failures: int = 0


@dataclass(frozen=True)
class Summary:
    started_at: float
    duration_s: float
    requests: int
    failures: int
    latency: Latency | None
    endpoints: dict[str, EndpointStats]
    bucket_s: float
    series: list[SeriesPoint]


def _span(paths: list[Path]) -> tuple[int, int]:
    first, last = math.inf, -math.inf
    for sample in read_samples(paths):
        first, last = min(first, sample.start_ms), max(last, sample.start_ms)
    return (int(first), int(last)) if first != math.inf else (0, 0)


def summarise(paths: list[Path], users: list[tuple[float, int]] | None = None) -> Summary:
    """Statistics of all samples; ``users`` is Locust's (epoch s, user count) history."""
    first_ms, last_ms = _span(paths)
    duration_s = (last_ms - first_ms) / 1000.0
    bucket_s = float(max(1, math.ceil(duration_s / MAX_POINTS)))
    overall = Accumulator()
    failures = 0
    endpoints: dict[str, _Endpoint] = {}
    buckets: dict[int, _Bucket] = {}
    for s in read_samples(paths):
        overall.add(s.rt_us)
        failures += not s.ok
        ep = endpoints.setdefault(s.endpoint, _Endpoint())
        ep.all.add(s.rt_us)
        ep.failures += not s.ok
        if s.cache == "H":
            ep.hits.add(s.rt_us)
        elif s.cache == "M":
            ep.misses.add(s.rt_us)
        bucket = buckets.setdefault(int((s.start_ms - first_ms) / 1000 // bucket_s), _Bucket())
        bucket.histogram.record_value(min(max(s.rt_us, LOWEST_US), HIGHEST_US))
        bucket.count += 1
        bucket.failures += not s.ok
    span = max(duration_s, bucket_s)
    stats = {
        name: EndpointStats(
            name=name,
            requests=ep.all.count,
            failures=ep.failures,
            latency=ep.all.latency(),
            rps=round(ep.all.count / span, 3),
            cache=CacheStats(
                cacheable=ep.hits.count + ep.misses.count,
                hits=ep.hits.count,
                hit_p50_ms=ep.hits.percentile_ms(50),
                miss_p50_ms=ep.misses.percentile_ms(50),
            ),
        )
        for name, ep in sorted(endpoints.items())
    }
    return Summary(
        started_at=first_ms / 1000.0,
        duration_s=round(duration_s, 3),
        requests=overall.count,
        failures=failures,
        latency=overall.latency() if overall.count else None,
        endpoints=stats,
        bucket_s=bucket_s,
        series=_series(buckets, bucket_s, first_ms / 1000.0, users or []),
    )


def _series(
    buckets: dict[int, _Bucket], bucket_s: float, t0: float, users: list[tuple[float, int]]
) -> list[SeriesPoint]:
    points = []
    for index in range(max(buckets, default=-1) + 1):
        bucket = buckets.get(index, _Bucket())
        start, end = t0 + index * bucket_s, t0 + (index + 1) * bucket_s
        seen = [n for t, n in users if start <= t < end] or [n for t, n in users if t < start][-1:]
        p95 = bucket.histogram.get_value_at_percentile(95) if bucket.count else None
        points.append(
            SeriesPoint(
                t_s=round(index * bucket_s, 3),
                users=max(seen) if seen else None,
                rps=round(bucket.count / bucket_s, 3),
                p95_ms=_ms(p95) if p95 is not None else None,
                failures=bucket.failures,
            )
        )
    return points
