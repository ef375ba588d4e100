"""The Datadog probes: sound on the good sample repo, the planted defect on the broken one."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from golive import Finding, NotVerified
from golive.catalog import Threshold, load_catalog
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


# --- monitors as teams write them: a pass and a fail per format ----------------------------

# category → criterion whose catalog threshold is the plan's number (as tests/monitoring uses)
_LIMIT_IDS = {"cpu": "routine.alert-cpu", "memory": "routine.alert-memory",
              "error-rate": "routine.alert-error-rate", "latency": "perf.avg-response"}


def _plan_limits() -> dict[str, Threshold]:
    catalog = load_catalog()
    found = {c: catalog.get(cid).threshold for c, cid in _LIMIT_IDS.items()}
    return {c: t for c, t in found.items() if t is not None}


def _cpu_limit() -> float:
    return _plan_limits()["cpu"].value


def _api_monitor(critical: float, message: str = "CPU high @slack-infra-alerts") -> dict[str, Any]:
    return {
        "name": "CPU high", "type": "metric alert",
        "query": f"avg(last_5m):avg:system.cpu.user{{env:production}} > {critical:g}",
        "message": message, "priority": 2, "tags": ["env:production"],
        "options": {"thresholds": {"critical": critical}, "notify_no_data": True},
    }


def _monitors_yaml(critical: float) -> str:
    return yaml.safe_dump({"monitors": [_api_monitor(critical)]}, sort_keys=False)


MONITOR_FORMATS: dict[str, tuple[str, Callable[[float], str], str]] = {
    # format: (file, text with a given critical threshold, the format golive reports)
    "monitors list": ("monitoring/alert-rules.yml", _monitors_yaml, "monitors: [...]"),
    "API JSON object": ("alert-rules.json", lambda c: json.dumps(_api_monitor(c), indent=2),
                        "Datadog Monitor API object"),
    "API YAML list": ("alert-rules.yaml", lambda c: yaml.safe_dump([_api_monitor(c)]),
                      "Datadog Monitor API list"),
    "Terraform": ("infra/monitors.tf", lambda c: f'''
resource "datadog_monitor" "cpu" {{
  name    = "CPU high"
  type    = "metric alert"
  message = <<EOT
CPU high @pagerduty-infra
EOT
  query   = "avg(last_5m):avg:system.cpu.user{{env:production}} > {c:g}"
  priority = 2
  monitor_thresholds {{
    critical = {c:g}
  }}
}}
''', "Terraform datadog_monitor"),
}


@pytest.mark.parametrize("fmt", MONITOR_FORMATS)
def test_monitor_format_pass(tmp_path: Path, fmt: str) -> None:
    file, text, reported = MONITOR_FORMATS[fmt]
    write(tmp_path, file, text(_cpu_limit()))
    assert datadog.alert_rules_findings(tmp_path, _plan_limits()) == []
    assert datadog.monitors_examined(tmp_path) == (1, [(file, reported)])


@pytest.mark.parametrize("fmt", MONITOR_FORMATS)
def test_monitor_format_fail_looser_than_plan(tmp_path: Path, fmt: str) -> None:
    file, text, _ = MONITOR_FORMATS[fmt]
    loose = _cpu_limit() * 10  # the plan's number from the catalog, made looser
    write(tmp_path, file, text(loose))
    (found,) = datadog.alert_rules_findings(tmp_path, _plan_limits())
    assert found.file == file
    assert f"alerts at {loose:g} %, looser than the plan's {_cpu_limit():g} %" in found.message


def test_monitor_notifies_no_one(tmp_path: Path) -> None:
    monitor = json.dumps(_api_monitor(_cpu_limit(), message="CPU is high"))
    write(tmp_path / "alone", "alert-rules.json", monitor)
    assert "notifies no one: no @-handle" in text_of(
        datadog.alert_rules_findings(tmp_path / "alone"))
    # a routing entry for its severity (priority 2 = critical) is someone
    write(tmp_path / "routed", "alert-rules.json", monitor)
    write(tmp_path / "routed", "notification-config.yml",
          "channels: [{name: pd, type: pagerduty, service: infra}]\nrouting: {critical: [pd]}\n")
    assert datadog.alert_rules_findings(tmp_path / "routed") == []


def test_monitor_muted_for_good(tmp_path: Path) -> None:
    monitor = _api_monitor(_cpu_limit())
    monitor["options"]["silenced"] = {"*": None}
    write(tmp_path, "alert-rules.json", json.dumps(monitor))
    assert "is muted with no end" in text_of(datadog.alert_rules_findings(tmp_path))


def test_monitor_severity_from_priority_and_thresholds(tmp_path: Path) -> None:
    warn = _api_monitor(_cpu_limit())
    warn.update(name="CPU warn", priority=3)
    write(tmp_path, "alert-rules.json", json.dumps([_api_monitor(_cpu_limit()), warn]))
    assert datadog.alert_severity_findings(tmp_path) == []
    write(tmp_path, "alert-rules.json", json.dumps([_api_monitor(_cpu_limit())]))
    assert "no rule has severity warning" in text_of(datadog.alert_severity_findings(tmp_path))


def test_latency_monitor_in_seconds_is_scaled(tmp_path: Path) -> None:
    limit = _plan_limits()["latency"]
    assert limit.unit == "ms"
    seconds = limit.value / 1000
    query = "avg(last_5m):avg:trace.http.request.duration{env:production} > VALUE"
    for value, expected in ((seconds, ""), (seconds * 5, "looser than the plan's")):
        write(tmp_path, "alert-rules.json", json.dumps({
            "name": "latency", "type": "query alert", "query": query.replace("VALUE", f"{value:g}"),
            "message": "slow @slack-web", "options": {"thresholds": {"critical": value}}}))
        assert expected in text_of(datadog.alert_rules_findings(tmp_path, _plan_limits()))
        assert bool(datadog.alert_rules_findings(tmp_path, _plan_limits())) == bool(expected)


@pytest.mark.parametrize(("file", "text"), [
    ("alert-rules.yml", "alarms:\n  - AlarmName: x\n"),
    ("alert-rules.json", '{"Resources": {}}'),
    ("alert-rules.yml", "- just\n- strings\n"),
])
def test_monitor_file_in_no_known_shape_is_not_verified(tmp_path: Path, file: str,
                                                       text: str) -> None:
    write(tmp_path, file, text)
    with pytest.raises(NotVerified, match=r"^unrecognised format: .*alert-rules.* \(accepted: "):
        datadog.alert_rules_findings(tmp_path)
    with pytest.raises(NotVerified, match="unrecognised format"):
        datadog.alert_severity_findings(tmp_path)


def test_no_monitor_anywhere_is_not_found(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", 'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n')
    (found,) = datadog.alert_rules_findings(tmp_path)
    assert found.message.startswith("not found: alert-rules.yml")


# --- dashboards: API JSON and Terraform -------------------------------------------------------

_WIDGETS = [{"definition": {"type": "timeseries", "title": "Errors",
                            "requests": [{"q": "sum:app.http.errors{*}.as_count()"}]}}]


def _board(title: str, **extra: object) -> dict[str, Any]:
    return {"id": "abc-def-ghi", "title": title, "layout_type": "ordered",
            "widgets": _WIDGETS, **extra}


def test_dashboard_api_json_pass_and_fail(tmp_path: Path) -> None:
    write(tmp_path, "monitoring/errors-dashboard.json", json.dumps(_board("Errors")))
    assert datadog.dashboard_findings(tmp_path, "errors") == []
    write(tmp_path, "monitoring/errors-dashboard.json", json.dumps(_board("Web")))
    assert "not found: the errors dashboard" in text_of(
        datadog.dashboard_findings(tmp_path, "errors"))


def test_dashboard_api_json_has_no_refresh_setting(tmp_path: Path) -> None:
    write(tmp_path, "dashboards/errors.json", json.dumps(_board("Errors")))
    report = datadog.dashboard_refresh(tmp_path)
    # Datadog's API shape has no refresh key: nothing to judge, not a defect
    assert report.findings == [] and report.slowest_s is None
    assert report.unset == ["dashboards/errors.json"]
    write(tmp_path, "dashboards/errors.json", json.dumps(_board("Errors", refresh_interval="5m")))
    assert datadog.dashboard_refresh(tmp_path).slowest_s == 300


def test_dashboard_terraform_heredoc_and_file(tmp_path: Path) -> None:
    write(tmp_path, "infra/boards/errors.json", json.dumps(_board("Errors")))
    write(tmp_path, "infra/dash.tf",
          'resource "datadog_dashboard_json" "errors" {\n'
          '  dashboard = file("${path.module}/boards/errors.json")\n}\n'
          'resource "datadog_dashboard_json" "perf" {\n  dashboard = <<EOF\n'
          + json.dumps(_board("Performance")) + "\nEOF\n}\n")
    boards, found = datadog.dashboards(tmp_path)
    assert found == [] and sorted(b.title for b in boards) == ["Errors", "Performance"]
    assert {b.file for b in boards} == {"infra/dash.tf"}
    assert datadog.dashboard_findings(tmp_path, "errors") == []
    assert "performance dashboard shows none of" in text_of(
        datadog.dashboard_findings(tmp_path, "performance"))


def test_dashboard_terraform_jsonencode_is_not_verified(tmp_path: Path) -> None:
    write(tmp_path, "dash.tf", 'resource "datadog_dashboard_json" "x" {\n'
                               '  dashboard = jsonencode({title = "x"})\n}\n')
    with pytest.raises(NotVerified, match=r"unrecognised format: dash.tf"):
        datadog.dashboards(tmp_path)


# --- datadog.yaml and the invented shapes' variants -----------------------------------------


def test_datadog_yaml_agent_keys(tmp_path: Path) -> None:
    write(tmp_path, "datadog.yaml", "api_key: ENC[dd_api_key]\nsite: datadoghq.com\n"
                                    "env: production\nlogs_enabled: true\n")
    assert datadog.agent_config_findings(tmp_path) == []
    write(tmp_path, "datadog.yaml", "site: datadoghq.com\nenv: production\nlogs_enabled: false\n")
    assert "logs_enabled is not true" in text_of(datadog.agent_config_findings(tmp_path))


def test_custom_metrics_as_metadata_mapping(tmp_path: Path) -> None:
    write(tmp_path, "custom-metrics.yml",
          "metrics:\n  app.queue.depth: {type: gauge, unit: job, description: d, "
          "statsd_interval: 20}\n")
    assert datadog.custom_metrics_config_findings(tmp_path) == []
    assert datadog.collection_intervals(tmp_path).seconds == {"app.queue.depth": 20.0}
    write(tmp_path, "custom-metrics.yml",
          "metrics:\n  app.queue.depth: {type: timer, unit: job, description: d}\n")
    assert "type 'timer' is not one of" in text_of(
        datadog.custom_metrics_config_findings(tmp_path))


def test_tagging_rules_as_aws_tag_policy(tmp_path: Path) -> None:
    policy = {"tags": {t: {"tag_key": {"@@assign": t}} for t in ("env", "service", "version")}}
    policy["tags"]["env"]["tag_value"] = {"@@assign": ["production", "staging"]}
    write(tmp_path, "datadog-agent.yml", "env: production\n")
    write(tmp_path, "tagging-rules.json", json.dumps(policy))
    assert datadog.tagging_rules_json_findings(tmp_path) == []
    assert datadog.tagging_rules_findings(tmp_path) == []
    del policy["tags"]["version"]
    write(tmp_path, "tagging-rules.json", json.dumps(policy))
    assert "'version' is not a required tag" in text_of(datadog.tagging_rules_findings(tmp_path))


def test_notification_config_mapping_and_routing_list(tmp_path: Path) -> None:
    text = ("channels:\n  pd: {type: pagerduty, service: infra}\n"
            "  chat: {type: slack, channel: '#alerts'}\n"
            "routing:\n  - {severity: critical, channels: [pd]}\n"
            "  - {severity: warning, channels: [chat]}\n")
    write(tmp_path, "notification-config.yml", text)
    assert datadog.notification_config_findings(tmp_path) == []
    assert datadog.notification_channels_findings(tmp_path) == []
    write(tmp_path, "notification-config.yml", text.replace("[pd]", "[chat]"))
    assert "critical alerts page no one" in text_of(
        datadog.notification_channels_findings(tmp_path))


def test_escalation_matrix_as_pagerduty_policy(tmp_path: Path) -> None:
    rules = [{"escalation_delay_in_minutes": 10,
              "targets": [{"type": "schedule_reference", "id": "P1"}]},
             {"escalation_delay_in_minutes": 15,
              "targets": [{"type": "user_reference", "id": "P2"}]}]
    write(tmp_path, "escalation-matrix.yml",
          yaml.safe_dump({"escalation_policy": {"name": "infra", "escalation_rules": rules}}))
    assert datadog.escalation_matrix_findings(tmp_path) == []
    assert datadog.escalation_rules_findings(tmp_path) == []
    write(tmp_path, "escalation-matrix.yml",
          yaml.safe_dump({"escalation_rules": rules[:1]}))
    assert "critical policy has fewer than two levels" in text_of(
        datadog.escalation_rules_findings(tmp_path))


@pytest.mark.parametrize(("file", "probe"), [
    ("custom-metrics.yml", datadog.custom_metrics_config_findings),
    ("tagging-rules.json", datadog.tagging_rules_json_findings),
    ("notification-config.yml", datadog.notification_config_findings),
    ("escalation-matrix.yml", datadog.escalation_matrix_findings),
])
def test_invented_shape_in_no_known_variant_is_not_verified(
    tmp_path: Path, file: str, probe: Callable[[Path], list[Finding]]
) -> None:
    text = '{"Resources": {"X": {"Type": "AWS::SNS::Topic"}}}' if file.endswith(".json") \
        else "Resources:\n  X: {Type: 'AWS::SNS::Topic'}\n"
    write(tmp_path, file, text)
    with pytest.raises(NotVerified, match=rf"^unrecognised format: {file} \(accepted: "):
        probe(tmp_path)


def test_schema_violation_is_reported_with_its_line(tmp_path: Path) -> None:
    write(tmp_path, "notification-config.yml",
          "channels:\n  - {name: pd, type: pagerduty, service: infra}\n"
          "routing:\n  critical: [pd]\n  urgent: [pd]\n")
    found = text_of(datadog.notification_config_findings(tmp_path))
    assert "notification-config.yml:3: routing: 'urgent' is not one of" in found


def test_terraform_monitor_details(tmp_path: Path) -> None:
    """concat()-ed tags with a severity word, an interpolated @handle, an "or" query, and a
    latency that is not the service's (a model's inference): judged as Datadog would."""
    limit = _plan_limits()["latency"]
    write(tmp_path, "monitors.tf", f'''
resource "datadog_monitor" "rate" {{
  name    = "Heart rate out of range"
  type    = "metric alert"
  message = "Out of range @${{var.alert_email}}"
  query   = "avg(last_5m):avg:pet.hr{{*}} > 120 or avg(last_5m):avg:pet.hr{{*}} < 60"
  monitor_thresholds {{
    critical = 120
  }}
  tags = concat(local.common_tags, ["severity:high"])
}}
resource "datadog_monitor" "inference" {{
  name    = "Model inference latency"
  type    = "metric alert"
  message = "slow @${{var.alert_email}}"
  query   = "avg(last_10m):avg:ml.inference.latency{{*}} > {limit.value * 15:g}"
  monitor_thresholds {{
    critical = {limit.value * 15:g}
    warning  = {limit.value * 10:g}
  }}
  tags = concat(local.common_tags, ["severity:medium"])
}}
''')
    assert datadog.alert_rules_findings(tmp_path, _plan_limits()) == []
    assert datadog.alert_severity_findings(tmp_path) == []


def test_agent_placeholders_are_judged_by_their_defaults(tmp_path: Path) -> None:
    text = ("api_key: ${DD_API_KEY}\nsite: ${DD_SITE:@@}\nlogs_enabled: true\n"
            "tags:\n  - env:${DD_ENV:production}\n  - service:${DD_SERVICE}\n")
    write(tmp_path / "ok", "datadog-agent.yaml", text.replace("@@", "datadoghq.eu"))
    assert datadog.agent_config_findings(tmp_path / "ok") == []
    write(tmp_path / "typo", "datadog-agent.yaml", text.replace("@@", "datadoghq.co"))
    assert "site 'datadoghq.co' is not a Datadog site" in text_of(
        datadog.agent_config_findings(tmp_path / "typo"))
