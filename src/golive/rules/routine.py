"""The routine's reports and reviews, judged from golive's own run history.

Each function reads a :class:`RunHistory` at a moment ``now`` and returns a
:class:`Review`; the checks in ``tests/routine/test_reviews.py`` only record and assert.

Rules, in one place:

- a routine is running when its profile has a run younger than its window
  (:data:`WINDOWS`: daily 26 h, weekly 8 days, monthly 32 days); a run in the history
  wrote its reports (the plugin records a run right after writing them);
- the daily report also needs the run's notification sent (``notified`` true);
- every daily run of the last :data:`INCIDENT_WINDOW` that is not GO or has a failing
  criterion has an incident record listing each failing criterion;
- a trend needs two runs measuring the figure; a figure fails the review when its latest
  value fails its threshold, when :func:`golive.history.trends.compute_trends` calls it
  regressed, or when the least-squares line through the runs (three or more) misses the
  threshold :data:`TREND_HORIZON` after the latest run;
- the bottleneck is the performance or database figure of the last weekly run with the
  least headroom to its threshold; it fails below :data:`HEADROOM`;
- the usage forecast projects the daily runs' resource usage :data:`FORECAST_HORIZON`
  ahead and fails when it reaches the CPU/memory alert level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from golive.catalog import Catalog, Criterion, Kind, Threshold
from golive.history.incidents import missing_from_record, needs_record
from golive.history.series import Sample, Series, headroom, project, series_of, trend_of
from golive.history.store import WINDOWS, Review, RunHistory, as_utc, shown
from golive.history.trends import KEEP, TOLERANCE, HistoryEntry
from golive.judging.verdict import Status

__all__ = [
    "ALERT_IDS",
    "FORECAST_HORIZON",
    "HEADROOM",
    "INCIDENT_WINDOW",
    "TREND_HORIZON",
    "alert_level",
    "bottleneck",
    "capacity_report",
    "daily_report",
    "incident_records",
    "performance_metrics",
    "resource_usage_trend",
    "response_times",
    "security_report",
    "usage_forecast",
    "weekly_performance_report",
]

ThresholdOf = Callable[[str], Threshold | None]

INCIDENT_WINDOW = timedelta(days=8)  # a missing record stays a finding for a week
TREND_HORIZON = timedelta(weeks=4)  # a figure set to breach within a month fails the review
HEADROOM = TOLERANCE  # one more regression-sized step would break the bottleneck's threshold
FORECAST_HORIZON = timedelta(days=90)  # capacity is planned a quarter ahead
FORECAST_LOOKBACK = timedelta(days=92)  # "the last months" of daily usage figures
FORECAST_MIN_SPAN = timedelta(days=7)
USAGE_ID = "routine.resource-usage"
FORECAST_ID = "routine.usage-forecast"
ALERT_IDS = ("routine.alert-cpu", "routine.alert-memory")
_VERIFIED = (Status.PASS, Status.FAIL)
_HOUR = timedelta(hours=1)


def _age(delta: timedelta) -> str:
    hours = delta / _HOUR
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.0f} days"


def _fail(reason: str, facts: list[dict[str, object]], **measured: object) -> Review:
    return Review(Status.FAIL, reason, dict(measured) or None, list(facts))


def _lapsed(
    history: RunHistory, profile: str, now: datetime, window: timedelta | None = None
) -> Review | None:
    """A failing review when the profile never ran or its last run is too old."""
    window = window or WINDOWS[profile]
    last = history.latest(profile)
    if last is None:
        return _fail(
            f"no {profile} run recorded in {history.folder} (last {profile} run: never)", []
        )
    age = now - as_utc(last.finished_at)
    facts: list[dict[str, object]] = [
        {
            "name": f"last {profile} run",
            "value": shown(last.finished_at),
            "verdict": last.verdict,
            "age_h": round(age / _HOUR, 1),
        },
    ]
    if age > window:
        return _fail(
            f"last {profile} run: {shown(last.finished_at)}, {_age(age)} ago "
            f"(due within {_age(window)})",
            facts,
            value=round(age / _HOUR, 1),
            unit="h",
            name=f"since the last {profile} run",
        )
    return None


# --- reports: 日次レポート, 週次パフォーマンスレポート, セキュリティレポート, キャパシティレポート


def daily_report(history: RunHistory, now: datetime) -> Review:
    """A daily run within 26 h wrote its reports and sent its notification."""
    lapsed = _lapsed(history, "daily", now)
    if lapsed is not None:
        return lapsed
    recent = history.runs("daily", since=now - WINDOWS["daily"])
    facts: list[dict[str, object]] = [
        {
            "name": "daily runs (last 26 h)",
            "value": len(recent),
            "unit": "runs",
            "notified": [r.notified for r in recent],
        },
    ]
    reported = [r for r in recent if r.notified]
    if not reported:
        last = recent[-1]
        why = "sending failed" if last.notified is False else "no webhook_url configured?"
        return _fail(f"daily run of {shown(last.finished_at)} sent no notification ({why})", facts)
    last = reported[-1]
    age = round((now - as_utc(last.finished_at)) / _HOUR, 1)
    return Review(
        Status.PASS,
        f"daily run of {shown(last.finished_at)} wrote its reports and notified the channel",
        {"value": age, "unit": "h", "name": "since the last reported daily run"},
        facts,
    )


def _report(
    history: RunHistory,
    now: datetime,
    profile: str,
    what: str,
    covers: Callable[[HistoryEntry], bool],
) -> Review:
    lapsed = _lapsed(history, profile, now)
    if lapsed is not None:
        return lapsed
    recent = history.runs(profile, since=now - WINDOWS[profile])
    full = [r for r in recent if covers(r)]
    facts: list[dict[str, object]] = [
        {
            "name": f"{profile} runs (last {_age(WINDOWS[profile])})",
            "value": len(recent),
            "unit": "runs",
            f"with the {what}": len(full),
        },
    ]
    if not full:
        return _fail(
            f"{profile} run of {shown(recent[-1].finished_at)} verified nothing for the {what}",
            facts,
        )
    last = full[-1]
    age = round((now - as_utc(last.finished_at)) / timedelta(days=1), 1)
    return Review(
        Status.PASS,
        f"{profile} run of {shown(last.finished_at)} wrote the {what}",
        {"value": age, "unit": "days", "name": f"since the last {what}"},
        facts,
    )


def _verifies(entry: HistoryEntry, catalog: Catalog, wanted: Callable[[Criterion], bool]) -> bool:
    return any(
        cid in catalog and wanted(catalog.get(cid)) and point.status in _VERIFIED
        for cid, point in entry.criteria.items()
    )


def weekly_performance_report(history: RunHistory, now: datetime, catalog: Catalog) -> Review:
    """A weekly run within 8 days judged at least one performance criterion."""
    return _report(
        history,
        now,
        "weekly",
        "performance report",
        lambda e: _verifies(e, catalog, lambda c: c.area == "performance"),
    )


def security_report(history: RunHistory, now: datetime, catalog: Catalog) -> Review:
    """A monthly run within 32 days judged at least one security criterion."""

    def security(c: Criterion) -> bool:
        return c.kind is Kind.SECURITY or c.area == "security"

    return _report(
        history, now, "monthly", "security report", lambda e: _verifies(e, catalog, security)
    )


def capacity_report(history: RunHistory, now: datetime) -> Review:
    """A monthly run within 32 days made the usage forecast (routine.usage-forecast judged)."""

    def forecast(entry: HistoryEntry) -> bool:
        point = entry.criteria.get(FORECAST_ID)
        return point is not None and point.status in _VERIFIED and point.value is not None

    review = _report(history, now, "monthly", "capacity report", forecast)
    recent = history.runs("monthly", since=now - WINDOWS["monthly"])
    points = [r.criteria.get(FORECAST_ID) for r in recent]
    if review.status is Status.FAIL and points and all(
        p is not None and p.status is Status.NOT_VERIFIED for p in points
    ):
        # the monthly run tried, but the history is still too short for a forecast
        return Review(
            Status.NOT_VERIFIED,
            f"the monthly runs could not make the usage forecast yet ({FORECAST_ID} "
            "not verified: too few earlier runs)",
            facts=review.facts,
        )
    return review


# --- インシデント記録 -------------------------------------------------------------------


def incident_records(history: RunHistory, now: datetime) -> Review:
    """Every daily run of the last 8 days that is not GO or has a failing criterion has an
    incident record naming each failing criterion."""
    since = now - INCIDENT_WINDOW
    runs = history.runs("daily", since=since)
    if not runs:
        return Review(
            Status.NOT_VERIFIED, f"no daily run since {shown(since)}: no incident to look for"
        )
    needing = [
        r
        for r in runs
        if needs_record(r.verdict, {cid: p.status for cid, p in r.criteria.items()}) is not None
    ]
    missing = [(r, why) for r in needing if (why := missing_from_record(history.folder, r))]
    facts: list[dict[str, object]] = [
        {
            "name": "daily runs (last 8 days)",
            "value": len(runs),
            "unit": "runs",
            "needing a record": [shown(r.finished_at) for r in needing],
        },
    ]
    facts += [
        {
            "name": "incident record missing",
            "value": shown(r.finished_at),
            "verdict": r.verdict,
            "why": why,
        }
        for r, why in missing
    ]
    measured = {
        "value": len(needing) - len(missing),
        "unit": f"of {len(needing)} recorded",
        "name": "incident records",
    }
    if missing:
        listed = "; ".join(f"{shown(r.finished_at)} {r.verdict}: {why}" for r, why in missing)
        return _fail(
            f"{len(missing)} of {len(needing)} failed daily runs lack a complete "
            f"incident record: {listed}",
            facts,
            **measured,
        )
    text = (
        f"{len(needing)} failed daily runs since {shown(since)}, each recorded"
        if needing
        else f"none of {len(runs)} daily runs since {shown(since)} failed"
    )
    return Review(Status.PASS, text, measured, facts)


# --- trends: レスポンスタイム分析, パフォーマンスメトリクス分析, リソース使用率トレンド ------


def _judge(series: Series, horizon: timedelta) -> tuple[list[str], dict[str, object]]:
    last, threshold = series.latest, series.threshold
    problems = []
    if not threshold.met_by(last.value):
        problems.append(f"{series.id} {last.value:.4g} {threshold.unit} fails {threshold}")
    trend = trend_of(series)
    if trend is not None and trend.regressed:
        problems.append(
            f"{series.id} regressed: {trend.why} ({last.value:.4g} "
            f"{threshold.unit} against a median of {trend.baseline:.4g})"
        )
    projection = project(series, horizon)
    if projection is not None and projection.breaches:
        problems.append(f"{series.id} trends to breach: {projection.describe(threshold)}")
    fact: dict[str, object] = {
        "name": series.id,
        "value": last.value,
        "unit": threshold.unit,
        "threshold": str(threshold),
        "values": [s.value for s in series.samples],
        "change_pct": trend.change_pct if trend else None,
        "regressed": bool(trend and trend.regressed),
        "projection": projection.describe(threshold) if projection else None,
        "headroom_pct": round(headroom(last.value, threshold) * 100, 1),
    }
    return problems, fact


def _analyse(series: list[Series], horizon: timedelta, what: str) -> Review:
    usable = [s for s in series if len(s.samples) >= 2]
    if not usable:
        counts = ", ".join(f"{s.id} in {len(s.samples)}" for s in series) or "none"
        return Review(
            Status.NOT_VERIFIED, f"{what}: a trend needs two runs measuring it (measured: {counts})"
        )
    problems: list[str] = []
    facts: list[dict[str, object]] = []
    for one in usable:
        found, fact = _judge(one, horizon)
        problems += found
        facts.append(fact)
    facts += [
        {"name": "note", "value": f"{s.id}: one run only, no trend yet"}
        for s in series
        if len(s.samples) < 2
    ]
    worst = min(usable, key=lambda s: headroom(s.latest.value, s.threshold))
    measured = {
        "value": worst.latest.value,
        "unit": worst.threshold.unit,
        "name": f"{worst.id} (latest, least headroom)",
    }
    if problems:
        return Review(Status.FAIL, f"{what}: " + "; ".join(problems), measured, facts)
    runs = max(len(s.samples) for s in usable)
    return Review(
        Status.PASS,
        f"{what}: {len(usable)} figure(s) over {runs} runs, no "
        f"regression, none set to breach within {horizon.days} days",
        measured,
        facts,
    )


def _weekly_series(
    history: RunHistory,
    catalog: Catalog,
    threshold_of: ThresholdOf,
    wanted: Callable[[Criterion, Threshold], bool],
) -> list[Series]:
    runs = history.runs("weekly")[-KEEP:]
    ids = sorted({cid for run in runs for cid in run.criteria if cid in catalog})
    found = []
    for cid in ids:
        threshold = threshold_of(cid)
        if threshold is None or not wanted(catalog.get(cid), threshold):
            continue
        series = series_of(runs, catalog.get(cid), threshold)
        if series.samples:
            found.append(series)
    return found


def response_times(
    history: RunHistory, now: datetime, catalog: Catalog, threshold_of: ThresholdOf
) -> Review:
    """The weekly runs' latency figures (thresholds in ms or s)."""
    lapsed = _lapsed(history, "weekly", now)
    if lapsed is not None:
        return lapsed
    series = _weekly_series(history, catalog, threshold_of, lambda c, t: t.unit in ("ms", "s"))
    return _analyse(series, TREND_HORIZON, "response times")


def performance_metrics(
    history: RunHistory, now: datetime, catalog: Catalog, threshold_of: ThresholdOf
) -> Review:
    """Every performance figure of the weekly runs (latency, availability, error rate)."""
    lapsed = _lapsed(history, "weekly", now)
    if lapsed is not None:
        return lapsed
    series = _weekly_series(history, catalog, threshold_of, lambda c, t: c.area == "performance")
    return _analyse(series, TREND_HORIZON, "performance metrics")


def _weekly_peaks(series: Series) -> Series:
    """The highest sample of each 7-day period, counted back from the latest sample."""
    buckets: dict[int, list[Sample]] = {}
    for sample in series.samples:
        buckets.setdefault((series.latest.at - sample.at) // timedelta(weeks=1), []).append(sample)
    peaks = []
    for week in sorted(buckets, reverse=True):
        top = max(buckets[week], key=lambda s: s.value)
        status = Status.PASS if series.threshold.met_by(top.value) else Status.FAIL
        peaks.append(Sample(max(s.at for s in buckets[week]), top.value, status))
    return Series(series.criterion, series.threshold, tuple(peaks))


def alert_level(thresholds: Iterable[Threshold | None]) -> Threshold | None:
    """The lowest upper bound of the CPU and memory alerts: the usage figure golive records
    is the higher of CPU and memory, so the stricter alert level judges it."""
    bounds = [t for t in thresholds if t is not None and t.op in ("<=", "<")]
    return min(bounds, key=lambda t: t.value) if bounds else None


def resource_usage_trend(
    history: RunHistory, now: datetime, catalog: Catalog, alert: Threshold | None
) -> Review:
    """Weekly peaks of the daily runs' resource usage (routine.resource-usage) against the
    alert level."""
    if alert is None:
        return Review(Status.NOT_VERIFIED, "no CPU or memory alert threshold to judge against")
    lapsed = _lapsed(history, "daily", now, WINDOWS["weekly"])
    if lapsed is not None:
        return lapsed
    since = now - KEEP * timedelta(weeks=1)
    daily = series_of(history.runs("daily", since=since), catalog.get(USAGE_ID), alert)
    if not daily.samples:
        return Review(
            Status.NOT_VERIFIED,
            f"no daily run since {shown(since)} recorded a resource usage figure ({USAGE_ID})",
        )
    review = _analyse([_weekly_peaks(daily)], TREND_HORIZON, "weekly peak resource usage")
    review.facts.append(
        {
            "name": "daily usage figures",
            "value": len(daily.samples),
            "unit": "runs",
            "alert level": str(alert),
        }
    )
    return review


# --- ボトルネック特定 -------------------------------------------------------------------


def bottleneck(
    history: RunHistory, now: datetime, catalog: Catalog, threshold_of: ThresholdOf
) -> Review:
    """The performance or database figure of the last weekly run closest to its threshold."""
    lapsed = _lapsed(history, "weekly", now)
    if lapsed is not None:
        return lapsed
    last = history.latest("weekly")
    assert last is not None
    ranked: list[tuple[float, str, float, Threshold]] = []
    for cid, point in last.criteria.items():
        threshold = threshold_of(cid) if cid in catalog else None
        if (
            threshold is None
            or point.value is None
            or point.capped
            or catalog.get(cid).area not in ("performance", "database")
            or (point.unit is not None and point.unit != threshold.unit)
        ):
            continue
        ranked.append((headroom(point.value, threshold), cid, point.value, threshold))
    if not ranked:
        return Review(
            Status.NOT_VERIFIED,
            f"the weekly run of {shown(last.finished_at)} "
            "measured no performance or database figure with a threshold",
        )
    ranked.sort()
    facts: list[dict[str, object]] = [
        {
            "name": f"headroom rank {i}: {cid}",
            "value": round(room * 100, 1),
            "unit": "%",
            "measured": value,
            "threshold": str(threshold),
        }
        for i, (room, cid, value, threshold) in enumerate(ranked, start=1)
    ]
    room, cid, value, threshold = ranked[0]
    text = (
        f"bottleneck {cid}: {value:.4g} {threshold.unit} against {threshold}, "
        f"{room * 100:.1f} % headroom in the weekly run of {shown(last.finished_at)}"
    )
    measured = {"value": round(room * 100, 1), "unit": "% headroom", "name": cid}
    if room < HEADROOM:
        return Review(Status.FAIL, f"{text} (less than {HEADROOM * 100:.0f} %)", measured, facts)
    return Review(Status.PASS, text, measured, facts)


# --- リソース使用予測 -------------------------------------------------------------------


def usage_forecast(
    history: RunHistory, now: datetime, catalog: Catalog, alert: Threshold | None
) -> Review:
    """The daily runs' resource usage of the last three months, projected 90 days ahead,
    stays below the alert level."""
    if alert is None:
        return Review(Status.NOT_VERIFIED, "no CPU or memory alert threshold to judge against")
    lapsed = _lapsed(history, "daily", now, WINDOWS["monthly"])
    if lapsed is not None:
        return lapsed
    since = now - FORECAST_LOOKBACK
    series = series_of(history.runs("daily", since=since), catalog.get(USAGE_ID), alert)
    samples = series.samples
    span = samples[-1].at - samples[0].at if samples else timedelta(0)
    if len(samples) < 3 or span < FORECAST_MIN_SPAN:
        return Review(
            Status.NOT_VERIFIED,
            f"a forecast needs 3 daily usage figures over "
            f"{FORECAST_MIN_SPAN.days} days; recorded {len(samples)} over "
            f"{span / timedelta(days=1):.1f} days",
        )
    projection = project(series, FORECAST_HORIZON)
    assert projection is not None
    facts: list[dict[str, object]] = [
        {
            "name": "daily usage figures",
            "value": len(samples),
            "unit": "runs",
            "since": shown(samples[0].at),
            "latest": samples[-1].value,
        },
        {
            "name": "trend",
            "value": round(projection.slope_per_day * 7, 2),
            "unit": "% per week",
            "days_to_alert_level": (
                round(projection.days_to_breach, 1)
                if projection.days_to_breach is not None
                else None
            ),
        },
    ]
    measured = {
        "value": round(projection.at_horizon, 1),
        "unit": alert.unit,
        "name": f"usage forecast in {FORECAST_HORIZON.days} days",
    }
    problems = []
    if not alert.met_by(samples[-1].value):
        problems.append(f"latest usage {samples[-1].value:.4g} % is past the alert level {alert}")
    if projection.breaches:
        problems.append(f"usage {projection.describe(alert)}")
    if problems:
        return Review(Status.FAIL, "; ".join(problems), measured, facts)
    return Review(Status.PASS, f"usage {projection.describe(alert)}", measured, facts)
