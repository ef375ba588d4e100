"""The AWS side of the demo: ``moto_server`` populated like a real account.

What moto does *not* do, said plainly: it never evaluates alarms (they stay
INSUFFICIENT_DATA until someone calls ``set_alarm_state``) and metric filters emit
nothing. Drills that need an alarm in ALARM drive it with ``set_alarm_state``; SNS
topics do deliver to HTTP subscriptions when something *publishes* to them.

The log groups hold a day of synthetic history (``_log_history``: access lines, system
lines, security events in the webapp's JSON log format), and CPU and memory a day of
5-minute datapoints (``_metric_history``), so the daily reviews have something to read;
nothing ships the running webapp's own log lines or the host's metrics.

The broken twin carries the defects a review should catch: an alarm without actions,
a CPU alarm at 95 % and a memory alarm at 92 %, the unauthorized-access alarm with its
actions disabled, no alarm on configuration changes, log groups without retention, no
error-log or auth-failure metric filter and a latency filter that extracts nothing, an
``Action: *`` / ``Resource: *`` policy, SSH open to the world, a backup bucket without
encryption or public access block, a console user without MFA, no error dashboard; in
its logs an error spike, a brute-force burst, an admin-path scan and an unattributed
security group change; in its metrics CPU at 97 % for 20 minutes four hours ago.
For the weekly reviews it also carries: a forbidden-event filter that never matches
(case) and a 5xx filter counting every response, no latency custom metric, an
average-latency alarm above the SLO, a performance dashboard without errors or
saturation, an empty disk widget with no disk alarm, a reported metric on no dashboard,
an Auto Scaling group with max = min and no policy behind a one-zone load balancer whose
target group is not health-checked; and in the backup bucket only a week of backups
(expired after 7 of the declared 30 days), one truncated in upload, and a 20 MiB ad-hoc
dump without manifest over the bucket's storage budget.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import random
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import boto3
import httpx
from botocore.config import Config

from golive.demo._passwords import new_secret
from golive.demo._proc import ProcRecord, spawn
from golive.facts.live.cost import METRIC, month_start

__all__ = [
    "ACCOUNT_ID",
    "BUCKET",
    "DEMO_TAG",
    "AwsInventory",
    "client",
    "moto_argv",
    "populate",
    "start_moto",
]

ACCOUNT_ID = "123456789012"  # moto's default account
BUCKET = "golive-demo-backups"
TOPIC = "golive-demo-alerts"
BACKUP_RETENTION_DAYS = 30
BACKUP_BUDGET_BYTES = 16 * 1024 * 1024
DEMO_TAG = {"Key": "Project", "Value": "golive-demo"}
# moto accepts any credentials; fixed dummies keep boto3 away from real ones.
_CREDENTIALS = {"aws_access_key_id": "golive-demo", "aws_secret_access_key": "golive-demo"}


@dataclass
class AwsInventory:
    """What ``populate`` created, for ``state.json`` and for the self-tests."""

    endpoint_url: str
    region: str
    topic_arn: str = ""
    bucket: str = BUCKET
    alarms: list[str] = field(default_factory=list)
    log_groups: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    policies: list[str] = field(default_factory=list)
    security_groups: dict[str, str] = field(default_factory=dict)
    dashboards: list[str] = field(default_factory=list)
    autoscaling_groups: list[str] = field(default_factory=list)
    load_balancers: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _session(region: str) -> boto3.session.Session:
    return boto3.session.Session(region_name=region, **_CREDENTIALS)


def client(
    service: str, endpoint_url: str, region: str, session: boto3.session.Session | None = None
) -> Any:
    """A boto3 client for the moto endpoint (close it when done: warnings are errors)."""
    return (session or _session(region)).client(
        service,
        endpoint_url=endpoint_url,
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=2),
    )


def moto_argv(port: int) -> list[str]:
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


def start_moto(port: int, log_path: Any) -> ProcRecord:
    return spawn("moto", moto_argv(port), log_path=log_path, port=port)


def populate(
    endpoint_url: str, region: str, *, broken: bool, sns_endpoint: str | None = None
) -> AwsInventory:
    """Create the demo account's resources; independent services in parallel threads.

    ``sns_endpoint`` is the HTTP URL the alert topic delivers to (the webhook sink's
    ``/hooks/sns``); without it the topic has no subscription.

    moto imports a service's code on its first request (EC2 alone takes over a second),
    so running the services side by side keeps stack start-up short.
    """
    inv = AwsInventory(endpoint_url=endpoint_url, region=region)

    # One session, clients made up front: a shared session loads botocore's data files
    # once (three times faster), and clients (unlike sessions) are thread-safe.
    session = _session(region)
    clients = {
        name: client(name, endpoint_url, region, session)
        for name in (
            "sns",
            "cloudwatch",
            "logs",
            "iam",
            "ec2",
            "s3",
            "autoscaling",
            "elbv2",
            "budgets",
        )
    }

    def sns_then_cloudwatch() -> None:
        _sns(clients["sns"], inv, sns_endpoint)
        _alarms(clients["cloudwatch"], inv, broken)  # alarms need the topic ARN
        _dashboards(clients["cloudwatch"], inv, broken)
        _metric_history(clients["cloudwatch"], broken)
        _uptime_history(clients["cloudwatch"], broken)
        _service_metrics(clients["cloudwatch"], broken)

    jobs: list[Callable[[], None]] = [
        sns_then_cloudwatch,
        lambda: _logs(clients["logs"], inv, region, broken),
        lambda: _iam(clients["iam"], inv, region, broken),
        lambda: _security_groups(clients["ec2"], inv, broken),
        lambda: _bucket(clients["s3"], inv, region, broken),
        lambda: _capacity(clients["ec2"], clients["autoscaling"], clients["elbv2"], inv, broken),
    ]
    try:
        with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="moto-populate") as pool:
            for future in [pool.submit(job) for job in jobs]:
                future.result()
        # after the others: a moto-api call made while moto imports other services waits
        # on their imports (seen: 10 s on two busy cores)
        _costs(clients["budgets"], endpoint_url, broken)
    finally:
        for each in clients.values():
            each.close()
    return inv


def _sns(sns: Any, inv: AwsInventory, endpoint: str | None) -> None:
    inv.topic_arn = sns.create_topic(Name=TOPIC, Tags=[DEMO_TAG])["TopicArn"]
    if endpoint:
        # The sink stands in for the Slack integration; moto posts published messages to it.
        sns.subscribe(TopicArn=inv.topic_arn, Protocol="http", Endpoint=endpoint)


def _alarm(
    cw: Any,
    inv: AwsInventory,
    name: str,
    *,
    actions: bool = True,
    enabled: bool = True,
    severity: str = "critical",
    **spec: Any,
) -> None:
    topic = [inv.topic_arn] if actions else []
    cw.put_metric_alarm(
        AlarmName=name,
        ActionsEnabled=actions and enabled,
        AlarmActions=topic,
        OKActions=topic,
        TreatMissingData="missing",
        Tags=[DEMO_TAG, {"Key": "Severity", "Value": severity}],
        **spec,
    )
    inv.alarms.append(name)


def _alarms(cw: Any, inv: AwsInventory, broken: bool) -> None:
    # Periods x evaluation periods stay within 5 minutes: detection-to-notification <= 5 min.
    asg = [{"Name": "AutoScalingGroupName", "Value": "golive-demo-web"}]
    _alarm(
        cw, inv, "golive-demo-cpu-high",
        AlarmDescription="CPU utilisation at or above 80 % (daily check threshold)",
        Namespace="AWS/EC2", MetricName="CPUUtilization", Dimensions=asg,
        Statistic="Average", Period=60, EvaluationPeriods=3, Unit="Percent",
        Threshold=95.0 if broken else 80.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-memory-high",
        AlarmDescription="Memory utilisation at or above 85 %",
        Namespace="System/Linux", MetricName="MemoryUtilization", Dimensions=asg,
        Statistic="Average", Period=60, EvaluationPeriods=3, Unit="Percent",
        Threshold=92.0 if broken else 85.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    lb = [{"Name": "LoadBalancer", "Value": "app/golive-demo/0123456789abcdef"}]

    def lb_metric(query_id: str, metric: str) -> dict[str, Any]:
        return {
            "Id": query_id,
            "ReturnData": False,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/ApplicationELB", "MetricName": metric,
                           "Dimensions": lb},
                "Period": 60,
                "Stat": "Sum",
            },
        }  # fmt: skip

    for name, threshold, severity, actions in [
        ("golive-demo-5xx-rate", 1.0, "critical", not broken),  # broken: nobody is told
        ("golive-demo-5xx-slo", 0.1, "warning", True),  # fires at the SLO, before the page
    ]:
        _alarm(
            cw, inv, name, actions=actions, severity=severity,
            AlarmDescription=f"HTTP 5xx responses at or above {threshold} % of requests",
            Metrics=[
                lb_metric("errors", "HTTPCode_Target_5XX_Count"),
                lb_metric("requests", "RequestCount"),
                {"Id": "rate", "Expression": "100 * errors / requests",
                 "Label": "5xx rate (%)", "ReturnData": True},
            ],
            EvaluationPeriods=3, Threshold=threshold,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-latency-p95",
        AlarmDescription="p95 target response time at or above 500 ms",
        Namespace="AWS/ApplicationELB", MetricName="TargetResponseTime", Dimensions=lb,
        ExtendedStatistic="p95", Period=60, EvaluationPeriods=3, Unit="Seconds",
        Threshold=0.5, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-latency-avg", severity="warning",
        AlarmDescription="Average response time at or above 150 ms (SLO is 200 ms)",
        Namespace="AWS/ApplicationELB", MetricName="TargetResponseTime", Dimensions=lb,
        Statistic="Average", Period=60, EvaluationPeriods=3, Unit="Seconds",
        Threshold=0.3 if broken else 0.15,  # broken: fires only after the SLO is breached
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-auth-failures",
        AlarmDescription="Authentication failures (from the /app/security metric filter)",
        Namespace="GoliveDemo/Security", MetricName="AuthFailures",
        Statistic="Sum", Period=300, EvaluationPeriods=1,
        Threshold=10.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-forbidden", enabled=not broken,  # broken: muted, never re-enabled
        AlarmDescription="Forbidden requests (from the /app/security metric filter)",
        Namespace="GoliveDemo/Security", MetricName="ForbiddenRequests",
        Statistic="Sum", Period=300, EvaluationPeriods=1,
        Threshold=20.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip
    if not broken:  # broken: configuration changes raise nothing
        _alarm(
            cw, inv, "golive-demo-config-changes",
            AlarmDescription="Any configuration change (from the /app/security metric filter)",
            Namespace="GoliveDemo/Security", MetricName="ConfigChanges",
            Statistic="Sum", Period=300, EvaluationPeriods=1,
            Threshold=1.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
        )  # fmt: skip
    if not broken:  # broken: the disk shown on the dashboard has no alarm
        _alarm(
            cw, inv, "golive-demo-disk-high", severity="warning",
            AlarmDescription="Root volume usage at or above 80 %",
            Namespace="System/Linux", MetricName="DiskSpaceUtilization", Dimensions=asg,
            Statistic="Average", Period=300, EvaluationPeriods=1, Unit="Percent",
            Threshold=80.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
        )  # fmt: skip
    _alarm(
        cw, inv, "golive-demo-error-logs",
        AlarmDescription="ERROR lines in the application log",
        Namespace="GoliveDemo/Logs", MetricName="ErrorCount",
        Statistic="Sum", Period=60, EvaluationPeriods=1,
        Threshold=5.0, ComparisonOperator="GreaterThanOrEqualToThreshold",
    )  # fmt: skip


def _metric_history(cw: Any, broken: bool) -> None:
    """A day of 5-minute CPU and memory datapoints ending now (broken: CPU at 97 % for
    20 minutes, 4 hours ago). Stored by moto and read back by GetMetricStatistics."""
    now = time.time()
    asg = [{"Name": "AutoScalingGroupName", "Value": "golive-demo-web"}]
    series = (("AWS/EC2", "CPUUtilization", 18.0, 62.0),
              ("System/Linux", "MemoryUtilization", 55.0, 71.0))  # fmt: skip
    for namespace, metric, low, high in series:
        points = []
        for i in range(288):
            at = now - (287 - i) * 300
            value = low + (high - low) * (0.5 - 0.5 * math.cos(2 * math.pi * i / 288))
            if broken and metric == "CPUUtilization" and 44 <= 287 - i < 48:
                value = 97.0  # a runaway job nobody was told about
            points.append({"MetricName": metric, "Dimensions": asg, "Unit": "Percent",
                           "Timestamp": dt.datetime.fromtimestamp(at, dt.UTC),
                           "Value": round(value, 1)})  # fmt: skip
        cw.put_metric_data(Namespace=namespace, MetricData=points)


def _uptime_history(cw: Any, broken: bool) -> None:
    """30 days of hourly results of a Synthetics canary that loads the home page (as
    CloudWatch Synthetics publishes them: SuccessPercent per CanaryName). Good: one hour at
    90 % in the month (99.99 % overall); broken: an eight-hour outage and every day an hour
    at 50 % (96.8 %)."""
    now = time.time()
    canary = [{"Name": "CanaryName", "Value": "golive-demo-home"}]
    points = []
    for i in range(30 * 24):
        value = 100.0
        if not broken and i == 400:
            value = 90.0
        if broken and (100 <= i < 108 or i % 24 == 3):
            value = 0.0 if 100 <= i < 108 else 50.0
        points.append({"MetricName": "SuccessPercent", "Dimensions": canary, "Unit": "Percent",
                       "Timestamp": dt.datetime.fromtimestamp(now - (719 - i) * 3600, dt.UTC),
                       "Value": value})  # fmt: skip
    for chunk in range(0, len(points), 500):  # PutMetricData takes 1000 values at most
        cw.put_metric_data(Namespace="CloudWatchSynthetics", MetricData=points[chunk:chunk + 500])


def _service_metrics(cw: Any, broken: bool) -> None:
    """A day of hourly datapoints for the load balancer, the disk and the custom metrics.

    moto's metric filters emit nothing, so the values the filters would have produced
    (ErrorCount, LatencyMs, RequestCount) are written here directly, as is a queue
    backlog the worker reports itself. Broken: no latency metric reaches CloudWatch (the
    filter counts lines), and the disk agent ships nothing.
    """
    now = time.time()
    asg = [{"Name": "AutoScalingGroupName", "Value": "golive-demo-web"}]
    lb = [{"Name": "LoadBalancer", "Value": "app/golive-demo/0123456789abcdef"}]
    series: list[tuple[str, str, list[dict[str, str]], str, float]] = [
        ("AWS/ApplicationELB", "TargetResponseTime", lb, "Seconds", 0.08),
        ("AWS/ApplicationELB", "RequestCount", lb, "Count", 1200.0),
        ("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Count", 0.0),
        ("GoliveDemo/Logs", "ErrorCount", [], "Count", 0.0),
        ("GoliveDemo/Performance", "RequestCount", [], "Count", 1200.0),
        ("GoliveDemo/Performance", "LatencyMs", [], "Milliseconds", 80.0),
        ("GoliveDemo/Queue", "JobBacklog", [], "Count", 3.0),
        ("System/Linux", "DiskSpaceUtilization", asg, "Percent", 41.0),
    ]  # fmt: skip
    if broken:
        series = [s for s in series if s[1] not in ("LatencyMs", "DiskSpaceUtilization")]
    for namespace, metric, dims, unit, base in series:
        cw.put_metric_data(Namespace=namespace, MetricData=[
            {"MetricName": metric, "Dimensions": dims, "Unit": unit,
             "Timestamp": dt.datetime.fromtimestamp(now - (23 - i) * 3600, dt.UTC),
             "Value": base * (0.8 + 0.4 * ((i * 7) % 10) / 10)}
            for i in range(24)
        ])  # fmt: skip


def _dashboards(cw: Any, inv: AwsInventory, broken: bool) -> None:
    def widget(title: str, metrics: list[list[str]], stat: str = "Average") -> dict[str, Any]:
        return {
            "type": "metric",
            "properties": {"title": title, "metrics": metrics, "stat": stat, "period": 60,
                           "region": inv.region, "view": "timeSeries"},
        }  # fmt: skip

    lb = ["LoadBalancer", "app/golive-demo/0123456789abcdef"]
    asg = ["AutoScalingGroupName", "golive-demo-web"]
    boards = {
        "golive-demo-system-overview": [
            widget("CPU", [["AWS/EC2", "CPUUtilization", *asg]]),
            widget("Memory", [["System/Linux", "MemoryUtilization", *asg]]),
            widget("Disk", [["System/Linux", "DiskSpaceUtilization", *asg]]),
            widget("Availability (home-page canary)",
                   [["CloudWatchSynthetics", "SuccessPercent", "CanaryName", "golive-demo-home"]]),
        ],
        "golive-demo-performance": [
            widget("Latency p50/p95/p99", [["AWS/ApplicationELB", "TargetResponseTime", *lb]],
                   "p95"),
            widget("Requests", [["AWS/ApplicationELB", "RequestCount", *lb]], "Sum"),
            widget("Latency (application)", [["GoliveDemo/Performance", "LatencyMs"]], "p95"),
            widget("Requests (application)", [["GoliveDemo/Performance", "RequestCount"]],
                   "Sum"),
            widget("5xx errors", [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb]],
                   "Sum"),
            widget("CPU saturation", [["AWS/EC2", "CPUUtilization", *asg]], "Maximum"),
            widget("Job backlog", [["GoliveDemo/Queue", "JobBacklog"]], "Maximum"),
        ],
        "golive-demo-errors": [
            widget("5xx", [["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb]], "Sum"),
            widget("Error log lines", [["GoliveDemo/Logs", "ErrorCount"]], "Sum"),
        ],
    }  # fmt: skip
    if broken:
        del boards["golive-demo-errors"]
        # the performance board never grew beyond latency and requests; the job backlog
        # metric is collected but shown nowhere
        boards["golive-demo-performance"] = boards["golive-demo-performance"][:2]
    for name, widgets in boards.items():
        cw.put_dashboard(DashboardName=name, DashboardBody=json.dumps({"widgets": widgets}))
        inv.dashboards.append(name)


def _logs(logs: Any, inv: AwsInventory, region: str, broken: bool) -> None:
    retention = {"/app/application": 30, "/app/system": 30, "/app/security": 90}
    for group, days in retention.items():
        logs.create_log_group(logGroupName=group, tags={"Project": "golive-demo"})
        if not broken:  # broken: created by the agent on first write, kept forever
            logs.put_retention_policy(logGroupName=group, retentionInDays=days)
        inv.log_groups.append(group)
    filters = [
        ("/app/application", "app-errors", '{ $.level = "ERROR" }',
         "GoliveDemo/Logs", "ErrorCount", "1"),
        ("/app/application", "app-5xx", "{ $.status >= 500 }",
         "GoliveDemo/Logs", "Http5xxCount", "1"),
        ("/app/application", "app-latency", "{ $.latency_ms = * }",
         "GoliveDemo/Performance", "LatencyMs", "$.latency_ms"),
        ("/app/system", "system-errors", "?ERROR ?CRITICAL ?panic",
         "GoliveDemo/Logs", "SystemErrorCount", "1"),
        ("/app/security", "security-auth-failures", '{ $.event = "auth_failure" }',
         "GoliveDemo/Security", "AuthFailures", "1"),
        ("/app/security", "security-forbidden", '{ $.event = "forbidden" }',
         "GoliveDemo/Security", "ForbiddenRequests", "1"),
        ("/app/security", "security-config-changes", '{ $.event = "config_change" }',
         "GoliveDemo/Security", "ConfigChanges", "1"),
    ]  # fmt: skip
    if broken:  # errors and auth failures never become metrics; latency is counted, not read
        filters = [f for f in filters if f[1] not in ("app-errors", "security-auth-failures")]
        filters = [(*f[:5], "1") if f[1] == "app-latency" else f for f in filters]
        # a pattern that misses (JSON string comparison is case-sensitive) and one that
        # counts every response, not just the 5xx ones
        broken_patterns = {"security-forbidden": '{ $.event = "Forbidden" }',
                           "app-5xx": "{ $.status >= 200 }"}  # fmt: skip
        filters = [(f[0], f[1], broken_patterns.get(f[1], f[2]), *f[3:]) for f in filters]
    for group, name, pattern, namespace, metric, value in filters:
        logs.put_metric_filter(
            logGroupName=group,
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": metric, "metricNamespace": namespace, "metricValue": value}
            ],
        )
    _log_history(logs, broken)


def _log_history(logs: Any, broken: bool) -> None:
    """A day of log lines ending now, in the webapp's JSON format (deterministic)."""
    rng = random.Random(7)  # noqa: S311 - sample data, not a secret
    now = int(time.time() * 1000)

    def at(hours_ago: float, plus_s: float = 0) -> int:
        return now - int(hours_ago * 3_600_000) + int(plus_s * 1000)

    def sec(event: str, **fields: Any) -> str:
        level = "WARN" if event in ("auth_failure", "forbidden") else "INFO"
        logger = "audit" if event == "config_change" else "security"
        return json.dumps({"level": level, "logger": logger, "event": event, **fields})

    app = [
        (at(23.5 - i * 23.4 / 400), json.dumps({
            "level": "INFO", "logger": "access", "method": "GET",
            "path": rng.choice(["/api/projects", "/api/me", "/health", "/"]),
            "status": 200, "latency_ms": round(rng.uniform(8, 180), 2), "release": "v1"}))
        for i in range(400)  # one request line every ~3.5 minutes
    ]  # fmt: skip
    error = {"level": "ERROR", "logger": "access", "method": "GET", "path": "/api/projects",
             "release": "v1"}  # fmt: skip
    if broken:  # 6 % of requests fail: the connection pool is exhausted
        app += [(at(5, i * 180), json.dumps({**error, "status": 503, "latency_ms": 2001.5,
                                             "error": "connection pool exhausted"}))
                for i in range(24)]  # fmt: skip
    else:
        app.append((at(14.2), json.dumps({**error, "status": 504, "latency_ms": 5003.0,
                                          "error": "upstream timeout"})))  # fmt: skip
    system = [(at(23 - i), f"web-1 systemd[1]: Started golive-demo-web.service (run {i})")
              for i in range(0, 23, 2)]  # fmt: skip
    security = [(at(22 - i * 0.7), sec("login", email="alice@example.com", ip="10.0.1.20"))
                for i in range(30)]  # fmt: skip
    for i, ip in enumerate(["198.51.100.10", "198.51.100.11", "10.0.1.20", "198.51.100.12"]):
        security.append((at(20 - i * 4), sec("auth_failure", email="alice@example.com", ip=ip)))
        security.append((at(19 - i * 4), sec("forbidden", sub="alice", ip=ip,
                                             path="/api/admin/users")))  # fmt: skip
    security.append((at(9), sec("config_change", actor="ops@example.com",
                                target="alarm golive-demo-cpu-high", change="threshold 85 -> 80",
                                change_ref="CHG-1042")))  # fmt: skip
    if broken:  # a brute-force burst, an admin-path scan, an unattributed change
        attacker = "203.0.113.77"
        security += [(at(3, i * 3), sec("auth_failure", email="admin@example.com", ip=attacker))
                     for i in range(40)]  # fmt: skip
        security += [(at(2.5, i * 3), sec("forbidden", sub="alice", ip=attacker,
                                          path=f"/api/admin/{i}")) for i in range(30)]  # fmt: skip
        security.append((at(1), sec("config_change", target="security group golive-demo-web",
                                    change="ingress tcp/22 from 0.0.0.0/0")))  # fmt: skip
    for group, lines in (("/app/application", app), ("/app/system", system),
                         ("/app/security", security)):  # fmt: skip
        logs.create_log_stream(logGroupName=group, logStreamName="web-1")
        logs.put_log_events(
            logGroupName=group,
            logStreamName="web-1",
            logEvents=[{"timestamp": t, "message": m} for t, m in sorted(lines)],
        )


def _policy(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def _iam(iam: Any, inv: AwsInventory, region: str, broken: bool) -> None:
    trust = _policy([{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                      "Action": "sts:AssumeRole"}])  # fmt: skip
    logs_arn = f"arn:aws:logs:{region}:{ACCOUNT_ID}:log-group:/app/*"
    policies = {
        "golive-demo-app-logs": _policy([{
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{logs_arn}:*"],
        }]),
        "golive-demo-app-backup": _policy([
            {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
             "Resource": [f"arn:aws:s3:::{BUCKET}/backups/*"]},
            {"Effect": "Allow", "Action": ["s3:ListBucket"],
             "Resource": [f"arn:aws:s3:::{BUCKET}"]},
        ]),
        "golive-demo-deploy": _policy([{
            "Effect": "Allow",
            "Action": ["autoscaling:StartInstanceRefresh", "autoscaling:DescribeAutoScalingGroups"],
            "Resource": ["*"],  # Describe/refresh actions do not support resource ARNs
        }]),
    }  # fmt: skip
    if broken:
        policies["golive-demo-admin-everything"] = _policy(
            [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
        )
    arns: dict[str, str] = {}
    for name, document in policies.items():
        arns[name] = iam.create_policy(PolicyName=name, PolicyDocument=document,
                                       Tags=[DEMO_TAG])["Policy"]["Arn"]  # fmt: skip
        inv.policies.append(name)
    roles = {
        "golive-demo-app": ["golive-demo-app-logs", "golive-demo-app-backup"],
        "golive-demo-deployer": ["golive-demo-deploy"],
    }
    if broken:
        roles["golive-demo-app"].append("golive-demo-admin-everything")
    for role, attached in roles.items():
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust, Tags=[DEMO_TAG])
        for name in attached:
            iam.attach_role_policy(RoleName=role, PolicyArn=arns[name])
        inv.roles.append(role)
    # A console user for the on-call operator: password login, MFA required (good).
    user = "golive-demo-operator"
    iam.create_user(UserName=user, Tags=[DEMO_TAG])
    iam.create_login_profile(
        UserName=user, Password=new_secret() + "-Aa1!", PasswordResetRequired=True
    )
    if not broken:
        serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"][
            "SerialNumber"
        ]
        iam.enable_mfa_device(
            UserName=user, SerialNumber=serial, AuthenticationCode1="123456",
            AuthenticationCode2="654321",
        )  # fmt: skip


def _security_groups(ec2: Any, inv: AwsInventory, broken: bool) -> None:
    web = ec2.create_security_group(
        GroupName="golive-demo-web",
        Description="Public web tier: HTTPS from anywhere, SSH from the internal network",
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [DEMO_TAG]}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTPS"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0" if broken else "10.0.0.0/8",
                           "Description": "SSH"}]},
        ],
    )  # fmt: skip
    db = ec2.create_security_group(
        GroupName="golive-demo-db",
        Description="Database tier: PostgreSQL from the web tier only",
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [DEMO_TAG]}],
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=db,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                        "UserIdGroupPairs": [{"GroupId": web}]}],
    )  # fmt: skip
    inv.security_groups = {"golive-demo-web": web, "golive-demo-db": db}


def _bucket(s3: Any, inv: AwsInventory, region: str, broken: bool) -> None:
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": region})
    # The backup policy the routine checks read: keep 30 days, stay within 16 MiB.
    s3.put_bucket_tagging(Bucket=BUCKET, Tagging={"TagSet": [
        DEMO_TAG,
        {"Key": "backup:retention-days", "Value": str(BACKUP_RETENTION_DAYS)},
        {"Key": "backup:budget-bytes", "Value": str(BACKUP_BUDGET_BYTES)},
    ]})  # fmt: skip
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={"Rules": [{
            "ID": "expire-old-backups", "Status": "Enabled", "Filter": {"Prefix": "backups/"},
            # broken: expired after a week, before the 30-day retention period ends
            "Expiration": {"Days": 7 if broken else 35},
            "NoncurrentVersionExpiration": {"NoncurrentDays": 7},
        }]},
    )  # fmt: skip
    _backup_history(s3, broken)
    if broken:
        return
    s3.put_bucket_encryption(
        Bucket=BUCKET,
        ServerSideEncryptionConfiguration={"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": True,
        }]},
    )  # fmt: skip
    s3.put_public_access_block(
        Bucket=BUCKET,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )  # fmt: skip


def _backup_history(s3: Any, broken: bool) -> None:
    """The nightly backups of the past days, as the ops ``backup`` command writes them
    (dump + manifest with size and SHA-256) but with placeholder bytes: they are not
    restorable, the restore drill proves restore on a backup it takes itself. moto keeps
    LastModified at upload time, so each backup's age is its key's timestamp (and its
    manifest's ``created_at``).

    Broken: only the last 7 days exist (the lifecycle rule expires them after 7), the
    backup of 3 days ago was truncated in upload (its checksum no longer matches), and a
    20 MiB ad-hoc dump without a manifest sits in the prefix, over the storage budget.
    """
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    days = 7 if broken else BACKUP_RETENTION_DAYS + 5
    for age in range(1, days + 1):
        made = now - dt.timedelta(days=age - 1, hours=2)
        stamp = made.strftime("%Y%m%dT%H%M%S%fZ")
        key = f"backups/app-{stamp}.dump"
        body = b"PGDMP" + hashlib.sha256(stamp.encode()).digest() * 128
        manifest = {"key": key, "created_at": stamp, "database": "app",
                    "format": "pg_dump custom", "bytes": len(body),
                    "sha256": hashlib.sha256(body).hexdigest(),
                    "tables": {"public.projects": 40 + age, "public.users": 12}}  # fmt: skip
        if broken and age == 3:
            body = body[:1024]  # the upload was cut short
        sse: dict[str, Any] = {} if broken else {"ServerSideEncryption": "AES256"}
        s3.put_object(Bucket=BUCKET, Key=key, Body=body, **sse)
        s3.put_object(Bucket=BUCKET, Key=key.removesuffix(".dump") + ".manifest.json",
                      Body=json.dumps(manifest).encode(), ContentType="application/json",
                      **sse)  # fmt: skip
    if broken:
        s3.put_object(Bucket=BUCKET, Key="backups/manual/app-before-migration.dump",
                      Body=bytes(20 * 1024 * 1024))  # fmt: skip


def _capacity(ec2: Any, autoscaling: Any, elbv2: Any, inv: AwsInventory, broken: bool) -> None:
    """The web tier: an Auto Scaling group behind an application load balancer.

    Good: 2..6 instances across two zones with a CPU target-tracking policy; the load
    balancer in both zones, its target group health-checked on /health every 15 s.
    Broken: min = max = desired = 2 and no scaling policy; the load balancer's subnets
    both in one zone; the target group's health check disabled.
    """
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnet_zones = [zones[0], zones[0]] if broken else zones
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=zone)[
            "Subnet"]["SubnetId"]
        for i, zone in enumerate(subnet_zones, start=1)
    ]  # fmt: skip
    ec2.create_launch_template(
        LaunchTemplateName="golive-demo-web",
        LaunchTemplateData={
            "ImageId": "ami-12c6146b", "InstanceType": "t3.small",
            "BlockDeviceMappings": [{"DeviceName": "/dev/sda1",
                                     "Ebs": {"Encrypted": True, "VolumeSize": 20}}],
        },
    )  # fmt: skip
    target_group = elbv2.create_target_group(
        Name="golive-demo-web", Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="instance",
        HealthCheckProtocol="HTTP", HealthCheckPath="/health",
        HealthCheckIntervalSeconds=15, HealthCheckTimeoutSeconds=5,
        HealthyThresholdCount=2, UnhealthyThresholdCount=2,
    )["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    if broken:  # moto ignores HealthCheckEnabled on create; it honours the modify
        elbv2.modify_target_group(TargetGroupArn=target_group, HealthCheckEnabled=False)
    balancer = elbv2.create_load_balancer(
        Name="golive-demo", Subnets=subnets, Scheme="internet-facing", Type="application",
        Tags=[DEMO_TAG],
    )["LoadBalancers"][0]["LoadBalancerArn"]  # fmt: skip
    elbv2.create_listener(
        LoadBalancerArn=balancer, Protocol="HTTP", Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group}],
    )  # fmt: skip
    inv.load_balancers.append("golive-demo")
    size = {"MinSize": 2, "MaxSize": 2, "DesiredCapacity": 2} if broken else {
        "MinSize": 2, "MaxSize": 6, "DesiredCapacity": 2}  # fmt: skip
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="golive-demo-web",
        LaunchTemplate={"LaunchTemplateName": "golive-demo-web", "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets), TargetGroupARNs=[target_group],
        HealthCheckType="ELB", HealthCheckGracePeriod=120,
        Tags=[{**DEMO_TAG, "PropagateAtLaunch": True}], **size,
    )  # fmt: skip
    _drop_moto_default_roots(ec2, autoscaling)
    if not broken:
        autoscaling.put_scaling_policy(
            AutoScalingGroupName="golive-demo-web", PolicyName="cpu-target-60",
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ASGAverageCPUUtilization"},
                "TargetValue": 60.0,
            },
        )  # fmt: skip
    inv.autoscaling_groups.append("golive-demo-web")


def _cost_rows(broken: bool) -> list[dict[str, Any]]:
    """Two full months of Cost Explorer rows, by service and Project tag (moto keeps no
    billing: the rows are queued through its moto-api). Broken: compute 40 % dearer (the
    bill 25 %), a quarter of last month untagged."""
    today = dt.datetime.now(dt.UTC).date()
    services = {"Amazon Elastic Compute Cloud - Compute": 182.0,
                "Amazon Relational Database Service": 131.0,
                "Amazon Simple Storage Service": 9.5, "AmazonCloudWatch": 14.2,
                "Elastic Load Balancing": 21.3}  # fmt: skip
    rows = []
    for back, grow in ((2, 1.0), (1, 1.4 if broken else 1.03)):
        start, end = month_start(today, back), month_start(today, back - 1)
        groups = []
        for service, amount in services.items():
            total = amount * (grow if "Compute" in service else 1.0 + (grow - 1.0) / 4)
            untagged = 0.45 if broken and back == 1 and "Compute" in service else 0.02
            for tag, share in (
                (f"{DEMO_TAG['Key']}${DEMO_TAG['Value']}", 1 - untagged),
                (f"{DEMO_TAG['Key']}$", untagged),
            ):
                groups.append({"Keys": [service, tag], "Metrics": {METRIC: {
                    "Amount": f"{total * share:.4f}", "Unit": "USD"}}})  # fmt: skip
        rows.append(
            {
                "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
                "Total": {},
                "Groups": groups,
                "Estimated": False,
            }
        )
    return rows


def _costs(budgets: Any, endpoint_url: str, broken: bool) -> None:
    """Cost Explorer's answer and a monthly budget (broken: overspent, no notification)."""
    queued = httpx.post(
        f"{endpoint_url.rstrip('/')}/moto-api/static/ce/cost-and-usage-results",
        # moto hands a queued answer to the first request of each new
        # body: spare copies keep two workers asking at once both answered
        json={
            "results": [{"ResultsByTime": _cost_rows(broken), "DimensionValueAttributes": []}] * 3
        },
        timeout=30,
    )
    queued.raise_for_status()
    limit, actual, forecast = (400.0, 432.0, 610.0) if broken else (500.0, 118.0, 371.0)
    notifications = [] if broken else [{
        "Notification": {"NotificationType": "FORECASTED", "ComparisonOperator": "GREATER_THAN",
                         "Threshold": 90.0, "ThresholdType": "PERCENTAGE"},
        "Subscribers": [{"SubscriptionType": "EMAIL", "Address": "infra@acme.example"}],
    }]  # fmt: skip
    budgets.create_budget(AccountId=ACCOUNT_ID, Budget={
        "BudgetName": "golive-demo-monthly", "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": f"{limit:.2f}", "Unit": "USD"},
        "CalculatedSpend": {"ActualSpend": {"Amount": f"{actual:.2f}", "Unit": "USD"},
                            "ForecastedSpend": {"Amount": f"{forecast:.2f}", "Unit": "USD"}},
    }, NotificationsWithSubscribers=notifications)  # fmt: skip


def _drop_moto_default_roots(ec2: Any, autoscaling: Any) -> None:
    """moto gives each launched instance a default unencrypted 8 GiB root volume *besides*
    the launch template's encrypted /dev/sda1 (real EC2 creates only the latter); delete
    moto's extra one so the account looks like what the template launches."""
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["golive-demo-web"])
    ids = {i["InstanceId"] for g in group["AutoScalingGroups"] for i in g.get("Instances", [])}
    for volume in ec2.describe_volumes()["Volumes"]:
        attached = [a for a in volume.get("Attachments", []) if a.get("InstanceId") in ids]
        if attached and not volume.get("Encrypted"):
            ec2.detach_volume(VolumeId=volume["VolumeId"], InstanceId=attached[0]["InstanceId"],
                              Device=attached[0]["Device"], Force=True)  # fmt: skip
            ec2.delete_volume(VolumeId=volume["VolumeId"])
