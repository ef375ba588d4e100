"""Datadog configuration as code: agent, custom metrics, tags, monitors, routing, dashboards.

The files are the plan's deliverables (datadog-agent.yml, custom-metrics.yml,
tagging-rules.json, alert-rules.yml, notification-config.yml, escalation-matrix.yml) and
dashboard definitions (``dashboards/*.json`` in Datadog's dashboard API shape). Each
``*_findings`` function returns what is wrong; an empty list means sound.

Monitors are read by :mod:`golive.rules.datadog_monitors` (golive's ``rules:``, a
``monitors:`` list, Datadog Monitor API JSON/YAML, Terraform ``datadog_monitor``);
dashboards also from Terraform ``datadog_dashboard_json``; the agent from
``datadog-agent.yml`` or the agent's own ``datadog.yaml``. The invented shapes below have
a JSON Schema in ``golive/schemas`` (``golive schema NAME``) and accept the variants listed
in :data:`ACCEPTED_SHAPES`; a file in none of them is not_verified ("unrecognised format").

Shapes the probes read (beyond the Datadog agent's own keys):

- custom-metrics.yml: ``collection: {min_collection_interval: 15s}`` and
  ``metrics: [{name, type, unit, description, tags, interval?}]``
- tagging-rules.json: ``{required_tags: [...], allowed_values: {tag: [...]},
  rules: [{name, match, tags: {tag: value}}]}``
- alert-rules.yml: ``rules: [{name, type, query, severity, thresholds: {critical, warning}}]``
- notification-config.yml: ``channels: [{name, type, ...}]`` and ``routing: {severity: [channel]}``
- escalation-matrix.yml: ``policies: {severity: [{level, notify, escalate_after}]}`` and
  ``contacts: {name: {email | phone | pagerduty_schedule | slack}}``
- dashboards: Datadog dashboard JSON with a top-level ``refresh_interval`` (e.g. ``"1m"``),
  the team's convention for the auto-refresh it configures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.catalog import Threshold
from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import (
    Document,
    Located,
    LocatedList,
    line_at,
    line_of,
    load_deliverable,
    load_structured,
    parse_duration_s,
)
from golive.judging.findings import Finding
from golive.rules.datadog_monitors import (
    Monitor,
    load_monitors,
    monitor_limit_findings,
    monitor_notify_findings,
    terraform_dashboards,
)
from golive.rules.schemas import schema_errors, unrecognised

__all__ = [
    "ACCEPTED_SHAPES",
    "ALERT_RULES",
    "DASHBOARD_KINDS",
    "DOGSTATSD_FLUSH_S",
    "Dashboard",
    "IntervalReport",
    "RefreshReport",
    "agent_config_findings",
    "alert_rules_findings",
    "alert_severity_findings",
    "collection_intervals",
    "custom_metric_names",
    "custom_metrics_config_findings",
    "custom_metrics_findings",
    "custom_widget_findings",
    "dashboard_findings",
    "dashboard_refresh",
    "dashboards",
    "escalation_matrix_findings",
    "escalation_rules_findings",
    "monitors_examined",
    "notification_channels_findings",
    "notification_config_findings",
    "tagging_rules_findings",
    "tagging_rules_json_findings",
]

AGENT = ("datadog-agent.yml", "datadog-agent.yaml", "datadog.yaml", "datadog.yml")
CUSTOM_METRICS = ("custom-metrics.yml", "custom-metrics.yaml")
TAGGING_RULES = ("tagging-rules.json",)
ALERT_RULES = ("alert-rules.yml", "alert-rules.yaml")
NOTIFICATION_CONFIG = ("notification-config.yml", "notification-config.yaml")
ESCALATION_MATRIX = ("escalation-matrix.yml", "escalation-matrix.yaml")

# Datadog facts, not team thresholds
DATADOG_SITES = frozenset({
    "datadoghq.com", "us3.datadoghq.com", "us5.datadoghq.com", "datadoghq.eu",
    "ap1.datadoghq.com", "ap2.datadoghq.com", "ddog-gov.com",
})
METRIC_TYPES = frozenset({"count", "rate", "gauge", "set", "histogram", "distribution"})
METRIC_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,199}$")
TAG = re.compile(r"^[a-z][a-z0-9_.:/\-]{0,199}$")
DOGSTATSD_FLUSH_S = 10.0  # DogStatsD aggregates into 10 s buckets: a shorter interval adds nothing
MONITOR_TYPES = frozenset({
    "metric alert", "query alert", "service check", "event alert", "log alert",
    "process alert", "trace-analytics alert", "composite", "anomaly", "forecast", "outlier",
    "event-v2 alert", "rum alert", "slo alert", "audit alert", "error-tracking alert",
})
REQUIRED_SEVERITIES = ("critical", "warning")
SEVERITIES = ("critical", "warning", "info")
UNIFIED_TAGS = ("env", "service", "version")
CHANNEL_TYPES = frozenset({"slack", "pagerduty", "email", "webhook", "opsgenie", "teams"})
PAGING_TYPES = frozenset({"pagerduty", "opsgenie"})
_TEMPLATE = re.compile(r"^\{\{.*\}\}$|^\$\{.*\}$|^ENC\[.*\]$|^<.*>$")
_LITERAL_SECRET = re.compile(r"^[0-9a-fA-F]{32}$|hooks\.slack\.com/services/|^[A-Za-z0-9]{32,}$")


def _mapping(doc: Document, what: str) -> Located | list[Finding]:
    if isinstance(doc.data, Located):
        return doc.data
    return [Finding(doc.shown, 1, f"expected a mapping of settings at the top level ({what})")]


def _list_of(doc: Document, data: Located, key: str) -> list[Any] | Finding:
    value = data.get(key)
    if not isinstance(value, list) or not value:
        return doc.finding(f"'{key}' must be a non-empty list", data, key)
    return value


def _is_template(value: object) -> bool:
    return isinstance(value, str) and bool(_TEMPLATE.match(value.strip()))


# the shapes each invented-format deliverable is read in (golive's, then common variants)
ACCEPTED_SHAPES: dict[str, tuple[str, ...]] = {
    "custom-metrics.yml": ("metrics: [{name, type, unit, description}]",
                           "metrics: {name: Datadog metric metadata}"),
    "tagging-rules.json": ("{required_tags, allowed_values, rules}",
                           "AWS Organizations tag policy {tags: {key: {tag_key, tag_value}}}"),
    "notification-config.yml": ("channels (list or mapping) + routing (mapping or list)",),
    "escalation-matrix.yml": ("policies: {severity: [{level, notify, escalate_after}]}",
                              "PagerDuty escalation_policy / escalation_rules"),
}


def _recognise(doc: Document, name: str, *anchors: str) -> Located:
    """The top-level mapping when it carries one of ``anchors``; else NotVerified."""
    data = doc.data
    if isinstance(data, Located) and any(a in data for a in anchors):
        return data
    raise NotVerified(unrecognised(doc.shown, ACCEPTED_SHAPES[name]))


def _located(values: dict[str, Any], like: object) -> Located:
    """A mapping built from a variant, keeping the line of what it was read from."""
    made = Located(values)
    made.line = line_of(like)
    if isinstance(like, Located):
        made.key_lines = {k: v for k, v in like.key_lines.items() if k in values}
    return made


def _schema_findings(doc: Document, name: str, hand: list[Finding]) -> list[Finding]:
    """What golive's schema of ``name`` says is wrong and the hand-written checks (``hand``)
    did not already say on the same line."""
    taken = {f.line for f in hand}
    found = []
    for path, message in schema_errors(name, doc.data):
        line = line_at(doc.data, *path) if path else line_of(doc.data)
        if line in taken:
            continue
        where = ".".join(map(str, path)) or "(top level)"
        found.append(Finding(doc.shown, line, f"{where}: {message} (golive schema {name})"))
        taken.add(line)
    return hand + found


# --- datadog-agent.yml ---------------------------------------------------------------


def _tags(value: object) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in re.split(r"[,\s]+", value) if t.strip()]
    if isinstance(value, list):
        return [str(t) for t in value]
    return []


_ENV_REF = re.compile(r"\$\{(\w+)(?::-?([^}]*))?\}")


def _with_defaults(value: object) -> str | None:
    """A value with ``${VAR:default}`` placeholders (filled in when the file is rendered)
    read with their defaults; None when a placeholder has no default (nothing to judge)."""
    if value is None:
        return None
    text = str(value)
    if any(m.group(2) is None for m in _ENV_REF.finditer(text)):
        return None
    return _ENV_REF.sub(lambda m: m.group(2) or "", text)


def agent_config_findings(repo: Path) -> list[Finding]:
    """datadog-agent.yml: no literal API key, a real site, env set, logs and DogStatsD on."""
    doc = load_deliverable(repo, *AGENT)
    if isinstance(doc, Finding):
        return [doc]
    data = _mapping(doc, "datadog-agent.yml")
    if isinstance(data, list):
        return data
    return _agent_identity_findings(doc, data) + _agent_feature_findings(doc, data)


def _agent_identity_findings(doc: Document, data: Located) -> list[Finding]:
    """The key, site, env and tags the agent reports with."""
    found: list[Finding] = []
    api_key = data.get("api_key")
    if isinstance(api_key, str) and api_key.strip() and not _is_template(api_key):
        found.append(doc.finding(
            "api_key is a literal value committed to the repository: pass DD_API_KEY from "
            "the secret store or use an ENC[] secret handle", data, "api_key"))
    site = _with_defaults(data.get("site"))
    if site is not None and str(site) not in DATADOG_SITES:
        found.append(doc.finding(
            f"site {site!r} is not a Datadog site ({', '.join(sorted(DATADOG_SITES))}): "
            "the agent would send data nowhere", data, "site"))
    tags = _tags(data.get("tags"))
    if not data.get("env") and not any(t.startswith("env:") for t in tags):
        found.append(doc.finding(
            "no env set (neither 'env' nor an 'env:' tag): production and staging data mix",
            data))
    for raw_tag in tags:
        tag = _with_defaults(raw_tag)
        if tag is not None and (":" not in tag or not TAG.match(tag)):
            found.append(doc.finding(
                f"tag {tag!r} is not a lowercase key:value tag", data, "tags"))
    return found


def _agent_feature_findings(doc: Document, data: Located) -> list[Finding]:
    """Logs, DogStatsD and APM are on."""
    found: list[Finding] = []
    if data.get("logs_enabled") is not True:
        found.append(doc.finding(
            "logs_enabled is not true: the agent collects no logs", data, "logs_enabled"))
    if data.get("use_dogstatsd") is False:
        found.append(doc.finding(
            "use_dogstatsd is false: custom metrics sent through DogStatsD are dropped",
            data, "use_dogstatsd"))
    apm = data.get("apm_config")
    if isinstance(apm, dict) and apm.get("enabled") is False:
        found.append(doc.finding(
            "apm_config.enabled is false: no request latency traces for the performance view",
            apm, "enabled"))
    return found


# --- custom-metrics.yml --------------------------------------------------------------


def _metric_entries(repo: Path) -> tuple[Document | None, list[Any], list[Finding]]:
    doc = load_deliverable(repo, *CUSTOM_METRICS)
    if isinstance(doc, Finding):
        return None, [], [doc]
    data = _recognise(doc, "custom-metrics.yml", "metrics")
    raw = data.get("metrics")
    if isinstance(raw, dict):  # name → Datadog metric metadata
        entries = LocatedList(
            _located({"name": str(k), **({"interval": f"{v['statsd_interval']}s"}
                     if isinstance(v, dict) and "statsd_interval" in v else {}),
                     **(v if isinstance(v, dict) else {})}, v)
            for k, v in raw.items())
        entries.line = line_of(raw)
        return doc, entries, []
    metrics = _list_of(doc, data, "metrics")
    if isinstance(metrics, Finding):
        return doc, [], [metrics]
    return doc, metrics, []


def custom_metrics_config_findings(repo: Path) -> list[Finding]:
    """custom-metrics.yml parses; names and types are valid Datadog values, none repeated."""
    doc, metrics, found = _metric_entries(repo)
    if doc is None or found:
        return found
    seen: dict[str, int | None] = {}
    for entry in metrics:
        if not isinstance(entry, dict):
            found.append(doc.finding(f"metric entry is not a mapping: {entry!r}", metrics))
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not METRIC_NAME.match(name):
            found.append(doc.finding(
                f"metric name {name!r} is not a valid Datadog metric name "
                "(letter first; letters, digits, '_' and '.'; at most 200)", entry, "name"))
        elif name in seen:
            found.append(doc.finding(
                f"metric {name} is defined twice (first on line {seen[name]})", entry, "name"))
        else:
            seen[name] = line_of(entry)
        kind = entry.get("type")
        if kind not in METRIC_TYPES:
            found.append(doc.finding(
                f"metric {name}: type {kind!r} is not one of {', '.join(sorted(METRIC_TYPES))}",
                entry, "type"))
        if "interval" in entry and parse_duration_s(entry["interval"]) is None:
            found.append(doc.finding(
                f"metric {name}: interval {entry['interval']!r} is not a duration",
                entry, "interval"))
    return _schema_findings(doc, "custom-metrics.yml", found)


def custom_metrics_findings(repo: Path) -> list[Finding]:
    """At least one custom metric defined, each with name, type, unit and description."""
    doc, metrics, found = _metric_entries(repo)
    if doc is None or found:
        return found
    for entry in metrics:
        if not isinstance(entry, dict):
            continue
        name = entry.get("name", "(unnamed)")
        for key in ("name", "type", "unit", "description"):
            value = entry.get(key)
            if not isinstance(value, str) or not value.strip():
                found.append(doc.finding(f"metric {name}: no {key}", entry))
    return found


def custom_metric_names(repo: Path) -> set[str]:
    """Names of the custom metrics custom-metrics.yml defines (empty when unreadable)."""
    _, metrics, _ = _metric_entries(repo)
    return {m["name"] for m in metrics if isinstance(m, dict) and isinstance(m.get("name"), str)}


@dataclass
class IntervalReport:
    """The effective collection interval of every custom metric, and what was wrong."""

    seconds: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def longest_s(self) -> float | None:
        return max(self.seconds.values()) if self.seconds else None


def collection_intervals(repo: Path) -> IntervalReport:
    """Each metric's interval (its own, else ``collection.min_collection_interval``).

    Structural problems are findings: no interval set, not a duration, or shorter than
    DogStatsD's 10 s flush (points are aggregated anyway; it only costs agent CPU).
    The longest interval is judged by the caller against the catalog threshold.
    """
    report = IntervalReport()
    doc, metrics, found = _metric_entries(repo)
    report.findings.extend(found)
    if doc is None or found:
        return report
    data = doc.data
    collection = data.get("collection") if isinstance(data, dict) else None
    default_raw = (
        collection.get("min_collection_interval") if isinstance(collection, dict) else None
    )
    default = parse_duration_s(default_raw) if default_raw is not None else None
    if default_raw is not None and default is None:
        report.findings.append(doc.finding(
            f"collection.min_collection_interval {default_raw!r} is not a duration",
            collection, "min_collection_interval"))
    for entry in metrics:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        name = entry["name"]
        if "interval" in entry:
            seconds = parse_duration_s(entry["interval"])
            where: Any = entry
        else:
            seconds, where = default, collection
        if seconds is None:
            if "interval" not in entry and default_raw is None:
                report.findings.append(doc.finding(
                    f"metric {name}: no collection interval (neither its own 'interval' nor "
                    "collection.min_collection_interval)", entry))
            continue
        if seconds < DOGSTATSD_FLUSH_S:
            report.findings.append(doc.finding(
                f"metric {name}: interval {seconds:g} s is shorter than DogStatsD's "
                f"{DOGSTATSD_FLUSH_S:g} s flush; points are aggregated anyway", where))
        report.seconds[name] = seconds
    return report


# --- tagging-rules.json --------------------------------------------------------------


def _tagging(repo: Path) -> tuple[Document | None, Located | None, list[Finding]]:
    doc = load_deliverable(repo, *TAGGING_RULES)
    if isinstance(doc, Finding):
        return None, None, [doc]
    data = _recognise(doc, "tagging-rules.json", "required_tags", "tags")
    if "required_tags" not in data and isinstance(data.get("tags"), dict):
        return doc, _aws_tag_policy(data), []
    return doc, data, []


def _assigned(value: object) -> list[str]:
    assigned = value.get("@@assign") if isinstance(value, dict) else None
    if isinstance(assigned, str):
        return [assigned]
    return [str(v) for v in assigned] if isinstance(assigned, list) else []


def _aws_tag_policy(data: Located) -> Located:
    """An AWS Organizations tag policy as golive's shape: its keys are the required tags."""
    required: list[str] = []
    allowed: dict[str, list[str]] = {}
    for key, policy in data["tags"].items():
        if not isinstance(policy, dict):
            continue
        name = (_assigned(policy.get("tag_key")) or [str(key)])[0]
        required.append(name)
        values = _assigned(policy.get("tag_value"))
        if values:
            allowed[name] = values
    return _located({"required_tags": required, "allowed_values": allowed}, data)


def tagging_rules_json_findings(repo: Path) -> list[Finding]:
    """tagging-rules.json parses; its rules are well-formed and use valid tag values."""
    doc, data, found = _tagging(repo)
    if doc is None or data is None:
        return found
    required = data.get("required_tags")
    if not isinstance(required, list) or not all(isinstance(t, str) for t in required):
        found.append(doc.finding("'required_tags' must be a list of tag names", data))
        required = []
    allowed = data.get("allowed_values", {})
    if not isinstance(allowed, dict):
        found.append(doc.finding("'allowed_values' must map a tag to its values", data))
        allowed = {}
    if "rules" not in data:  # optional: required tags may be set at the source
        return _schema_findings(doc, "tagging-rules.json", found)
    rules = _list_of(doc, data, "rules")
    if isinstance(rules, Finding):
        return [*found, rules]
    names: set[str] = set()
    for rule in rules:
        if not isinstance(rule, dict):
            found.append(doc.finding(f"rule is not an object: {rule!r}", rules))
            continue
        found += _tag_rule_findings(doc, rule, names, allowed)
    return _schema_findings(doc, "tagging-rules.json", found)


def _tag_rule_findings(doc: Document, rule: dict[str, Any], names: set[str],
                       allowed: dict[str, Any]) -> list[Finding]:
    """One tagging rule: named once, matches something, sets valid allowed tag values."""
    found = []
    name = rule.get("name")
    if not isinstance(name, str) or not name:
        found.append(doc.finding("rule without a name", rule))
    elif name in names:
        found.append(doc.finding(f"rule {name} is defined twice", rule))
    else:
        names.add(name)
    if not isinstance(rule.get("match"), dict) or not rule.get("match"):
        found.append(doc.finding(f"rule {name}: no 'match' saying what it applies to", rule))
    tags = rule.get("tags")
    if not isinstance(tags, dict):
        found.append(doc.finding(f"rule {name}: 'tags' must map tag names to values", rule))
        return found
    for key, value in tags.items():
        if not TAG.match(str(key)):
            found.append(doc.finding(f"rule {name}: tag name {key!r} is not valid", tags))
        if _is_template(value):
            continue
        text = str(value)
        if not TAG.match(f"{key}:{text}"):
            found.append(doc.finding(
                f"rule {name}: {key}:{text} is not a valid lowercase Datadog tag", tags, key))
        values = allowed.get(key)
        if isinstance(values, list) and text not in [str(v) for v in values]:
            found.append(doc.finding(
                f"rule {name}: {key} value {text!r} is not allowed "
                f"({', '.join(map(str, values))})", tags, key))
    return found


def tagging_rules_findings(repo: Path) -> list[Finding]:
    """env/service/version are required tags, every rule applies them, metrics carry them,
    and the agent sets env."""
    doc, data, found = _tagging(repo)
    if doc is None or data is None:
        return found
    required_raw = data.get("required_tags")
    required = [str(t) for t in required_raw] if isinstance(required_raw, list) else []
    for tag in UNIFIED_TAGS:
        if tag not in required:
            found.append(doc.finding(
                f"'{tag}' is not a required tag (unified service tagging needs "
                f"{', '.join(UNIFIED_TAGS)})", data, "required_tags"))
    rules = data.get("rules")
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, dict):
            continue
        raw_tags = rule.get("tags")
        tags: dict[str, Any] = raw_tags if isinstance(raw_tags, dict) else {}
        missing = [t for t in required if not str(tags.get(t, "")).strip()]
        if missing:
            found.append(doc.finding(
                f"rule {rule.get('name')} does not apply required tag(s) {', '.join(missing)}",
                rule))
    return found + _metric_tag_findings(repo, required) + _agent_env_findings(repo, required)


def _metric_tag_findings(repo: Path, required: list[str]) -> list[Finding]:
    """Every custom metric carries the required tags."""
    _, metrics, _ = _metric_entries(repo)
    metrics_doc = load_deliverable(repo, *CUSTOM_METRICS)
    if not isinstance(metrics_doc, Document):
        return []
    found = []
    for entry in metrics:
        if not isinstance(entry, dict):
            continue
        carried = {str(t).split(":", 1)[0] for t in entry.get("tags") or []}
        missing = [t for t in required if t not in carried]
        if missing:
            found.append(metrics_doc.finding(
                f"metric {entry.get('name')} does not carry required tag(s) "
                f"{', '.join(missing)}", entry))
    return found


def _agent_env_findings(repo: Path, required: list[str]) -> list[Finding]:
    """The agent sets env when env is a required tag."""
    agent = load_deliverable(repo, *AGENT)
    if not isinstance(agent, Document) or not isinstance(agent.data, dict):
        return []
    agent_tags = _tags(agent.data.get("tags"))
    if "env" in required and not agent.data.get("env") and not any(
        t.startswith("env:") for t in agent_tags
    ):
        return [agent.finding("the agent does not set the required env tag", agent.data)]
    return []


# --- alert-rules.yml -----------------------------------------------------------------

_QUERY_THRESHOLD = re.compile(r"(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
# each clause of "a > 120 or a < 60": the critical threshold may be any of them
_ANY_COMPARISON = re.compile(
    r"(?:>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*(?=$|\s+(?:or|and|\|\||&&)\s)")


def alert_rules_findings(repo: Path, limits: dict[str, Threshold] | None = None) -> list[Finding]:
    """The monitors (alert-rules.yml in any shape :mod:`datadog_monitors` reads) are valid:
    named once, a monitor type, a query, a message, thresholds that agree with the query
    (Datadog rejects a critical threshold that differs from it), no looser than the plan's
    number for the category they cover (``limits``, from the catalog), and each notifies
    someone."""
    read = load_monitors(repo)
    if read.findings:
        return read.findings
    found: list[Finding] = []
    names: set[str] = set()
    for monitor in read.monitors:
        found += _alert_rule_findings(monitor, names)
    found += monitor_limit_findings(read.monitors, limits or {}, _metric_units(repo))
    return found + monitor_notify_findings(read.monitors, _routed_severities(repo))


def monitors_examined(repo: Path) -> tuple[int, list[tuple[str, str]]]:
    """How many monitors were read, and from which files in which format."""
    try:
        read = load_monitors(repo)
    except NotVerified:
        return 0, []
    return len(read.monitors), read.sources


def _alert_rule_findings(monitor: Monitor, names: set[str]) -> list[Finding]:
    """One monitor: named once, a monitor type, a query, a message, consistent thresholds."""
    found = []
    name = monitor.name
    if not name or not name.strip():
        found.append(monitor.finding("rule without a name"))
    elif name in names:
        found.append(monitor.finding(f"rule {name!r} is defined twice", "name"))
    else:
        names.add(name)
    if monitor.type not in MONITOR_TYPES:
        found.append(monitor.finding(
            f"rule {name!r}: type {monitor.type!r} is not a monitor type", "type"))
    if not monitor.query or not monitor.query.strip():
        found.append(monitor.finding(f"rule {name!r}: no query"))
        return found
    if not monitor.message or not monitor.message.strip():
        found.append(monitor.finding(
            f"rule {name!r}: no message telling the responder what to do"))
    return found + _threshold_findings(monitor)


def _threshold_findings(monitor: Monitor) -> list[Finding]:
    """The thresholds agree with the query's comparison (Datadog rejects them otherwise)."""
    found = []
    name, query = monitor.name, monitor.query or ""
    match = _QUERY_THRESHOLD.search(query)
    threshold_kind = monitor.type in ("metric alert", "query alert")
    where = monitor.thresholds_at if isinstance(monitor.thresholds_at, Located) else None
    if threshold_kind and match is None:
        found.append(monitor.finding(
            f"rule {name!r}: query has no comparison with a threshold", "query"))
    critical, warning = monitor.critical, monitor.warning
    if critical is None:
        if threshold_kind and match is None:
            found.append(monitor.finding(f"rule {name!r}: no thresholds.critical"))
        return found  # Datadog takes the critical threshold from the query
    line = line_of(where, "critical") if where is not None else None
    if match is None or not isinstance(critical, int | float):
        return found
    compared = {float(v) for v in _ANY_COMPARISON.findall(query)} | {float(match.group(2))}
    if float(critical) not in compared:
        found.append(Finding(monitor.file, line or monitor.line,
            f"rule {name!r}: thresholds.critical {critical} differs from the query's "
            f"{match.group(2)}"))
    if isinstance(warning, int | float):
        above = match.group(1).startswith(">")
        if (above and warning >= critical) or (not above and warning <= critical):
            wline = line_of(where, "warning") if where is not None else None
            found.append(Finding(monitor.file, wline or monitor.line,
                f"rule {name!r}: warning threshold {warning} is not before critical "
                f"{critical} for a '{match.group(1)}' alert"))
    return found


def _metric_units(repo: Path) -> dict[str, str]:
    """custom metric name → its unit, to read a latency monitor's threshold in ms or s."""
    _, metrics, _ = _metric_entries(repo)
    return {str(m["name"]): str(m["unit"]) for m in metrics
            if isinstance(m, dict) and m.get("name") and isinstance(m.get("unit"), str)}


def _routed_severities(repo: Path) -> set[str]:
    """Severities notification-config.yml routes to at least one defined channel."""
    doc = load_deliverable(repo, *NOTIFICATION_CONFIG)
    if not isinstance(doc, Document) or not isinstance(doc.data, dict):
        return set()
    channels = _channels(doc.data)
    return {s for s, targets in _routing(doc.data).items()
            if any(str(t) in channels for t in targets)}


def _monitor_severities(monitors: list[Monitor]) -> Iterator[tuple[Monitor, str | None]]:
    for monitor in monitors:
        yield monitor, monitor.severity


def alert_severity_findings(repo: Path) -> list[Finding]:
    """Every monitor has a severity level (critical/warning/info); critical and warning are
    used. golive's shape names it ('severity'); the Datadog shapes by 'priority' (1-2
    critical, 3 warning, 4-5 info), a severity: tag, or else by the critical and warning
    thresholds Datadog notifies on."""
    read = load_monitors(repo)
    if read.findings:
        return read.findings
    found: list[Finding] = []
    used: set[str] = set()
    for monitor in read.monitors:
        if monitor.severity is not None:
            used.add(monitor.severity)
            continue
        if monitor.format != "golive rules: [...]" and monitor.severity_raw is None and \
                monitor.critical is not None:
            used.add("critical")
            if monitor.warning is not None:
                used.add("warning")
            continue
        found.append(monitor.finding(
            f"rule {monitor.name!r}: severity {monitor.severity_raw!r} is not one of "
            f"{', '.join(SEVERITIES)}", "severity"))
    for level in REQUIRED_SEVERITIES:
        if level not in used:
            shown = read.sources[0][0] if read.sources else "alert-rules.yml"
            found.append(Finding(shown, None, f"no rule has severity {level}"))
    return found


# --- notification-config.yml ---------------------------------------------------------


def _notification(repo: Path) -> tuple[Document | None, Located | None, list[Finding]]:
    doc = load_deliverable(repo, *NOTIFICATION_CONFIG)
    if isinstance(doc, Finding):
        return None, None, [doc]
    data = _recognise(doc, "notification-config.yml", "channels")
    channels, routing = data.get("channels"), data.get("routing")
    if isinstance(channels, dict) or isinstance(routing, list):
        data = _located(dict(data), data)
        if isinstance(channels, dict):  # name → {type, ...}
            listed = LocatedList(
                _located({"name": str(k), **(v if isinstance(v, dict) else {})}, v)
                for k, v in channels.items())
            listed.line = line_of(channels)
            data["channels"] = listed
        if isinstance(routing, list):  # [{severity, channels}]
            data["routing"] = _located(
                {str(r.get("severity")): r.get("channels") or [] for r in routing
                 if isinstance(r, dict)}, routing)
    return doc, data, []


def _channels(data: dict[str, Any]) -> dict[str, Any]:
    channels = data.get("channels")
    return {
        str(c["name"]): c
        for c in (channels if isinstance(channels, list) else [])
        if isinstance(c, dict) and c.get("name")
    }


def _routing(data: dict[str, Any]) -> dict[str, list[Any]]:
    """severity → channel names, from the mapping or the list form."""
    routing = data.get("routing")
    if isinstance(routing, list):
        return {str(r.get("severity")): list(r.get("channels") or []) for r in routing
                if isinstance(r, dict)}
    if isinstance(routing, dict):
        return {str(k): list(v) for k, v in routing.items() if isinstance(v, list)}
    return {}


def _channel_target_problem(channel: dict[str, Any]) -> str | None:
    kind = channel.get("type")
    if kind == "slack":
        target = channel.get("channel")
        if not isinstance(target, str) or not target.startswith("#"):
            return f"slack channel {target!r} is not a '#channel' name"
    elif kind == "email":
        addresses = channel.get("addresses")
        if not isinstance(addresses, list) or not addresses or not all(
            isinstance(a, str) and re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", a) for a in addresses
        ):
            return "email channel needs 'addresses', a list of e-mail addresses"
    elif kind in PAGING_TYPES:
        if not channel.get("service"):
            return f"{kind} channel needs the 'service' it pages"
    elif kind in ("webhook", "teams"):
        url = channel.get("url")
        if not isinstance(url, str) or not (url.startswith("https://") or _is_template(url)):
            return f"{kind} channel needs an https 'url'"
    return None


def notification_config_findings(repo: Path) -> list[Finding]:
    """notification-config.yml parses; channels are well-formed, unique, hold no literal
    secret; routing names only defined channels."""
    doc, data, found = _notification(repo)
    if doc is None or data is None:
        return found
    channels = _list_of(doc, data, "channels")
    if isinstance(channels, Finding):
        return [channels]
    seen: set[str] = set()
    for channel in channels:
        if not isinstance(channel, dict):
            found.append(doc.finding(f"channel is not a mapping: {channel!r}", channels))
            continue
        found += _channel_findings(doc, channel, seen)
    return _schema_findings(doc, "notification-config.yml",
                            found + _routing_findings(doc, data, seen))


def _channel_findings(doc: Document, channel: dict[str, Any], seen: set[str]) -> list[Finding]:
    """One channel: named once, a known type, a well-formed target, no literal secret."""
    found = []
    name = channel.get("name")
    if not name:
        found.append(doc.finding("channel without a name", channel))
    elif name in seen:
        found.append(doc.finding(f"channel {name} is defined twice", channel))
    seen.add(str(name))
    kind = channel.get("type")
    if kind not in CHANNEL_TYPES:
        found.append(doc.finding(
            f"channel {name}: type {kind!r} is not one of {', '.join(sorted(CHANNEL_TYPES))}",
            channel, "type"))
        return found
    problem = _channel_target_problem(channel)
    if problem:
        found.append(doc.finding(f"channel {name}: {problem}", channel))
    for key, value in channel.items():
        if isinstance(value, str) and _LITERAL_SECRET.search(value) and not _is_template(value):
            found.append(doc.finding(
                f"channel {name}: {key} looks like a literal secret; reference the secret "
                "store instead", channel, key))
    return found


def _routing_findings(doc: Document, data: Located, channels: set[str]) -> list[Finding]:
    """Routing maps severities to lists of defined channel names."""
    routing = data.get("routing")
    if not isinstance(routing, dict):
        return [doc.finding("'routing' must map each severity to channel names", data)]
    found = []
    for severity, targets in routing.items():
        if not isinstance(targets, list):
            found.append(doc.finding(f"routing {severity}: expected a list of channel names",
                                     routing, severity))
            continue
        found += [
            doc.finding(f"routing {severity} names undefined channel {target!r}",
                        routing, severity)
            for target in targets if str(target) not in channels
        ]
    return found


def notification_channels_findings(repo: Path) -> list[Finding]:
    """Every severity the alert rules use reaches a defined channel; critical pages someone."""
    doc, data, found = _notification(repo)
    if doc is None or data is None:
        return found
    channels = _channels(data)
    if not channels:
        return [doc.finding("no notification channel is defined", data)]
    routing = _routing(data)
    routing_at = data.get("routing") if isinstance(data.get("routing"), Located) else data
    try:
        monitors = load_monitors(repo).monitors
    except NotVerified:
        monitors = []
    used = {s for _, s in _monitor_severities(monitors) if s in SEVERITIES}
    for severity in sorted(used | set(REQUIRED_SEVERITIES), key=SEVERITIES.index):
        targets = [str(t) for t in routing.get(severity) or [] if str(t) in channels]
        if not targets:
            found.append(doc.finding(
                f"{severity} alerts reach no defined channel", routing_at, severity))
        elif severity == "critical" and not any(
            channels[t].get("type") in PAGING_TYPES for t in targets
        ):
            found.append(doc.finding(
                "critical alerts page no one: route them to a pagerduty or opsgenie channel",
                routing_at, severity))
    return found


# --- escalation-matrix.yml -----------------------------------------------------------


def _escalation(repo: Path) -> tuple[Document | None, Located | None, list[Finding]]:
    doc = load_deliverable(repo, *ESCALATION_MATRIX)
    if isinstance(doc, Finding):
        return None, None, [doc]
    data = _recognise(doc, "escalation-matrix.yml", "policies", "escalation_policy",
                      "escalation_rules")
    if "policies" not in data:
        data = _pagerduty_policy(data)
    if not isinstance(data.get("policies"), dict) or not data["policies"]:
        return doc, data, [doc.finding("'policies' must map severities to escalation levels",
                                       data)]
    return doc, data, []


def _pagerduty_policy(data: Located) -> Located:
    """A PagerDuty escalation policy as golive's shape: its rules are the critical levels."""
    policy = data.get("escalation_policy")
    rules = (policy if isinstance(policy, dict) else data).get("escalation_rules")
    levels = LocatedList()
    for number, rule in enumerate(rules if isinstance(rules, list) else [], start=1):
        if not isinstance(rule, dict):
            continue
        targets = [t.get("summary") or t.get("id") for t in rule.get("targets") or []
                   if isinstance(t, dict)]
        levels.append(_located({
            "level": number, "notify": [str(t) for t in targets if t],
            "escalate_after": rule.get("escalation_delay_in_minutes")}, rule))
    levels.line = line_of(rules)
    # PagerDuty targets are its own users and schedules: no contacts list to define
    return _located({"policies": {"critical": levels} if levels else {},
                     "contacts": None}, data)


def escalation_matrix_findings(repo: Path) -> list[Finding]:
    """escalation-matrix.yml parses; each level names defined, reachable contacts."""
    doc, data, found = _escalation(repo)
    if doc is None or data is None or found:
        return found
    contacts = data.get("contacts")
    if "contacts" in data and contacts is None:
        contacts = {}  # PagerDuty's targets are its own users and schedules
    elif not isinstance(contacts, dict) or not contacts:
        found.append(doc.finding("'contacts' must define who each level notifies", data))
        contacts = {}
    for name, contact in contacts.items():
        if not isinstance(contact, dict) or not any(
            contact.get(k) for k in ("email", "phone", "pagerduty_schedule", "slack")
        ):
            found.append(doc.finding(
                f"contact {name} has no way to be reached (email, phone, pagerduty_schedule, "
                "slack)", contacts, name))
    for severity, levels in data["policies"].items():
        if not isinstance(levels, list) or not levels:
            found.append(doc.finding(f"policy {severity}: expected a list of levels",
                                     data["policies"], severity))
            continue
        for level in levels:
            if not isinstance(level, dict):
                found.append(doc.finding(f"policy {severity}: level is not a mapping", levels))
                continue
            found += _level_findings(doc, severity, level, contacts)
    return _schema_findings(doc, "escalation-matrix.yml", found)


def _level_findings(doc: Document, severity: object, level: dict[str, Any],
                    contacts: dict[str, Any]) -> list[Finding]:
    """One escalation level notifies defined contacts and waits a real duration."""
    notify = level.get("notify")
    if not isinstance(notify, list) or not notify:
        return [doc.finding(
            f"policy {severity} level {level.get('level')}: notifies no one", level)]
    found = [
        doc.finding(
            f"policy {severity} level {level.get('level')}: contact {who!r} is "
            "not defined in 'contacts'", level, "notify")
        for who in notify if contacts and str(who) not in contacts
    ]
    wait = level.get("escalate_after")
    if wait is not None and parse_duration_s(wait, default_unit="min") is None:
        found.append(doc.finding(
            f"policy {severity} level {level.get('level')}: escalate_after {wait!r} "
            "is not a duration", level, "escalate_after"))
    return found


def escalation_rules_findings(repo: Path) -> list[Finding]:
    """Critical (and every policy) escalates: at least two ascending levels, each but the
    last with a wait time before the next level is called."""
    doc, data, found = _escalation(repo)
    if doc is None or data is None or found:
        return found
    policies = data["policies"]
    if "critical" not in policies:
        found.append(doc.finding("no escalation policy for critical alerts", policies))
    for severity, levels in policies.items():
        if not isinstance(levels, list):
            continue
        entries = [lv for lv in levels if isinstance(lv, dict)]
        if severity == "critical" and len(entries) < 2:
            found.append(doc.finding(
                "critical policy has fewer than two levels: an unacknowledged page never "
                "reaches anyone else", policies, severity))
        numbers = [lv.get("level") for lv in entries]
        ints = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
        if len(ints) != len(numbers) or ints != sorted(set(ints)):
            found.append(doc.finding(
                f"policy {severity}: levels {numbers} are not numbered in ascending order",
                policies, severity))
        for level in entries[:-1]:
            wait = parse_duration_s(level.get("escalate_after"), default_unit="min")
            if wait is None or wait <= 0:
                found.append(doc.finding(
                    f"policy {severity} level {level.get('level')}: no escalate_after wait "
                    "time, so the next level is never called", level))
    return found


# --- dashboards -----------------------------------------------------------------------

DASHBOARD_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (title words, words one of its widget queries or titles must contain)
    "system": (
        ("system overview", "overview", "システム概要", "概要"),
        ("system.cpu", "system.mem", "system.disk", "cpu", "memory", "uptime", "availability"),
    ),
    "performance": (
        ("performance", "パフォーマンス", "latency", "レイテンシ"),
        ("latency", "duration", "response", "p95", "p99", "レイテンシ", "応答"),
    ),
    "errors": (
        ("error", "エラー"),
        ("error", "5xx", "exception", "エラー"),
    ),
}
_METRIC_IN_QUERY = re.compile(r"(?:^|[\s(,:])([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+)\s*\{")
_NO_QUERY_WIDGETS = frozenset({"note", "free_text", "image", "iframe", "group", "powerpack"})


@dataclass(frozen=True)
class Widget:
    title: str
    type: str
    queries: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class Dashboard:
    file: str
    title: str
    refresh_s: float | None
    refresh_raw: object
    widgets: tuple[Widget, ...]
    line: int | None
    api_export: bool = False  # Datadog's API shape, which has no refresh setting


def _queries(definition: dict[str, Any]) -> Iterator[str]:
    if isinstance(definition.get("query"), str):  # log stream, monitor summary
        yield definition["query"]
    for request in definition.get("requests") or []:
        if not isinstance(request, dict):
            continue
        for key in ("q", "query"):
            if isinstance(request.get(key), str):
                yield request[key]
        for query in request.get("queries") or []:
            if isinstance(query, dict) and isinstance(query.get("query"), str):
                yield query["query"]


def _widgets(items: object) -> Iterator[Widget]:
    for item in items if isinstance(items, list) else []:
        definition = item.get("definition") if isinstance(item, dict) else None
        if not isinstance(definition, dict):
            yield Widget("", "", (), line_of(item))
            continue
        kind = str(definition.get("type", ""))
        if kind == "group":
            yield from _widgets(definition.get("widgets"))
            continue
        yield Widget(str(definition.get("title", "")), kind, tuple(_queries(definition)),
                     line_of(definition))


def _dashboard_files(repo: Path) -> list[Path]:
    return [p for p in find_files(repo, "*.json")
            if "dashboards" in p.parent.parts[-2:] or "dashboard" in p.name.lower()]


def _dashboard(file: str, data: Any, line: int | None) -> Dashboard | None:
    """A Datadog dashboard (API JSON: title, widgets[, layout_type]); None for other JSON."""
    if not isinstance(data, dict) or not isinstance(data.get("widgets"), list):
        return None
    raw = data.get("refresh_interval", data.get("refresh"))
    return Dashboard(
        file=file,
        title=str(data.get("title", "")),
        refresh_s=parse_duration_s(raw) if raw is not None else None,
        refresh_raw=raw,
        widgets=tuple(_widgets(data.get("widgets"))),
        line=line,
        api_export="layout_type" in data,
    )


def dashboards(repo: Path) -> tuple[list[Dashboard], list[Finding]]:
    """Every Datadog dashboard: API JSON under a ``dashboards`` folder or named
    ``*dashboard*.json``, and Terraform ``datadog_dashboard_json``; parse problems."""
    found: list[Finding] = []
    boards: list[Dashboard] = []
    for path in _dashboard_files(repo):
        doc = load_structured(repo, path)
        if isinstance(doc, Finding):
            found.append(doc)
            continue
        board = _dashboard(doc.shown, doc.data, line_of(doc.data))
        if board is not None:
            boards.append(board)
    for file, line, data in terraform_dashboards(repo):
        board = _dashboard(file, data, line)
        if board is not None:
            boards.append(board)
    return boards, found


def _matches(text: str, words: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(word.lower() in low for word in words)


def dashboard_findings(repo: Path, kind: str) -> list[Finding]:
    """The ``kind`` dashboard (system, performance, errors) exists and shows what it should."""
    titles, content = DASHBOARD_KINDS[kind]
    boards, found = dashboards(repo)
    matching = [b for b in boards if _matches(b.title, titles)]
    if not matching:
        searched = ", ".join(sorted({b.file for b in boards})) or "no dashboard found"
        return [*found, Finding(
            "dashboards/*.json", None,
            f"not found: the {kind} dashboard (title containing {' or '.join(titles)}); "
            f"searched: {searched}")]
    for board in matching:
        if not board.widgets:
            found.append(Finding(board.file, board.line, f"{kind} dashboard has no widgets"))
        elif not any(_matches(" ".join((w.title, *w.queries)), content) for w in board.widgets):
            found.append(Finding(
                board.file, board.line,
                f"{kind} dashboard shows none of: {', '.join(content)}"))
    return found


@dataclass
class RefreshReport:
    seconds: dict[str, float] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    unset: list[str] = field(default_factory=list)  # API exports that cannot say

    @property
    def slowest_s(self) -> float | None:
        return max(self.seconds.values()) if self.seconds else None


def dashboard_refresh(repo: Path) -> RefreshReport:
    """Each dashboard's refresh interval; missing or unreadable intervals are findings."""
    boards, found = dashboards(repo)
    report = RefreshReport(findings=found)
    if not boards:
        report.findings.append(Finding(
            "dashboards/*.json", None,
            "not found: no Datadog dashboard definition (*.json under a dashboards folder)"))
    for board in boards:
        if board.refresh_raw is None and board.api_export:
            report.unset.append(board.file)
            continue
        if board.refresh_s is None:
            what = "no refresh_interval" if board.refresh_raw is None else (
                f"refresh_interval {board.refresh_raw!r} is not a duration")
            report.findings.append(Finding(board.file, board.line, what))
        else:
            report.seconds[board.file] = board.refresh_s
    return report


def custom_widget_findings(repo: Path) -> list[Finding]:
    """Widgets are well-formed, at least one shows a custom metric, and every metric of the
    custom namespaces a widget queries is defined in custom-metrics.yml (else: no data)."""
    boards, found = dashboards(repo)
    defined = custom_metric_names(repo)
    if not defined:
        found.append(Finding(
            " or ".join(CUSTOM_METRICS), None,
            "no custom metric defined: custom widgets would have nothing to show"))
    namespaces = {name.split(".", 1)[0] for name in defined}
    custom_widgets = 0
    for board in boards:
        for widget in board.widgets:
            if not widget.type:
                found.append(Finding(board.file, widget.line, "widget without a definition type"))
                continue
            if widget.type in _NO_QUERY_WIDGETS:
                continue
            if not widget.queries:
                found.append(Finding(board.file, widget.line,
                                     f"widget {widget.title!r} has no query"))
                continue
            metrics = {m for q in widget.queries for m in _METRIC_IN_QUERY.findall(q)}
            custom = {m for m in metrics if m.split(".", 1)[0] in namespaces}
            if custom & defined:
                custom_widgets += 1
            for metric in sorted(custom - defined):
                found.append(Finding(
                    board.file, widget.line,
                    f"widget {widget.title!r} queries {metric}, which custom-metrics.yml does "
                    "not define: it shows no data"))
    if boards and defined and not custom_widgets:
        found.append(Finding(
            "dashboards/*.json", None,
            "no dashboard widget shows a custom metric defined in custom-metrics.yml"))
    return found
