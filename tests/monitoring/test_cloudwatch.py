"""AWS CloudWatch configuration as code (plan Week 1 Day 5: CloudWatch設定).

The static half of the log-collection and metric-filter criteria: what the committed
configuration ships and counts. Live checks against the account judge the same criteria
from the running side.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import CriterionContext, Evidence, Finding
from golive.catalog import Threshold
from golive.rules import cloudwatch

# alarm category → the criterion whose catalog threshold is the plan's number for it
ALARM_LIMITS = {
    "cpu": "routine.alert-cpu",
    "memory": "routine.alert-memory",
    "error-rate": "routine.alert-error-rate",
    "latency": "perf.avg-response",
}

FILE_CHECKS: list[tuple[str, Callable[[Path], list[Finding]], str]] = [
    ("mon.cloudwatch-agent-config", cloudwatch.agent_config_findings, "cloudwatch-agent.json"),
    ("mon.log-config", cloudwatch.log_config_findings, "log-config.json"),
    ("mon.retention-policy", cloudwatch.retention_findings, "retention-policy.json"),
    ("mon.alarm-definitions", cloudwatch.alarm_definitions_findings, "alarm-definitions.yml"),
    ("mon.notification-rules", cloudwatch.notification_rules_findings,
     "notification-rules.yml"),
    ("mon.response-procedures", cloudwatch.response_procedures_findings,
     "response-procedures.md"),
]


@pytest.mark.parametrize(
    ("probe", "what"),
    [pytest.param(probe, what, id=cid, marks=pytest.mark.criterion(cid))
     for cid, probe, what in FILE_CHECKS],
)
def test_cloudwatch_config_sound(
    criterion: CriterionContext,
    evidence: Evidence,
    repo_path: Path,
    probe: Callable[[Path], list[Finding]],
    what: str,
) -> None:
    _record_sources(evidence, repo_path)
    criterion.expect_no_findings(probe(repo_path), what=what)


def _record_sources(evidence: Evidence, repo_path: Path) -> None:
    """Which files were read as CloudWatch definitions, in which format."""
    sources = cloudwatch.definition_sources(repo_path)
    evidence.record("CloudWatch definition files read", sum(len(s) for s in sources.values()),
                    "files", sources=sources)


@pytest.mark.parametrize(
    "category",
    [pytest.param(category, id=category, marks=pytest.mark.criterion(cid))
     for category, cid in (
         ("application", "mon.app-logs"),
         ("system", "mon.system-logs"),
         ("security", "mon.security-logs"),
     )],
)
def test_logs_collected_by_agent(
    criterion: CriterionContext, repo_path: Path, category: str
) -> None:
    criterion.expect_no_findings(
        cloudwatch.log_category_findings(repo_path, category),
        what=f"{category} log collection in cloudwatch-agent.json")


@pytest.mark.parametrize(
    "category",
    [pytest.param(category, id=category, marks=pytest.mark.criterion(cid))
     for category, cid in (
         ("errors", "mon.filter-errors"),
         ("performance", "mon.filter-performance"),
         ("security", "mon.filter-security-events"),
     )],
)
def test_metric_filter_defined(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path, category: str
) -> None:
    _record_sources(evidence, repo_path)
    criterion.expect_no_findings(
        cloudwatch.metric_filter_findings(repo_path, category),
        what=f"{category} metric filter definition")


@pytest.mark.parametrize(
    "categories",
    [pytest.param(categories, id=cid.removeprefix("mon."), marks=pytest.mark.criterion(cid))
     for categories, cid in (
         (("cpu", "memory"), "mon.alarm-resource"),
         (("error-rate",), "mon.alarm-error-rate"),
         (("latency",), "mon.alarm-latency"),
     )],
)
def test_alarm_defined_with_actions(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path,
    categories: tuple[str, ...], threshold_of: Callable[[str], Threshold | None],
) -> None:
    """An enabled alarm with actions per category, no looser than the plan's number (the
    catalog threshold of the goal it defends: CPU 80 %, memory 85 %, response 200 ms)."""
    limits = {c: t for c in categories
              if c in ALARM_LIMITS and (t := threshold_of(ALARM_LIMITS[c])) is not None}
    examined = cloudwatch.alarms_examined(repo_path)
    evidence.record("alarm definitions examined", examined, "alarms",
                    limits={c: str(t) for c, t in limits.items()},
                    sources=cloudwatch.definition_sources(repo_path)["alarms"])
    criterion.expect_no_findings(
        cloudwatch.alarm_category_findings(repo_path, *categories, limits=limits),
        what=f"{' and '.join(categories)} alarms")
