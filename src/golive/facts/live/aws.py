"""The AWS account, read through its API (boto3): IAM, security groups, encryption,
CloudWatch alarms, log groups, metric filters and log events.

Read-only except :func:`set_alarm_state` and :func:`publish_alarm_notification`, which
only the detect-to-notify drill calls. Every function takes a boto3 client made by the
suite's ``aws_client`` fixture and returns facts as small dataclasses; what is wrong with
them is decided in :mod:`golive.rules.aws_account`.

About local emulators (moto), said plainly: moto never evaluates alarms, never fires
alarm actions, and its metric filters emit nothing; its ``filter_log_events`` ignores
JSON filter patterns. So events are read without a pattern and classified here, and
the drill publishes CloudWatch's notification itself on moto (:func:`is_moto`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import json
import math
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
from botocore.exceptions import ClientError

from golive import _http

__all__ = [
    "ADMIN_PORTS",
    "KINDS",
    "Alarm",
    "Bucket",
    "Canary",
    "EventWindow",
    "IamFacts",
    "LogEvent",
    "LogGroup",
    "MetricFilter",
    "PolicyDocument",
    "SecurityEvent",
    "StoredData",
    "WorldIngress",
    "alarm_notification",
    "error_rate_percent",
    "error_signature",
    "is_error_line",
    "is_moto",
    "kinds_of",
    "list_alarms",
    "list_log_groups",
    "metric_peak",
    "peak_in_window",
    "publish_alarm_notification",
    "read_buckets",
    "read_events",
    "read_iam",
    "read_storage",
    "region_name",
    "security_event",
    "set_alarm_state",
    "subscription_endpoints",
    "wildcard_statements",
    "world_ingress",
    "write_canary",
]

# administrative and database ports that must never be open to the internet
ADMIN_PORTS: dict[int, str] = {
    22: "SSH", 3389: "RDP", 5432: "PostgreSQL", 3306: "MySQL", 1433: "SQL Server",
    6379: "Redis", 27017: "MongoDB",
}  # fmt: skip
_WORLD = ("0.0.0.0/0", "::/0")
_ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"


def _norm(text: str) -> str:
    """Lower case without separators: ``Auth_Failures`` and ``auth-failure`` compare equal."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


# What a metric, filter or log event is about, by words in its (normalized) text.
KINDS: dict[str, tuple[str, ...]] = {
    "cpu": ("cpu",),
    "memory": ("memory", "mem"),
    "errors": ("error", "fatal", "critical", "exception", "panic"),
    "http-5xx": ("5xx",),
    "latency": ("latency", "responsetime", "duration", "elapsed"),
    "auth-failure": ("authfail", "authenticationfail", "loginfail", "failedlogin",
                     "signinfail", "failedpassword", "invaliduser"),
    "unauthorized": ("forbidden", "unauthori", "accessdenied", "denied"),
    "config-change": ("configchange", "configurationchange", "settingchange"),
}  # fmt: skip


def kinds_of(*texts: str) -> set[str]:
    joined = " ".join(_norm(t) for t in texts)
    return {kind for kind, words in KINDS.items() if any(w in joined for w in words)}


def is_moto(endpoint_url: str | None) -> bool:
    """True when the endpoint is a moto server (which neither evaluates nor fires alarms)."""
    if not endpoint_url:
        return False
    try:
        response = _http.request("GET", f"{endpoint_url.rstrip('/')}/moto-api/", timeout_s=3.0)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- IAM ---------------------------------------------------------------------------


def _document(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        raw = json.loads(unquote(raw))
    return raw if isinstance(raw, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def wildcard_statements(document: Any) -> list[int]:
    """Indexes of statements that Allow every action (``*``) on every resource (``*``)."""
    statements = _as_list(_document(document).get("Statement", []))
    found = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = [str(a) for a in _as_list(statement.get("Action", []))]
        resources = [str(r) for r in _as_list(statement.get("Resource", []))]
        if any(a in ("*", "*:*") for a in actions) and "*" in resources:
            found.append(index)
    return found


@dataclass(frozen=True)
class PolicyDocument:
    """A policy read: where it lives, which statements grant Action * on Resource *."""

    where: str  # iam:policy/NAME, or iam:KIND/NAME/inline/POLICY
    wildcard_statements: tuple[int, ...]
    attachments: int | None = None  # customer-managed policies: how often attached


@dataclass
class IamFacts:
    policies: list[PolicyDocument] = field(default_factory=list)
    admin_attached: list[str] = field(default_factory=list)  # iam:KIND/NAME
    root_access_keys: bool = False
    users: int = 0
    console_mfa: dict[str, bool] = field(default_factory=dict)  # console user -> has MFA


def _inline(iam: Any, kind: str, name: str, facts: IamFacts) -> None:
    key = {"user": "UserName", "role": "RoleName", "group": "GroupName"}[kind]
    for policy in _pages(iam, f"list_{kind}_policies", "PolicyNames", **{key: name}):
        document = getattr(iam, f"get_{kind}_policy")(**{key: name, "PolicyName": policy})
        facts.policies.append(
            PolicyDocument(
                f"iam:{kind}/{name}/inline/{policy}",
                tuple(wildcard_statements(document["PolicyDocument"])),
            )
        )


def read_iam(iam: Any) -> IamFacts:
    """Customer-managed and inline policies, AdministratorAccess attachments, root access
    keys, and which users have a console password and an MFA device."""
    facts = IamFacts()
    for policy in _pages(iam, "list_policies", "Policies", Scope="Local"):
        version = iam.get_policy_version(
            PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"]
        )["PolicyVersion"]
        facts.policies.append(
            PolicyDocument(
                f"iam:policy/{policy['PolicyName']}",
                tuple(wildcard_statements(version["Document"])),
                policy.get("AttachmentCount", 0),
            )
        )
    users = list(_pages(iam, "list_users", "Users"))
    for kind, items, key in (
        ("user", users, "UserName"),
        ("role", list(_pages(iam, "list_roles", "Roles")), "RoleName"),
        ("group", list(_pages(iam, "list_groups", "Groups")), "GroupName"),
    ):
        for item in items:
            _inline(iam, kind, item[key], facts)
    try:
        entities = iam.list_entities_for_policy(PolicyArn=_ADMIN_POLICY)
    except ClientError as exc:
        if _code(exc) != "NoSuchEntity":
            raise
    else:
        for kind, key in (("user", "PolicyUsers"), ("role", "PolicyRoles"),
                          ("group", "PolicyGroups")):  # fmt: skip
            for entity in entities.get(key, []):
                name = entity.get("UserName") or entity.get("RoleName") or entity.get("GroupName")
                facts.admin_attached.append(f"iam:{kind}/{name}")
    summary = iam.get_account_summary()["SummaryMap"]
    facts.root_access_keys = bool(summary.get("AccountAccessKeysPresent"))
    facts.users = len(users)
    for user in users:
        name = user["UserName"]
        try:
            iam.get_login_profile(UserName=name)
        except ClientError as exc:
            if _code(exc) == "NoSuchEntity":
                continue  # no console password: API-only user
            raise
        facts.console_mfa[name] = bool(iam.list_mfa_devices(UserName=name)["MFADevices"])
    return facts


# --- EC2 security groups -------------------------------------------------------------


def _open_ports(permission: dict[str, Any]) -> list[int]:
    if permission.get("IpProtocol") == "-1":
        return sorted(ADMIN_PORTS)  # all traffic
    if permission.get("IpProtocol") not in ("tcp", "6"):
        return []
    low, high = int(permission.get("FromPort", 0)), int(permission.get("ToPort", 65535))
    return [port for port in sorted(ADMIN_PORTS) if low <= port <= high]


@dataclass(frozen=True)
class WorldIngress:
    """An administrative or database port a security group opens to 0.0.0.0/0 or ::/0."""

    where: str  # ec2:security-group/ID (NAME)
    port: int
    cidr: str


def world_ingress(ec2: Any) -> tuple[list[WorldIngress], int]:
    """Ingress of :data:`ADMIN_PORTS` from the whole internet, and how many groups were read."""
    found, groups = [], 0
    for group in _pages(ec2, "describe_security_groups", "SecurityGroups"):
        groups += 1
        where = f"ec2:security-group/{group['GroupId']} ({group.get('GroupName', '')})"
        for permission in group.get("IpPermissions", []):
            ranges = [r.get("CidrIp") for r in permission.get("IpRanges", [])]
            ranges += [r.get("CidrIpv6") for r in permission.get("Ipv6Ranges", [])]
            for cidr in (c for c in ranges if c in _WORLD):
                found += [WorldIngress(where, port, cidr) for port in _open_ports(permission)]
    return found, groups


# --- encryption at rest ----------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    name: str
    encryption_rules: int | None  # default-encryption rules; None: no configuration at all
    public_access_off: tuple[str, ...] | None  # blocks switched off; None: no block at all
    versioning: str | None  # Enabled, Suspended, or None (never enabled)


def read_buckets(s3: Any) -> list[Bucket]:
    """Every bucket's default encryption, public-access blocks and versioning."""
    buckets = []
    for name in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
        encryption: int | None
        try:
            rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]
            encryption = len(rules.get("Rules") or [])
        except ClientError as exc:
            if "ServerSideEncryptionConfigurationNotFound" not in _code(exc):
                raise
            encryption = None
        off: tuple[str, ...] | None
        try:
            block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
            off = tuple(sorted(k for k, v in block.items() if not v))
        except ClientError as exc:
            if _code(exc) != "NoSuchPublicAccessBlockConfiguration":
                raise
            off = None
        versioning = s3.get_bucket_versioning(Bucket=name).get("Status")
        buckets.append(Bucket(name, encryption, off, versioning))
    return buckets


@dataclass(frozen=True)
class StoredData:
    """An EBS volume, RDS instance or RDS cluster and whether it is encrypted at rest."""

    where: str  # ec2:volume/ID, rds:db/ID, rds:cluster/ID
    encrypted: bool


def read_storage(ec2: Any, rds: Any) -> list[StoredData]:
    """EBS volumes, RDS instances and clusters with their encryption at rest."""
    stores = [
        StoredData(f"ec2:volume/{v['VolumeId']}", bool(v.get("Encrypted")))
        for v in _pages(ec2, "describe_volumes", "Volumes")
    ]
    stores += [
        StoredData(f"rds:db/{db['DBInstanceIdentifier']}", bool(db.get("StorageEncrypted")))
        for db in _pages(rds, "describe_db_instances", "DBInstances")
    ]
    stores += [
        StoredData(f"rds:cluster/{c['DBClusterIdentifier']}", bool(c.get("StorageEncrypted")))
        for c in _pages(rds, "describe_db_clusters", "DBClusters")
    ]
    return stores


# --- CloudWatch alarms -------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    name: str
    arn: str
    state: str
    actions_enabled: bool
    alarm_actions: tuple[str, ...]
    threshold: float | None
    comparison: str
    metrics: tuple[tuple[str, str], ...]  # (namespace, name) of every metric it reads
    dimensions: tuple[tuple[str, str], ...]  # of a single-metric alarm
    expression: str | None
    unit: str | None
    period_s: int | None
    evaluation_periods: int
    description: str

    @property
    def topics(self) -> list[str]:
        return [a for a in self.alarm_actions if a.startswith("arn:aws") and ":sns:" in a]

    @property
    def notifies(self) -> bool:
        """Enabled and with at least one SNS topic to tell."""
        return self.actions_enabled and bool(self.topics)

    @property
    def rising(self) -> bool:
        return self.comparison in ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold")

    @property
    def kinds(self) -> set[str]:
        found = kinds_of(*(name for _, name in self.metrics))
        if found & {"errors", "http-5xx"} and self.is_rate:
            found.add("error-rate")
        return found

    @property
    def is_rate(self) -> bool:
        """A ratio (metric math dividing metrics) or a metric in percent."""
        return bool(self.expression and "/" in self.expression) or self.unit == "Percent"

    def why_silent(self) -> str:
        if not self.alarm_actions:
            return "has no alarm actions: nothing is notified"
        if not self.actions_enabled:
            return "has its actions disabled: nothing is notified"
        return "has no SNS topic among its actions"

    def describe(self) -> str:
        op = {"GreaterThanOrEqualToThreshold": ">=", "GreaterThanThreshold": ">",
              "LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<="}.get(
                  self.comparison, self.comparison)  # fmt: skip
        metric = self.expression or ", ".join(f"{ns} {n}" for ns, n in self.metrics)
        return f"{self.name}: {metric} {op} {self.threshold}"


def _alarm(raw: dict[str, Any]) -> Alarm:
    metrics: list[tuple[str, str]] = []
    expression, period = None, raw.get("Period")
    if raw.get("MetricName"):
        metrics.append((str(raw.get("Namespace", "")), str(raw["MetricName"])))
    for query in raw.get("Metrics") or []:
        stat = query.get("MetricStat")
        if stat:
            metric = stat["Metric"]
            metrics.append((str(metric.get("Namespace", "")), str(metric["MetricName"])))
            period = period or stat.get("Period")
        if query.get("Expression") and query.get("ReturnData", True):
            expression = str(query["Expression"])
    threshold = raw.get("Threshold")
    return Alarm(
        name=raw["AlarmName"],
        arn=raw.get("AlarmArn", ""),
        state=raw.get("StateValue", ""),
        actions_enabled=bool(raw.get("ActionsEnabled", True)),
        alarm_actions=tuple(raw.get("AlarmActions") or ()),
        threshold=float(threshold) if threshold is not None else None,
        comparison=raw.get("ComparisonOperator", ""),
        metrics=tuple(metrics),
        dimensions=tuple((d["Name"], d["Value"]) for d in raw.get("Dimensions") or []),
        expression=expression,
        unit=raw.get("Unit"),
        period_s=int(period) if period else None,
        evaluation_periods=int(raw.get("EvaluationPeriods", 1)),
        description=raw.get("AlarmDescription", ""),
    )


def list_alarms(cw: Any) -> list[Alarm]:
    return [_alarm(raw) for raw in _pages(cw, "describe_alarms", "MetricAlarms",
                                          AlarmTypes=["MetricAlarm"])]  # fmt: skip


def error_rate_percent(alarm: Alarm) -> float | None:
    """The alarm's threshold as a percentage of requests, or None when it is not a rate.

    ``100 * errors / requests`` is in percent already; ``errors / requests`` is a fraction.
    """
    if alarm.threshold is None or "error-rate" not in alarm.kinds:
        return None
    if alarm.expression and not re.search(r"\b100(\.0*)?\s*\*|\*\s*100(\.0*)?\b", alarm.expression):
        return alarm.threshold * 100
    return alarm.threshold


def metric_peak(cw: Any, alarm: Alarm, start: dt.datetime, end: dt.datetime) -> float | None:
    """The highest period average of a single-metric alarm's metric in the window; None
    when the metric has no datapoints there (or the alarm is metric math)."""
    if alarm.expression or len(alarm.metrics) != 1:
        return None
    namespace, name = alarm.metrics[0]
    span = (end - start).total_seconds()
    # a multiple of 60 s, at least the alarm's period, at most 1440 datapoints per call
    period = 60 * max(math.ceil((alarm.period_s or 300) / 60), math.ceil(span / 1440 / 60))
    points = cw.get_metric_statistics(
        Namespace=namespace, MetricName=name,
        Dimensions=[{"Name": k, "Value": v} for k, v in alarm.dimensions],
        StartTime=start, EndTime=end, Period=period, Statistics=["Average"],
    ).get("Datapoints", [])  # fmt: skip
    return max((float(p["Average"]) for p in points), default=None)


def set_alarm_state(cw: Any, name: str, state: str, reason: str) -> None:
    cw.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)


def alarm_notification(alarm: Alarm, *, reason: str, old_state: str, region: str) -> str:
    """The JSON message CloudWatch publishes to an alarm's SNS topics on a state change."""
    account = alarm.arn.split(":")[4] if alarm.arn.count(":") >= 5 else ""
    namespace, metric = alarm.metrics[0] if alarm.metrics else ("", "")
    return json.dumps({
        "AlarmName": alarm.name,
        "AlarmDescription": alarm.description,
        "AWSAccountId": account,
        "AlarmConfigurationUpdatedTimestamp": None,
        "NewStateValue": "ALARM",
        "NewStateReason": reason,
        "StateChangeTime": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
        "Region": region,
        "AlarmArn": alarm.arn,
        "OldStateValue": old_state,
        "Trigger": {
            "MetricName": metric, "Namespace": namespace, "Period": alarm.period_s,
            "EvaluationPeriods": alarm.evaluation_periods,
            "ComparisonOperator": alarm.comparison, "Threshold": alarm.threshold,
        },
    })  # fmt: skip


def region_name(region: str) -> str:
    """``ap-northeast-1`` → ``Asia Pacific (Tokyo)``, as CloudWatch writes it in subjects."""
    import botocore.session

    for partition in botocore.session.get_session().get_data("endpoints")["partitions"]:
        described = partition.get("regions", {}).get(region, {}).get("description")
        if described:
            return str(described)
    return region


def publish_alarm_notification(sns: Any, alarm: Alarm, message: str, region: str) -> list[str]:
    """Publish ``message`` to each SNS topic of the alarm, as CloudWatch would; message ids."""
    subject = f'ALARM: "{alarm.name}" in {region_name(region)}'[:100]
    return [
        sns.publish(TopicArn=topic, Subject=subject, Message=message)["MessageId"]
        for topic in alarm.topics
    ]


def subscription_endpoints(sns: Any, topic_arn: str) -> list[tuple[str, str]]:
    """(protocol, endpoint) of each subscription of the topic."""
    return [
        (str(s.get("Protocol")), str(s.get("Endpoint")))
        for s in _pages(sns, "list_subscriptions_by_topic", "Subscriptions", TopicArn=topic_arn)
    ]


# --- CloudWatch Logs -----------------------------------------------------------------------


@dataclass(frozen=True)
class MetricFilter:
    name: str
    group: str
    pattern: str
    metrics: tuple[tuple[str, str, str], ...]  # (namespace, name, value)

    @property
    def kinds(self) -> set[str]:
        return kinds_of(self.pattern, *(m[1] for m in self.metrics))

    @property
    def extracts_value(self) -> bool:
        """A metric value read from the event (``$.latency_ms``), not a constant count."""
        return any(value.startswith("$") for _, _, value in self.metrics)

    def describe(self) -> str:
        emitted = ", ".join(f"{ns} {name}={value}" for ns, name, value in self.metrics)
        return f"{self.group} {self.name}: {self.pattern!r} -> {emitted or 'no metric'}"


@dataclass(frozen=True)
class LogGroup:
    name: str
    retention_days: int | None
    stored_bytes: int
    filters: tuple[MetricFilter, ...]

    @property
    def category(self) -> str:
        """application, system or security, by the words in its name."""
        low = self.name.lower()
        if any(w in low for w in ("secur", "audit", "auth", "cloudtrail", "secure")):
            return "security"
        if any(w in low for w in ("system", "syslog", "messages", "kern", "journal", "/os")):
            return "system"
        return "application"


def list_log_groups(logs: Any) -> list[LogGroup]:
    filters: dict[str, list[MetricFilter]] = {}
    for raw in _pages(logs, "describe_metric_filters", "metricFilters"):
        filters.setdefault(raw["logGroupName"], []).append(MetricFilter(
            name=raw["filterName"], group=raw["logGroupName"],
            pattern=raw.get("filterPattern", ""),
            metrics=tuple(
                (m.get("metricNamespace", ""), m.get("metricName", ""), m.get("metricValue", ""))
                for m in raw.get("metricTransformations", [])),
        ))  # fmt: skip
    return [
        LogGroup(
            name=raw["logGroupName"],
            retention_days=raw.get("retentionInDays"),
            stored_bytes=int(raw.get("storedBytes", 0)),
            filters=tuple(filters.get(raw["logGroupName"], [])),
        )
        for raw in _pages(logs, "describe_log_groups", "logGroups")
    ]


@dataclass(frozen=True)
class LogEvent:
    at: dt.datetime
    message: str
    stream: str

    @property
    def data(self) -> dict[str, Any] | None:
        """The event as JSON, when it is a JSON object."""
        text = self.message.strip()
        if not text.startswith("{"):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


@dataclass
class EventWindow:
    group: str
    start: dt.datetime
    end: dt.datetime
    events: list[LogEvent]
    truncated: bool  # more events than the cap: only the first ``len(events)`` were read


def read_events(
    logs: Any, group: str, start: dt.datetime, end: dt.datetime, *, cap: int = 100_000
) -> EventWindow:
    """Every event of ``group`` between ``start`` and ``end`` (oldest first), up to ``cap``."""
    events: list[LogEvent] = []
    kwargs: dict[str, Any] = {
        "logGroupName": group,
        "startTime": int(start.timestamp() * 1000),
        "endTime": int(end.timestamp() * 1000),
    }
    truncated = False
    while True:
        page = logs.filter_log_events(**kwargs)
        for raw in page.get("events", []):
            events.append(LogEvent(
                at=dt.datetime.fromtimestamp(raw["timestamp"] / 1000, dt.UTC),
                message=raw.get("message", ""), stream=raw.get("logStreamName", "")))  # fmt: skip
        token = page.get("nextToken")
        if len(events) >= cap:
            truncated = bool(token) or len(events) > cap
            events = events[:cap]
            break
        if not token or token == kwargs.get("nextToken"):
            break
        kwargs["nextToken"] = token
    events.sort(key=lambda e: e.at)
    return EventWindow(group, start, end, events, truncated)


CANARY_BOUND_S = 15.0  # CloudWatch Logs makes an event searchable within seconds
CANARY_POLL_S = 0.5


@dataclass(frozen=True)
class Canary:
    """A unique event golive wrote to a log group and looked for there: seen proves the
    source live (it takes events and gives them back); not written is not verified."""

    group: str
    token: str
    written: bool
    seen_after_s: float | None
    bound_s: float
    error: str | None = None  # why it could not be written (or read)

    @property
    def seen(self) -> bool:
        return self.seen_after_s is not None

    def describe(self) -> str:
        if not self.written:
            return f"{self.group}: golive could not write a canary event ({self.error})"
        if self.seen:
            return f"{self.group}: canary {self.token} seen after {self.seen_after_s} s"
        return (f"{self.group}: canary {self.token} was accepted but not seen within"
                f" {self.bound_s:g} s{f' ({self.error})' if self.error else ''}: the log"
                " source swallows events")  # fmt: skip


def write_canary(
    logs: Any, group: str, *, bound_s: float = CANARY_BOUND_S, poll_s: float = CANARY_POLL_S
) -> Canary:
    """Write one event carrying a unique token to a stream of golive's own in ``group``,
    then read the group (filter_log_events) until the token comes back or ``bound_s``
    passes; the stream is deleted afterwards."""
    token = f"golive-canary-{secrets.token_hex(8)}"
    stream = f"golive-canary/{token}"
    started = time.time()
    message = json.dumps({"event": "golive_canary", "token": token})
    try:
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=[
            {"timestamp": int(started * 1000), "message": message}])  # fmt: skip
    except ClientError as exc:
        return Canary(group, token, False, None, bound_s, f"{_code(exc)}")
    error: str | None = None
    try:
        while True:
            try:
                page = logs.filter_log_events(
                    logGroupName=group, logStreamNames=[stream],
                    startTime=int((started - 60) * 1000), endTime=int((time.time() + 60) * 1000),
                )  # fmt: skip
                if any(token in e.get("message", "") for e in page.get("events", [])):
                    return Canary(group, token, True, round(time.time() - started, 3), bound_s)
            except ClientError as exc:
                error = _code(exc)
            if time.time() - started > bound_s:
                return Canary(group, token, True, None, bound_s, error)
            time.sleep(poll_s)
    finally:
        # a group that refuses this keeps one small stream of golive's
        with contextlib.suppress(ClientError):
            logs.delete_log_stream(logGroupName=group, logStreamName=stream)


_ERROR_WORD = re.compile(r"\b(ERROR|FATAL|CRITICAL|Traceback|panic:)", re.IGNORECASE)
_ERROR_LEVELS = {"error", "fatal", "critical", "crit", "alert", "emerg"}


def is_error_line(event: LogEvent) -> bool:
    """An error-level line: JSON ``level``/``severity`` of error or worse, else the word."""
    data = event.data
    if data is not None:
        level = data.get("level", data.get("severity", data.get("levelname")))
        if level is not None:
            return str(level).lower() in _ERROR_LEVELS
    return bool(_ERROR_WORD.search(event.message))


def error_signature(event: LogEvent) -> str:
    """The error's kind, with numbers and ids blanked, for grouping."""
    data = event.data or {}
    parts = [str(data[k]) for k in ("error", "msg", "message", "path", "status") if k in data]
    text = " ".join(parts) if parts else event.message
    return re.sub(r"\d+", "N", text)[:160]


# --- security events ------------------------------------------------------------------------


@dataclass(frozen=True)
class SecurityEvent:
    kind: str  # auth-failure, unauthorized, config-change
    at: dt.datetime
    source: str | None  # client IP
    account: str | None  # the user or principal concerned
    actor: str | None = None  # who made a configuration change
    target: str | None = None
    change: str | None = None
    change_ref: str | None = None


_TEXT_FAILURE = re.compile(r"Failed password|Invalid user|authentication failure", re.I)
_TEXT_SOURCE = re.compile(r"(?:\bfrom|rhost=)\s*([0-9a-fA-F.:]+)")
_TEXT_ACCOUNT = re.compile(r"\bfor (?:invalid user )?(\S+)|\buser=(\S+)")
_TRAIL_CHANGE = re.compile(r"^(Put|Create|Delete|Update|Modify|Attach|Detach|Authorize|"
                           r"Revoke|Disable|Enable|Stop|Set|Remove|Add)")  # fmt: skip


def _is_ip(text: str | None) -> bool:
    try:
        ipaddress.ip_address(str(text))
    except ValueError:
        return False
    return True


def _trail_event(data: dict[str, Any], at: dt.datetime) -> SecurityEvent | None:
    """A CloudTrail record (trail delivered to CloudWatch Logs)."""
    name = str(data.get("eventName", ""))
    who = data.get("userIdentity") or {}
    actor = who.get("arn") or who.get("userName") if isinstance(who, dict) else None
    source = data.get("sourceIPAddress")
    if name == "ConsoleLogin":
        outcome = (data.get("responseElements") or {}).get("ConsoleLogin")
        if outcome == "Failure":
            return SecurityEvent("auth-failure", at, source, actor)
        return None
    if str(data.get("errorCode", "")).endswith(("AccessDenied", "UnauthorizedOperation")):
        return SecurityEvent("unauthorized", at, source, actor, target=name)
    if data.get("readOnly") is False or _TRAIL_CHANGE.match(name):
        return SecurityEvent("config-change", at, source, actor, actor=actor, target=name,
                             change=name)  # fmt: skip
    return None


def security_event(event: LogEvent) -> SecurityEvent | None:
    """Classify one security log line: the app's JSON events, CloudTrail, or sshd/PAM text."""
    data = event.data
    at = event.at
    if data is not None:
        if "eventName" in data and "eventSource" in data:
            return _trail_event(data, at)
        name = str(data.get("event", data.get("action", "")))
        kinds = kinds_of(name) & {"auth-failure", "unauthorized", "config-change"}
        if not kinds and data.get("status") in (401, 403):
            kinds = {"unauthorized"}
        if not kinds:
            return None
        kind = sorted(kinds)[0]
        source = data.get("ip") or data.get("source_ip") or data.get("client_ip")
        account = data.get("email") or data.get("user") or data.get("sub") or data.get("account")
        if kind == "config-change":
            actor = data.get("actor") or data.get("user") or data.get("email")
            return SecurityEvent(
                kind, at, source, account, actor=str(actor) if actor else None,
                target=data.get("target"), change=data.get("change"),
                change_ref=data.get("change_ref") or data.get("ticket") or data.get("change_id"),
            )  # fmt: skip
        return SecurityEvent(kind, at, str(source) if source else None,
                             str(account) if account else None)  # fmt: skip
    if _TEXT_FAILURE.search(event.message):
        source = _TEXT_SOURCE.search(event.message)
        account = _TEXT_ACCOUNT.search(event.message)
        return SecurityEvent(
            "auth-failure", at,
            source.group(1) if source and _is_ip(source.group(1)) else None,
            (account.group(1) or account.group(2)) if account else None,
        )  # fmt: skip
    return None


def peak_in_window(times: Iterable[dt.datetime], window_s: float) -> tuple[int, dt.datetime | None]:
    """The most events within any ``window_s`` seconds, and when that window started."""
    ordered = sorted(times)
    best, best_at, low = 0, None, 0
    for high, at in enumerate(ordered):
        while (at - ordered[low]).total_seconds() >= window_s:
            low += 1
        if high - low + 1 > best:
            best, best_at = high - low + 1, ordered[low]
    return best, best_at
