"""Datadog: monitors and dashboards through the API, alerts through a triaged export.

API (``DD-API-KEY`` and ``DD-APPLICATION-KEY`` headers, base ``datadog_api_url`` such as
``https://api.datadoghq.com`` or ``https://api.datadoghq.eu``):

- ``GET /api/v1/monitor`` — the monitors (``id``, ``name``, ``type``, ``query``,
  ``overall_state``, ``tags``);
- ``GET /api/v1/dashboard`` then ``GET /api/v1/dashboard/{id}`` — each dashboard with its
  ``widgets`` (nested in group widgets) and their queries (``q`` or ``queries[].query``);
- ``GET /api/v1/slo`` then ``GET /api/v1/slo/{id}/history?from_ts&to_ts`` — each SLO's
  measured SLI over a window (``data.overall.sli_value``, percent).

Exports (in ``exports_dir``):

- ``datadog-monitors.json``: the ``GET /api/v1/monitor`` answer (a list);
- ``datadog-dashboards.json``: a list of ``GET /api/v1/dashboard/{id}`` answers (or
  ``{"dashboards": [...]}`` holding them);
- ``datadog-slo-history.json``: a list of ``GET /api/v1/slo/{id}/history`` answers;
- ``alerts.json``: the alerts of the period after triage, in the shape of Datadog's
  events API (``GET /api/v1/events?sources=monitor``)::

      {"events": [{"id": 7301, "title": "[Triggered] web 5xx rate high",
                   "date_happened": 1735700000, "alert_type": "error",
                   "source_type_name": "Monitor Alert", "monitor_id": 1201,
                   "tags": ["service:web", "false_positive"]}]}

  An alert is an event whose ``alert_type`` is ``error`` or ``warning`` (recoveries are
  ``success``); re-notifications (title ``[Re-Triggered]`` …) are not new alerts. The
  on-call engineer marks an alert that needed no action with the tag ``false_positive``
  (also read: ``false_positive:true``, ``triage:false_positive``,
  ``resolution:false_positive``). Whether an alert was false is a human judgement, so
  the false-positive rate is read from this triaged export, never guessed from the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from golive.facts.saas.client import ApiClient, SourceUnavailable, as_list, load_export, parse_time

__all__ = [
    "ALERTS_FILE",
    "DASHBOARDS_FILE",
    "MONITORS_FILE",
    "Alert",
    "Dashboard",
    "DatadogClient",
    "Monitor",
    "alerts_from_json",
    "dashboards_from_json",
    "load_alerts_export",
    "load_dashboards_export",
    "load_monitors_export",
    "monitors_from_json",
]

ALERTS_FILE = "alerts.json"
SLO_HISTORY_FILE = "datadog-slo-history.json"
DASHBOARDS_FILE = "datadog-dashboards.json"
MONITORS_FILE = "datadog-monitors.json"
_DASHBOARD_LIMIT = 100
_ALERT_TYPES = ("error", "warning")


@dataclass(frozen=True)
class Monitor:
    id: int
    name: str
    type: str
    query: str
    state: str | None
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Dashboard:
    id: str
    title: str
    widgets: int
    queries: tuple[str, ...]


@dataclass(frozen=True)
class Alert:
    id: str
    title: str
    monitor_id: int | None
    at: datetime | None
    false_positive: bool

    def summary(self) -> dict[str, Any]:
        return {
            "alert": self.id,
            "title": self.title,
            "monitor": self.monitor_id,
            "at": self.at.isoformat() if self.at else None,
            "false_positive": self.false_positive,
        }


def monitors_from_json(data: Any, source: str) -> list[Monitor]:
    if not isinstance(data, list):
        raise SourceUnavailable(f"{source}: not a list of Datadog monitors")
    return [
        Monitor(
            id=item["id"],
            name=str(item.get("name") or ""),
            type=str(item.get("type") or ""),
            query=str(item.get("query") or ""),
            state=item.get("overall_state"),
            tags=tuple(str(t) for t in item.get("tags") or ()),
        )
        for item in as_list(data)
        if isinstance(item.get("id"), int)
    ]


def _walk_queries(node: Any) -> Iterator[str]:
    """Every query string in a widget tree: ``q``, ``query`` at any depth."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("q", "query") and isinstance(value, str):
                yield value
            else:
                yield from _walk_queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_queries(item)


def _count_widgets(widgets: Any) -> int:
    total = 0
    for widget in as_list(widgets):
        total += 1
        definition = widget.get("definition")
        if isinstance(definition, dict):
            total += _count_widgets(definition.get("widgets"))
    return total


def dashboard_from_json(data: Any, source: str) -> Dashboard:
    if not isinstance(data, dict) or not isinstance(data.get("widgets"), list):
        raise SourceUnavailable(f"{source}: not a Datadog dashboard (no widgets list)")
    return Dashboard(
        id=str(data.get("id") or ""),
        title=str(data.get("title") or ""),
        widgets=_count_widgets(data["widgets"]),
        queries=tuple(_walk_queries(data["widgets"])),
    )


def dashboards_from_json(data: Any, source: str) -> list[Dashboard]:
    boards = data.get("dashboards") if isinstance(data, dict) else data
    if not isinstance(boards, list):
        raise SourceUnavailable(f"{source}: not a list of Datadog dashboards")
    return [dashboard_from_json(item, source) for item in boards]


_FP_TAGS = {
    "false_positive",
    "false_positive:true",
    "triage:false_positive",
    "resolution:false_positive",
}


def _is_false_positive(tags: list[Any]) -> bool:
    return any(str(tag).lower().replace("-", "_") in _FP_TAGS for tag in tags)


def alerts_from_json(data: Any, source: str) -> list[Alert]:
    events = data.get("events") if isinstance(data, dict) else data
    if not isinstance(events, list):
        raise SourceUnavailable(f"{source}: not a Datadog events answer ({{'events': [...]}})")
    alerts = []
    for event in as_list(events):
        title = str(event.get("title") or "")
        if event.get("alert_type") not in _ALERT_TYPES or title.startswith("[Re-"):
            continue
        monitor = event.get("monitor_id")
        alerts.append(Alert(
            id=str(event.get("id_str") or event.get("id") or "?"),
            title=title,
            monitor_id=monitor if isinstance(monitor, int) else None,
            at=parse_time(event.get("date_happened")),
            false_positive=_is_false_positive(list(event.get("tags") or [])),
        ))
    return alerts


@dataclass(frozen=True)
class SloHistory:
    """One SLO's SLI over a window, as ``GET /api/v1/slo/{id}/history`` answers it."""

    slo_id: str
    name: str
    sli_percent: float | None  # None: Datadog had no value for the window
    from_ts: int
    to_ts: int
    source: str

    @property
    def days(self) -> float:
        return max(0, self.to_ts - self.from_ts) / 86400


def slo_history_from_json(data: Any, source: str, slo_id: str = "", name: str = "") -> SloHistory:
    body = data.get("data") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        raise ValueError(f"{source}: no 'data' object: not an SLO history answer")
    slo: dict[str, Any] = body["slo"] if isinstance(body.get("slo"), dict) else {}
    overall: dict[str, Any] = body["overall"] if isinstance(body.get("overall"), dict) else {}
    value = overall.get("sli_value")
    return SloHistory(
        slo_id=str(slo.get("id") or slo_id),
        name=str(slo.get("name") or name or slo_id),
        sli_percent=float(value) if isinstance(value, int | float) else None,
        from_ts=int(body.get("from_ts") or 0),
        to_ts=int(body.get("to_ts") or 0),
        source=source,
    )


def load_slo_history_export(path: Path) -> list[SloHistory]:
    data = load_export(path)
    answers = data if isinstance(data, list) else [data]
    return [slo_history_from_json(a, f"export {path.name}") for a in answers]


def load_monitors_export(path: Path) -> list[Monitor]:
    return monitors_from_json(load_export(path), f"export {path.name}")


def load_dashboards_export(path: Path) -> list[Dashboard]:
    return dashboards_from_json(load_export(path), f"export {path.name}")


def load_alerts_export(path: Path) -> list[Alert]:
    return alerts_from_json(load_export(path), f"export {path.name}")


class DatadogClient(ApiClient):
    """Monitors and dashboards of one Datadog organisation."""

    def __init__(
        self,
        api_key: str,
        app_key: str,
        api_url: str = "https://api.datadoghq.com",
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            "Datadog",
            api_url,
            {"DD-API-KEY": api_key, "DD-APPLICATION-KEY": app_key, "Accept": "application/json"},
            secrets=[api_key, app_key],
            transport=transport,
        )

    def monitors(self) -> list[Monitor]:
        return monitors_from_json(self.get_json("/api/v1/monitor"), "Datadog API")

    def dashboard_ids(self, limit: int = _DASHBOARD_LIMIT) -> list[str]:
        body = self.get_json("/api/v1/dashboard", {"filter[deleted]": "false"})
        listed = body.get("dashboards") if isinstance(body, dict) else None
        if not isinstance(listed, list):
            raise self._fail("GET /api/v1/dashboard", "the answer has no dashboards list")
        return [str(item["id"]) for item in as_list(listed) if item.get("id")][:limit]

    def dashboard(self, dashboard_id: str) -> Dashboard:
        path = f"/api/v1/dashboard/{quote(dashboard_id, safe='')}"
        return dashboard_from_json(self.get_json(path), f"Datadog API GET {path}")

    def dashboards(self, limit: int = _DASHBOARD_LIMIT) -> list[Dashboard]:
        return [self.dashboard(i) for i in self.dashboard_ids(limit)]

    def slo_histories(self, from_ts: int, to_ts: int, limit: int = 50) -> list[SloHistory]:
        """Every SLO's history over [from_ts, to_ts] (epoch seconds)."""
        body = self.get_json("/api/v1/slo", {"limit": limit})
        listed = body.get("data") if isinstance(body, dict) else None
        if not isinstance(listed, list):
            raise self._fail("GET /api/v1/slo", "the answer has no data list")
        found = []
        for slo in as_list(listed)[:limit]:
            path = f"/api/v1/slo/{quote(str(slo.get('id', '')), safe='')}/history"
            answer = self.get_json(path, {"from_ts": from_ts, "to_ts": to_ts})
            found.append(slo_history_from_json(answer, f"Datadog API GET {path}",
                                               str(slo.get("id", "")), str(slo.get("name", ""))))
        return found
