"""Datadog monitors and dashboards as teams write them, read into one shape.

Monitors (the plan's alert-rules.yml role) are read from:

- golive's ``rules: [{name, type, query, severity, thresholds, message}]``;
- a ``monitors:`` list of the same items or of Datadog Monitor API objects;
- a Datadog Monitor API object (``GET /api/v1/monitor/{id}``), or a list of them, in JSON
  or YAML: ``name``, ``type``, ``query``, ``message``, ``options.thresholds``, ``priority``,
  ``tags``;
- Terraform ``resource "datadog_monitor"`` blocks (``monitor_thresholds {}``), read with
  python-hcl2, when the repository has no alert-rules file.

Dashboards: Datadog dashboard API JSON and Terraform ``datadog_dashboard_json`` whose
``dashboard`` is a heredoc or ``file("...")``. A file in none of these shapes raises
NotVerified("unrecognised format: ..."), never a parser's field path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.catalog import Threshold
from golive.facts.repo.discover import RoleMatch, find_files, remember_role
from golive.facts.repo.structured import (
    Document,
    line_of,
    load_structured,
    relative,
    to_seconds,
)
from golive.facts.repo.terraform import resources_as_written
from golive.judging.findings import Finding
from golive.rules.schemas import unrecognised

__all__ = [
    "ACCEPTED",
    "CATEGORY_WORDS",
    "Monitor",
    "MonitorSet",
    "category_of",
    "load_monitors",
    "monitor_limit_findings",
    "monitor_notify_findings",
    "terraform_dashboards",
]

ACCEPTED = (
    "golive rules: [...]", "monitors: [...]", "Datadog Monitor API JSON/YAML (object or list)",
    "Terraform datadog_monitor",
)
_PRIORITY_SEVERITY = {1: "critical", 2: "critical", 3: "warning", 4: "info", 5: "info"}
# @slack-x, @pagerduty-y, @team@example.com, or a Terraform-interpolated @${var.oncall}
_HANDLE = re.compile(r"(?<![\w.])@(?:[\w.+-]+|\$\{[^}]+\})")
_COMPARISON = re.compile(r"(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")
# the category a monitor defends, by words in its name or query (Datadog metric names)
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "cpu": ("cpu",),
    "memory": ("system.mem", "memory", "mem.", "メモリ"),
    "error-rate": ("error", "5xx", "エラー率"),
    "latency": ("latency", "duration", "response_time", "responsetime", "レイテンシ", "応答"),
}
_FREE = ("usable", "free", "available", "idle")
# an error rate or latency is the plan's (the service's responses) only when the monitor says
# so: a model's inference latency or a queue's error count is judged by no plan number
_SERVICE_WORDS = ("http", "request", "response", "5xx", "status", "trace.", "web", "api",
                  "endpoint", "route", "server", "応答", "リクエスト")
# functions whose result is not the metric's value (a score, a count of outliers)
_NOT_A_VALUE = ("anomalies(", "outliers(", "forecast(", "burn_rate(")
_TAG_SEVERITY = {"critical": "critical", "high": "critical", "p1": "critical", "p2": "critical",
                 "sev1": "critical", "sev2": "critical", "warning": "warning",
                 "medium": "warning", "p3": "warning", "sev3": "warning", "info": "info",
                 "low": "info", "p4": "info", "p5": "info", "sev4": "info"}
_QUOTED_TAG = re.compile(r'"([^"${}]+:[^"${}]+)"')


@dataclass(frozen=True)
class Monitor:
    """One monitor, whatever file and format it came from."""

    name: str | None
    type: object
    query: str | None
    message: str | None
    critical: object
    warning: object
    severity: str | None  # critical / warning / info, from severity, priority or a tag
    severity_raw: object
    tags: tuple[str, ...]
    silenced: bool
    file: str
    line: int | None
    format: str
    raw: Any = field(repr=False, compare=False, default=None)
    thresholds_at: Any = field(repr=False, compare=False, default=None)

    def finding(self, message: str, key: str | None = None) -> Finding:
        line = line_of(self.raw, key) if key is not None and self.raw is not None else None
        return Finding(self.file, line or self.line, message)


@dataclass
class MonitorSet:
    """The monitors read, the files and formats they came from, and read problems."""

    monitors: list[Monitor] = field(default_factory=list)
    sources: list[tuple[str, str]] = field(default_factory=list)  # (file, format)
    findings: list[Finding] = field(default_factory=list)
    document: Document | None = None  # the alert-rules file when it was YAML/JSON


def _severity(raw: dict[str, Any], tags: tuple[str, ...]) -> tuple[str | None, object]:
    if "severity" in raw:
        value = raw["severity"]
        return (str(value) if value in ("critical", "warning", "info") else None), value
    priority = raw.get("priority")
    if isinstance(priority, int) and not isinstance(priority, bool):
        return _PRIORITY_SEVERITY.get(priority), priority
    for tag in tags:
        key, _, value = tag.partition(":")
        if key in ("severity", "level", "priority") and value.lower() in _TAG_SEVERITY:
            return _TAG_SEVERITY[value.lower()], tag
    return None, None


def _monitor(raw: dict[str, Any], file: str, fmt: str, line: int | None) -> Monitor:
    raw_options = raw.get("options")
    options: dict[str, Any] = raw_options if isinstance(raw_options, dict) else {}
    thresholds = raw.get("thresholds")
    if not isinstance(thresholds, dict):
        thresholds = options.get("thresholds")
    if not isinstance(thresholds, dict):
        thresholds = {}
    raw_tags = raw.get("tags")
    if isinstance(raw_tags, str):  # a Terraform expression: concat(local.tags, ["a:b"])
        raw_tags = _QUOTED_TAG.findall(raw_tags)
    tags = tuple(str(t) for t in raw_tags or [] if isinstance(t, str | int))
    severity, severity_raw = _severity(raw, tags)
    silenced = options.get("silenced")
    muted = isinstance(silenced, dict) and any(v is None for v in silenced.values())
    message = raw.get("message")
    query = raw.get("query")
    return Monitor(
        name=str(raw["name"]) if isinstance(raw.get("name"), str) else None,
        type=raw.get("type"),
        query=query if isinstance(query, str) else None,
        message=message if isinstance(message, str) else None,
        critical=thresholds.get("critical"),
        warning=thresholds.get("warning"),
        severity=severity,
        severity_raw=severity_raw,
        tags=tags,
        silenced=muted,
        file=file,
        line=line or line_of(raw),
        format=fmt,
        raw=raw,
        thresholds_at=thresholds,
    )


def _is_monitor(value: object) -> bool:
    return isinstance(value, dict) and "query" in value and ("type" in value or "name" in value)


def _from_document(doc: Document) -> tuple[list[Monitor], str] | None:
    """The monitors of a YAML/JSON alert-rules file and its format; None when unrecognised."""
    data = doc.data
    items: list[Any]
    if isinstance(data, dict) and isinstance(data.get("rules"), list):
        items, fmt = data["rules"], "golive rules: [...]"
    elif isinstance(data, dict) and isinstance(data.get("monitors"), list):
        items, fmt = data["monitors"], "monitors: [...]"
    elif _is_monitor(data):
        items, fmt = [data], "Datadog Monitor API object"
    elif isinstance(data, list) and data and all(_is_monitor(m) for m in data):
        items, fmt = data, "Datadog Monitor API list"
    else:
        return None
    monitors = [
        _monitor(item if isinstance(item, dict) else {}, doc.shown, fmt,
                 line_of(item) or line_of(items))
        for item in items
    ]
    return monitors, fmt


# --- Terraform ----------------------------------------------------------------------------

_HEREDOC = re.compile(r"^<<-?(\w+)\n(.*)\n\s*\1$", re.DOTALL)
_FILE_CALL = re.compile(r"^\$\{file\(\"(?:\$\{path\.(?:module|root)\}/)?([^\"$]+)\"\)\}$")


def _unquote(value: object) -> object:
    if isinstance(value, str):
        heredoc = _HEREDOC.match(value.strip())
        if heredoc:
            return heredoc.group(2)
    return value


def _terraform_resources(path: Path, kind: str) -> Iterator[tuple[str, dict[str, Any], int]]:
    """(name, attributes, line) of every ``resource "kind" "name"`` in a .tf file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return
    if kind not in text:
        return
    try:
        resources = resources_as_written(text, kind)
    except ValueError as exc:
        raise NotVerified(
            f"unrecognised format: {path.name} is not HCL that python-hcl2 reads ({exc})"
        ) from None
    for resource in resources:
        yield resource.name, {k: _unquote(v) for k, v in resource.attrs.items()}, resource.line or 1


def _terraform_monitors(repo: Path) -> tuple[list[Monitor], list[str]]:
    monitors: list[Monitor] = []
    files: list[str] = []
    for path in find_files(repo, "*.tf"):
        shown = relative(repo, path)
        for _name, attrs, line in _terraform_resources(path, "datadog_monitor"):
            blocks = attrs.get("monitor_thresholds")
            thresholds = blocks[0] if isinstance(blocks, list) and blocks else blocks
            raw = {**attrs, "thresholds": thresholds if isinstance(thresholds, dict) else {}}
            if raw.get("muted") is True:
                raw["options"] = {"silenced": {"*": None}}
            monitors.append(_monitor(raw, shown, "Terraform datadog_monitor", line))
            if shown not in files:
                files.append(shown)
    return monitors, files


def terraform_dashboards(repo: Path) -> Iterator[tuple[str, int, object]]:
    """(file, line, dashboard JSON data) of every Terraform ``datadog_dashboard_json``."""
    for path in find_files(repo, "*.tf"):
        shown = relative(repo, path)
        for name, attrs, line in _terraform_resources(path, "datadog_dashboard_json"):
            body = attrs.get("dashboard")
            text: str | None = None
            if isinstance(body, str):
                linked = _FILE_CALL.match(body.strip())
                if linked:
                    target = path.parent / linked.group(1)
                    try:
                        text = target.read_text(encoding="utf-8")
                    except (OSError, UnicodeDecodeError):
                        text = None
                else:
                    text = body
            try:
                data = json.loads(text) if text is not None else None
            except json.JSONDecodeError:
                data = None
            if data is None:
                raise NotVerified(unrecognised(
                    f"{shown} (datadog_dashboard_json.{name})",
                    ["dashboard = <<EOF JSON EOF", 'dashboard = file("x.json")']))
            yield shown, line, data


# --- loading ----------------------------------------------------------------------------

_ALERT_FILES = ("alert-rules.yml", "alert-rules.yaml", "alert-rules.json")


def load_monitors(repo: Path) -> MonitorSet:
    """The monitors of the alert-rules file, else of Terraform ``datadog_monitor`` resources.

    A missing source is a "not found" finding; a file in no known shape raises NotVerified.
    """
    result = MonitorSet()
    hits = find_files(repo, *_ALERT_FILES)
    path = min(hits, key=lambda p: (len(p.parts), str(p))) if hits else None
    if path is not None:
        doc = load_structured(repo, path)
        if isinstance(doc, Finding):
            result.findings.append(doc)
            return result
        read = _from_document(doc)
        if read is None:
            raise NotVerified(unrecognised(doc.shown, ACCEPTED))
        result.monitors, fmt = read
        result.sources.append((doc.shown, fmt))
        result.document = doc
        remember_role(repo, RoleMatch("alert-rules.yml", path, f"plan name ({fmt})"))
        return result
    monitors, files = _terraform_monitors(repo)
    if monitors:
        result.monitors = monitors
        result.sources = [(f, "Terraform datadog_monitor") for f in files]
        remember_role(repo, RoleMatch("alert-rules.yml", Path(repo) / files[0],
                                      "Terraform datadog_monitor resources"))
        return result
    result.findings.append(Finding(
        "alert-rules.yml", None,
        "not found: alert-rules.yml, alert-rules.yaml or alert-rules.json, nor a Terraform "
        "datadog_monitor resource anywhere in the repository"))
    return result


# --- judging ----------------------------------------------------------------------------


def category_of(monitor: Monitor) -> str | None:
    """cpu, memory, error-rate or latency: what the monitor watches (by name and query)."""
    query = (monitor.query or "").lower()
    name = (monitor.name or "").lower()
    if any(f in query for f in _NOT_A_VALUE):
        return None
    found = next((c for c, words in CATEGORY_WORDS.items() if any(w in query for w in words)),
                 None)
    if found is None:
        found = next((c for c, words in CATEGORY_WORDS.items() if any(w in name for w in words)),
                     None)
    if found in ("error-rate", "latency") and not any(
        w in query or w in name for w in _SERVICE_WORDS
    ):
        return None
    return found


def _scale(monitor: Monitor, category: str, value: float, unit: str,
           units: dict[str, str]) -> float | None:
    """The monitor's threshold in the catalog threshold's unit; None when it cannot be told."""
    query = (monitor.query or "").lower()
    if unit == "%":
        percent = "* 100" in query or "*100" in query or "100 *" in query or "100*" in query
        if category == "cpu" or percent:
            return value
        return value * 100 if value <= 1 else value  # a ratio written as a fraction
    if unit in ("ms", "s", "min"):
        metric_unit = next((u for m, u in units.items() if m.lower() in query), None)
        if metric_unit is None and "trace." in query:
            metric_unit = "second"  # APM durations are seconds
        if metric_unit is None:
            return value  # written in the plan's unit
        factor = {"millisecond": 0.001, "ms": 0.001, "second": 1.0, "s": 1.0,
                  "microsecond": 1e-6, "nanosecond": 1e-9, "minute": 60.0}.get(
                      metric_unit.lower())
        return None if factor is None else value * factor / to_seconds(1, unit)
    return value


def monitor_limit_findings(monitors: list[Monitor], limits: dict[str, Threshold],
                           units: dict[str, str] | None = None) -> list[Finding]:
    """Each monitor covering a category with a plan limit alerts no later than the limit:
    the plan's number comes from the catalog (``limits``: category → threshold)."""
    found = []
    for monitor in monitors:
        category = category_of(monitor)
        limit = limits.get(category) if category else None
        if limit is None or not isinstance(monitor.critical, int | float):
            continue
        match = _COMPARISON.search(monitor.query or "")
        op = match.group(1) if match else ">"
        value = float(monitor.critical)
        query = (monitor.query or "").lower()
        if op.startswith("<") and any(w in query for w in _FREE):
            # "free/usable below X" is "used above 100 - X"
            value = (1 - value) if value <= 1 else (100 - value)
        elif op.startswith("<"):
            continue  # a below-alert does not defend an upper limit
        scaled = _scale(monitor, category or "", value, limit.unit, units or {})
        if scaled is None:
            continue
        if scaled > limit.value + 1e-9:
            found.append(monitor.finding(
                f"monitor {monitor.name!r} ({category}) alerts at {scaled:g} {limit.unit}, "
                f"looser than the plan's {limit.value:g} {limit.unit}", "query"))
    return found


def monitor_notify_findings(monitors: list[Monitor], routed: set[str]) -> list[Finding]:
    """Each monitor notifies someone: an @-handle in its message, or a routing entry for its
    severity in notification-config.yml (``routed``); a monitor muted for good notifies no
    one."""
    found = []
    for monitor in monitors:
        if monitor.silenced:
            found.append(monitor.finding(
                f"monitor {monitor.name!r} is muted with no end: it notifies no one"))
            continue
        if _HANDLE.search(monitor.message or ""):
            continue
        if monitor.severity is not None and monitor.severity in routed:
            continue
        found.append(monitor.finding(
            f"monitor {monitor.name!r} notifies no one: no @-handle in its message and no "
            f"notification-config.yml routing for severity {monitor.severity or '(none)'}",
            "message"))
    return found
