"""The CloudWatch probes: sound on the good sample repo, the planted defect on the broken one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding
from golive.catalog import Threshold, load_catalog
from golive.rules import cloudwatch

from ._helpers import text_of, write


def _threshold(criterion_id: str) -> Threshold:
    threshold = load_catalog().get(criterion_id).threshold
    assert threshold is not None
    return threshold


# the plan's numbers, read from the catalog as the checks do
_LIMITS = {
    "cpu": _threshold("routine.alert-cpu"),
    "memory": _threshold("routine.alert-memory"),
    "latency": _threshold("perf.avg-response"),
}

PROBES: dict[str, tuple[Callable[[Path], list[Finding]], str]] = {
    "mon.cloudwatch-agent-config": (
        cloudwatch.agent_config_findings,
        "alarm acme-worker-disk-high watches CWAgent/disk_used_percent, which the agent does "
        "not collect"),
    "mon.app-logs": (lambda r: cloudwatch.log_category_findings(r, "application"),
                     "application log entry is not collected"),
    "mon.system-logs": (lambda r: cloudwatch.log_category_findings(r, "system"),
                        "no system log is collected"),
    "mon.security-logs": (lambda r: cloudwatch.log_category_findings(r, "security"),
                          "no security log is collected"),
    "mon.log-config": (cloudwatch.log_config_findings,
                       "log group /acme/production/application is declared twice"),
    "mon.retention-policy": (cloudwatch.retention_findings,
                             "retention_in_days 45 is not a value CloudWatch accepts"),
    "mon.filter-errors": (lambda r: cloudwatch.metric_filter_findings(r, "errors"),
                          "acme-application-errors: JSON filterPattern has unbalanced braces"),
    "mon.filter-performance": (
        lambda r: cloudwatch.metric_filter_findings(r, "performance"),
        "acme-request-latency: log group /acme/prod/application is not declared"),
    "mon.filter-security-events": (lambda r: cloudwatch.metric_filter_findings(r, "security"),
                                   "no security metric filter"),
    "mon.alarm-resource": (lambda r: cloudwatch.alarm_category_findings(
        r, "cpu", "memory", limits=_LIMITS), "no memory alarm"),
    "mon.alarm-error-rate": (lambda r: cloudwatch.alarm_category_findings(r, "error-rate"),
                             "error-rate alarm acme-error-rate-high has no AlarmActions"),
    # the twin's latency alarm fires at 999999 ms with its actions disabled
    "mon.alarm-latency": (lambda r: cloudwatch.alarm_category_findings(
        r, "latency", limits=_LIMITS), "looser than the plan's 200 ms"),
    "mon.alarm-definitions": (cloudwatch.alarm_definitions_findings,
                              "DatapointsToAlarm 6 must be between 1 and EvaluationPeriods"),
    "mon.notification-rules": (cloudwatch.notification_rules_findings,
                               "topic acme-alerts-critical has no subscriptions"),
    "mon.response-procedures": (cloudwatch.response_procedures_findings,
                                "no procedure for alarm acme-worker-disk-high"),
}


@pytest.mark.parametrize("criterion_id", PROBES)
def test_sound_on_good(good_repo: Path, criterion_id: str) -> None:
    probe, _ = PROBES[criterion_id]
    assert probe(good_repo) == []


@pytest.mark.parametrize("criterion_id", PROBES)
def test_defect_found_on_broken(broken_repo: Path, criterion_id: str) -> None:
    probe, expected = PROBES[criterion_id]
    assert expected in text_of(probe(broken_repo))


def test_other_broken_defects(broken_repo: Path) -> None:
    assert "has its actions disabled (ActionsEnabled: false)" in text_of(
        cloudwatch.alarm_category_findings(broken_repo, "latency", limits=_LIMITS))
    assert "alarm acme-worker-disk-high: AlarmActions topic acme-alerts-page is not defined" in (
        text_of(cloudwatch.alarm_definitions_findings(broken_repo)))
    assert "plain http endpoint" in text_of(cloudwatch.notification_rules_findings(broken_repo))
    assert "log group /acme/production/system has no retention" not in text_of(
        cloudwatch.retention_findings(broken_repo))  # no longer named anywhere in broken


def test_collected_logs_are_categorized(good_repo: Path) -> None:
    _, logs, found = cloudwatch.collected_logs(good_repo)
    assert found == []
    assert {log.category for log in logs} == {"application", "system", "security"}


# --- edge cases -------------------------------------------------------------------------


def test_missing_files_name_what_was_searched(tmp_path: Path) -> None:
    (finding,) = cloudwatch.agent_config_findings(tmp_path)
    assert finding.message.startswith("not found: cloudwatch-agent.json")
    (finding,) = cloudwatch.metric_filter_findings(tmp_path, "errors")
    assert "not found: metric-filters.json" in finding.message
    assert "log-config.json" in finding.message
    (finding,) = cloudwatch.response_procedures_findings(tmp_path)
    assert finding.message.startswith("not found: response-procedures.md")


def test_unparsable_json_is_a_finding_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "cw/retention-policy.json", '{\n  "log_groups": [\n    {"name": }\n  ]\n}')
    (finding,) = cloudwatch.retention_findings(tmp_path)
    assert (finding.file, finding.line) == ("cw/retention-policy.json", 3)


def test_metric_filters_inside_log_config(tmp_path: Path) -> None:
    write(tmp_path, "log-config.json",
           '{"log_groups": [{"name": "/app", "category": "application"}],\n'
           ' "metric_filters": [{"filterName": "app-errors", "logGroupName": "/app",\n'
           '   "filterPattern": "ERROR", "metricTransformations": [{"metricName": "Errors",\n'
           '   "metricNamespace": "App", "metricValue": "$.x"}]}]}')
    assert "reads a JSON field but the pattern is not a JSON pattern" in text_of(
        cloudwatch.metric_filter_findings(tmp_path, "errors"))


@pytest.mark.parametrize(("pattern", "problem"), [
    ('{ $.level = "error" }', None),
    ('[ip, user, status = 5*, size]', None),
    ('?"Failed password" ?"Invalid user"', None),
    ('{ $.level = "error" ', "unbalanced braces"),
    ('{ ($.level = "error" }', "unbalanced parentheses"),
    ('{ level = "error" }', "selects no field"),
    ('"unterminated', "unclosed quote"),
    ('[ip, user', "unbalanced brackets"),
])
def test_filter_pattern_syntax(pattern: str, problem: str | None) -> None:
    found = cloudwatch.pattern_problem(pattern)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_metric_math_refers_to_known_ids(tmp_path: Path) -> None:
    write(tmp_path, "alarm-definitions.yml",
           "alarms:\n  - AlarmName: rate\n    ComparisonOperator: GreaterThanThreshold\n"
           "    Threshold: 1\n    EvaluationPeriods: 1\n    Metrics:\n"
           "      - {Id: e, MetricStat: {Metric: {Namespace: N, MetricName: E}, Period: 60,"
           " Stat: Sum}, ReturnData: false}\n"
           "      - {Id: r, Expression: \"100 * e / total\", ReturnData: true}\n")
    assert "refers to unknown id total" in text_of(cloudwatch.alarm_definitions_findings(tmp_path))


_ALARM = """\
alarms:
  - AlarmName: {name}
    Namespace: {namespace}
    MetricName: {metric}
    Statistic: Average
    Period: 60
    EvaluationPeriods: 3
    Threshold: {threshold}
    ComparisonOperator: {comparison}
    ActionsEnabled: {enabled}
    AlarmActions: [arn:aws:sns:ap-northeast-1:123456789012:ops]
"""


@pytest.mark.parametrize(("variant", "fields", "expected"), [
    # seconds, as the load balancer publishes them: 2 s is ten times the plan's 200 ms
    ("alb-2s", {"namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime",
                "threshold": 2}, "fires at 2 s, looser than the plan's 200 ms"),
    ("alb-0.2s", {"namespace": "AWS/ApplicationELB", "metric": "TargetResponseTime",
                  "threshold": 0.2}, None),
    ("ms-150", {"threshold": 150}, None),
    ("ms-250", {"threshold": 250}, "fires at 250 ms"),
    ("wrong-way", {"threshold": 150, "comparison": "LessThanThreshold"},
     "does not fire when latency rises"),
    ("switched-off", {"threshold": 150, "enabled": "false"}, "actions disabled"),
])
def test_latency_alarm_against_the_plan(
    tmp_path: Path, variant: str, fields: dict[str, object], expected: str | None
) -> None:
    values: dict[str, object] = {
        "name": "api-latency", "namespace": "Custom/App", "metric": "ResponseTime",
        "comparison": "GreaterThanThreshold", "enabled": "true", **fields,
    }
    write(tmp_path / variant, "alarm-definitions.yml", _ALARM.format(**values))
    found = text_of(cloudwatch.alarm_category_findings(
        tmp_path / variant, "latency", limits=_LIMITS))
    if expected is None:
        assert found == ""
    else:
        assert expected in found


def test_one_sound_latency_alarm_is_enough(tmp_path: Path) -> None:
    tight = _ALARM.format(name="api-latency-p50", namespace="Custom/App", metric="Latency",
                          threshold=180, comparison="GreaterThanThreshold", enabled="true")
    loose = _ALARM.format(name="api-latency-p99", namespace="Custom/App", metric="Latency",
                          threshold=2000, comparison="GreaterThanThreshold", enabled="true")
    write(tmp_path, "alarm-definitions.yml", tight + loose.split("alarms:\n", 1)[1])
    assert cloudwatch.alarm_category_findings(tmp_path, "latency", limits=_LIMITS) == []
    assert cloudwatch.alarms_examined(tmp_path) == 2
