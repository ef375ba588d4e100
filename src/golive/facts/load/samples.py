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
from typing import Any

from hdrh.histogram import HdrHistogram

from golive.facts.load.result import CacheStats, EndpointStats, Latency, SeriesPoint

__all__ = ["Accumulator", "Partial", "Sample", "Summary", "finish", "read_samples", "summarise"]

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


def _encoded(histogram: HdrHistogram) -> str:
    """HdrHistogram's own encoding (compressed, base64), as text for JSON and msgpack."""
    return bytes(histogram.encode()).decode("ascii")


def _decoded(text: str) -> HdrHistogram:
    """An encoded histogram, checked to have golive's bounds (so that adding is exact)."""
    histogram = HdrHistogram.decode(text.encode("ascii"))
    if (histogram.lowest_trackable_value, histogram.highest_trackable_value) != (
        LOWEST_US, HIGHEST_US
    ):  # fmt: skip
        raise ValueError("an encoded histogram with other bounds than golive's")
    return histogram


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

    def merge(self, other: Accumulator) -> None:
        """Add ``other``: exactly the accumulator of both sets of requests."""
        self.histogram.add(other.histogram)
        self.count += other.count
        self.total_us += other.total_us
        self.max_us = max(self.max_us, other.max_us)
        self.corrected = self.corrected or other.corrected

    def encode(self) -> dict[str, Any]:
        return {"h": _encoded(self.histogram), "n": self.count, "sum": self.total_us,
                "max": self.max_us, "corrected": self.corrected}  # fmt: skip

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Accumulator:
        return cls(_decoded(data["h"]), int(data["n"]), int(data["sum"]), int(data["max"]),
                   bool(data["corrected"]))  # fmt: skip

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
    # closed model: one user's expected interval between requests (at least 1 ms)
    interval_us = 0 if span.open_model else max(1000, round(think_s * 1e6) + span.p50_us)
    partial = Partial.of_samples(paths, interval_us=interval_us, late_ms=late_ms)
    return finish(partial, users, interval_us=interval_us)


@dataclass
class Partial:
    """The figures of one generator's samples (a Locust worker's, or all local ones), in a
    form that merges exactly: HdrHistograms add bucket by bucket, counts, sums and maxima
    add up. A distributed run's workers send theirs encoded (:meth:`encode`, HdrHistogram's
    own compressed form) and the master merges them (:meth:`merge`) before :func:`finish`.
    Time buckets are whole epoch seconds, so workers need no common start."""

    overall: Accumulator = field(default_factory=Accumulator)
    raw: Accumulator = field(default_factory=Accumulator)
    failures: int = 0
    arrivals: int = 0
    late: int = 0
    max_late_us: int = 0
    first_ms: int | None = None
    last_ms: int | None = None
    endpoints: dict[str, _Endpoint] = field(default_factory=dict)
    seconds: dict[int, _Bucket] = field(default_factory=dict)
    open_model: bool = False

    @classmethod
    def of_samples(
        cls, paths: Iterable[Path], *, interval_us: int = 0, late_ms: float = math.inf
    ) -> Partial:
        partial = cls()
        for sample in read_samples(paths):
            partial.add(sample, interval_us=interval_us, late_ms=late_ms)
        return partial

    def add(self, s: Sample, *, interval_us: int = 0, late_ms: float = math.inf) -> None:
        self.first_ms = s.start_ms if self.first_ms is None else min(self.first_ms, s.start_ms)
        self.last_ms = s.start_ms if self.last_ms is None else max(self.last_ms, s.start_ms)
        self.overall.add(s.corrected_us, interval_us)
        self.raw.add(s.rt_us)
        self.failures += not s.ok
        if s.late_us is not None:
            self.open_model = True
            self.arrivals += 1
            self.late += s.late_us > late_ms * 1000
            self.max_late_us = max(self.max_late_us, s.late_us)
        ep = self.endpoints.setdefault(s.endpoint, _Endpoint())
        ep.all.add(s.corrected_us, interval_us)
        ep.raw.add(s.rt_us)
        ep.failures += not s.ok
        if s.cache == "H":
            ep.hits.add(s.rt_us)
        elif s.cache == "M":
            ep.misses.add(s.rt_us)
        bucket = self.seconds.setdefault(s.start_ms // 1000, _Bucket())
        bucket.histogram.record_value(min(max(s.corrected_us, LOWEST_US), HIGHEST_US))
        bucket.count += 1
        bucket.failures += not s.ok

    def merge(self, other: Partial) -> None:
        """Add ``other``'s figures: the result equals the Partial of both sets of samples."""
        firsts = [t for t in (self.first_ms, other.first_ms) if t is not None]
        lasts = [t for t in (self.last_ms, other.last_ms) if t is not None]
        self.first_ms = min(firsts) if firsts else None
        self.last_ms = max(lasts) if lasts else None
        self.overall.merge(other.overall)
        self.raw.merge(other.raw)
        self.failures += other.failures
        self.arrivals += other.arrivals
        self.late += other.late
        self.max_late_us = max(self.max_late_us, other.max_late_us)
        self.open_model = self.open_model or other.open_model
        for name, theirs in other.endpoints.items():
            ep = self.endpoints.setdefault(name, _Endpoint())
            ep.all.merge(theirs.all)
            ep.raw.merge(theirs.raw)
            ep.failures += theirs.failures
            ep.hits.merge(theirs.hits)
            ep.misses.merge(theirs.misses)
        for second, bucket in other.seconds.items():
            mine = self.seconds.setdefault(second, _Bucket())
            mine.histogram.add(bucket.histogram)
            mine.count += bucket.count
            mine.failures += bucket.failures

    def encode(self) -> dict[str, Any]:
        """A JSON-able form (histograms in HdrHistogram's encoding) for Locust's messages."""
        return {
            "overall": self.overall.encode(), "raw": self.raw.encode(),
            "failures": self.failures, "arrivals": self.arrivals, "late": self.late,
            "max_late_us": self.max_late_us, "first_ms": self.first_ms,
            "last_ms": self.last_ms, "open_model": self.open_model,
            "endpoints": {
                name: {"all": ep.all.encode(), "raw": ep.raw.encode(), "failures": ep.failures,
                       "hits": ep.hits.encode(), "misses": ep.misses.encode()}
                for name, ep in self.endpoints.items()
            },
            "seconds": {
                str(second): {"h": _encoded(b.histogram), "n": b.count, "failures": b.failures}
                for second, b in self.seconds.items()
            },
        }  # fmt: skip

    @classmethod
    def decode(cls, data: dict[str, Any]) -> Partial:
        """The inverse of :meth:`encode`; a malformed document raises ``ValueError``."""
        try:
            return cls(
                overall=Accumulator.decode(data["overall"]),
                raw=Accumulator.decode(data["raw"]),
                failures=int(data["failures"]), arrivals=int(data["arrivals"]),
                late=int(data["late"]), max_late_us=int(data["max_late_us"]),
                first_ms=None if data["first_ms"] is None else int(data["first_ms"]),
                last_ms=None if data["last_ms"] is None else int(data["last_ms"]),
                open_model=bool(data["open_model"]),
                endpoints={
                    str(name): _Endpoint(
                        all=Accumulator.decode(ep["all"]), raw=Accumulator.decode(ep["raw"]),
                        failures=int(ep["failures"]), hits=Accumulator.decode(ep["hits"]),
                        misses=Accumulator.decode(ep["misses"]),
                    )
                    for name, ep in data["endpoints"].items()
                },
                seconds={
                    int(second): _Bucket(_decoded(b["h"]), int(b["n"]), int(b["failures"]))
                    for second, b in data["seconds"].items()
                },
            )  # fmt: skip
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not an encoded partial: {type(exc).__name__} {exc}") from None


def finish(
    partial: Partial, users: list[tuple[float, int]] | None = None, *, interval_us: int = 0
) -> Summary:
    """The run's statistics from its (merged) figures."""
    first_ms = partial.first_ms or 0
    duration_s = ((partial.last_ms or 0) - first_ms) / 1000.0
    bucket_s = float(max(1, math.ceil(duration_s / MAX_POINTS)))
    first_second = first_ms // 1000
    buckets: dict[int, _Bucket] = {}
    for second, fine in sorted(partial.seconds.items()):
        bucket = buckets.setdefault(int((second - first_second) // bucket_s), _Bucket())
        bucket.histogram.add(fine.histogram)
        bucket.count += fine.count
        bucket.failures += fine.failures
    seconds = max(duration_s, bucket_s)
    overall, raw = partial.overall, partial.raw
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
        for name, ep in sorted(partial.endpoints.items())
    }
    return Summary(
        started_at=first_ms / 1000.0,
        duration_s=round(duration_s, 3),
        requests=overall.count,
        failures=partial.failures,
        latency=overall.latency() if overall.count else None,
        uncorrected=raw.latency() if raw.count else None,
        endpoints=stats,
        bucket_s=bucket_s,
        series=_series(buckets, bucket_s, float(first_second), users or []),
        arrivals=partial.arrivals,
        late=partial.late,
        max_late_ms=_ms(partial.max_late_us),
        correction=(
            "intended start (open model)"
            if partial.open_model
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
