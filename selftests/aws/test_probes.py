"""The AWS, host and notification probes' pure logic, without any server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from golive.facts.live import aws
from golive.facts.live import webhook as notify

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _event(message: str | dict[str, object], seconds: float = 0) -> aws.LogEvent:
    text = message if isinstance(message, str) else json.dumps(message)
    return aws.LogEvent(T0 + dt.timedelta(seconds=seconds), text, "s")


@pytest.mark.parametrize(
    ("statement", "wildcard"),
    [
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, True),
        ({"Effect": "Allow", "Action": ["s3:GetObject", "*:*"], "Resource": ["*"]}, True),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),
        ({"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::b/*"}, False),
        ({"Effect": "Allow", "Action": "autoscaling:Describe*", "Resource": "*"}, False),
    ],
)
def test_wildcard_statements(statement: dict[str, object], wildcard: bool) -> None:
    document = json.dumps({"Version": "2012-10-17", "Statement": statement})
    assert aws.wildcard_statements(document) == ([0] if wildcard else [])


def _alarm(**raw: object) -> aws.Alarm:
    base: dict[str, object] = {"AlarmName": "a", "ComparisonOperator":
                               "GreaterThanOrEqualToThreshold", "Threshold": 1.0}  # fmt: skip
    return aws._alarm({**base, **raw})


def test_alarm_kinds_and_error_rate_units() -> None:
    cpu = _alarm(MetricName="CPUUtilization", Namespace="AWS/EC2", Threshold=80.0)
    assert "cpu" in cpu.kinds and not cpu.notifies and "no alarm actions" in cpu.why_silent()
    count = _alarm(MetricName="ErrorCount", Namespace="X", Threshold=5.0)
    assert "error-rate" not in count.kinds and aws.error_rate_percent(count) is None

    def rate(expression: str, threshold: float) -> aws.Alarm:
        stat = {"Period": 60, "Stat": "Sum"}
        return _alarm(Threshold=threshold, Metrics=[
            {"Id": "e", "MetricStat": {"Metric": {"Namespace": "ELB",
                                                  "MetricName": "HTTPCode_Target_5XX_Count"},
                                       **stat}, "ReturnData": False},
            {"Id": "r", "MetricStat": {"Metric": {"Namespace": "ELB", "MetricName": "RequestCount"},
                                       **stat}, "ReturnData": False},
            {"Id": "x", "Expression": expression, "ReturnData": True}])  # fmt: skip

    assert aws.error_rate_percent(rate("100 * e / r", 1.0)) == 1.0
    assert aws.error_rate_percent(rate("e / r", 0.01)) == pytest.approx(1.0)
    muted = _alarm(MetricName="ForbiddenRequests", ActionsEnabled=False,
                   AlarmActions=["arn:aws:sns:ap-northeast-1:123456789012:t"])  # fmt: skip
    assert "unauthorized" in muted.kinds and not muted.notifies
    assert "disabled" in muted.why_silent()


def test_metric_filter_kinds() -> None:
    latency = aws.MetricFilter("lat", "/app", "{ $.latency_ms = * }", (("N", "LatencyMs", "1"),))
    assert "latency" in latency.kinds and not latency.extracts_value
    http = aws.MetricFilter("5xx", "/app", "{ $.status >= 500 }", (("N", "Http5xxCount", "1"),))
    assert "errors" not in http.kinds  # a status count is not an error-log filter
    ssh = aws.MetricFilter("ssh", "/sec", '?"Failed password" ?"Invalid user"',
                           (("N", "SshLogins", "1"),))  # fmt: skip
    assert "auth-failure" in ssh.kinds


@pytest.mark.parametrize(
    ("name", "category"),
    [("/app/application", "application"), ("/aws/lambda/api", "application"),
     ("/app/system", "system"), ("/var/log/messages", "system"),
     ("/app/security", "security"), ("aws-cloudtrail-logs", "security")],
)  # fmt: skip
def test_log_group_category(name: str, category: str) -> None:
    assert aws.LogGroup(name, None, 0, ()).category == category


def test_error_lines() -> None:
    assert aws.is_error_line(_event({"level": "ERROR", "msg": "x"}))
    assert not aws.is_error_line(_event({"level": "INFO", "msg": "no ERROR here"}))
    assert aws.is_error_line(_event("Traceback (most recent call last):"))
    assert not aws.is_error_line(_event("GET /health 200"))
    sig = aws.error_signature(_event({"level": "ERROR", "error": "timeout after 5003 ms"}))
    assert sig == "timeout after N ms"


def test_security_events() -> None:
    app = aws.security_event(_event({"event": "auth_failure", "email": "a@x", "ip": "1.2.3.4"}))
    assert app is not None and (app.kind, app.source, app.account) == ("auth-failure", "1.2.3.4",
                                                                        "a@x")  # fmt: skip
    assert aws.security_event(_event({"event": "login", "email": "a@x"})) is None
    denied = aws.security_event(_event({"path": "/admin", "status": 403, "ip": "1.2.3.4"}))
    assert denied is not None and denied.kind == "unauthorized"
    ssh = aws.security_event(_event("sshd[1]: Failed password for invalid user bob from "
                                    "203.0.113.9 port 22 ssh2"))  # fmt: skip
    assert ssh is not None
    assert (ssh.kind, ssh.source, ssh.account) == ("auth-failure", "203.0.113.9", "bob")
    trail = aws.security_event(_event({
        "eventSource": "ec2.amazonaws.com", "eventName": "AuthorizeSecurityGroupIngress",
        "userIdentity": {"arn": "arn:aws:iam::1:user/ops"}, "sourceIPAddress": "10.0.0.1",
        "readOnly": False}))  # fmt: skip
    assert trail is not None and trail.kind == "config-change"
    assert trail.actor == "arn:aws:iam::1:user/ops" and trail.change_ref is None
    login = aws.security_event(_event({
        "eventSource": "signin.amazonaws.com", "eventName": "ConsoleLogin",
        "responseElements": {"ConsoleLogin": "Failure"}}))  # fmt: skip
    assert login is not None and login.kind == "auth-failure"


def test_peak_in_window() -> None:
    times = [T0 + dt.timedelta(seconds=s) for s in (0, 100, 299, 300, 301, 302, 900)]
    assert aws.peak_in_window(times, 300) == (5, T0 + dt.timedelta(seconds=100))
    assert aws.peak_in_window([], 300) == (0, None)


def test_region_name() -> None:
    assert aws.region_name("ap-northeast-1") == "Asia Pacific (Tokyo)"
    assert aws.region_name("nowhere-1") == "nowhere-1"


def test_redact_hides_the_webhook_secret() -> None:
    shown = notify.redact("https://hooks.slack.com/services/T000/B000/XXXXSECRET")
    assert "XXXXSECRET" not in shown and shown.startswith("https://hooks.slack.com")


def test_read_sink_of_nothing_listening() -> None:
    from golive.demo._proc import free_port

    assert notify.read_sink(f"http://127.0.0.1:{free_port()}/hooks/x", timeout=1.0) is None
