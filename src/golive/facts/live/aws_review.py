"""The AWS account reviewed as the weekly and daily routines read it: the backup bucket's
objects and policy, the web tier's capacity (Auto Scaling, load balancer), how well the
metric filters' patterns classify the log events, and CloudWatch dashboards, alarms and
custom metrics. Read-only; every function takes a boto3 client from the suite's
``aws_client`` fixture and returns facts (judged in :mod:`golive.rules.aws_account`).

Said plainly about moto: it has no ``TestMetricFilter`` and its metric filters emit
nothing, so :func:`pattern_matches` evaluates the filter pattern syntax itself (the JSON
and term subset; other patterns raise :class:`UnsupportedPattern`). What a filter *should*
match is decided independently of its pattern, by golive's own event classifiers
(:func:`expected_by`) over the filter's metric name.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from golive.facts.live.aws import LogEvent, MetricFilter, is_error_line, kinds_of, security_event

__all__ = [
    "BACKUP_PREFIX",
    "BackupObject",
    "BackupPolicy",
    "Dashboard",
    "FilterScore",
    "LoadBalancer",
    "MetricRef",
    "ScalingGroup",
    "TargetGroup",
    "UnsupportedPattern",
    "alarm_statistics",
    "backup_bucket",
    "backup_policy",
    "bucket_bytes",
    "custom_metrics",
    "expected_by",
    "list_backups",
    "list_dashboards",
    "list_load_balancers",
    "list_scaling_groups",
    "metric_has_data",
    "metric_kinds",
    "pattern_matches",
    "retention_gaps",
    "score_filter",
    "verify_backup",
]

BACKUP_PREFIX = "backups/"
RETENTION_TAG = "backup:retention-days"
BUDGET_TAG = "backup:budget-bytes"


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterator[Any]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


# --- backup bucket ----------------------------------------------------------------------


def backup_bucket(s3: Any) -> str | None:
    """The bucket whose name says backup (the first, by name), or None."""
    names = sorted(b["Name"] for b in s3.list_buckets().get("Buckets", []))
    return next((n for n in names if "backup" in n.lower()), None)


_STAMP = re.compile(r"(\d{8}T\d{6})(\d{0,6})Z")


def _stamp_time(text: str) -> dt.datetime | None:
    found = _STAMP.search(text)
    if not found:
        return None
    return dt.datetime.strptime(found.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class BackupObject:
    key: str
    size: int
    last_modified: dt.datetime
    manifest_key: str | None

    @property
    def created(self) -> dt.datetime:
        """When the backup was taken: the timestamp in its key, else its LastModified."""
        return _stamp_time(self.key.rsplit("/", 1)[-1]) or self.last_modified


def list_backups(s3: Any, bucket: str, prefix: str = BACKUP_PREFIX) -> list[BackupObject]:
    """Every backup object under ``prefix`` (manifests are attached, not listed), oldest first."""
    objects = list(_pages(s3, "list_objects_v2", "Contents", Bucket=bucket, Prefix=prefix))
    keys = {o["Key"] for o in objects}
    backups = []
    for obj in objects:
        key = str(obj["Key"])
        if key.endswith(".manifest.json") or key.endswith("/"):
            continue
        manifest = key.rsplit(".", 1)[0] + ".manifest.json"
        backups.append(BackupObject(key, int(obj.get("Size", 0)), obj["LastModified"],
                                    manifest if manifest in keys else None))  # fmt: skip
    return sorted(backups, key=lambda b: (b.created, b.key))


def verify_backup(s3: Any, bucket: str, backup: BackupObject) -> list[str]:
    """What is wrong with one backup: no manifest, size or SHA-256 differing from the
    manifest, a manifest without table row counts. Empty when it checks out."""
    if backup.manifest_key is None:
        return ["no manifest: its checksum and contents cannot be verified"]
    try:
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=backup.manifest_key)["Body"].read())
    except ValueError:
        return [f"manifest {backup.manifest_key} is not JSON"]
    problems = []
    if not isinstance(manifest, dict) or not manifest.get("sha256"):
        return [f"manifest {backup.manifest_key} has no sha256"]
    if "bytes" in manifest and int(manifest["bytes"]) != backup.size:
        problems.append(f"size {backup.size} bytes, manifest says {manifest['bytes']}")
    digest = hashlib.sha256()
    body = s3.get_object(Bucket=bucket, Key=backup.key)["Body"]
    for chunk in iter(lambda: body.read(1 << 20), b""):
        digest.update(chunk)
    body.close()
    if digest.hexdigest() != manifest["sha256"]:
        problems.append(f"SHA-256 {digest.hexdigest()[:12]}… differs from the manifest's "
                        f"{str(manifest['sha256'])[:12]}…")  # fmt: skip
    if not manifest.get("tables"):
        problems.append("manifest lists no table row counts: consistency cannot be checked")
    return problems


@dataclass(frozen=True)
class BackupPolicy:
    bucket: str
    retention_days: int | None  # declared (tag backup:retention-days)
    budget_bytes: int | None  # declared (tag backup:budget-bytes)
    expiration_days: int | None  # lifecycle rule covering the backup prefix
    lifecycle_rules: tuple[str, ...] = field(default=())


def _int_tag(tags: dict[str, str], key: str) -> int | None:
    try:
        return int(tags[key])
    except (KeyError, ValueError):
        return None


def backup_policy(s3: Any, bucket: str, prefix: str = BACKUP_PREFIX) -> BackupPolicy:
    try:
        tag_set = s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except ClientError as exc:
        if _code(exc) != "NoSuchTagSet":
            raise
        tag_set = []
    tags = {t["Key"]: t["Value"] for t in tag_set}
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket).get("Rules", [])
    except ClientError as exc:
        if _code(exc) != "NoSuchLifecycleConfiguration":
            raise
        rules = []
    expiration = None
    described = []
    for rule in rules:
        rule_prefix = (rule.get("Filter") or {}).get("Prefix", rule.get("Prefix", ""))
        days = (rule.get("Expiration") or {}).get("Days")
        described.append(f"{rule.get('ID', '?')}: {rule.get('Status')} prefix={rule_prefix!r} "
                         f"expire after {days} days")  # fmt: skip
        if rule.get("Status") == "Enabled" and prefix.startswith(rule_prefix) and days:
            expiration = int(days) if expiration is None else min(expiration, int(days))
    return BackupPolicy(bucket, _int_tag(tags, RETENTION_TAG), _int_tag(tags, BUDGET_TAG),
                        expiration, tuple(described))  # fmt: skip


def bucket_bytes(s3: Any, bucket: str) -> tuple[int, int]:
    """Bytes stored: (current versions, noncurrent versions)."""
    current = noncurrent = 0
    for version in _pages(s3, "list_object_versions", "Versions", Bucket=bucket):
        if version.get("IsLatest", True):
            current += int(version.get("Size", 0))
        else:
            noncurrent += int(version.get("Size", 0))
    return current, noncurrent


def retention_gaps(times: list[dt.datetime], days: int, now: dt.datetime) -> list[int]:
    """Which of the last ``days`` 24-hour windows (0 = the last 24 h) hold no backup."""
    ages = {int((now - t).total_seconds() // 86400) for t in times if t <= now}
    return [day for day in range(days) if day not in ages]


# --- capacity: Auto Scaling and load balancing -------------------------------------------


@dataclass(frozen=True)
class ScalingGroup:
    name: str
    min_size: int
    max_size: int
    desired: int
    zones: tuple[str, ...]
    policies: tuple[str, ...]  # "name (type)"

    def describe(self) -> str:
        return (
            f"{self.name}: min {self.min_size} / desired {self.desired} / max "
            f"{self.max_size}, zones {list(self.zones)}, policies {list(self.policies)}"
        )


def list_scaling_groups(autoscaling: Any) -> list[ScalingGroup]:
    policies: dict[str, list[str]] = {}
    for raw in _pages(autoscaling, "describe_policies", "ScalingPolicies"):
        policies.setdefault(raw["AutoScalingGroupName"], []).append(
            f"{raw['PolicyName']} ({raw.get('PolicyType', 'SimpleScaling')})"
        )
    return [
        ScalingGroup(
            name=raw["AutoScalingGroupName"],
            min_size=int(raw["MinSize"]),
            max_size=int(raw["MaxSize"]),
            desired=int(raw["DesiredCapacity"]),
            zones=tuple(sorted(raw.get("AvailabilityZones", []))),
            policies=tuple(policies.get(raw["AutoScalingGroupName"], [])),
        )
        for raw in _pages(autoscaling, "describe_auto_scaling_groups", "AutoScalingGroups")
    ]


@dataclass(frozen=True)
class TargetGroup:
    name: str
    health_check: bool
    protocol: str  # the health check's protocol (HTTP, HTTPS, TCP, ...)
    path: str | None
    eject_after_s: int | None  # interval x unhealthy count: how long a dead target stays

    def as_dict(self) -> dict[str, Any]:
        return {"target_group": self.name, "enabled": self.health_check, "path": self.path,
                "eject_after_s": self.eject_after_s}  # fmt: skip


@dataclass(frozen=True)
class LoadBalancer:
    name: str
    type: str | None
    zones: tuple[str, ...]
    cross_zone: bool | None  # network load balancers only; None for the other types
    target_groups: tuple[TargetGroup, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "zones": list(self.zones),
                "targets": [tg.as_dict() for tg in self.target_groups]}  # fmt: skip


def _target_group(raw: dict[str, Any]) -> TargetGroup:
    enabled = bool(raw.get("HealthCheckEnabled", True))
    interval = raw.get("HealthCheckIntervalSeconds")
    unhealthy = raw.get("UnhealthyThresholdCount")
    return TargetGroup(
        name=raw["TargetGroupName"],
        health_check=enabled,
        protocol=str(raw.get("HealthCheckProtocol", "")),
        path=raw.get("HealthCheckPath"),
        eject_after_s=interval * unhealthy if enabled and interval and unhealthy else None,
    )


def list_load_balancers(elbv2: Any) -> list[LoadBalancer]:
    """Every ELBv2 load balancer: its zones, cross-zone setting (network load balancers)
    and the health checks of the target groups it forwards to."""
    found = []
    for lb in _pages(elbv2, "describe_load_balancers", "LoadBalancers"):
        arn = lb["LoadBalancerArn"]
        cross_zone = None
        if lb.get("Type") == "network":
            attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(
                LoadBalancerArn=arn).get("Attributes", [])}  # fmt: skip
            cross_zone = attributes.get("load_balancing.cross_zone.enabled") == "true"
        groups = elbv2.describe_target_groups(LoadBalancerArn=arn).get("TargetGroups", [])
        found.append(
            LoadBalancer(
                name=lb["LoadBalancerName"],
                type=lb.get("Type"),
                zones=tuple(sorted({z["ZoneName"] for z in lb.get("AvailabilityZones", [])})),
                cross_zone=cross_zone,
                target_groups=tuple(_target_group(tg) for tg in groups),
            )
        )
    return found


# --- metric filter patterns --------------------------------------------------------------


class UnsupportedPattern(ValueError):
    """A filter pattern outside the subset golive evaluates (space-delimited, regex, ...)."""


_JSON_TOKEN = re.compile(
    r"\s*(?:(?P<op>&&|\|\||!=|<=|>=|=|<|>)|(?P<paren>[()])|(?P<sel>\$[\w.\[\]*-]*)"
    r"|(?P<str>\"(?:[^\"\\]|\\.)*\")|(?P<word>[^\s()&|=!<>]+))"
)


def _select(data: Any, selector: str) -> tuple[bool, Any]:
    parts = re.findall(r"\.([\w-]+)|\[(\d+)\]", selector[1:])
    value = data
    for name, index in parts:
        if name:
            if not isinstance(value, dict) or name not in value:
                return False, None
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return False, None
            value = value[int(index)]
    return True, value


def _compare(found: bool, value: Any, op: str, literal: str) -> bool:
    if literal == "*":
        return found if op == "=" else not found
    if not found:
        return False
    if literal.startswith('"'):
        text = json.loads(literal)
        if not isinstance(value, str):
            return False
        regex = "^" + ".*".join(re.escape(part) for part in text.split("*")) + "$"
        hit = re.match(regex, value, re.DOTALL) is not None
        return hit if op == "=" else not hit if op == "!=" else _bad(literal)
    try:
        number = float(literal)
    except ValueError:
        if literal in ("TRUE", "FALSE", "NULL", "true", "false", "null"):
            wanted = {"true": True, "false": False, "null": None}[literal.lower()]
            return (value is wanted) == (op == "=")
        text = literal  # a bare word compares as a string
        hit = isinstance(value, str) and value == text
        return hit if op == "=" else not hit
    if isinstance(value, bool) or not isinstance(value, int | float):
        return op == "!="
    return {"=": value == number, "!=": value != number, "<": value < number,
            "<=": value <= number, ">": value > number, ">=": value >= number}[op]  # fmt: skip


def _bad(literal: str) -> bool:
    raise UnsupportedPattern(f"string comparison other than = or != ({literal})")


def _json_pattern(pattern: str) -> Callable[[Any], bool]:
    body = pattern.strip()[1:-1]
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        m = _JSON_TOKEN.match(body, pos)
        if not m or m.end() == pos:
            raise UnsupportedPattern(f"cannot read {body[pos:]!r}")
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    at = 0

    def peek() -> tuple[str, str]:
        return tokens[at] if at < len(tokens) else ("end", "")

    def take() -> tuple[str, str]:
        nonlocal at
        at += 1
        return tokens[at - 1] if at - 1 < len(tokens) else ("end", "")

    def term() -> Callable[[Any], bool]:
        kind, text = take()
        if (kind, text) == ("paren", "("):
            inner = expr()
            if take() != ("paren", ")"):
                raise UnsupportedPattern("unbalanced parentheses")
            return inner
        if kind != "sel":
            raise UnsupportedPattern(f"expected a $.selector, got {text!r}")
        op_kind, op = take()
        lit_kind, literal = take()
        if op_kind != "op" or op in ("&&", "||") or lit_kind not in ("str", "word"):
            raise UnsupportedPattern(f"unsupported comparison after {text}")
        return lambda data: _compare(*_select(data, text), op, literal)

    def conj() -> Callable[[Any], bool]:
        parts = [term()]
        while peek() == ("op", "&&"):
            take()
            parts.append(term())
        return lambda data: all(p(data) for p in parts)

    def expr() -> Callable[[Any], bool]:
        parts = [conj()]
        while peek() == ("op", "||"):
            take()
            parts.append(conj())
        return lambda data: any(p(data) for p in parts)

    matcher = expr()
    if at != len(tokens):
        raise UnsupportedPattern(f"unexpected {tokens[at][1]!r}")
    return matcher


def _term_pattern(pattern: str) -> Callable[[str], bool]:
    terms = re.findall(r'-?\??"(?:[^"\\]|\\.)*"|\S+', pattern)
    either: list[str] = []
    every: list[str] = []
    never: list[str] = []
    for raw in terms:
        target = either if raw.startswith("?") else never if raw.startswith("-") else every
        word = raw.lstrip("?-")
        target.append(json.loads(word) if word.startswith('"') else word)
    if either and (every or never):
        raise UnsupportedPattern("?term mixed with plain terms")
    if either:
        return lambda message: any(w in message for w in either)

    def match(message: str) -> bool:
        return all(w in message for w in every) and not any(w in message for w in never)

    return match


def pattern_matches(pattern: str) -> Callable[[LogEvent], bool]:
    """A predicate telling whether CloudWatch Logs would match an event with ``pattern``
    (JSON ``{ $.x = "v" && $.n >= 5 }`` and term ``?A ?B`` / ``A -B`` patterns;
    case-sensitive, as CloudWatch is). Raises :class:`UnsupportedPattern` otherwise."""
    text = pattern.strip()
    if text.startswith("{") and text.endswith("}"):
        json_match = _json_pattern(text)
        return lambda event: event.data is not None and json_match(event.data)
    if text.startswith("[") or text.startswith("%"):
        raise UnsupportedPattern(f"space-delimited or regex pattern {pattern!r}")
    term_match = _term_pattern(text)
    return lambda event: term_match(event.message)


_ORACLE_ORDER = ("http-5xx", "latency", "auth-failure", "unauthorized", "config-change", "errors")


def _has_latency(event: LogEvent) -> bool:
    data = event.data or {}
    return any("latency" in kinds_of(k) and isinstance(v, int | float) and not isinstance(v, bool)
               for k, v in data.items())  # fmt: skip


def _is_5xx(event: LogEvent) -> bool:
    status = (event.data or {}).get("status")
    return isinstance(status, int) and 500 <= status <= 599


def _security(kind: str) -> Callable[[LogEvent], bool]:
    def check(event: LogEvent) -> bool:
        found = security_event(event)
        return found is not None and found.kind == kind

    return check


_ORACLES: dict[str, Callable[[LogEvent], bool]] = {
    "http-5xx": _is_5xx,
    "latency": _has_latency,
    "auth-failure": _security("auth-failure"),
    "unauthorized": _security("unauthorized"),
    "config-change": _security("config-change"),
    "errors": is_error_line,
}


def expected_by(metric_filter: MetricFilter) -> tuple[str, Callable[[LogEvent], bool]] | None:
    """What the filter is meant to count, judged by its metric name (not its pattern),
    and golive's classifier for such events; None when its metric names no known kind."""
    kinds = kinds_of(*(name for _, name, _ in metric_filter.metrics))
    for kind in _ORACLE_ORDER:
        if kind in kinds:
            return kind, _ORACLES[kind]
    return None


@dataclass(frozen=True)
class FilterScore:
    filter: str
    kind: str
    events: int
    expected: int  # events golive classifies as the filter's kind
    matched: int  # events the pattern matches
    hits: int  # matched and expected
    false_matches: int  # matched, not expected

    @property
    def missed(self) -> int:
        return self.expected - self.hits


def score_filter(metric_filter: MetricFilter, events: list[LogEvent]) -> FilterScore | None:
    """The filter's pattern against ``events``, compared with golive's classification."""
    oracle = expected_by(metric_filter)
    if oracle is None:
        return None
    kind, expected = oracle
    matches = pattern_matches(metric_filter.pattern)
    hits = false = want = got = 0
    for event in events:
        is_expected, is_matched = expected(event), matches(event)
        want += is_expected
        got += is_matched
        hits += is_expected and is_matched
        false += is_matched and not is_expected
    return FilterScore(f"{metric_filter.group} {metric_filter.name}", kind, len(events), want,
                       got, hits, false)  # fmt: skip


# --- CloudWatch dashboards and metrics ---------------------------------------------------


@dataclass(frozen=True)
class MetricRef:
    namespace: str
    name: str
    dimensions: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        dims = ",".join(f"{k}={v}" for k, v in self.dimensions)
        return f"{self.namespace} {self.name}" + (f" [{dims}]" if dims else "")


@dataclass(frozen=True)
class Widget:
    title: str
    stat: str
    metrics: tuple[MetricRef, ...]


@dataclass(frozen=True)
class Dashboard:
    name: str
    widgets: tuple[Widget, ...]

    @property
    def metrics(self) -> set[MetricRef]:
        return {m for w in self.widgets for m in w.metrics}


def _widget_metrics(rows: list[Any]) -> tuple[MetricRef, ...]:
    """CloudWatch's ``[ns, name, dim, value, ..., {options}]`` rows; ``"."`` repeats the
    previous row's entry."""
    refs: list[MetricRef] = []
    previous: list[str] = []
    for row in rows:
        parts = [p for p in row if isinstance(p, str)]
        parts = [previous[i] if p == "." and i < len(previous) else p
                 for i, p in enumerate(parts)]  # fmt: skip
        previous = parts
        if len(parts) >= 2:
            dims = tuple(zip(parts[2::2], parts[3::2], strict=False))
            refs.append(MetricRef(parts[0], parts[1], dims))
    return tuple(refs)


def list_dashboards(cw: Any) -> list[Dashboard]:
    boards = []
    for entry in _pages(cw, "list_dashboards", "DashboardEntries"):
        body = json.loads(cw.get_dashboard(DashboardName=entry["DashboardName"])["DashboardBody"])
        widgets = []
        for raw in body.get("widgets", []):
            props = raw.get("properties", {})
            if raw.get("type") != "metric":
                continue
            widgets.append(Widget(str(props.get("title", "")), str(props.get("stat", "")),
                                  _widget_metrics(props.get("metrics", []))))  # fmt: skip
        boards.append(Dashboard(entry["DashboardName"], tuple(widgets)))
    return boards


def metric_has_data(cw: Any, metric: MetricRef, start: dt.datetime, end: dt.datetime) -> int:
    """How many datapoints (hourly sample counts) the metric has in the window."""
    response = cw.get_metric_statistics(
        Namespace=metric.namespace, MetricName=metric.name,
        Dimensions=[{"Name": k, "Value": v} for k, v in metric.dimensions],
        StartTime=start, EndTime=end, Period=3600, Statistics=["SampleCount"],
    )  # fmt: skip
    return int(sum(p.get("SampleCount", 0) for p in response.get("Datapoints", [])))


def custom_metrics(cw: Any) -> list[MetricRef]:
    """Every metric outside the ``AWS/`` namespaces (what the team publishes itself)."""
    refs = {
        MetricRef(raw["Namespace"], raw["MetricName"],
                  tuple((d["Name"], d["Value"]) for d in raw.get("Dimensions", [])))
        for raw in _pages(cw, "list_metrics", "Metrics")
        if not str(raw.get("Namespace", "")).startswith("AWS/")
    }  # fmt: skip
    return sorted(refs, key=lambda m: (m.namespace, m.name, m.dimensions))


# Kinds a metric's name says it measures: golive.facts.live.aws.KINDS plus disk, throughput
# and queue saturation, which the dashboards and the capacity review need.
_EXTRA_KINDS: dict[str, tuple[str, ...]] = {
    "disk": ("disk", "filesystem", "volumeused"),
    "throughput": ("requestcount", "throughput", "requestspersecond", "rps"),
    "queue": ("backlog", "queuedepth", "queuelength"),
}


def metric_kinds(name: str) -> set[str]:
    low = re.sub(r"[^a-z0-9]", "", name.lower())
    found = kinds_of(name)
    found |= {kind for kind, words in _EXTRA_KINDS.items() if any(w in low for w in words)}
    return found


def alarm_statistics(cw: Any) -> dict[str, str]:
    """Each metric alarm's statistic (``Average``, ``p95``...; ``math`` for metric math)."""
    return {
        raw["AlarmName"]: str(raw.get("ExtendedStatistic") or raw.get("Statistic") or "math")
        for raw in _pages(cw, "describe_alarms", "MetricAlarms", AlarmTypes=["MetricAlarm"])
    }
