"""A measured figure over recorded runs: its trend (golive.history.trends's rule), its linear
projection against the threshold, and its headroom."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from golive import __version__
from golive.catalog import Criterion, Threshold
from golive.history.store import as_utc
from golive.history.trends import KEEP, HistoryEntry, Point, badness, compute_trends
from golive.judging.results import CheckResult, Trend, build_run_data, judge_criterion
from golive.judging.verdict import RunVerdict, Status

__all__ = ["Projection", "Sample", "Series", "headroom", "project", "series_of", "trend_of"]

MIN_PROJECTION_POINTS = 3  # two points always make a line; three make a trend
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Sample:
    at: datetime
    value: float
    status: Status  # the criterion's recorded status in that run


@dataclass(frozen=True)
class Series:
    """One criterion's figure over runs, oldest first, judged against ``threshold``."""

    criterion: Criterion
    threshold: Threshold
    samples: tuple[Sample, ...]

    @property
    def id(self) -> str:
        return self.criterion.id

    @property
    def latest(self) -> Sample:
        return self.samples[-1]


def series_of(entries: list[HistoryEntry], criterion: Criterion, threshold: Threshold) -> Series:
    """The criterion's recorded values (in the threshold's unit) across ``entries``."""
    samples = []
    for entry in entries:
        point = entry.criteria.get(criterion.id)
        if point is None or point.value is None:
            continue
        if point.unit is not None and point.unit != threshold.unit:
            continue  # recorded in another unit: not comparable
        samples.append(Sample(as_utc(entry.finished_at), point.value, point.status))
    return Series(criterion, threshold, tuple(samples))


def trend_of(series: Series) -> Trend | None:
    """The latest sample against the earlier ones, by :func:`golive.history.trends.compute_trends`
    (median baseline, 10 % tolerance, pass → fail); None below two samples."""
    if len(series.samples) < 2:
        return None
    unit = series.threshold.unit
    earlier = [
        HistoryEntry(
            profile=None,
            env=None,
            finished_at=s.at,
            verdict=RunVerdict.GO,  # not read by compute_trends: only the points are
            criteria={series.id: Point(status=s.status, value=s.value, unit=unit)},
        )
        for s in series.samples[:-1][-KEEP:]
    ]
    last = series.latest
    check = CheckResult(
        nodeid="history", status=last.status, measured={"value": last.value, "unit": unit}
    )
    result = judge_criterion(
        series.criterion,
        series.threshold,
        [check],
        waiver=None,
        attestation=None,
        today=last.at.date(),
        missing_reason="-",
    )
    run = build_run_data(
        version=__version__,
        profile=None,
        env=None,
        lang="en",
        started_at=last.at,
        finished_at=last.at,
        criteria=[result],
        interrupted=False,
    )
    trends = compute_trends(run, earlier)
    return trends[0] if trends else None


@dataclass(frozen=True)
class Projection:
    """A least-squares line through the samples, read ``horizon`` after the latest one."""

    slope_per_day: float
    horizon: timedelta
    at_horizon: float
    breaches: bool  # the projected value no longer meets the threshold
    days_to_breach: float | None  # from the latest sample; None if the line never crosses

    def describe(self, threshold: Threshold) -> str:
        text = (
            f"projected {self.at_horizon:.4g} {threshold.unit} in "
            f"{self.horizon.days} days (required {threshold})"
        )
        days = self.days_to_breach
        if days == 0:
            text += ", the fitted line is past the limit already"
        elif days is not None:
            text += (
                ", crossing within a day" if days < 1 else f", crossing in about {days:.0f} days"
            )
        return text


def project(series: Series, horizon: timedelta) -> Projection | None:
    """None below three samples or when they all share one time."""
    samples = series.samples
    if len(samples) < MIN_PROJECTION_POINTS:
        return None
    start = samples[0].at
    xs = [(s.at - start) / _DAY for s in samples]
    if len(set(xs)) < 2:
        return None
    slope, intercept = statistics.linear_regression(xs, [s.value for s in samples])
    x_last = xs[-1]
    at_horizon = intercept + slope * (x_last + horizon / _DAY)
    threshold = series.threshold
    days_to_breach = None
    if not threshold.met_by(intercept + slope * x_last):
        days_to_breach = 0.0  # the fitted line is past the limit already
    elif slope:
        # once a line that meets the threshold crosses the limit, it stays on the wrong side
        crossing = (threshold.value - intercept) / slope - x_last
        days_to_breach = crossing if crossing >= 0 else None
    return Projection(
        slope_per_day=slope,
        horizon=horizon,
        at_horizon=at_horizon,
        breaches=not threshold.met_by(at_horizon),
        days_to_breach=days_to_breach,
    )


def headroom(value: float, threshold: Threshold) -> float:
    """How far the value is from failing, as a share of the limit (golive.history.trends's
    badness: for a higher-is-better percentage, the share still missing). Negative when
    the threshold is not met."""
    limit = badness(threshold.value, threshold, threshold.unit)
    now = badness(value, threshold, threshold.unit)
    if not limit:
        return 0.0 if now <= limit else -1.0
    return (limit - now) / abs(limit)
