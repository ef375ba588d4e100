"""Datadog configuration as code (plan Week 1 Day 5: 監視設定 / Datadog設定)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import CriterionContext, Evidence, Finding, NotVerified
from golive.catalog import Threshold
from golive.facts.repo.structured import to_seconds
from golive.rules import datadog_config as datadog

# monitor category → the criterion whose catalog threshold is the plan's number for it
MONITOR_LIMITS = {
    "cpu": "routine.alert-cpu",
    "memory": "routine.alert-memory",
    "error-rate": "routine.alert-error-rate",
    "latency": "perf.avg-response",
}

FILE_CHECKS: list[tuple[str, Callable[[Path], list[Finding]], str]] = [
    ("mon.datadog-agent-config", datadog.agent_config_findings, "datadog-agent.yml"),
    ("mon.custom-metrics-config", datadog.custom_metrics_config_findings, "custom-metrics.yml"),
    ("mon.custom-metrics", datadog.custom_metrics_findings, "custom metric definitions"),
    ("mon.tagging-rules-json", datadog.tagging_rules_json_findings, "tagging-rules.json"),
    ("mon.tagging-rules", datadog.tagging_rules_findings, "env/service/version tagging"),
    ("mon.alert-severity", datadog.alert_severity_findings, "alert severity levels"),
    ("mon.notification-config", datadog.notification_config_findings,
     "notification-config.yml"),
    ("mon.notification-channels", datadog.notification_channels_findings,
     "notification channels per severity"),
    ("mon.escalation-matrix", datadog.escalation_matrix_findings, "escalation-matrix.yml"),
    ("mon.escalation-rules", datadog.escalation_rules_findings, "escalation levels"),
    ("mon.custom-widgets", datadog.custom_widget_findings, "dashboard custom widgets"),
]


@pytest.mark.parametrize(
    ("probe", "what"),
    [pytest.param(probe, what, id=cid, marks=pytest.mark.criterion(cid))
     for cid, probe, what in FILE_CHECKS],
)
def test_datadog_config_sound(
    criterion: CriterionContext,
    repo_path: Path,
    probe: Callable[[Path], list[Finding]],
    what: str,
) -> None:
    criterion.expect_no_findings(probe(repo_path), what=what)


@pytest.mark.criterion("mon.alert-rules-config")
def test_alert_rules_sound(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path,
    threshold_of: Callable[[str], Threshold | None],
) -> None:
    """Valid monitors, no looser than the plan's numbers, each notifying someone."""
    limits = {c: t for c, cid in MONITOR_LIMITS.items() if (t := threshold_of(cid)) is not None}
    count, sources = datadog.monitors_examined(repo_path)
    evidence.record("monitors examined", count, "monitors",
                    sources=[{"file": f, "format": fmt} for f, fmt in sources],
                    limits={c: str(t) for c, t in limits.items()})
    criterion.expect_no_findings(datadog.alert_rules_findings(repo_path, limits),
                                 what="Datadog monitors (alert-rules.yml)")
    if count == 0:
        raise NotVerified("no monitor was read, so none was checked")


@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, id=kind, marks=pytest.mark.criterion(cid)) for kind, cid in (
        ("system", "mon.dashboard-system"),
        ("performance", "mon.dashboard-performance"),
        ("errors", "mon.dashboard-errors"),
    )],
)
def test_dashboard_defined(criterion: CriterionContext, repo_path: Path, kind: str) -> None:
    criterion.expect_no_findings(
        datadog.dashboard_findings(repo_path, kind), what=f"{kind} dashboard definition")


@pytest.mark.criterion("mon.dashboard-refresh")
def test_dashboard_refresh_interval(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    report = datadog.dashboard_refresh(repo_path)
    for file, seconds in sorted(report.seconds.items()):
        evidence.record(f"refresh interval of {file}", seconds, "s")
    criterion.expect_no_findings(report.findings, what="dashboard refresh settings")
    if report.slowest_s is None and report.unset:
        raise NotVerified(
            "Datadog's dashboard API has no refresh setting and no refresh_interval is "
            f"written: {', '.join(report.unset)}")
    assert criterion.threshold is not None and report.slowest_s is not None
    per_unit = to_seconds(1, criterion.threshold.unit)
    criterion.expect(report.slowest_s / per_unit, name="slowest dashboard refresh")


@pytest.mark.criterion("mon.collection-interval")
def test_collection_interval(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    report = datadog.collection_intervals(repo_path)
    evidence.record("custom metrics with an interval", len(report.seconds), "metrics")
    criterion.expect_no_findings(report.findings, what="custom metric collection intervals")
    assert report.longest_s is not None, "no custom metric has a collection interval"
    assert criterion.threshold is not None
    per_unit = to_seconds(1, criterion.threshold.unit)
    criterion.expect(report.longest_s / per_unit, name="longest collection interval")
