"""CloudWatch as it runs, reviewed: how well the metric filters classify the last day's
log events, custom metrics reaching CloudWatch, and what the alarms and dashboards watch
(plan: メトリクスフィルターの作成, パフォーマンス最適化 Day 5, 週次 ダッシュボード確認/
アラート設定見直し).

The metric-filter rates are computed by golive: each filter's pattern is evaluated on the
last 24 hours of its log group (moto has no TestMetricFilter and its filters emit
nothing; real CloudWatch would count the same events), and what it *should* match is
decided by golive's own classifiers from the filter's metric name, not from its pattern.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import aws
from golive.facts.live import aws_review as review
from golive.harness import ThresholdOf

DAY = dt.timedelta(hours=24)
WEEK = dt.timedelta(days=7)
KEY_KINDS = ("cpu", "memory", "disk", "latency", "errors")


@pytest.fixture(scope="module")
def cw(aws_client: Callable[[str], Any]) -> Iterator[Any]:
    with closing(aws_client("cloudwatch")) as client:
        yield client


@pytest.fixture(scope="module")
def dashboards(cw: Any) -> list[review.Dashboard]:
    return review.list_dashboards(cw)


def _kinds(ref: review.MetricRef) -> set[str]:
    found = review.metric_kinds(ref.name)
    return found | {"errors"} if "http-5xx" in found else found


# --- metric filters -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def filter_scores(
    aws_client: Callable[[str], Any], evidence_notes: list[str]
) -> list[review.FilterScore]:
    end = dt.datetime.now(dt.UTC)
    scores: list[review.FilterScore] = []
    with closing(aws_client("logs")) as logs:
        for group in aws.list_log_groups(logs):
            if not any(f.metrics for f in group.filters):
                continue
            events = aws.read_events(logs, group.name, end - DAY, end, cap=20_000).events
            for metric_filter in group.filters:
                try:
                    score = review.score_filter(metric_filter, events)
                except review.UnsupportedPattern as exc:
                    evidence_notes.append(f"{metric_filter.describe()}: not evaluated ({exc})")
                    continue
                if score is None:
                    evidence_notes.append(f"{metric_filter.describe()}: its metric names no "
                                          "kind golive classifies; not evaluated")  # fmt: skip
                else:
                    scores.append(score)
    return scores


@pytest.fixture(scope="module")
def evidence_notes() -> list[str]:
    return []


def _record_scores(evidence: Evidence, scores: list[review.FilterScore], notes: list[str]) -> None:
    for s in scores:
        evidence.record(s.filter, s.hits, "events matched correctly", kind=s.kind,
                        events=s.events, expected=s.expected, matched=s.matched,
                        missed=s.missed, false_matches=s.false_matches)  # fmt: skip
    for note in notes:
        evidence.note(note)
    evidence.note("patterns evaluated by golive on the last 24 h of events (moto has no "
                  "TestMetricFilter and its filters emit nothing)")  # fmt: skip


@pytest.mark.criterion("mon.filter-apply-rate")
def test_filter_apply_rate(
    criterion: CriterionContext,
    evidence: Evidence,
    filter_scores: list[review.FilterScore],
    evidence_notes: list[str],
) -> None:
    """Of the events each filter is meant to count, the share its pattern matches."""
    _record_scores(evidence, filter_scores, evidence_notes)
    expected = sum(s.expected for s in filter_scores)
    if not expected:
        golive.not_verified("no event of a kind the metric filters count in the last 24 h")
    missed = [f"{s.filter}: {s.missed} of {s.expected} {s.kind} events"
              for s in filter_scores if s.missed]  # fmt: skip
    if missed:
        evidence.note("missed: " + "; ".join(missed))
    rate = 100 * sum(s.hits for s in filter_scores) / expected
    criterion.expect(rate, name="events matched by their filter", unit="%")


@pytest.mark.criterion("mon.filter-false-detection-rate")
def test_filter_false_detection_rate(
    criterion: CriterionContext,
    evidence: Evidence,
    filter_scores: list[review.FilterScore],
    evidence_notes: list[str],
) -> None:
    """Of the events the filters match, the share that are not what the filter counts."""
    _record_scores(evidence, filter_scores, evidence_notes)
    matched = sum(s.matched for s in filter_scores)
    if not matched and not sum(s.expected for s in filter_scores):
        golive.not_verified("no event of a kind the metric filters count in the last 24 h")
    false = [f"{s.filter}: {s.false_matches} of {s.matched} matches are not {s.kind}"
             for s in filter_scores if s.false_matches]  # fmt: skip
    if false:
        evidence.note("false matches: " + "; ".join(false))
    rate = 100 * sum(s.false_matches for s in filter_scores) / matched if matched else 0.0
    criterion.expect(rate, name="filter matches that are false detections", unit="%")


# --- custom metrics and alert thresholds (パフォーマンス最適化 Day 5) ----------------------


@pytest.mark.criterion("perf.custom-metrics")
def test_custom_performance_metrics_reported(
    criterion: CriterionContext, evidence: Evidence, cw: Any
) -> None:
    """Custom (non-AWS/) metrics for latency, throughput and errors received datapoints in
    the last 24 hours."""
    end = dt.datetime.now(dt.UTC)
    reporting: dict[str, list[str]] = {"latency": [], "throughput": [], "errors": []}
    for ref in review.custom_metrics(cw):
        points = review.metric_has_data(cw, ref, end - DAY, end)
        evidence.record(ref.describe(), points, "datapoints (24 h)")
        for kind in _kinds(ref) & set(reporting):
            if points:
                reporting[kind].append(ref.describe())
    findings = [Finding("cloudwatch:metrics", None,
                        f"no custom {kind} metric received data in the last 24 h")
                for kind, refs in reporting.items() if not refs]  # fmt: skip
    criterion.expect_no_findings(findings, what="custom performance metrics")


def _latency_ms(alarm: aws.Alarm) -> float | None:
    if alarm.threshold is None:
        return None
    name = " ".join(n for _, n in alarm.metrics).lower()
    if alarm.unit == "Seconds" or (alarm.unit is None and "responsetime" in name):
        return alarm.threshold * 1000
    return alarm.threshold


@pytest.mark.criterion("perf.alert-thresholds")
def test_alerts_fire_before_slo(
    criterion: CriterionContext,
    evidence: Evidence,
    cw: Any,
    alarms: list[aws.Alarm],
    threshold_of: ThresholdOf,
) -> None:
    """An average-latency alarm fires at or below the average response-time SLO
    (perf.avg-response) and an error-rate alarm at or below the error-rate SLO
    (perf.error-rate): alerts come before the SLO is breached."""
    stats = review.alarm_statistics(cw)
    slo_latency = threshold_of("perf.avg-response")
    slo_errors = threshold_of("perf.error-rate")
    if slo_latency is None or slo_errors is None:
        golive.not_verified("the catalog gives no latency or error-rate SLO")
    latency = {a.name: _latency_ms(a) for a in alarms
               if "latency" in a.kinds and a.rising and stats.get(a.name) == "Average"}  # fmt: skip
    errors = {a.name: aws.error_rate_percent(a) for a in alarms if a.rising}
    errors = {name: value for name, value in errors.items() if value is not None}
    evidence.record("average-latency alarms", len(latency), "alarms", thresholds_ms=latency,
                    slo_ms=slo_latency.value)  # fmt: skip
    evidence.record("error-rate alarms", len(errors), "alarms", thresholds_percent=errors,
                    slo_percent=slo_errors.value)  # fmt: skip
    findings = []
    for what, found, slo in (("average latency", latency, slo_latency),
                             ("error rate", errors, slo_errors)):  # fmt: skip
        if not any(v is not None and slo.met_by(v) for v in found.values()):
            shown = ", ".join(f"{n} at {v:g}" for n, v in found.items() if v is not None)
            findings.append(Finding("cloudwatch:alarms", None,
                                    f"no {what} alarm fires at or before the SLO "
                                    f"({slo.op} {slo.value:g} {slo.unit}); alarms: "
                                    f"{shown or 'none'}"))  # fmt: skip
    criterion.expect_no_findings(findings, what="performance alert thresholds")


# --- dashboards -------------------------------------------------------------------------


@pytest.mark.criterion("perf.dashboard-expansion")
def test_performance_dashboard_expanded(
    criterion: CriterionContext, evidence: Evidence, dashboards: list[review.Dashboard]
) -> None:
    """The performance dashboard (its name says perf) shows latency percentiles,
    throughput, errors and saturation (CPU, memory, disk or queue)."""
    boards = [d for d in dashboards if "perf" in d.name.lower()]
    if not boards:
        names = [d.name for d in dashboards]
        criterion.expect_no_findings([Finding("cloudwatch:dashboards", None,
                                              f"no performance dashboard among {names}")],
                                     what="performance dashboard")  # fmt: skip
    shown: dict[str, list[str]] = {"latency percentiles": [], "throughput": [], "errors": [],
                                   "saturation": []}  # fmt: skip
    for board in boards:
        for widget in board.widgets:
            kinds = set().union(*(_kinds(m) for m in widget.metrics)) if widget.metrics else set()
            label = f"{board.name}: {widget.title}"
            if "latency" in kinds and widget.stat.lower().startswith("p"):
                shown["latency percentiles"].append(label)
            if "throughput" in kinds:
                shown["throughput"].append(label)
            if "errors" in kinds:
                shown["errors"].append(label)
            if kinds & {"cpu", "memory", "disk", "queue"}:
                shown["saturation"].append(label)
    evidence.record("performance dashboards", len(boards), "dashboards", shown=shown)
    findings = [Finding(f"cloudwatch:dashboard/{boards[0].name}", None, f"no {what} widget")
                for what, widgets in shown.items() if not widgets]  # fmt: skip
    criterion.expect_no_findings(findings, what="performance dashboard")


@pytest.mark.criterion("routine.visualization-items")
def test_dashboard_widgets_show_data(
    criterion: CriterionContext, evidence: Evidence, cw: Any, dashboards: list[review.Dashboard]
) -> None:
    """Every metric widget names a metric and each of its metrics has data in the last
    24 hours (an empty widget is a broken one), and the dashboards together show CPU,
    memory, latency and errors."""
    if not dashboards:
        golive.not_verified("no CloudWatch dashboard in the account")
    end = dt.datetime.now(dt.UTC)
    findings: list[Finding] = []
    shown: set[str] = set()
    for board in dashboards:
        for widget in board.widgets:
            where = f"cloudwatch:dashboard/{board.name}"
            if not widget.metrics:
                findings.append(Finding(where, None, f"widget {widget.title!r} shows no metric"))
            for ref in widget.metrics:
                points = review.metric_has_data(cw, ref, end - DAY, end)
                shown |= _kinds(ref)
                if not points:
                    findings.append(Finding(where, None, f"widget {widget.title!r} is empty: "
                                                         f"{ref.describe()} has no data in the "
                                                         "last 24 h"))  # fmt: skip
        evidence.record(board.name, len(board.widgets), "widgets",
                        titles=[w.title for w in board.widgets])  # fmt: skip
    findings += [Finding("cloudwatch:dashboards", None, f"no dashboard shows {kind}")
                 for kind in ("cpu", "memory", "latency", "errors")
                 if kind not in shown]  # fmt: skip
    criterion.expect_no_findings(findings, what="dashboard widgets")


@pytest.mark.criterion("routine.new-metrics")
def test_custom_metrics_on_dashboards(
    criterion: CriterionContext, evidence: Evidence, cw: Any, dashboards: list[review.Dashboard]
) -> None:
    """Every custom metric that received data in the past week is on some dashboard."""
    end = dt.datetime.now(dt.UTC)
    on_boards = {(m.namespace, m.name) for d in dashboards for m in d.metrics}
    recent = [ref for ref in review.custom_metrics(cw)
              if review.metric_has_data(cw, ref, end - WEEK, end)]  # fmt: skip
    if not recent:
        golive.not_verified("no custom metric received data in the past week")
    unseen = [ref for ref in recent if (ref.namespace, ref.name) not in on_boards]
    evidence.record("custom metrics reported (7 days)", len(recent), "metrics",
                    unseen=[r.describe() for r in unseen])  # fmt: skip
    findings = [Finding(f"cloudwatch:metric/{ref.namespace}/{ref.name}", None,
                        f"{ref.describe()} is reported but on no dashboard")
                for ref in unseen]  # fmt: skip
    criterion.expect_no_findings(findings, what="custom metrics on dashboards")


# --- alarms (週次: アラート設定見直し) -------------------------------------------------------


@pytest.mark.criterion("routine.metric-thresholds")
def test_key_metrics_have_alarms(
    criterion: CriterionContext,
    evidence: Evidence,
    alarms: list[aws.Alarm],
    dashboards: list[review.Dashboard],
) -> None:
    """Each key metric kind shown on a dashboard (CPU, memory, disk, latency, errors) is
    watched by an alarm with an explicit static threshold."""
    if not dashboards:
        golive.not_verified("no CloudWatch dashboard in the account")
    shown: dict[str, set[str]] = {}
    for board in dashboards:
        for ref in board.metrics:
            for kind in _kinds(ref) & set(KEY_KINDS):
                shown.setdefault(kind, set()).add(ref.describe())
    watched: dict[str, list[str]] = {}
    for alarm in alarms:
        if alarm.threshold is None:
            continue
        for ns, name in alarm.metrics:
            for kind in _kinds(review.MetricRef(ns, name)) & set(KEY_KINDS):
                watched.setdefault(kind, []).append(alarm.describe())
    evidence.record("key metric kinds on dashboards", len(shown), "kinds",
                    shown={k: sorted(v) for k, v in shown.items()}, alarms=watched)  # fmt: skip
    findings = [Finding("cloudwatch:alarms", None,
                        f"{kind} is on a dashboard ({', '.join(sorted(shown[kind]))}) but no "
                        "alarm with a threshold watches it")
                for kind in sorted(shown) if kind not in watched]  # fmt: skip
    criterion.expect_no_findings(findings, what="key metric thresholds")


@pytest.mark.criterion("routine.alert-settings")
def test_no_alarm_silenced(
    criterion: CriterionContext, evidence: Evidence, alarms: list[aws.Alarm]
) -> None:
    """No alarm is disabled or without a notification target (an SNS topic among its
    actions, with actions enabled)."""
    if not alarms:
        golive.not_verified("no CloudWatch alarm in the account")
    silent = [a for a in alarms if not a.notifies]
    evidence.record("alarms", len(alarms), "alarms", silent=[a.name for a in silent])
    findings = [Finding(f"cloudwatch:alarm/{a.name}", None, a.why_silent()) for a in silent]
    criterion.expect_no_findings(findings, what="alert settings")
