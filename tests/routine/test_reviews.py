"""The routine's reports and reviews (定期タスク 報告形式 / 報告内容 / レビュー項目), judged
from golive's own run history.

Each golive run that writes reports appends an entry to the history folder
(``history_dir`` of golive.toml, else ``<--golive-output>/history``). These checks read it:
did the daily, weekly and monthly runs happen and report, were failed daily runs recorded
as incidents, and do the recorded figures trend towards their thresholds. The rules are in
:mod:`golive.rules.routine`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import golive
from golive import Evidence
from golive.catalog import Catalog, Threshold
from golive.harness import ThresholdOf
from golive.history.store import Review, RunHistory
from golive.judging.verdict import Status
from golive.rules import routine as reviews


@pytest.fixture(scope="module")
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(scope="module")
def alert(threshold_of: ThresholdOf) -> Threshold | None:
    """The usage alert level: the stricter of the CPU and memory alert thresholds."""
    return reviews.alert_level(threshold_of(cid) for cid in reviews.ALERT_IDS)


def conclude(review: Review, evidence: Evidence) -> None:
    """Record the review's facts and figure, then end the check with its status."""
    for fact in review.facts:
        fact = dict(fact)
        evidence.record(str(fact.pop("name")), fact.pop("value", None), fact.pop("unit", None),
                        **fact)  # fmt: skip
    evidence.measured = review.measured
    if review.status is Status.NOT_VERIFIED:
        golive.not_verified(review.reason)
    evidence.note(review.reason)
    if review.status is not Status.PASS:
        raise AssertionError(review.reason)


# --- 報告形式 (日次) --------------------------------------------------------------------


@pytest.mark.criterion("routine.daily-report")
def test_daily_report(evidence: Evidence, run_history: RunHistory, now: datetime) -> None:
    """A daily run finished within 26 h, wrote its reports and sent its notification."""
    conclude(reviews.daily_report(run_history, now), evidence)


@pytest.mark.criterion("routine.incident-record")
def test_incident_records(evidence: Evidence, run_history: RunHistory, now: datetime) -> None:
    """Each daily run of the last 8 days that failed has an incident record listing every
    failing criterion (written by golive.routine.write_incident_record)."""
    conclude(reviews.incident_records(run_history, now), evidence)


# --- パフォーマンスレビュー (週次) --------------------------------------------------------


@pytest.mark.criterion("routine.weekly-performance-report")
def test_weekly_performance_report(
    evidence: Evidence, run_history: RunHistory, now: datetime, golive_catalog: Catalog
) -> None:
    """A weekly run within 8 days judged the performance criteria."""
    conclude(reviews.weekly_performance_report(run_history, now, golive_catalog), evidence)


@pytest.mark.criterion("routine.response-time-analysis")
def test_response_time_analysis(
    evidence: Evidence, run_history: RunHistory, now: datetime, golive_catalog: Catalog,
    threshold_of: ThresholdOf,
) -> None:
    """The weekly runs' latency figures: no regression, none set to breach in 4 weeks."""
    review = reviews.response_times(
        run_history, now, golive_catalog, threshold_of
    )
    conclude(review, evidence)


@pytest.mark.criterion("perf.metrics-analysis")
def test_performance_metrics_analysis(
    evidence: Evidence, run_history: RunHistory, now: datetime, golive_catalog: Catalog,
    threshold_of: ThresholdOf,
) -> None:
    """Every performance figure of the weekly runs: no regression, none set to breach."""
    review = reviews.performance_metrics(
        run_history, now, golive_catalog, threshold_of
    )
    conclude(review, evidence)


@pytest.mark.criterion("routine.resource-usage-trend")
def test_resource_usage_trend(
    evidence: Evidence,
    run_history: RunHistory,
    now: datetime,
    golive_catalog: Catalog,
    alert: Threshold | None,
) -> None:
    """Weekly peaks of the daily resource usage: no regression, not set to reach the alert
    level in 4 weeks."""
    conclude(reviews.resource_usage_trend(run_history, now, golive_catalog, alert),
             evidence)  # fmt: skip


@pytest.mark.criterion("routine.bottleneck-identification")
def test_bottleneck(
    evidence: Evidence, run_history: RunHistory, now: datetime, golive_catalog: Catalog,
    threshold_of: ThresholdOf,
) -> None:
    """The figure with the least headroom in the last weekly run is named; it fails below
    10 % headroom."""
    review = reviews.bottleneck(run_history, now, golive_catalog, threshold_of)
    conclude(review, evidence)


# --- セキュリティ評価 / キャパシティプランニング (月次) ------------------------------------


@pytest.mark.criterion("routine.security-report")
def test_security_report(
    evidence: Evidence, run_history: RunHistory, now: datetime, golive_catalog: Catalog
) -> None:
    """A monthly run within 32 days judged the security criteria."""
    conclude(reviews.security_report(run_history, now, golive_catalog), evidence)


@pytest.mark.criterion("routine.capacity-report")
def test_capacity_report(evidence: Evidence, run_history: RunHistory, now: datetime) -> None:
    """A monthly run within 32 days made the usage forecast."""
    conclude(reviews.capacity_report(run_history, now), evidence)


@pytest.mark.criterion("routine.usage-forecast")
def test_usage_forecast(
    evidence: Evidence,
    run_history: RunHistory,
    now: datetime,
    golive_catalog: Catalog,
    alert: Threshold | None,
) -> None:
    """Daily resource usage of the last 3 months projected 90 days ahead stays below the
    CPU/memory alert level."""
    conclude(reviews.usage_forecast(run_history, now, golive_catalog, alert), evidence)
