"""CloudWatch definitions in the formats teams write: each format passes when sound and
fails on its planted defect; a file in no known shape is not verified, never failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.catalog import Threshold, load_catalog
from golive.rules import cloudwatch

from ._helpers import text_of, write

CATEGORIES = ("cpu", "memory", "error-rate", "latency")


def _threshold(criterion_id: str) -> Threshold:
    threshold = load_catalog().get(criterion_id).threshold
    assert threshold is not None
    return threshold


# the plan's numbers, read from the catalog as the checks do
LIMITS = {
    "cpu": _threshold("routine.alert-cpu"),
    "memory": _threshold("routine.alert-memory"),
    "error-rate": _threshold("routine.alert-error-rate"),
    "latency": _threshold("perf.avg-response"),
}


def _categories(repo: Path) -> list[Finding]:
    return cloudwatch.alarm_category_findings(repo, *CATEGORIES, limits=LIMITS)


# --- CloudFormation YAML with short-form tags --------------------------------------------

CFN_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: monitoring for the api
Parameters:
  CpuThreshold:
    Type: Number
    Default: "{cpu}"
  Env:
    Type: String
    Default: prod
Resources:
  AlertTopic:
    Type: AWS::SNS::Topic
  AppLogGroup:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: !Sub "/acme/${{Env}}/app"
{retention}
  ErrorFilter:
    Type: AWS::Logs::MetricFilter
    Properties:
      LogGroupName: !Ref AppLogGroup
      FilterPattern: '{{ $.level = "error" }}'
      MetricTransformations:
        - MetricName: ErrorCount
          MetricNamespace: Acme/App
          MetricValue: "1"
  CpuAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub "${{AWS::StackName}}-cpu-high"
      Namespace: AWS/EC2
      MetricName: CPUUtilization
      Statistic: Average
      Period: 60
      EvaluationPeriods: 3
      Threshold: !Ref CpuThreshold
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions: [!Ref AlertTopic]
  MemoryAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Join ["-", [!Ref Env, memory-high]]
      Namespace: CWAgent
      MetricName: mem_used_percent
      Statistic: Average
      Period: 60
      EvaluationPeriods: 3
      Threshold: 85
      ComparisonOperator: GreaterThanOrEqualToThreshold
      AlarmActions:
        - !Ref AlertTopic
  ErrorRateAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: api-error-rate
      EvaluationPeriods: 5
      Threshold: 1
      ComparisonOperator: GreaterThanThreshold
      AlarmActions: [!Ref AlertTopic]
      Metrics:
        - Id: errors
          ReturnData: false
          MetricStat:
            Metric: {{Namespace: Acme/App, MetricName: ErrorCount}}
            Period: 60
            Stat: Sum
        - Id: requests
          ReturnData: false
          MetricStat:
            Metric: {{Namespace: AWS/ApplicationELB, MetricName: RequestCount}}
            Period: 60
            Stat: Sum
        - Id: rate
          Expression: "100 * errors / requests"
          ReturnData: true
  LatencyAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub "${{AWS::StackName}}-latency"
      Namespace: AWS/ApplicationELB
      MetricName: TargetResponseTime
      Statistic: Average
      Period: 60
      EvaluationPeriods: 3
      Threshold: {latency}
      ComparisonOperator: GreaterThanThreshold
      ActionsEnabled: {enabled}
      AlarmActions: [!GetAtt AlertTopic.TopicArn]
"""


def _cfn_yaml(cpu: str = "80", latency: str = "0.2", enabled: str = "true",
              retention: str = "      RetentionInDays: 90") -> str:
    return CFN_YAML.format(cpu=cpu, latency=latency, enabled=enabled, retention=retention)


def test_cloudformation_yaml_sound(tmp_path: Path) -> None:
    write(tmp_path, "infra/monitoring.yaml", _cfn_yaml())
    assert _categories(tmp_path) == []
    assert cloudwatch.alarm_definitions_findings(tmp_path) == []
    assert cloudwatch.retention_findings(tmp_path) == []
    assert cloudwatch.log_config_findings(tmp_path) == []
    assert cloudwatch.metric_filter_findings(tmp_path, "errors") == []
    assert cloudwatch.alarms_examined(tmp_path) == 4
    (source,) = cloudwatch.definition_sources(tmp_path)["alarms"]
    assert source == {"file": "infra/monitoring.yaml", "format": "CloudFormation YAML",
                      "definitions": 4}


def test_cloudformation_yaml_defects(tmp_path: Path) -> None:
    # the bypass of the issue: a latency alarm that fires at 999999 with actions disabled
    write(tmp_path, "infra/monitoring.yaml",
          _cfn_yaml(cpu="95", latency="999999", enabled="false", retention=""))
    found = text_of(_categories(tmp_path))
    assert "cpu alarm ${AWS::StackName}-cpu-high fires at 95, looser than the plan's 80" in found
    assert "has its actions disabled" in found
    assert "fires at 999999 s, looser than the plan's 200 ms" in found
    assert "infra/monitoring.yaml:" in found
    assert "log group /acme/prod/app has no retention: CloudWatch keeps it forever" in text_of(
        cloudwatch.retention_findings(tmp_path))


def test_cloudformation_in_the_plan_file_is_read_as_such(tmp_path: Path) -> None:
    """The issue's case: alarm-definitions.yml holding a CloudFormation template."""
    write(tmp_path, "monitoring/alarm-definitions.yml", _cfn_yaml())
    assert cloudwatch.alarm_definitions_findings(tmp_path) == []
    assert _categories(tmp_path) == []
    write(tmp_path / "bad", "monitoring/alarm-definitions.yml", _cfn_yaml(latency="2"))
    found = text_of(_categories(tmp_path / "bad"))
    assert "'alarms' must be a non-empty list" not in found
    assert "fires at 2 s" in found


def test_deploy_time_threshold_is_not_judged(tmp_path: Path) -> None:
    text = _cfn_yaml().replace('    Type: Number\n    Default: "80"\n', "    Type: Number\n")
    write(tmp_path, "stack.yml", text)
    with pytest.raises(NotVerified, match=r"not examinable.*Threshold !Ref CpuThreshold"):
        cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS)
    assert cloudwatch.alarm_definitions_findings(tmp_path) == []  # never "not a number"


# --- CloudFormation JSON ------------------------------------------------------------------


def _cfn_json(latency: float, actions: list[object]) -> str:
    return json.dumps({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Topic": {"Type": "AWS::SNS::Topic"},
            "Latency": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
                "AlarmName": "api-latency-p90",
                "Namespace": "AWS/ApiGateway", "MetricName": "Latency",
                "ExtendedStatistic": "p90", "Period": 300, "EvaluationPeriods": "2",
                "Threshold": latency, "ComparisonOperator": "GreaterThanThreshold",
                "AlarmActions": actions}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": "/api/access", "RetentionInDays": 45}},
        },
    }, indent=2)


def test_cloudformation_json(tmp_path: Path) -> None:
    write(tmp_path / "ok", "template.json", _cfn_json(180, [{"Ref": "Topic"}]))
    assert cloudwatch.alarm_category_findings(tmp_path / "ok", "latency", limits=LIMITS) == []
    assert cloudwatch.alarm_definitions_findings(tmp_path / "ok") == []
    write(tmp_path / "bad", "template.json", _cfn_json(500, []))
    found = text_of(cloudwatch.alarm_category_findings(tmp_path / "bad", "latency",
                                                       limits=LIMITS))
    assert "fires at 500 ms, looser than the plan's 200 ms" in found
    assert "has no AlarmActions: it notifies no one" in found
    assert "template.json:" in found
    assert "/api/access: retention_in_days 45 is not a value CloudWatch accepts" in text_of(
        cloudwatch.retention_findings(tmp_path / "bad"))


# --- Terraform ---------------------------------------------------------------------------

TERRAFORM = """\
variable "latency_ms" {{
  default = {latency}
}}
variable "env" {{
  type    = string
  default = "prod"
}}
variable "cpu_threshold" {{}}

locals {{
  prefix = "acme-${{var.env}}"
}}

resource "aws_sns_topic" "alerts" {{
  name = "alerts"
}}

resource "aws_cloudwatch_log_group" "app" {{
  name              = "/acme/${{var.env}}/app"
  {retention}
}}

resource "aws_cloudwatch_log_metric_filter" "latency" {{
  name           = "api-latency"
  log_group_name = aws_cloudwatch_log_group.app.name
  pattern        = "{{ $.duration_ms >= 0 }}"
  metric_transformation {{
    name      = "{metric}"
    namespace = "Acme/Api"
    value     = "$.duration_ms"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "latency" {{
  alarm_name          = "${{local.prefix}}-api-latency"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  metric_name         = "ResponseTimeMs"
  namespace           = "Acme/Api"
  period              = 60
  statistic           = "Average"
  threshold           = var.latency_ms
  actions_enabled     = {enabled}
  alarm_actions       = [aws_sns_topic.alerts.arn]
  dimensions = {{
    Service = "api"
  }}
}}

resource "aws_cloudwatch_metric_alarm" "cpu" {{
  alarm_name          = "acme-cpu"
  comparison_operator = "GreaterThanOrEqualToThreshold"
  evaluation_periods  = 3
  metric_name         = "CPUUtilization"
  namespace           = "AWS/ECS"
  period              = 60
  statistic           = "Average"
  threshold           = var.cpu_threshold
  alarm_actions       = [aws_sns_topic.alerts.arn]
}}
"""


def _terraform(latency: int = 150, enabled: str = "true", metric: str = "ResponseTimeMs",
               retention: str = "retention_in_days = 30") -> str:
    return TERRAFORM.format(latency=latency, enabled=enabled, metric=metric,
                            retention=retention)


def test_terraform_sound(tmp_path: Path) -> None:
    write(tmp_path, "infra/monitoring.tf", _terraform())
    assert cloudwatch.alarm_category_findings(tmp_path, "latency", limits=LIMITS) == []
    assert cloudwatch.alarm_definitions_findings(tmp_path) == []
    assert cloudwatch.retention_findings(tmp_path) == []
    assert cloudwatch.metric_filter_findings(tmp_path, "performance") == []
    sources = cloudwatch.definition_sources(tmp_path)
    assert sources["alarms"] == [{"file": "infra/monitoring.tf", "format": "Terraform HCL",
                                  "definitions": 2}]


def test_terraform_defects(tmp_path: Path) -> None:
    write(tmp_path, "infra/monitoring.tf",
          _terraform(latency=999999, enabled="false", metric="Duration", retention=""))
    found = text_of(cloudwatch.alarm_category_findings(tmp_path, "latency", limits=LIMITS))
    assert "latency alarm acme-prod-api-latency has its actions disabled" in found
    assert "fires at 999999 ms" in found
    # the alarm reads a metric the repository's filters do not publish
    assert "reads Acme/Api/ResponseTimeMs, which nothing in the repository publishes" in found
    assert "infra/monitoring.tf:" in found
    assert "log group /acme/prod/app has no retention" in text_of(
        cloudwatch.retention_findings(tmp_path))


def test_terraform_variable_without_default_is_not_judged(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", _terraform())
    with pytest.raises(NotVerified, match=r"acme-cpu \(Threshold var\.cpu_threshold\)"):
        cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS)


# --- AWS CLI JSON ----------------------------------------------------------------------------


def _described(threshold: float, enabled: bool, actions: list[str]) -> dict[str, object]:
    return {
        "MetricAlarms": [{
            "AlarmName": "web-cpu-high",
            "AlarmArn": "arn:aws:cloudwatch:ap-northeast-1:123456789012:alarm:web-cpu-high",
            "ActionsEnabled": enabled, "AlarmActions": actions, "OKActions": [],
            "InsufficientDataActions": [], "StateValue": "OK",
            "MetricName": "CPUUtilization", "Namespace": "AWS/EC2", "Statistic": "Average",
            "Dimensions": [{"Name": "InstanceId", "Value": "i-0abc"}],
            "Period": 300, "EvaluationPeriods": 1, "Threshold": threshold,
            "ComparisonOperator": "GreaterThanThreshold",
        }],
        "CompositeAlarms": [],
    }


TOPIC = "arn:aws:sns:ap-northeast-1:123456789012:ops"


def test_describe_alarms_json(tmp_path: Path) -> None:
    write(tmp_path / "ok", "alarm-definitions.json",
          json.dumps(_described(75.0, True, [TOPIC])))
    assert cloudwatch.alarm_category_findings(tmp_path / "ok", "cpu", limits=LIMITS) == []
    assert cloudwatch.alarm_definitions_findings(tmp_path / "ok") == []
    (source,) = cloudwatch.definition_sources(tmp_path / "ok")["alarms"]
    assert source["format"] == "AWS CLI describe-alarms JSON"
    write(tmp_path / "bad", "alarm-definitions.json",
          json.dumps(_described(90.0, False, [TOPIC])))
    found = text_of(cloudwatch.alarm_category_findings(tmp_path / "bad", "cpu", limits=LIMITS))
    assert "fires at 90.0, looser than the plan's 80 %" in found
    assert "has its actions disabled" in found


def test_composite_alarm_notifies_for_its_children(tmp_path: Path) -> None:
    described = _described(75.0, False, [])
    described["CompositeAlarms"] = [{
        "AlarmName": "web-degraded", "ActionsEnabled": True, "AlarmActions": [TOPIC],
        "AlarmRule": 'ALARM("web-cpu-high") OR ALARM("web-5xx")'}]
    write(tmp_path, "alarm-definitions.json", json.dumps(described))
    assert cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS) == []
    described["CompositeAlarms"][0]["ActionsEnabled"] = False  # type: ignore[index]
    write(tmp_path / "off", "alarm-definitions.json", json.dumps(described))
    assert "it notifies no one" in text_of(
        cloudwatch.alarm_category_findings(tmp_path / "off", "cpu", limits=LIMITS))


def test_put_metric_alarm_input_json(tmp_path: Path) -> None:
    request = _described(80.0, True, [TOPIC])["MetricAlarms"][0]  # type: ignore[index]
    write(tmp_path / "ok", "alarm-definitions.json", json.dumps(request))
    assert cloudwatch.alarm_category_findings(tmp_path / "ok", "cpu", limits=LIMITS) == []
    write(tmp_path / "bad", "alarm-definitions.json",
          json.dumps({**request, "ComparisonOperator": "LessThanThreshold"}))
    assert "does not fire when cpu rises" in text_of(
        cloudwatch.alarm_category_findings(tmp_path / "bad", "cpu", limits=LIMITS))


def test_describe_log_groups_and_metric_filters(tmp_path: Path) -> None:
    groups = {"logGroups": [
        {"logGroupName": "/svc/app", "retentionInDays": 30, "storedBytes": 0},
        {"logGroupName": "/svc/audit", "retentionInDays": 400},
    ]}
    filters = {"metricFilters": [{
        "filterName": "svc-errors", "logGroupName": "/svc/app",
        "filterPattern": "?ERROR ?FATAL",
        "metricTransformations": [{"metricName": "Errors", "metricNamespace": "Svc",
                                   "metricValue": "1"}]}]}
    write(tmp_path, "retention-policy.json", json.dumps(groups))
    write(tmp_path, "log-config.json", json.dumps(groups))
    write(tmp_path, "metric-filters.json", json.dumps(filters))
    assert cloudwatch.retention_findings(tmp_path) == []
    assert cloudwatch.log_config_findings(tmp_path) == []
    assert cloudwatch.metric_filter_findings(tmp_path, "errors") == []
    del groups["logGroups"][1]["retentionInDays"]
    filters["metricFilters"][0]["logGroupName"] = "/svc/missing"
    write(tmp_path / "bad", "retention-policy.json", json.dumps(groups))
    write(tmp_path / "bad", "log-config.json", json.dumps(groups))
    write(tmp_path / "bad", "metric-filters.json", json.dumps(filters))
    assert "log group /svc/audit has no retention" in text_of(
        cloudwatch.retention_findings(tmp_path / "bad"))
    assert "log group /svc/missing is not declared" in text_of(
        cloudwatch.metric_filter_findings(tmp_path / "bad", "errors"))


# --- CDK synth output ---------------------------------------------------------------------


def _cdk(threshold: float) -> str:
    """What `cdk synth` writes for a MathExpression alarm: ReturnData only on hidden metrics."""
    return json.dumps({
        "Resources": {
            "ApiErrorRateAlarm1A2B3C": {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "ComparisonOperator": "GreaterThanThreshold",
                    "EvaluationPeriods": 3,
                    "Threshold": threshold,
                    "AlarmActions": [{"Ref": "AlertsTopic9F7E"}],
                    "Metrics": [
                        {"Expression": "errors / invocations", "Id": "expr_1"},
                        {"Id": "errors", "ReturnData": False, "MetricStat": {
                            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Errors"},
                            "Period": 300, "Stat": "Sum"}},
                        {"Id": "invocations", "ReturnData": False, "MetricStat": {
                            "Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations"},
                            "Period": 300, "Stat": "Sum"}},
                    ],
                },
            },
            "AlertsTopic9F7E": {"Type": "AWS::SNS::Topic"},
            "CDKMetadata": {"Type": "AWS::CDK::Metadata", "Properties": {"Analytics": "v2"}},
        },
    }, indent=1)


def test_cdk_synth_template(tmp_path: Path) -> None:
    write(tmp_path / "ok", "cdk.out/ApiStack.template.json", _cdk(0.01))
    assert cloudwatch.alarm_category_findings(
        tmp_path / "ok", "error-rate", limits=LIMITS) == []
    assert cloudwatch.alarm_definitions_findings(tmp_path / "ok") == []
    (source,) = cloudwatch.definition_sources(tmp_path / "ok")["alarms"]
    assert source["format"] == "CDK synth (CloudFormation JSON)"
    write(tmp_path / "bad", "cdk.out/ApiStack.template.json", _cdk(0.05))
    assert "fires at 5 %, looser than the plan's 1 %" in text_of(
        cloudwatch.alarm_category_findings(tmp_path / "bad", "error-rate", limits=LIMITS))


def test_error_count_alarm_is_not_compared_with_a_rate(tmp_path: Path) -> None:
    request = {"AlarmName": "api-5xx-count", "Namespace": "AWS/ApplicationELB",
               "MetricName": "HTTPCode_Target_5XX_Count", "Statistic": "Sum", "Period": 60,
               "EvaluationPeriods": 1, "Threshold": 10,
               "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": [TOPIC]}
    write(tmp_path, "alarm-definitions.json", json.dumps(request))
    assert cloudwatch.alarm_category_findings(tmp_path, "error-rate", limits=LIMITS) == []


# --- vendored copies and unrecognised files ------------------------------------------------


def test_vendored_and_build_copies_are_skipped(tmp_path: Path) -> None:
    write(tmp_path, ".terraform/modules/x/main.tf", _terraform(latency=999999))
    write(tmp_path, ".aws-sam/build/template.yaml", _cfn_yaml(latency="9"))
    write(tmp_path, "infra/monitoring.tf", _terraform())
    assert cloudwatch.alarm_category_findings(tmp_path, "latency", limits=LIMITS) == []
    assert [s["file"] for s in cloudwatch.definition_sources(tmp_path)["alarms"]] == [
        "infra/monitoring.tf"]


@pytest.mark.parametrize(("name", "text", "probe"), [
    ("alarm-definitions.yml", "groups:\n  - name: api\n    rules: []\n",
     cloudwatch.alarm_definitions_findings),
    ("alarm-definitions.yml", "monitors:\n  - name: cpu\n    query: avg(cpu) > 80\n",
     lambda r: cloudwatch.alarm_category_findings(r, "cpu", limits=LIMITS)),
    ("retention-policy.json", '{"policies": {"default": "30d"}}', cloudwatch.retention_findings),
    ("log-config.json", '{"loggers": {"root": {"level": "INFO"}}}',
     cloudwatch.log_config_findings),
    ("metric-filters.yml", "patterns: [ERROR]\n",
     lambda r: cloudwatch.metric_filter_findings(r, "errors")),
])
def test_unrecognised_format_is_not_verified(
    tmp_path: Path, name: str, text: str, probe: object
) -> None:
    write(tmp_path, f"monitoring/{name}", text)
    with pytest.raises(NotVerified) as raised:
        probe(tmp_path)  # type: ignore[operator]
    assert raised.value.reason == (
        f"unrecognised format: monitoring/{name} (accepted: golive shape, CloudFormation/SAM, "
        "Terraform, AWS CLI JSON)")


def test_unrecognised_plan_file_falls_back_to_templates(tmp_path: Path) -> None:
    write(tmp_path, "alarm-definitions.yml", "monitors: []\n")
    write(tmp_path, "infra/monitoring.yaml", _cfn_yaml())
    assert _categories(tmp_path) == []
    evidence = cloudwatch.definition_sources(tmp_path)["alarms"]
    assert {"file": "alarm-definitions.yml", "format": "unrecognised"} in evidence


def test_missing_everywhere_is_a_finding(tmp_path: Path) -> None:
    (finding,) = cloudwatch.alarm_definitions_findings(tmp_path)
    assert finding.message.startswith("not found: alarm-definitions.yml")
    assert "CloudFormation/SAM templates or Terraform files" in finding.message


# --- Terraform modules: a default holds only where nothing overrides it ----------------------

MODULE = """\
variable "name" {}
variable "alarm_actions" {
  type    = list(string)
  default = []
}
variable "cpu_threshold" {
  default = 95
}
resource "aws_cloudwatch_metric_alarm" "cpu" {
  alarm_name          = "${var.name}-cpu"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 2
  metric_name         = "CPUUtilization"
  namespace           = "AWS/RDS"
  period              = 60
  statistic           = "Average"
  threshold           = var.cpu_threshold
  alarm_actions       = var.alarm_actions
}
"""


def _root(arguments: str) -> str:
    return ('resource "aws_sns_topic" "ops" {\n  name = "ops"\n}\n'
            f'module "db" {{\n  source = "./modules/db"\n  name = "orders"\n{arguments}}}\n')


def test_module_call_arguments_override_defaults(tmp_path: Path) -> None:
    write(tmp_path, "infra/modules/db/main.tf", MODULE)
    write(tmp_path, "infra/main.tf", _root(
        "  cpu_threshold = 75\n  alarm_actions = [aws_sns_topic.ops.arn]\n"))
    assert cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS) == []
    # the call leaves both out: the module's defaults (95 %, nobody notified) are deployed
    write(tmp_path / "bad", "infra/modules/db/main.tf", MODULE)
    write(tmp_path / "bad", "infra/main.tf", _root(""))
    found = text_of(cloudwatch.alarm_category_findings(tmp_path / "bad", "cpu", limits=LIMITS))
    assert "cpu alarm orders-cpu has no AlarmActions: it notifies no one" in found
    assert "fires at 95, looser than the plan's 80 %" in found


def test_root_tfvars_override_defaults(tmp_path: Path) -> None:
    module = MODULE.replace('variable "name" {}', 'variable "name" {\n  default = "web"\n}')
    write(tmp_path, "main.tf", module)
    write(tmp_path, "terraform.tfvars",
          'cpu_threshold = 70\nalarm_actions = ["arn:aws:sns:ap-northeast-1:123456789012:ops"]\n')
    assert cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS) == []
    # a per-environment file chosen at apply time (-var-file): not judged
    (tmp_path / "terraform.tfvars").rename(tmp_path / "prod.tfvars")
    with pytest.raises(NotVerified, match=r"set in prod\.tfvars"):
        cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS)


def test_log_groups_named_at_deploy_time_are_not_judged(tmp_path: Path) -> None:
    write(tmp_path, "logs.tf",
          'variable "env" {}\nresource "aws_cloudwatch_log_group" "app" {\n'
          '  name = "/app/${var.env}"\n  retention_in_days = var.days\n}\n')
    with pytest.raises(NotVerified, match="log group names set only at deploy time"):
        cloudwatch.log_config_findings(tmp_path)
    with pytest.raises(NotVerified, match="retention set only at deploy time"):
        cloudwatch.retention_findings(tmp_path)


def test_module_nothing_here_calls_keeps_its_inputs_open(tmp_path: Path) -> None:
    write(tmp_path, "terraform/modules/db/main.tf", MODULE)  # called from another repository
    with pytest.raises(NotVerified, match="input of a module called from elsewhere"):
        cloudwatch.alarm_category_findings(tmp_path, "cpu", limits=LIMITS)


def test_free_memory_alarm_is_not_judged_by_the_used_share(tmp_path: Path) -> None:
    request = {"AlarmName": "db-low-freeable-memory", "Namespace": "AWS/RDS",
               "MetricName": "FreeableMemory", "Statistic": "Average", "Period": 300,
               "EvaluationPeriods": 1, "Threshold": 268435456,
               "ComparisonOperator": "LessThanThreshold", "AlarmActions": [TOPIC]}
    write(tmp_path, "alarm-definitions.json", json.dumps(request))
    assert cloudwatch.alarm_category_findings(tmp_path, "memory", limits=LIMITS) == []
