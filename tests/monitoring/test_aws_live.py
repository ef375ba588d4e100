"""CloudWatch Logs in the live account (plan Week 1 Day 5: ログ収集 / メトリクスフィルター).

The live half of the log-collection and metric-filter criteria (test_cloudwatch.py
judges the committed configuration): each kind of log has a log group that received
events in the last 24 hours and has a retention policy, and the metric filters that turn
errors, latency and security events into metrics exist on the right log groups.
(The alarm criteria mon.alarm-* are judged from the configuration as code.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest

from golive import CriterionContext, Evidence, Finding
from golive.facts.live import aws

DAY = dt.timedelta(hours=24)


@pytest.fixture(scope="module")
def logs_client(aws_client: Callable[[str], Any]) -> Iterator[Any]:
    with closing(aws_client("logs")) as logs:
        yield logs


def _of(groups: list[aws.LogGroup], category: str) -> list[aws.LogGroup]:
    return [g for g in groups if g.category == category]


def _names(groups: list[aws.LogGroup]) -> str:
    return ", ".join(g.name for g in groups) or "none"


@pytest.mark.parametrize(
    "category",
    [pytest.param(category, id=category, marks=pytest.mark.criterion(cid))
     for category, cid in (
         ("application", "mon.app-logs"),
         ("system", "mon.system-logs"),
         ("security", "mon.security-logs"),
     )],
)  # fmt: skip
def test_logs_collected_in_account(
    criterion: CriterionContext,
    evidence: Evidence,
    log_groups: list[aws.LogGroup],
    logs_client: Any,
    category: str,
) -> None:
    """A log group of this kind received events in the last 24 h, and every log group of
    this kind has a retention policy (none means kept, and paid for, forever)."""
    ours = _of(log_groups, category)
    findings: list[Finding] = []
    if not ours:
        findings.append(Finding("logs", None, f"no {category} log group (groups: "
                                               f"{_names(log_groups)})"))  # fmt: skip
    end = dt.datetime.now(dt.UTC)
    receiving = []
    for group in ours:
        recent = aws.read_events(logs_client, group.name, end - DAY, end, cap=1)
        if recent.events:
            receiving.append(group.name)
        evidence.record(group.name, group.retention_days, "days retention",
                        events_last_24h=bool(recent.events),
                        stored_bytes=group.stored_bytes)  # fmt: skip
        if group.retention_days is None:
            findings.append(Finding(f"logs:{group.name}", None,
                                    "no retention policy: kept forever"))  # fmt: skip
    if ours and not receiving:
        findings.append(Finding(f"logs:{ours[0].name}", None,
                                f"no {category} log group received an event in the last 24 h "
                                f"({_names(ours)}): nothing is being collected"))  # fmt: skip
    criterion.expect_no_findings(findings, what=f"{category} log collection (live account)")


def _filters(groups: list[aws.LogGroup]) -> list[aws.MetricFilter]:
    return [f for g in groups for f in g.filters if f.metrics]


@pytest.mark.criterion("mon.filter-errors")
def test_error_log_filter(
    criterion: CriterionContext, evidence: Evidence, log_groups: list[aws.LogGroup]
) -> None:
    """An application log group has a filter counting error-level lines (a 5xx status
    count alone misses errors that never become a response)."""
    app = _of(log_groups, "application")
    filters = _filters(app)
    ours = [f for f in filters if "errors" in f.kinds]
    evidence.record("error filters", len(ours), "filters", filters=[f.describe() for f in ours])
    findings = [] if ours else [Finding(
        f"logs:{_names(app)}", None,
        "no metric filter counts error-level lines (ERROR/FATAL/exception) of the application "
        f"log; its filters: {[f.describe() for f in filters] or 'none'}")]  # fmt: skip
    criterion.expect_no_findings(findings, what="error log metric filter (live account)")


@pytest.mark.criterion("mon.filter-performance")
def test_performance_metric_filter(
    criterion: CriterionContext, evidence: Evidence, log_groups: list[aws.LogGroup]
) -> None:
    """An application log group has a latency filter whose metric value is read from the
    event (``$.latency_ms``): counting lines gives no latency at all."""
    app = _of(log_groups, "application")
    latency = [f for f in _filters(app) if "latency" in f.kinds]
    ours = [f for f in latency if f.extracts_value]
    evidence.record("latency filters", len(ours), "filters",
                    filters=[f.describe() for f in latency])  # fmt: skip
    findings = [
        Finding(f"logs:{f.group}", None,
                f"latency filter {f.name} emits a constant, not the latency: {f.describe()}")
        for f in latency if not f.extracts_value
    ]  # fmt: skip
    if not latency:
        findings.append(
            Finding(
                f"logs:{_names(app)}",
                None,
                "no metric filter extracts latency from the application log",
            )
        )
    criterion.expect_no_findings(findings, what="performance metric filter (live account)")


@pytest.mark.criterion("mon.filter-security-events")
def test_security_event_filters(
    criterion: CriterionContext, evidence: Evidence, log_groups: list[aws.LogGroup]
) -> None:
    """The security log group has filters counting authentication failures and denied
    (unauthorized/forbidden) access: the events the security alarms fire on."""
    security = _of(log_groups, "security")
    filters = _filters(security)
    evidence.record("security filters", len(filters), "filters",
                    filters=[f.describe() for f in filters])  # fmt: skip
    findings = [
        Finding(f"logs:{_names(security)}", None,
                f"no metric filter counts {kind} events in the security log")
        for kind in ("auth-failure", "unauthorized")
        if not any(kind in f.kinds for f in filters)
    ]  # fmt: skip
    criterion.expect_no_findings(findings, what="security event metric filters (live account)")
