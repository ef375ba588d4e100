"""AWS CloudWatch configuration as code: agent, log groups, retention, filters, alarms.

The plan's deliverables are cloudwatch-agent.json (the CloudWatch agent's own schema),
log-config.json, retention-policy.json, alarm-definitions.yml (PutMetricAlarm keys),
notification-rules.yml and response-procedures.md; metric filters are read from
metric-filters.json (PutMetricFilter keys) or a ``metric_filters`` list in log-config.json.

Shapes read beyond AWS's own schemas:

- log-config.json: ``{log_groups: [{name, category, ...}]}``
- retention-policy.json: ``{log_groups: [{name, retention_in_days}]}`` (or ``{name: days}``)
- alarm-definitions.yml: ``{alarms: [PutMetricAlarm arguments]}``; the ``severity`` tag
  selects the route in notification-rules.yml
- notification-rules.yml: ``{topics: [{name, arn, subscriptions: [{protocol, endpoint}]}],
  routing: {severity: topic}}``
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.catalog import Threshold
from golive.facts.repo.cloudwatch_defs import (
    ALARM_FILES,
    FILTER_FILES,
    Definitions,
    Item,
    Unresolved,
    alarm_definitions,
    log_group_definitions,
    metric_filter_definitions,
    retention_definitions,
)
from golive.facts.repo.discover import find_deliverable
from golive.facts.repo.structured import Document, Located, headings, line_of, load_deliverable
from golive.judging.findings import Finding

__all__ = [
    "ALARM_CATEGORIES",
    "FILTER_CATEGORIES",
    "LOG_CATEGORIES",
    "RETENTION_DAYS",
    "CollectedLog",
    "MetricFilter",
    "agent_config_findings",
    "alarm_category_findings",
    "alarm_definitions_findings",
    "alarms_examined",
    "collected_logs",
    "definition_sources",
    "log_category_findings",
    "log_config_findings",
    "metric_filter_findings",
    "metric_filters",
    "notification_rules_findings",
    "response_procedures_findings",
    "retention_findings",
]

AGENT = ("cloudwatch-agent.json",)
LOG_CONFIG = ("log-config.json",)
RETENTION = ("retention-policy.json",)
METRIC_FILTERS = FILTER_FILES
ALARMS = ALARM_FILES
NOTIFICATION_RULES = ("notification-rules.yml", "notification-rules.yaml")
RESPONSE_PROCEDURES = ("response-procedures.md",)

# AWS facts
RETENTION_DAYS = frozenset({
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
    2557, 2922, 3288, 3653,
})
LOG_GROUP_NAME = re.compile(r"^[.\-_/#A-Za-z0-9]{1,512}$")
COMPARISONS = frozenset({
    "GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold",
    "LessThanOrEqualToThreshold", "LessThanLowerOrGreaterThanUpperThreshold",
    "LessThanLowerThreshold", "GreaterThanUpperThreshold",
})
STATISTICS = frozenset({"SampleCount", "Average", "Sum", "Minimum", "Maximum"})
MISSING_DATA = frozenset({"breaching", "notBreaching", "ignore", "missing"})
SNS_PROTOCOLS = frozenset({
    "email", "email-json", "http", "https", "sms", "sqs", "lambda", "firehose", "application",
})
SNS_ARN = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:([A-Za-z0-9_-]{1,256})$")
FILTER_PATTERN_MAX = 1024
LOG_CATEGORIES: dict[str, tuple[str, ...]] = {
    # keywords in the log group name or file path; anything else counts as application
    "security": ("secure", "auth.log", "audit", "security"),
    "system": ("/var/log/messages", "syslog", "kern.log", "cloud-init", "dmesg", "/system",
               "journal"),
    "application": (),
}
FILTER_CATEGORIES: dict[str, tuple[str, ...]] = {
    "errors": ("error", "fatal", "exception", "5xx"),
    "performance": ("latency", "duration", "responsetime", "response-time", "slow"),
    "security": ("auth", "login", "sudo", "ssh", "security", "unauthori", "denied",
                 "forbidden", "intrusion"),
}
ALARM_CATEGORIES: dict[str, tuple[str, ...]] = {
    "cpu": ("cpu",),
    "memory": ("mem",),
    "error-rate": ("error", "5xx"),
    "latency": ("latency", "duration", "responsetime", "response_time"),
}


def _clean_group(name: str) -> str:
    return re.sub(r"\{[^}]*\}", "x", name)  # agent placeholders such as {instance_id}


# --- cloudwatch-agent.json -----------------------------------------------------------


@dataclass(frozen=True)
class CollectedLog:
    file_path: str | None
    log_group: str | None
    category: str
    line: int | None


def _categorize(text: str) -> str:
    low = text.lower()
    for category, words in LOG_CATEGORIES.items():
        if any(word in low for word in words):
            return category
    return "application"


def _collect_entries(data: Any) -> Iterator[tuple[Any, str]]:
    logs = data.get("logs") if isinstance(data, dict) else None
    collected = logs.get("logs_collected") if isinstance(logs, dict) else None
    if not isinstance(collected, dict):
        return
    files = collected.get("files")
    for entry in files.get("collect_list") or [] if isinstance(files, dict) else []:
        yield entry, "files"
    events = collected.get("windows_events")
    for entry in events.get("collect_list") or [] if isinstance(events, dict) else []:
        yield entry, "windows_events"


def collected_logs(repo: Path) -> tuple[Document | None, list[CollectedLog], list[Finding]]:
    """The log sources cloudwatch-agent.json ships, each with its category."""
    doc = load_deliverable(repo, *AGENT)
    if isinstance(doc, Finding):
        return None, [], [doc]
    logs: list[CollectedLog] = []
    for entry, kind in _collect_entries(doc.data):
        if not isinstance(entry, dict):
            continue
        group = entry.get("log_group_name")
        if kind == "windows_events":
            source = str(entry.get("event_name", ""))
            category = {"security": "security", "system": "system"}.get(
                source.lower(), "application")
        else:
            source = str(entry.get("file_path", ""))
            category = _categorize(f"{group or ''} {source}")
        logs.append(CollectedLog(
            source or None, str(group) if group else None, category, line_of(entry)))
    return doc, logs, []


def log_category_findings(repo: Path, category: str) -> list[Finding]:
    """cloudwatch-agent.json ships at least one ``category`` log (file and log group set)."""
    doc, logs, found = collected_logs(repo)
    if doc is None:
        return found
    shipped = [log for log in logs if log.category == category and log.file_path and log.log_group]
    if shipped:
        return []
    broken = [log for log in logs if log.category == category]
    if broken:
        return [Finding(doc.shown, log.line,
                        f"{category} log entry is not collected: it needs both file_path and "
                        "log_group_name") for log in broken]
    return [Finding(doc.shown, line_of(doc.data),
                    f"no {category} log is collected (logs.logs_collected has no {category} "
                    "log file)")]


def _measurement_names(section: str, spec: Any) -> Iterator[str]:
    for item in spec.get("measurement") or [] if isinstance(spec, dict) else []:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str):
            yield name if name.startswith(f"{section}_") else f"{section}_{name}"


def _agent_metrics(data: Any) -> tuple[str, set[str]]:
    metrics = data.get("metrics") if isinstance(data, dict) else None
    if not isinstance(metrics, dict):
        return "CWAgent", set()
    namespace = str(metrics.get("namespace", "CWAgent"))
    collected = metrics.get("metrics_collected")
    names: set[str] = set()
    for section, spec in collected.items() if isinstance(collected, dict) else []:
        names.update(_measurement_names(section, spec))
    return namespace, names


def _collect_entry_findings(doc: Document, entry: dict[str, Any], kind: str) -> list[Finding]:
    """One collect_list entry: a source, a valid log group, a retention CloudWatch accepts."""
    found = []
    source_key = "file_path" if kind == "files" else "event_name"
    for key in (source_key, "log_group_name"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            found.append(doc.finding(f"collect_list entry has no {key}", entry))
    group = entry.get("log_group_name")
    if isinstance(group, str) and group and not LOG_GROUP_NAME.match(_clean_group(group)):
        found.append(doc.finding(f"log group name {group!r} is not valid", entry,
                                 "log_group_name"))
    days = entry.get("retention_in_days")
    if days is not None and days != -1 and days not in RETENTION_DAYS:
        found.append(doc.finding(
            f"retention_in_days {days!r} is not a value CloudWatch accepts", entry,
            "retention_in_days"))
    return found


def agent_config_findings(repo: Path) -> list[Finding]:
    """cloudwatch-agent.json parses; every log entry is complete with a valid group name;
    every agent metric an alarm watches is collected."""
    doc = load_deliverable(repo, *AGENT)
    if isinstance(doc, Finding):
        return [doc]
    data = doc.data
    if not isinstance(data, Located):
        return [doc.finding("expected a JSON object at the top level")]
    found: list[Finding] = []
    agent = data.get("agent")
    if isinstance(agent, dict) and "metrics_collection_interval" in agent:
        interval = agent["metrics_collection_interval"]
        if not isinstance(interval, int) or isinstance(interval, bool) or interval <= 0:
            found.append(doc.finding(
                f"agent.metrics_collection_interval {interval!r} is not a positive number of "
                "seconds", agent, "metrics_collection_interval"))
    entries = list(_collect_entries(data))
    if not entries:
        found.append(doc.finding(
            "logs.logs_collected has no collect_list entry: no log reaches CloudWatch", data))
    for entry, kind in entries:
        if not isinstance(entry, dict):
            found.append(doc.finding(f"collect_list entry is not an object: {entry!r}"))
            continue
        found += _collect_entry_findings(doc, entry, kind)
    namespace, collected = _agent_metrics(data)
    for alarm, metric_namespace, metric in _alarm_metrics(repo):
        if metric_namespace == namespace and metric not in collected:
            found.append(doc.finding(
                f"alarm {alarm} watches {namespace}/{metric}, which the agent does not collect "
                "(metrics.metrics_collected)", data.get("metrics") or data))
    return found


# --- log-config.json -----------------------------------------------------------------


def _declared_groups(repo: Path) -> tuple[Definitions, dict[str, Item]]:
    """The log groups the repository declares (log-config.json, templates, Terraform)."""
    defs = log_group_definitions(repo)
    declared = {str(g["name"]): g for g in defs.items if isinstance(g.get("name"), str)}
    return defs, declared


def _early(defs: Definitions) -> list[Finding] | None:
    """Findings that end a check before judging (the file is missing or unreadable); a file
    in no known shape ends it as not verified."""
    if defs.missing is not None:
        return [defs.missing]
    if not defs.items and not defs.composites:
        if defs.problems:
            return list(defs.problems)
        if defs.unrecognised:
            raise NotVerified(defs.unrecognised_reason)
    return None


def _deploy_time(what: str, values: list[str]) -> str:
    shown = "; ".join(values[:5]) + (f"; … and {len(values) - 5} more" if len(values) > 5 else "")
    return f"not examinable, {what} set only at deploy time: {shown}"


def _anchor(defs: Definitions, key: str, message: str) -> Finding:
    """A finding about the whole definition (the first file read, at ``key`` when known)."""
    if defs.plan_doc is not None:
        return Finding(defs.plan_doc.shown, line_of(defs.plan_doc.data, key), message)
    file = defs.sources[0].file if defs.sources else (defs.items[0].file if defs.items else "")
    return Finding(file, None, message)


def _used_groups(repo: Path) -> dict[str, str]:
    """Log groups the agent writes and the metric filters read → where each is named."""
    used: dict[str, str] = {}
    _, logs, _ = collected_logs(repo)
    agent = find_deliverable(repo, *AGENT)
    for log in logs:
        if log.log_group:
            used.setdefault(log.log_group, f"cloudwatch-agent.json line {log.line}"
                            if agent else "cloudwatch-agent.json")
    filters, _ = metric_filters(repo)
    for flt in filters:
        if flt.log_group:
            used.setdefault(flt.log_group, f"metric filter {flt.name}")
    return used


def log_config_findings(repo: Path) -> list[Finding]:
    """log-config.json (or the log groups of templates / Terraform) parses; log groups are
    valid, unique, categorized, and every group the agent writes or a filter reads is
    declared."""
    defs, declared = _declared_groups(repo)
    early = _early(defs)
    if early is not None:
        return early
    found = list(defs.problems)
    seen: set[str] = set()
    for group in defs.items:
        name = group.get("name")
        if isinstance(name, Unresolved):
            continue  # named at deploy time: nothing to judge
        if not isinstance(name, str) or not LOG_GROUP_NAME.match(name):
            found.append(group.finding(
                f"log group name {name!r} is not valid (1-512 of letters, digits, . - _ / #)"))
        elif name in seen:
            found.append(group.finding(f"log group {name} is declared twice"))
        seen.add(str(name))
        # golive's shape names the category; other formats leave it to the group's name
        if "category" in group and group.get("category") not in LOG_CATEGORIES:
            found.append(group.finding(
                f"log group {name}: category {group.get('category')!r} is not one of "
                f"{', '.join(LOG_CATEGORIES)}"))
    undecided = [str(g["name"]) for g in defs.items if isinstance(g.get("name"), Unresolved)]
    if undecided:
        # a group named at deploy time may be the one used: nothing more to judge
        if not found:
            raise NotVerified(_deploy_time("log group names", undecided))
        return found
    for name, where in sorted(_used_groups(repo).items()):
        if name not in declared:
            found.append(_anchor(
                defs, "log_groups", f"log group {name} ({where}) is not declared in log_groups"))
    return found


# --- retention-policy.json -----------------------------------------------------------


def retention_findings(repo: Path) -> list[Finding]:
    """Every log group named in the configs has a retention CloudWatch accepts."""
    defs = retention_definitions(repo)
    early = _early(defs)
    if early is not None:
        return early
    found = list(defs.problems)
    policy: dict[str, tuple[object, Item]] = {}
    for item in defs.items:
        if isinstance(item.get("name"), str):
            policy[item["name"]] = (item.get("retention_in_days"), item)
    undecided = [f"{i.get('name')}" for i in defs.items if not isinstance(i.get("name"), str)]
    for name, (days, where) in policy.items():
        if isinstance(days, Unresolved):
            undecided.append(f"{name} ({days})")
            continue
        if days is None and defs.plan_doc is None:
            found.append(where.finding(
                f"log group {name} has no retention: CloudWatch keeps it forever"))
        elif isinstance(days, bool) or days not in RETENTION_DAYS:
            found.append(where.finding(
                f"{name}: retention_in_days {days!r} is not a value CloudWatch accepts "
                f"({', '.join(map(str, sorted(RETENTION_DAYS)))})"))
    if undecided and not found:
        raise NotVerified(_deploy_time("log group retention", undecided))
    if undecided:
        return found  # a group named at deploy time may be the one used
    named = set(_used_groups(repo))
    _, declared = _declared_groups(repo)
    named.update(declared)
    agent_retention = {
        log.log_group for log, days in _agent_retentions(repo) if days is not None
    }
    for name in sorted(named):
        if name not in policy and name not in agent_retention:
            found.append(_anchor(
                defs, "log_groups",
                f"log group {name} has no retention: CloudWatch keeps it forever"))
    return found


def _agent_retentions(repo: Path) -> Iterator[tuple[CollectedLog, object]]:
    doc, logs, _ = collected_logs(repo)
    if doc is None:
        return
    entries = [e for e, _ in _collect_entries(doc.data) if isinstance(e, dict)]
    for log, entry in zip(logs, entries, strict=False):
        yield log, entry.get("retention_in_days")


# --- metric filters ------------------------------------------------------------------


@dataclass(frozen=True)
class MetricFilter:
    name: str
    log_group: str | None
    pattern: str | None
    transformations: tuple[Any, ...]
    file: str
    line: int | None
    unresolved: frozenset[str] = frozenset()  # fields set only at deploy time

    def finding(self, message: str) -> Finding:
        return Finding(self.file, self.line, f"metric filter {self.name}: {message}")

    @property
    def metrics(self) -> list[tuple[str, str]]:
        return [
            (str(t.get("metricNamespace")), str(t.get("metricName")))
            for t in self.transformations if isinstance(t, dict)
        ]


def _filter_definitions(repo: Path) -> tuple[Definitions, list[MetricFilter]]:
    defs = metric_filter_definitions(repo)
    filters = []
    for entry in defs.items:
        transformations = entry.get("metricTransformations")
        group, pattern = entry.get("logGroupName"), entry.get("filterPattern")
        filters.append(MetricFilter(
            name=str(entry.get("filterName") or "(unnamed)"),
            log_group=group if isinstance(group, str) else None,
            pattern=pattern if isinstance(pattern, str) else None,
            transformations=tuple(transformations) if isinstance(transformations, list) else (),
            file=entry.file,
            line=entry.line,
            unresolved=frozenset(k for k, v in entry.items() if isinstance(v, Unresolved)),
        ))
    return defs, filters


def metric_filters(repo: Path) -> tuple[list[MetricFilter], list[Finding]]:
    """Metric filters from metric-filters.json, log-config.json's ``metric_filters``, or the
    templates and Terraform files of the repository."""
    defs, filters = _filter_definitions(repo)
    if defs.missing is not None:
        return [], [defs.missing]
    if not filters and defs.problems:
        return [], list(defs.problems)
    return filters, []


def _unquoted(pattern: str) -> tuple[str, bool]:
    """The pattern without its quoted strings, and whether every quote was closed."""
    out, quoted, escaped = [], False, False
    for ch in pattern:
        if escaped:
            escaped = False
            continue
        if ch == "\\":
            escaped = True
            continue
        if ch == '"':
            quoted = not quoted
            continue
        if not quoted:
            out.append(ch)
    return "".join(out), not quoted


def _balanced(text: str, opening: str, closing: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == opening) - (ch == closing)
        if depth < 0:
            return False
    return depth == 0


def pattern_problem(pattern: str) -> str | None:
    """Why a CloudWatch Logs filter pattern would be rejected, or None."""
    if len(pattern) > FILTER_PATTERN_MAX:
        return f"filterPattern is longer than {FILTER_PATTERN_MAX} characters"
    bare, closed = _unquoted(pattern)
    if not closed:
        return "filterPattern has an unclosed quote"
    stripped = bare.strip()
    if stripped.startswith("{"):
        if not stripped.endswith("}") or not _balanced(stripped, "{", "}"):
            return "JSON filterPattern has unbalanced braces"
        if not _balanced(stripped, "(", ")"):
            return "JSON filterPattern has unbalanced parentheses"
        if "$." not in stripped and "$[" not in stripped:
            return "JSON filterPattern selects no field ($.name)"
    elif stripped.startswith("["):
        if not stripped.endswith("]") or not _balanced(stripped, "[", "]"):
            return "space-delimited filterPattern has unbalanced brackets"
    elif "{" in stripped or "}" in stripped:
        return "filterPattern has a stray brace"
    return None


def _filter_problems(flt: MetricFilter, declared: set[str] | None) -> Iterator[str]:
    if "logGroupName" in flt.unresolved:
        pass  # named at deploy time
    elif not flt.log_group:
        yield "no logGroupName"
    elif declared and flt.log_group not in declared:
        yield f"log group {flt.log_group} is not declared in log-config.json"
    if "filterPattern" in flt.unresolved:
        pass
    elif flt.pattern is None:
        yield "no filterPattern"
    else:
        problem = pattern_problem(flt.pattern)
        if problem:
            yield problem
    if len(flt.transformations) != 1:
        yield "needs exactly one metricTransformations entry"
    for transformation in flt.transformations:
        yield from _transformation_problems(transformation, flt.pattern)


def _transformation_problems(transformation: object, pattern: str | None) -> Iterator[str]:
    if not isinstance(transformation, dict):
        yield "metric transformation is not an object"
        return
    for key in ("metricName", "metricNamespace", "metricValue"):
        if not str(transformation.get(key) or "").strip():
            yield f"metric transformation has no {key}"
    value = str(transformation.get("metricValue") or "")
    if value.startswith("$.") and not (pattern or "").strip().startswith("{"):
        yield f"metricValue {value} reads a JSON field but the pattern is not a JSON pattern"


def _filter_category(flt: MetricFilter) -> set[str]:
    text = " ".join([flt.name, *(m for _, m in flt.metrics)]).lower()
    return {c for c, words in FILTER_CATEGORIES.items() if any(w in text for w in words)}


def metric_filter_findings(repo: Path, category: str) -> list[Finding]:
    """A valid metric filter for ``category`` (errors, performance, security) on a
    declared log group."""
    defs, filters = _filter_definitions(repo)
    early = _early(defs)
    if early is not None:
        return early
    groups, declared_groups = _declared_groups(repo)
    # a group named at deploy time may be the one a filter reads: then nothing is judged
    declared = None if any(
        isinstance(g.get("name"), Unresolved) for g in groups.items) else set(declared_groups)
    ours = [f for f in filters if category in _filter_category(f)]
    if not ours:
        where = filters[0].file if filters else " or ".join(METRIC_FILTERS)
        return [Finding(where, None,
                        f"no {category} metric filter (filterName or metricName containing "
                        f"{', '.join(FILTER_CATEGORIES[category])})")]
    return [flt.finding(problem) for flt in ours for problem in _filter_problems(flt, declared)]


# --- alarm-definitions.yml -----------------------------------------------------------


def _alarms(repo: Path) -> Definitions:
    """The alarms of alarm-definitions.yml, else of the repository's templates and Terraform."""
    return alarm_definitions(repo)


def definition_sources(repo: Path) -> dict[str, list[dict[str, object]]]:
    """Which file was read, in which format, for each kind of CloudWatch definition."""
    return {
        "alarms": alarm_definitions(repo).evidence(),
        "log groups": log_group_definitions(repo).evidence(),
        "retention": retention_definitions(repo).evidence(),
        "metric filters": metric_filter_definitions(repo).evidence(),
    }


def _alarm_metrics(repo: Path) -> Iterator[tuple[str, str, str]]:
    """(alarm name, namespace, metric name) of every metric the alarms read."""
    for alarm in _alarms(repo).items:
        yield from _alarm_metrics_of(alarm)


def _alarm_text(alarm: dict[str, Any]) -> str:
    parts = [str(alarm.get("AlarmName", "")), str(alarm.get("MetricName", ""))]
    queries = alarm.get("Metrics")
    for query in queries if isinstance(queries, list) else []:
        if isinstance(query, dict):
            parts.append(str(query.get("Expression", "")))
            parts.append(str(query.get("Id", "")))
    return " ".join(parts).lower()


def _severity(alarm: dict[str, Any]) -> str | None:
    for tag in alarm.get("Tags") or []:
        if isinstance(tag, dict) and tag.get("Key") == "severity":
            return str(tag.get("Value"))
    return None


def _topics(repo: Path) -> tuple[Document | None, dict[str, Any], list[Finding]]:
    doc = load_deliverable(repo, *NOTIFICATION_RULES)
    if isinstance(doc, Finding):
        return None, {}, [doc]
    data = doc.data
    topics = data.get("topics") if isinstance(data, dict) else None
    if not isinstance(topics, list) or not topics:
        return doc, {}, [doc.finding("'topics' must be a non-empty list of SNS topics", data)]
    return doc, {str(t.get("name")): t for t in topics if isinstance(t, dict)}, []


def _topic_of(action: str) -> str | None:
    match = SNS_ARN.match(action)
    return match.group(1) if match else None


def _math_problems(queries: list[Any]) -> Iterator[str]:
    """Problems of a metric-math alarm's ``Metrics`` list."""
    # ReturnData left out means true (CDK writes it only on the metrics it hides)
    marked = [q for q in queries if isinstance(q, dict) and q.get("ReturnData") is True]
    omitted = [q for q in queries if isinstance(q, dict) and "ReturnData" not in q]
    if len(marked) > 1 or (not marked and len(omitted) != 1):
        yield "exactly one of Metrics must have ReturnData: true (the alarmed value)"
    ids = {str(q.get("Id")) for q in queries if isinstance(q, dict)}
    for query in queries:
        if not isinstance(query, dict) or not (query.get("MetricStat") or query.get(
            "Expression"
        )):
            yield f"metric query {query!r} has neither MetricStat nor Expression"
            continue
        expression = query.get("Expression")
        if isinstance(expression, str):
            # metric math ids start lowercase; functions and keywords are upper case
            bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", expression)
            for ref in re.findall(r"\b([a-z][A-Za-z0-9_]*)\b", bare):
                if ref not in ids:
                    yield f"expression {expression!r} refers to unknown id {ref}"


def _metric_spec_problems(alarm: dict[str, Any]) -> Iterator[str]:
    queries = alarm.get("Metrics")
    if isinstance(queries, Unresolved):
        return
    if queries is not None:
        if not isinstance(queries, list) or not queries:
            yield "Metrics must be a non-empty list"
            return
        yield from _math_problems(queries)
        return
    for key in ("Namespace", "MetricName"):
        if not alarm.get(key):
            yield f"no {key} (nor Metrics)"
    has_stat, has_ext = "Statistic" in alarm, "ExtendedStatistic" in alarm
    if has_stat == has_ext:
        yield "needs exactly one of Statistic and ExtendedStatistic"
    elif has_stat and alarm["Statistic"] not in STATISTICS and not isinstance(
        alarm["Statistic"], Unresolved
    ):
        yield f"Statistic {alarm['Statistic']!r} is not one of {', '.join(sorted(STATISTICS))}"
    period = alarm.get("Period")
    if isinstance(period, Unresolved):
        return
    if not isinstance(period, int) or isinstance(period, bool) or not (
        period in (10, 20, 30) or (period > 0 and period % 60 == 0)
    ):
        yield f"Period {period!r} must be 10, 20, 30 or a multiple of 60 seconds"


def alarm_definitions_findings(repo: Path) -> list[Finding]:
    """alarm-definitions.yml (or the alarms of templates / Terraform / AWS CLI JSON) parses;
    each alarm is a valid PutMetricAlarm request whose actions go to topics of
    notification-rules.yml and whose log metrics a filter makes."""
    defs = _alarms(repo)
    early = _early(defs)
    if early is not None:
        return early
    found = list(defs.problems)
    _, topics, _ = _topics(repo)
    filters, _ = metric_filters(repo)
    filter_metrics = {m for f in filters for m in f.metrics}
    filter_namespaces = {ns for ns, _ in filter_metrics}
    names: set[str] = set()
    for alarm in defs.items:
        name = alarm.get("AlarmName")
        problems: list[str] = []
        if isinstance(name, Unresolved):
            pass  # named at deploy time
        elif not isinstance(name, str) or not name.strip():
            problems.append("no AlarmName")
        elif name in names:
            problems.append("AlarmName is used twice")
        names.add(str(name))
        problems.extend(_request_problems(alarm))
        problems.extend(_metric_spec_problems(alarm))
        problems.extend(_action_problems(alarm, topics))
        for alarm_name, namespace, metric in _alarm_metrics_of(alarm):
            if namespace in filter_namespaces and (namespace, metric) not in filter_metrics:
                problems.append(
                    f"watches {namespace}/{metric}, which no metric filter produces "
                    f"({alarm_name} would stay in INSUFFICIENT_DATA)")
        found.extend(alarm.finding(f"alarm {name}: {p}") for p in problems)
    return found


def _request_problems(alarm: dict[str, Any]) -> Iterator[str]:
    """The comparison, threshold and evaluation fields of a PutMetricAlarm request (values
    set only at deploy time are not judged)."""
    def known(key: str) -> bool:
        return not isinstance(alarm.get(key), Unresolved)

    if known("ComparisonOperator") and alarm.get("ComparisonOperator") not in COMPARISONS:
        yield f"ComparisonOperator {alarm.get('ComparisonOperator')!r} is not valid"
    threshold = alarm.get("Threshold")
    if "ThresholdMetricId" not in alarm and known("Threshold") and (
        not isinstance(threshold, int | float) or isinstance(threshold, bool)
    ):
        yield f"Threshold {threshold!r} is not a number"
    periods = alarm.get("EvaluationPeriods")
    if known("EvaluationPeriods") and (
        not isinstance(periods, int) or isinstance(periods, bool) or periods < 1
    ):
        yield f"EvaluationPeriods {periods!r} is not a positive integer"
    datapoints = alarm.get("DatapointsToAlarm")
    if datapoints is not None and known("DatapointsToAlarm") and isinstance(periods, int) and (
        not isinstance(datapoints, int) or not 1 <= datapoints <= periods
    ):
        yield (f"DatapointsToAlarm {datapoints!r} must be between 1 and EvaluationPeriods "
               f"({periods})")
    if "TreatMissingData" in alarm and known("TreatMissingData") and (
        alarm["TreatMissingData"] not in MISSING_DATA
    ):
        yield f"TreatMissingData {alarm['TreatMissingData']!r} is not valid"


def _action_problems(alarm: dict[str, Any], topics: dict[str, Any]) -> Iterator[str]:
    """Actions are SNS topic ARNs of topics notification-rules.yml defines (a reference to a
    topic resolved at deploy time is not judged)."""
    for key in ("AlarmActions", "OKActions", "InsufficientDataActions"):
        actions = alarm.get(key)
        for action in actions if isinstance(actions, list) else []:
            if isinstance(action, Unresolved):
                continue
            topic = _topic_of(str(action))
            if str(action).startswith("arn:aws:sns:") and topic is None:
                yield f"{key} {action!r} is not a valid SNS topic ARN"
            elif topic is not None and topics and topic not in topics:
                yield f"{key} topic {topic} is not defined in notification-rules.yml"


def _alarm_metrics_of(alarm: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    name = str(alarm.get("AlarmName"))
    if alarm.get("MetricName"):
        yield name, str(alarm.get("Namespace")), str(alarm["MetricName"])
    queries = alarm.get("Metrics")
    for query in queries if isinstance(queries, list) else []:
        stat = query.get("MetricStat") if isinstance(query, dict) else None
        metric = stat.get("Metric") if isinstance(stat, dict) else None
        if isinstance(metric, dict):
            yield name, str(metric.get("Namespace")), str(metric.get("MetricName"))


# metrics whose unit is fixed by the service (CloudWatch documents them per namespace)
_METRIC_UNITS = {
    ("AWS/ApplicationELB", "TargetResponseTime"): "s",
    ("AWS/ELB", "Latency"): "s",
    ("AWS/ApiGateway", "Latency"): "ms",
    ("AWS/ApiGateway", "IntegrationLatency"): "ms",
    ("AWS/Lambda", "Duration"): "ms",
    ("AWS/CloudFront", "OriginLatency"): "ms",
    ("AWS/AppSync", "Latency"): "ms",
}
_UNIT_NAMES = {"Seconds": "s", "Milliseconds": "ms", "Microseconds": "us", "Percent": "%"}
_TO_MS = {"s": 1000.0, "ms": 1.0, "us": 0.001}


def _alarm_unit(alarm: dict[str, Any]) -> str | None:
    unit = alarm.get("Unit")
    if isinstance(unit, str) and unit in _UNIT_NAMES:
        return _UNIT_NAMES[unit]
    for _, namespace, metric in _alarm_metrics_of(alarm):
        known = _METRIC_UNITS.get((namespace, metric))
        if known:
            return known
        if re.search(r"(_ms|Ms|Millis|Milliseconds)$", metric):
            return "ms"
        if re.search(r"(_seconds|Seconds|_s)$", metric):
            return "s"
    return None


def _error_rate_percent(alarm: dict[str, Any], threshold: float) -> float | None:
    """The threshold of an error-rate alarm in percent; None when the alarm counts errors
    rather than measuring a rate (a count cannot be compared with the plan's percentage)."""
    if alarm.get("Unit") == "Percent":
        return threshold
    queries = alarm.get("Metrics")
    for query in queries if isinstance(queries, list) else []:
        expression = query.get("Expression") if isinstance(query, dict) else None
        if isinstance(expression, str) and "/" in expression and query.get(
            "ReturnData", True
        ) is not False:
            return threshold if re.search(r"\b100(\.0*)?\b", expression) else threshold * 100
    metric, namespace = str(alarm.get("MetricName") or ""), str(alarm.get("Namespace") or "")
    if namespace == "AWS/ApiGateway" and metric in ("5XXError", "4XXError") and (
        alarm.get("Statistic") == "Average"
    ):
        return threshold * 100  # the average of 0/1 per request: a fraction
    if re.search(r"rate|percent|ratio", metric, re.I):
        return threshold
    return None


def _limit_problem(alarm: dict[str, Any], category: str, limit: Threshold) -> str | None:
    """Why the alarm fires later than the plan's number (None: no looser than it)."""
    threshold = alarm.get("Threshold")
    if "ThresholdMetricId" in alarm:
        return None  # anomaly band: no fixed number to compare
    if any(re.search(r"free|available|remaining", m, re.I) for _, _, m in _alarm_metrics_of(
        alarm
    )):
        return None  # what is left (FreeableMemory): the plan's share used is not comparable
    if not isinstance(threshold, int | float) or isinstance(threshold, bool):
        return f"Threshold {threshold!r} is not a number"
    if not str(alarm.get("ComparisonOperator", "")).startswith("GreaterThan"):
        return (f"ComparisonOperator {alarm.get('ComparisonOperator')} does not fire when "
                f"{category} rises")
    value, shown = float(threshold), f"{threshold}"
    if limit.unit in _TO_MS:
        unit = _alarm_unit(alarm) or "ms"
        value = float(threshold) * _TO_MS.get(unit, 1.0) / _TO_MS[limit.unit]
        shown = f"{threshold} {unit}"
    elif category == "error-rate":
        percent = _error_rate_percent(alarm, float(threshold))
        if percent is None:
            return None  # counts errors: no rate to compare
        value, shown = percent, f"{percent:g} %"
    if value > limit.value:
        return (f"fires at {shown}, looser than the plan's {limit.value:g} {limit.unit}: it "
                f"stays silent while {category} breaks the goal")
    return None


def _published(repo: Path) -> tuple[set[str], set[tuple[str, str]]]:
    """Custom namespaces the repository publishes into, and their metrics: metric filters'
    transformations and the CloudWatch agent's collected metrics."""
    metrics: set[tuple[str, str]] = set()
    for flt in metric_filters(repo)[0]:
        metrics.update(m for m in flt.metrics if "metricNamespace" not in flt.unresolved)
    doc = load_deliverable(repo, *AGENT)
    if isinstance(doc, Document) and isinstance(doc.data, dict) and doc.data.get("metrics"):
        namespace, collected = _agent_metrics(doc.data)
        metrics.update((namespace, name) for name in collected)
        namespaces = {ns for ns, _ in metrics} | {namespace}
    else:
        namespaces = {ns for ns, _ in metrics}
    return namespaces, metrics


def _composite_cover(defs: Definitions) -> set[str]:
    """Names of alarms a composite alarm with enabled actions watches: they notify through it
    (teams disable a child's own actions on purpose to alert once)."""
    covered: set[str] = set()
    for composite in defs.composites:
        rule = composite.get("AlarmRule")
        if not isinstance(rule, str) or _silent(composite):
            continue
        covered.update(m.group(2) for m in re.finditer(
            r"\bALARM\(\s*(\"|')?([^\"')]+)\1?\s*\)", rule))
    return covered


def _silent(alarm: dict[str, Any]) -> bool:
    enabled = alarm.get("ActionsEnabled")
    return enabled is False or str(enabled).lower() == "false" or not alarm.get("AlarmActions")


def _alarm_problems(
    alarm: dict[str, Any], category: str, limit: Threshold | None, *,
    covered: set[str], published: tuple[set[str], set[tuple[str, str]]],
) -> tuple[list[str], list[str]]:
    """(why the alarm does not count, what could not be judged because it is set at deploy
    time)."""
    problems: list[str] = []
    unknown = [key for key in ("ActionsEnabled", "AlarmActions", "Threshold",
                               "ComparisonOperator") if isinstance(alarm.get(key), Unresolved)]
    if str(alarm.get("AlarmName")) not in covered:
        enabled = alarm.get("ActionsEnabled")
        if enabled is False or str(enabled).lower() == "false":
            problems.append("has its actions disabled (ActionsEnabled: false): it notifies "
                            "no one")
        if not alarm.get("AlarmActions"):
            problems.append("has no AlarmActions: it notifies no one")
    if limit is not None and not {"Threshold", "ComparisonOperator"} & set(unknown):
        problem = _limit_problem(alarm, category, limit)
        if problem:
            problems.append(problem)
    namespaces, metrics = published
    for _, namespace, metric in _alarm_metrics_of(alarm):
        if namespace in namespaces and (namespace, metric) not in metrics:
            problems.append(
                f"reads {namespace}/{metric}, which nothing in the repository publishes "
                "(metric filters, cloudwatch-agent.json): it stays in INSUFFICIENT_DATA")
    return problems, [f"{key} {alarm.get(key)}" for key in unknown]


def alarms_examined(repo: Path) -> int:
    """How many alarm definitions the alarm checks read."""
    defs = _alarms(repo)
    return len(defs.items) + len(defs.composites)


def alarm_category_findings(
    repo: Path, *categories: str, limits: Mapping[str, Threshold] | None = None
) -> list[Finding]:
    """An alarm for each of ``categories`` (cpu, memory, error-rate, latency) that notifies:
    AlarmActions set and not disabled (or watched by a composite alarm that notifies), a
    metric the repository publishes when it reads a namespace the repository publishes into,
    and — when ``limits`` gives the plan's number for the category (from the catalog) — a
    threshold no looser than it. One such alarm per category is enough; when none
    qualifies, every candidate's problems are reported. Candidates whose deciding values are
    set only at deploy time make the check not verified rather than guessed."""
    defs = _alarms(repo)
    early = _early(defs)
    if early is not None:
        return early
    found: list[Finding] = []
    undecided: list[str] = []
    covered, published = _composite_cover(defs), _published(repo)
    for category in categories:
        words = ALARM_CATEGORIES[category]
        ours = [a for a in defs.items if any(w in _alarm_text(a) for w in words)]
        if not ours:
            found.append(_anchor(
                defs, "alarms",
                f"no {category} alarm (AlarmName or metric containing {', '.join(words)})"))
            continue
        limit = (limits or {}).get(category)
        judged = [(a, *_alarm_problems(a, category, limit, covered=covered,
                                       published=published)) for a in ours]
        if any(not p and not u for _, p, u in judged):
            continue
        unknown = [(a, u) for a, p, u in judged if u and not p]
        if unknown:
            undecided += [f"{category} alarm {a.get('AlarmName')} ({', '.join(u)})"
                          for a, u in unknown]
            continue
        for alarm, listed, _ in judged:
            found += [alarm.finding(f"{category} alarm {alarm.get('AlarmName')} {p}")
                      for p in listed]
    if not found and undecided:
        raise NotVerified(_deploy_time("alarm values", undecided))
    return found


# --- notification-rules.yml ----------------------------------------------------------


def _subscription_problem(protocol: object, endpoint: object) -> str | None:
    if protocol not in SNS_PROTOCOLS:
        return f"protocol {protocol!r} is not an SNS protocol"
    text = str(endpoint or "")
    if not text:
        return "no endpoint"
    if protocol == "http":
        return f"plain http endpoint {text}: alert contents travel unencrypted (use https)"
    checks = {
        "https": text.startswith("https://"),
        "email": "@" in text, "email-json": "@" in text,
        "lambda": text.startswith("arn:aws:lambda:"),
        "sqs": text.startswith("arn:aws:sqs:"),
        "firehose": text.startswith("arn:aws:firehose:"),
    }
    if not checks.get(str(protocol), True):
        return f"endpoint {text!r} does not fit protocol {protocol}"
    return None


def notification_rules_findings(repo: Path) -> list[Finding]:
    """notification-rules.yml parses; each topic has a valid ARN and working subscriptions;
    routing covers every alarm severity and the alarms use the routed topic."""
    doc, topics, found = _topics(repo)
    if doc is None or found:
        return found
    for name, topic in topics.items():
        found += _topic_findings(doc, name, topic)
    routing = doc.data.get("routing")
    if not isinstance(routing, dict) or not routing:
        found.append(doc.finding("'routing' must map each alarm severity to a topic", doc.data))
        routing = {}
    for severity, topic_name in routing.items():
        if str(topic_name) not in topics:
            found.append(doc.finding(
                f"routing {severity} names undefined topic {topic_name}", routing, severity))
    return found + _alarm_routing_findings(repo, doc, routing)


def _topic_findings(doc: Document, name: str, topic: dict[str, Any]) -> list[Finding]:
    """One SNS topic: its ARN names it, and its subscriptions reach someone."""
    found = []
    arn = str(topic.get("arn", ""))
    arn_match = SNS_ARN.match(arn)
    if not arn_match:
        found.append(doc.finding(f"topic {name}: arn {arn!r} is not an SNS topic ARN", topic))
    elif arn_match.group(1) != name:
        found.append(doc.finding(f"topic {name}: arn names topic {arn_match.group(1)}", topic))
    subscriptions = topic.get("subscriptions")
    if not isinstance(subscriptions, list) or not subscriptions:
        found.append(doc.finding(
            f"topic {name} has no subscriptions: alarms sent to it reach no one", topic))
        return found
    for sub in subscriptions:
        problem = _subscription_problem(
            sub.get("protocol") if isinstance(sub, dict) else None,
            sub.get("endpoint") if isinstance(sub, dict) else None,
        )
        if problem:
            found.append(doc.finding(f"topic {name}: {problem}", sub))
    return found


def _alarm_routing_findings(repo: Path, doc: Document, routing: dict[str, Any]) -> list[Finding]:
    """Every alarm's severity is routed, and the alarm notifies the routed topic."""
    found = []
    for alarm in _alarms(repo).items:
        severity = _severity(alarm)
        if severity is None:
            continue
        routed = routing.get(severity)
        if routed is None:
            found.append(doc.finding(
                f"alarm {alarm.get('AlarmName')} has severity {severity}, which routing does "
                "not cover", routing or doc.data))
        elif alarm.get("AlarmActions") and routed not in {
            _topic_of(str(a)) for a in alarm["AlarmActions"]
        }:
            found.append(doc.finding(
                f"alarm {alarm.get('AlarmName')} ({severity}) does not notify the routed "
                f"topic {routed}", routing, severity))
    return found


# --- response-procedures.md ----------------------------------------------------------

FIRST_RESPONSE = ("初動", "共通", "first response", "general", "common", "triage")


def response_procedures_findings(repo: Path) -> list[Finding]:
    """response-procedures.md has a first-response section and a non-empty section for every
    alarm of alarm-definitions.yml."""
    path = find_deliverable(repo, *RESPONSE_PROCEDURES)
    if path is None:
        return [Finding(RESPONSE_PROCEDURES[0], None,
                        f"not found: {RESPONSE_PROCEDURES[0]} anywhere in the repository")]
    shown = path.resolve().relative_to(Path(repo).resolve()).as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(shown, None, f"cannot read: {exc}")]
    sections = headings(text)
    found: list[Finding] = []
    if not any(any(w in h.text.lower() for w in FIRST_RESPONSE) for h in sections):
        found.append(Finding(
            shown, None,
            f"no first-response section (a heading with {', '.join(FIRST_RESPONSE)})"))
    for name in _names(_alarms(repo).items):
        section = next((h for h in sections if name.lower() in h.text.lower()), None)
        if section is None:
            found.append(Finding(shown, None, f"no procedure for alarm {name}"))
        elif not section.has_content:
            found.append(Finding(shown, section.line, f"the procedure for alarm {name} is empty"))
    return found


def _names(alarms: Iterable[dict[str, Any]]) -> list[str]:
    return [str(a["AlarmName"]) for a in alarms if isinstance(a.get("AlarmName"), str)]
