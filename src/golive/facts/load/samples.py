"""Per-request samples (written by the recorder inside Locust) → HdrHistogram statistics.

Why per-request samples rather than Locust's ``--csv-full-history``: the history rows
hold percentiles Locust computed over a sliding window from response times it had
already rounded (to 2 significant digits above 100 ms), and percentiles of windows cannot
be combined into the percentiles of the run. Exact per-request times recorded into
HdrHistogram (3 significant digits) can: across endpoints, across ``--processes``
workers (one file each) and into time buckets of any width. They also carry each
response's cache status, which no Locust CSV has.

Two figures per set of requests. *Uncorrected*: the time from the actual send, as the HTTP
client saw it. *Corrected* (what is judged): in the open model, the time from the
arrival's intended start (the recorder's ``late`` column added to the response time); in
the closed model, which has no intended start, HdrHistogram's coordinated-omission
correction with the expected interval between one user's requests (think time plus the
median response), which adds the requests a stalled user would have sent.
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
    late_us: int | None = None  # open model: sent this long after the intended start

    @property
    def corrected_us(self) -> int:
        return self.rt_us + (self.late_us or 0)


def read_samples(paths: Iterable[Path]) -> Iterator[Sample]:
    """Every well-formed line of the recorder's files (a torn last line is skipped)."""
    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                parts = line.rstrip("\n").split("\t")
                if len(parts) not in (5, 6):
                    continue
                late = parts[5] if len(parts) == 6 else "-"
                try:
                    yield Sample(
                        int(parts[0]), parts[1], int(parts[2]), parts[3] == "1", parts[4],
                        None if late == "-" else int(late),
                    )  # fmt: skip
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
    corrected: bool = False  # synthetic values were added: the mean comes from the histogram

    def add(self, rt_us: int, interval_us: int = 0) -> None:
        """One request; with ``interval_us``, HdrHistogram's coordinated-omission correction."""
        value = min(max(rt_us, LOWEST_US), HIGHEST_US)
        if interval_us > 0 and value > interval_us:
            self.histogram.record_corrected_value(value, interval_us)
            self.corrected = True
        else:
            self.histogram.record_value(value)
        self.count += 1
        self.total_us += rt_us
        self.max_us = max(self.max_us, rt_us)

    def percentile_ms(self, pct: float) -> float | None:
        return _ms(self.histogram.get_value_at_percentile(pct)) if self.count else None

    def latency(self) -> Latency:
        """avg and max exact (avg from the histogram when corrected); percentiles from the
        histogram (within 0.1 %)."""
        mean = self.histogram.get_mean_value() if self.corrected else self.total_us / self.count
        return Latency(
            count=self.count,
            avg_ms=_ms(mean),
            p50_ms=self._at(50),
            p95_ms=self._at(95),
            p99_ms=self._at(99),
            p999_ms=self._at(99.9),
            max_ms=_ms(self.max_us),
        )

    def _at(self, pct: float) -> float:
        # the histogram reports a bucket's upper edge: never above the exact maximum
        return _ms(min(self.histogram.get_value_at_percentile(pct), max(self.max_us, LOWEST_US)))


@dataclass
class _Endpoint:
    all: Accumulator = field(default_factory=Accumulator)
    raw: Accumulator = field(default_factory=Accumulator)
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
    latency: Latency | None  # corrected
    uncorrected: Latency | None
    endpoints: dict[str, EndpointStats]
    bucket_s: float
    series: list[SeriesPoint]
    arrivals: int = 0  # open model: requests that carried an intended start
    late: int = 0  # open model: requests sent more than late_ms after their intended start
    max_late_ms: float = 0.0
    correction: str = "none"


@dataclass(frozen=True)
class _Span:
    first_ms: int
    last_ms: int
    p50_us: int
    open_model: bool


def _span(paths: list[Path]) -> _Span:
    first, last = math.inf, -math.inf
    raw = _histogram(2)
    open_model = False
    for sample in read_samples(paths):
        first, last = min(first, sample.start_ms), max(last, sample.start_ms)
        raw.record_value(min(max(sample.rt_us, LOWEST_US), HIGHEST_US))
        open_model = open_model or sample.late_us is not None
    if first == math.inf:
        return _Span(0, 0, 0, False)
    return _Span(int(first), int(last), int(raw.get_value_at_percentile(50)), open_model)


def summarise(
    paths: list[Path],
    users: list[tuple[float, int]] | None = None,
    *,
    think_s: float = 0.0,
    late_ms: float = math.inf,
) -> Summary:
    """Statistics of all samples; ``users`` is Locust's (epoch s, user count) history;
    ``think_s``: the closed model's mean think time (for its correction); ``late_ms``: the
    bound beyond which an open-model arrival counts as late."""
    span = _span(paths)
    first_ms = span.first_ms
    duration_s = (span.last_ms - first_ms) / 1000.0
    bucket_s = float(max(1, math.ceil(duration_s / MAX_POINTS)))
    # closed model: one user's expected interval between requests (at least 1 ms)
    interval_us = 0 if span.open_model else max(1000, round(think_s * 1e6) + span.p50_us)
    overall, raw = Accumulator(), Accumulator()
    failures = late = arrivals = 0
    max_late_us = 0
    endpoints: dict[str, _Endpoint] = {}
    buckets: dict[int, _Bucket] = {}
    for s in read_samples(paths):
        overall.add(s.corrected_us, interval_us)
        raw.add(s.rt_us)
        failures += not s.ok
        if s.late_us is not None:
            arrivals += 1
            late += s.late_us > late_ms * 1000
            max_late_us = max(max_late_us, s.late_us)
        ep = endpoints.setdefault(s.endpoint, _Endpoint())
        ep.all.add(s.corrected_us, interval_us)
        ep.raw.add(s.rt_us)
        ep.failures += not s.ok
        if s.cache == "H":
            ep.hits.add(s.rt_us)
        elif s.cache == "M":
            ep.misses.add(s.rt_us)
        bucket = buckets.setdefault(int((s.start_ms - first_ms) / 1000 // bucket_s), _Bucket())
        bucket.histogram.record_value(min(max(s.corrected_us, LOWEST_US), HIGHEST_US))
        bucket.count += 1
        bucket.failures += not s.ok
    seconds = max(duration_s, bucket_s)
    stats = {
        name: EndpointStats(
            name=name,
            requests=ep.all.count,
            failures=ep.failures,
            latency=ep.all.latency(),
            uncorrected_latency=ep.raw.latency(),
            rps=round(ep.all.count / seconds, 3),
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
        uncorrected=raw.latency() if raw.count else None,
        endpoints=stats,
        bucket_s=bucket_s,
        series=_series(buckets, bucket_s, first_ms / 1000.0, users or []),
        arrivals=arrivals,
        late=late,
        max_late_ms=_ms(max_late_us),
        correction=(
            "intended start (open model)"
            if span.open_model
            else f"HdrHistogram coordinated-omission correction, interval {_ms(interval_us)} ms"
            if overall.count
            else "none"
        ),
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
