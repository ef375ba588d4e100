"""moto populated like a real account, with the broken twin's misconfigurations."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from golive.demo import aws

from .conftest import RunningStack

pytestmark = pytest.mark.slow


@pytest.fixture
def clients(either: RunningStack) -> dict[str, Any]:
    return {s: either.aws(s) for s in ("cloudwatch", "logs", "iam", "ec2", "s3", "sns")}


def test_alarms(either: RunningStack, clients: dict[str, Any]) -> None:
    alarms = {a["AlarmName"]: a for a in clients["cloudwatch"].describe_alarms()["MetricAlarms"]}
    assert {
        "golive-demo-cpu-high",
        "golive-demo-memory-high",
        "golive-demo-5xx-rate",
        "golive-demo-latency-p95",
    } <= set(alarms)
    without_actions = sorted(n for n, a in alarms.items() if not a["AlarmActions"])
    topic = either.state["aws"]["topic_arn"]
    if either.info.mode == "good":
        assert without_actions == []
        assert all(a["AlarmActions"] == [topic] for a in alarms.values())
        assert alarms["golive-demo-cpu-high"]["Threshold"] == 80
        assert alarms["golive-demo-memory-high"]["Threshold"] == 85
    else:
        assert without_actions == ["golive-demo-5xx-rate"]
        assert alarms["golive-demo-cpu-high"]["Threshold"] == 95


def test_alarm_state_is_driven_by_hand(good: RunningStack) -> None:
    # moto never evaluates alarms: a drill sets the state itself.
    cw = good.aws("cloudwatch")
    cw.set_alarm_state(
        AlarmName="golive-demo-cpu-high", StateValue="ALARM", StateReason="selftest drill"
    )
    (alarm,) = cw.describe_alarms(AlarmNames=["golive-demo-cpu-high"])["MetricAlarms"]
    cw.set_alarm_state(
        AlarmName="golive-demo-cpu-high", StateValue="OK", StateReason="selftest drill over"
    )
    assert alarm["StateValue"] == "ALARM"


def test_log_groups_and_filters(either: RunningStack, clients: dict[str, Any]) -> None:
    groups = {g["logGroupName"]: g for g in clients["logs"].describe_log_groups()["logGroups"]}
    assert set(groups) == {"/app/application", "/app/system", "/app/security"}
    filters = clients["logs"].describe_metric_filters()["metricFilters"]
    assert {f["logGroupName"] for f in filters} == set(groups)
    no_retention = sorted(n for n, g in groups.items() if "retentionInDays" not in g)
    if either.info.mode == "good":
        assert no_retention == []
        assert groups["/app/security"]["retentionInDays"] == 90
    else:
        assert no_retention == ["/app/application", "/app/security", "/app/system"]


def test_iam_least_privilege(either: RunningStack, clients: dict[str, Any]) -> None:
    iam = clients["iam"]
    wildcard = []
    for policy in iam.list_policies(Scope="Local")["Policies"]:
        version = iam.get_policy_version(
            PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"]
        )
        document = version["PolicyVersion"]["Document"]
        if isinstance(document, str):
            document = json.loads(document)
        for statement in document["Statement"]:
            if statement.get("Action") in ("*", ["*"]) and statement.get("Resource") in (
                "*",
                ["*"],
            ):
                wildcard.append(policy["PolicyName"])
    mfa = iam.list_mfa_devices(UserName="golive-demo-operator")["MFADevices"]
    if either.info.mode == "good":
        assert wildcard == [] and len(mfa) == 1
    else:
        assert wildcard == ["golive-demo-admin-everything"] and mfa == []


def test_security_groups(either: RunningStack, clients: dict[str, Any]) -> None:
    groups = clients["ec2"].describe_security_groups(
        Filters=[{"Name": "tag:Project", "Values": ["golive-demo"]}]
    )["SecurityGroups"]
    web = next(g for g in groups if g["GroupName"] == "golive-demo-web")
    open_ports = {
        p["FromPort"]
        for p in web["IpPermissions"]
        for r in p.get("IpRanges", [])
        if r["CidrIp"] == "0.0.0.0/0"
    }
    assert 443 in open_ports
    if either.info.mode == "good":
        assert open_ports == {443}
    else:
        assert 22 in open_ports


def test_backup_bucket(either: RunningStack, clients: dict[str, Any]) -> None:
    s3 = clients["s3"]
    assert s3.get_bucket_versioning(Bucket=aws.BUCKET)["Status"] == "Enabled"
    if either.info.mode == "good":
        rules = s3.get_bucket_encryption(Bucket=aws.BUCKET)["ServerSideEncryptionConfiguration"]
        assert rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        block = s3.get_public_access_block(Bucket=aws.BUCKET)["PublicAccessBlockConfiguration"]
        assert all(block.values())
    else:
        for call in (s3.get_bucket_encryption, s3.get_public_access_block):
            with pytest.raises(s3.exceptions.ClientError):
                call(Bucket=aws.BUCKET)


def test_sns_topic_delivers_to_the_sink(good: RunningStack) -> None:
    good.aws("sns").publish(
        TopicArn=good.state["aws"]["topic_arn"],
        Message="selftest alarm",
        Subject="golive-demo-cpu-high",
    )
    url = good.state["webhook_sink_url"] + "/hooks/sns"
    deadline = time.monotonic() + 5
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            received = client.get(url).json()["received"]
            if any(r["body"].get("Message") == "selftest alarm" for r in received):
                break
            time.sleep(0.05)
        else:
            pytest.fail("SNS message never reached the webhook sink")
