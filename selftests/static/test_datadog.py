"""The Datadog probes: sound on the good sample repo, the planted defect on the broken one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding
from golive.rules import datadog_config as datadog

from ._helpers import text_of, write

PROBES: dict[str, tuple[Callable[[Path], list[Finding]], str]] = {
    # criterion: (probe, a message the broken twin's defect must produce)
    "mon.datadog-agent-config": (datadog.agent_config_findings,
                                 "site 'ap1.datadoghq.co' is not a Datadog site"),
    "mon.custom-metrics-config": (datadog.custom_metrics_config_findings,
                                  "type 'timer' is not one of"),
    "mon.custom-metrics": (datadog.custom_metrics_findings,
                           "metric acme.auth.login_failed: no description"),
    "mon.tagging-rules-json": (datadog.tagging_rules_json_findings,
                               "env value 'Production' is not allowed"),
    "mon.tagging-rules": (datadog.tagging_rules_findings, "'version' is not a required tag"),
    "mon.alert-rules-config": (datadog.alert_rules_findings,
                               "thresholds.critical 5 differs from the query's 1"),
    "mon.alert-severity": (datadog.alert_severity_findings,
                           "severity 'P1' is not one of critical, warning, info"),
    "mon.notification-config": (datadog.notification_config_findings,
                                "routing critical names undefined channel 'pagerduty-oncall'"),
    "mon.notification-channels": (datadog.notification_channels_findings,
                                  "critical alerts reach no defined channel"),
    "mon.escalation-matrix": (datadog.escalation_matrix_findings,
                              "contact 'sre-oncall' is not defined"),
    "mon.escalation-rules": (datadog.escalation_rules_findings,
                             "policy critical level 1: no escalate_after wait time"),
    "mon.custom-widgets": (datadog.custom_widget_findings,
                           "queries acme.cache.hit_ratio, which custom-metrics.yml does not"),
}


@pytest.mark.parametrize("criterion_id", PROBES)
def test_sound_on_good(good_repo: Path, criterion_id: str) -> None:
    probe, _ = PROBES[criterion_id]
    assert probe(good_repo) == []


@pytest.mark.parametrize("criterion_id", PROBES)
def test_defect_found_on_broken(broken_repo: Path, criterion_id: str) -> None:
    probe, expected = PROBES[criterion_id]
    assert expected in text_of(probe(broken_repo))


DASHBOARDS = {
    "system": "system dashboard shows none of",
    "performance": "performance dashboard shows none of",
    "errors": "not found: the errors dashboard",
}


@pytest.mark.parametrize("kind", DASHBOARDS)
def test_dashboards(good_repo: Path, broken_repo: Path, kind: str) -> None:
    assert datadog.dashboard_findings(good_repo, kind) == []
    assert DASHBOARDS[kind] in text_of(datadog.dashboard_findings(broken_repo, kind))


def test_dashboard_refresh_measured(good_repo: Path, broken_repo: Path) -> None:
    good = datadog.dashboard_refresh(good_repo)
    assert good.findings == [] and good.slowest_s == 60
    broken = datadog.dashboard_refresh(broken_repo)
    assert broken.findings == [] and broken.slowest_s == 300


def test_collection_interval_measured(good_repo: Path, broken_repo: Path) -> None:
    good = datadog.collection_intervals(good_repo)
    assert good.findings == [] and good.longest_s == 60
    assert good.seconds["acme.http.request.duration"] == 15
    assert datadog.collection_intervals(broken_repo).longest_s == 300


# --- edge cases -------------------------------------------------------------------------


def test_missing_file_names_what_was_searched(tmp_path: Path) -> None:
    (finding,) = datadog.agent_config_findings(tmp_path)
    assert finding.message.startswith("not found: datadog-agent.yml or datadog-agent.yaml")
    (finding,) = datadog.escalation_rules_findings(tmp_path)
    assert "not found: escalation-matrix.yml" in finding.message


def test_unparsable_yaml_is_a_finding_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "monitoring/alert-rules.yml", "rules:\n  - name: a\n   query: b\n")
    (finding,) = datadog.alert_rules_findings(tmp_path)
    assert finding.file == "monitoring/alert-rules.yml"
    assert finding.line == 3 and "invalid YAML" in finding.message


def test_unparsable_json_is_a_finding_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "tagging-rules.json", '{\n  "required_tags": ["env",]\n}\n')
    (finding,) = datadog.tagging_rules_json_findings(tmp_path)
    assert (finding.file, finding.line) == ("tagging-rules.json", 2)
    assert "invalid JSON" in finding.message


def test_literal_api_key_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "datadog-agent.yml",
           "api_key: 0123456789abcdef0123456789abcdef\nsite: datadoghq.eu\nenv: prod\n"
           "logs_enabled: true\n")
    assert "api_key is a literal value" in text_of(datadog.agent_config_findings(tmp_path))
    write(tmp_path, "datadog-agent.yml",
           "api_key: ENC[datadog_api_key]\nsite: datadoghq.eu\nenv: prod\nlogs_enabled: true\n")
    assert datadog.agent_config_findings(tmp_path) == []


def test_interval_shorter_than_dogstatsd_flush(tmp_path: Path) -> None:
    write(tmp_path, "custom-metrics.yml",
           "collection: {min_collection_interval: 15s}\n"
           "metrics:\n  - {name: a.b, type: gauge, unit: x, description: d, interval: 1s}\n"
           "  - {name: a.c, type: gauge, unit: x, description: d}\n")
    report = datadog.collection_intervals(tmp_path)
    assert "shorter than DogStatsD's 10 s flush" in text_of(report.findings)
    assert report.seconds == {"a.b": 1.0, "a.c": 15.0}


def test_interval_missing(tmp_path: Path) -> None:
    write(tmp_path, "custom-metrics.yml",
           "metrics:\n  - {name: a.b, type: gauge, unit: x, description: d}\n")
    report = datadog.collection_intervals(tmp_path)
    assert "no collection interval" in text_of(report.findings) and report.longest_s is None


def test_warning_must_come_before_critical_for_below_alerts(tmp_path: Path) -> None:
    write(tmp_path, "alert-rules.yml",
           "rules:\n  - name: low disk\n    type: metric alert\n    severity: warning\n"
           "    message: m\n    query: avg(last_5m):avg:system.disk.free{*} < 10\n"
           "    thresholds: {critical: 10, warning: 5}\n")
    assert "warning threshold 5 is not before critical 10" in text_of(
        datadog.alert_rules_findings(tmp_path))


def test_dashboard_without_refresh_interval(tmp_path: Path) -> None:
    write(tmp_path, "dashboards/x.json", '{"title": "Errors", "widgets": []}')
    report = datadog.dashboard_refresh(tmp_path)
    assert report.seconds == {} and "no refresh_interval" in text_of(report.findings)
    assert "dashboards/*.json" in text_of(datadog.dashboard_refresh(tmp_path / "none").findings)
