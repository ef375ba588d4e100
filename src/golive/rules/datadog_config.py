"""Datadog configuration as code: agent, custom metrics, tags, monitors, routing, dashboards.

The files are the plan's deliverables (datadog-agent.yml, custom-metrics.yml,
tagging-rules.json, alert-rules.yml, notification-config.yml, escalation-matrix.yml) and
dashboard definitions (``dashboards/*.json`` in Datadog's dashboard API shape). Each
``*_findings`` function returns what is wrong; an empty list means sound.

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

from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import (
    Document,
    Located,
    line_of,
    load_deliverable,
    load_structured,
    parse_duration_s,
)
from golive.judging.findings import Finding

__all__ = [
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
    "notification_channels_findings",
    "notification_config_findings",
    "tagging_rules_findings",
    "tagging_rules_json_findings",
]

AGENT = ("datadog-agent.yml", "datadog-agent.yaml")
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


# --- datadog-agent.yml ---------------------------------------------------------------


def _tags(value: object) -> list[str]:
    if isinstance(value, str):
        return [t.strip() for t in re.split(r"[,\s]+", value) if t.strip()]
    if isinstance(value, list):
        return [str(t) for t in value]
    return []


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
    site = data.get("site")
    if site is not None and str(site) not in DATADOG_SITES:
        found.append(doc.finding(
            f"site {site!r} is not a Datadog site ({', '.join(sorted(DATADOG_SITES))}): "
            "the agent would send data nowhere", data, "site"))
    tags = _tags(data.get("tags"))
    if not data.get("env") and not any(t.startswith("env:") for t in tags):
        found.append(doc.finding(
            "no env set (neither 'env' nor an 'env:' tag): production and staging data mix",
            data))
    for tag in tags:
        if ":" not in tag or not TAG.match(tag):
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
    data = _mapping(doc, "custom-metrics.yml")
    if isinstance(data, list):
        return doc, [], data
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
    return found


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
    data = _mapping(doc, "tagging-rules.json")
    if isinstance(data, list):
        return doc, None, data
    return doc, data, []


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
    rules = _list_of(doc, data, "rules")
    if isinstance(rules, Finding):
        return [*found, rules]
    names: set[str] = set()
    for rule in rules:
        if not isinstance(rule, dict):
            found.append(doc.finding(f"rule is not an object: {rule!r}", rules))
            continue
        found += _tag_rule_findings(doc, rule, names, allowed)
    return found


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


def _alert_rules(repo: Path) -> tuple[Document | None, list[Any], list[Finding]]:
    doc = load_deliverable(repo, *ALERT_RULES)
    if isinstance(doc, Finding):
        return None, [], [doc]
    data = _mapping(doc, "alert-rules.yml")
    if isinstance(data, list):
        return doc, [], data
    rules = _list_of(doc, data, "rules")
    if isinstance(rules, Finding):
        return doc, [], [rules]
    return doc, rules, []


def alert_rules_findings(repo: Path) -> list[Finding]:
    """alert-rules.yml parses; each rule is a valid monitor whose thresholds agree with its
    query (Datadog rejects a critical threshold that differs from the query's)."""
    doc, rules, found = _alert_rules(repo)
    if doc is None or found:
        return found
    names: set[str] = set()
    for rule in rules:
        if not isinstance(rule, dict):
            found.append(doc.finding(f"rule is not a mapping: {rule!r}", rules))
            continue
        found += _alert_rule_findings(doc, rule, names)
    return found


def _alert_rule_findings(doc: Document, rule: dict[str, Any], names: set[str]) -> list[Finding]:
    """One monitor: named once, a monitor type, a query, a message, consistent thresholds."""
    found = []
    name = rule.get("name")
    if not isinstance(name, str) or not name.strip():
        found.append(doc.finding("rule without a name", rule))
    elif name in names:
        found.append(doc.finding(f"rule {name!r} is defined twice", rule, "name"))
    else:
        names.add(name)
    kind = rule.get("type")
    if kind not in MONITOR_TYPES:
        found.append(doc.finding(f"rule {name!r}: type {kind!r} is not a monitor type",
                                 rule, "type"))
    query = rule.get("query")
    if not isinstance(query, str) or not query.strip():
        found.append(doc.finding(f"rule {name!r}: no query", rule))
        return found
    if not isinstance(rule.get("message"), str) or not rule["message"].strip():
        found.append(doc.finding(
            f"rule {name!r}: no message telling the responder what to do", rule))
    return found + _threshold_findings(doc, rule, name, kind, query)


def _threshold_findings(doc: Document, rule: dict[str, Any], name: object, kind: object,
                        query: str) -> list[Finding]:
    """The thresholds agree with the query's comparison (Datadog rejects them otherwise)."""
    found = []
    thresholds = rule.get("thresholds")
    match = _QUERY_THRESHOLD.search(query)
    threshold_kind = kind in ("metric alert", "query alert")
    if threshold_kind and match is None:
        found.append(doc.finding(
            f"rule {name!r}: query has no comparison with a threshold", rule, "query"))
    if not isinstance(thresholds, dict) or "critical" not in thresholds:
        if threshold_kind:
            found.append(doc.finding(f"rule {name!r}: no thresholds.critical", rule))
        return found
    critical, warning = thresholds.get("critical"), thresholds.get("warning")
    if match is None or not isinstance(critical, int | float):
        return found
    if float(match.group(2)) != float(critical):
        found.append(doc.finding(
            f"rule {name!r}: thresholds.critical {critical} differs from the query's "
            f"{match.group(2)}", thresholds, "critical"))
    if isinstance(warning, int | float):
        above = match.group(1).startswith(">")
        if (above and warning >= critical) or (not above and warning <= critical):
            found.append(doc.finding(
                f"rule {name!r}: warning threshold {warning} is not before critical "
                f"{critical} for a '{match.group(1)}' alert", thresholds, "warning"))
    return found


def _rule_severities(rules: list[Any]) -> Iterator[tuple[Any, object]]:
    for rule in rules:
        if isinstance(rule, dict):
            yield rule, rule.get("severity")


def alert_severity_findings(repo: Path) -> list[Finding]:
    """Every rule has a severity level (critical/warning/info); critical and warning are used."""
    doc, rules, found = _alert_rules(repo)
    if doc is None or found:
        return found
    used: set[str] = set()
    for rule, severity in _rule_severities(rules):
        if severity not in SEVERITIES:
            found.append(doc.finding(
                f"rule {rule.get('name')!r}: severity {severity!r} is not one of "
                f"{', '.join(SEVERITIES)}", rule, "severity" if "severity" in rule else None))
        else:
            used.add(str(severity))
    for level in REQUIRED_SEVERITIES:
        if level not in used:
            found.append(doc.finding(f"no rule has severity {level}", doc.data, "rules"))
    return found


# --- notification-config.yml ---------------------------------------------------------


def _notification(repo: Path) -> tuple[Document | None, Located | None, list[Finding]]:
    doc = load_deliverable(repo, *NOTIFICATION_CONFIG)
    if isinstance(doc, Finding):
        return None, None, [doc]
    data = _mapping(doc, "notification-config.yml")
    if isinstance(data, list):
        return doc, None, data
    return doc, data, []


def _channels(data: Located) -> dict[str, Any]:
    channels = data.get("channels")
    return {
        str(c["name"]): c
        for c in (channels if isinstance(channels, list) else [])
        if isinstance(c, dict) and c.get("name")
    }


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
    return found + _routing_findings(doc, data, seen)


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
    raw_routing = data.get("routing")
    routing: dict[str, Any] = raw_routing if isinstance(raw_routing, dict) else {}
    _, rules, _ = _alert_rules(repo)
    used = {str(s) for _, s in _rule_severities(rules) if s in SEVERITIES}
    for severity in sorted(used | set(REQUIRED_SEVERITIES), key=SEVERITIES.index):
        targets = [str(t) for t in routing.get(severity) or [] if str(t) in channels]
        if not targets:
            found.append(doc.finding(
                f"{severity} alerts reach no defined channel", routing or data, severity))
        elif severity == "critical" and not any(
            channels[t].get("type") in PAGING_TYPES for t in targets
        ):
            found.append(doc.finding(
                "critical alerts page no one: route them to a pagerduty or opsgenie channel",
                routing, severity))
    return found


# --- escalation-matrix.yml -----------------------------------------------------------


def _escalation(repo: Path) -> tuple[Document | None, Located | None, list[Finding]]:
    doc = load_deliverable(repo, *ESCALATION_MATRIX)
    if isinstance(doc, Finding):
        return None, None, [doc]
    data = _mapping(doc, "escalation-matrix.yml")
    if isinstance(data, list):
        return doc, None, data
    if not isinstance(data.get("policies"), dict) or not data["policies"]:
        return doc, data, [doc.finding("'policies' must map severities to escalation levels",
                                       data)]
    return doc, data, []


def escalation_matrix_findings(repo: Path) -> list[Finding]:
    """escalation-matrix.yml parses; each level names defined, reachable contacts."""
    doc, data, found = _escalation(repo)
    if doc is None or data is None or found:
        return found
    contacts = data.get("contacts")
    if not isinstance(contacts, dict) or not contacts:
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
    return found


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
    return [p for p in find_files(repo, "*.json") if "dashboards" in p.parent.parts[-2:]]


def dashboards(repo: Path) -> tuple[list[Dashboard], list[Finding]]:
    """Every Datadog dashboard JSON under a ``dashboards`` folder, and parse problems."""
    found: list[Finding] = []
    boards: list[Dashboard] = []
    for path in _dashboard_files(repo):
        doc = load_structured(repo, path)
        if isinstance(doc, Finding):
            found.append(doc)
            continue
        data = doc.data
        if not isinstance(data, dict) or "widgets" not in data:
            continue  # not a dashboard definition
        raw = data.get("refresh_interval", data.get("refresh"))
        boards.append(Dashboard(
            file=doc.shown,
            title=str(data.get("title", "")),
            refresh_s=parse_duration_s(raw) if raw is not None else None,
            refresh_raw=raw,
            widgets=tuple(_widgets(data.get("widgets"))),
            line=line_of(data),
        ))
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
