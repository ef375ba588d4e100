"""On-call schedules from PagerDuty or Opsgenie: who is on call when, never judged here.

PagerDuty (REST v2, ``Authorization: Token token=<key>``,
``Accept: application/vnd.pagerduty+json;version=2``):
``GET /schedules/{id}?since=…&until=…`` answers ``{"schedule": {"id", "name",
"final_schedule": {"rendered_schedule_entries": [{"start", "end", "user": {"id",
"summary"}}]}}}``: the final layer, overrides applied.

Opsgenie (``Authorization: GenieKey <key>``):
``GET /v2/schedules/{id}/timeline?identifierType=id&interval=…&intervalUnit=days&date=…``
answers ``{"data": {"_parent": {"id", "name"}, "startDate", "endDate", "finalTimeline":
{"rotations": [{"name", "periods": [{"startDate", "endDate", "type", "recipient":
{"type", "name"}}]}]}}}``.

Export ``oncall.json`` in ``exports_dir``: one of those answers or a list of them, e.g.
``curl -H "Authorization: Token token=$PD_TOKEN" -H "Accept: application/vnd.pagerduty+json;
version=2" "https://api.pagerduty.com/schedules/PXXXXXX?since=…&until=…" > oncall.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from golive.facts.saas.client import ApiClient, SourceUnavailable, as_list, load_export, parse_time

__all__ = [
    "EXPORT_FILE",
    "OpsgenieClient",
    "PagerDutyClient",
    "Schedule",
    "Shift",
    "load_schedules_export",
    "schedules_from_json",
]

EXPORT_FILE = "oncall.json"


@dataclass(frozen=True)
class Shift:
    start: datetime
    end: datetime
    who: str  # "" when the period names no one (Opsgenie's recipient type none)


@dataclass(frozen=True)
class Schedule:
    id: str
    name: str
    service: str  # PagerDuty or Opsgenie
    shifts: tuple[Shift, ...]
    window: tuple[datetime, datetime] | None  # the period the answer renders, when it says


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _shift(start: object, end: object, who: str) -> Shift | None:
    began, ended = parse_time(start), parse_time(end)
    if began is None or ended is None or ended <= began:
        return None
    return Shift(began, ended, who)


def _pagerduty(raw: dict[str, Any], since: object = None, until: object = None) -> Schedule:
    final = raw.get("final_schedule")
    entries = as_list(final.get("rendered_schedule_entries")) if isinstance(final, dict) else []
    shifts = []
    for entry in entries:
        user = _dict(entry.get("user"))
        who = str(user.get("summary") or user.get("id") or "")
        shift = _shift(entry.get("start"), entry.get("end"), who)
        if shift is not None:
            shifts.append(shift)
    began, ended = parse_time(since), parse_time(until)
    return Schedule(str(raw.get("id") or "?"), str(raw.get("name") or raw.get("summary") or "?"),
                    "PagerDuty", tuple(shifts),
                    (began, ended) if began and ended else None)  # fmt: skip


def _opsgenie(data: dict[str, Any]) -> Schedule:
    parent, final = _dict(data.get("_parent")), _dict(data.get("finalTimeline"))
    shifts = []
    for rotation in as_list(final.get("rotations")):
        for period in as_list(rotation.get("periods")):
            recipient = period.get("recipient")
            who = ""
            if isinstance(recipient, dict) and recipient.get("type") != "none":
                who = str(recipient.get("name") or recipient.get("id") or "")
            shift = _shift(period.get("startDate"), period.get("endDate"), who)
            if shift is not None:
                shifts.append(shift)
    began, ended = parse_time(data.get("startDate")), parse_time(data.get("endDate"))
    return Schedule(str(parent.get("id") or "?"), str(parent.get("name") or "?"), "Opsgenie",
                    tuple(shifts), (began, ended) if began and ended else None)  # fmt: skip


def _one(answer: object, source: str) -> Schedule:
    if isinstance(answer, dict) and isinstance(answer.get("schedule"), dict):
        raw = answer["schedule"]
        return _pagerduty(raw, raw.get("since") or answer.get("since"),
                          raw.get("until") or answer.get("until"))  # fmt: skip
    if (
        isinstance(answer, dict)
        and isinstance(answer.get("data"), dict)
        and ("finalTimeline" in answer["data"])
    ):
        return _opsgenie(answer["data"])
    raise SourceUnavailable(
        f'{source}: neither a PagerDuty schedule answer ({{"schedule": …final_schedule}}) '
        'nor an Opsgenie timeline answer ({"data": …finalTimeline})'
    )


def schedules_from_json(data: Any, source: str) -> list[Schedule]:
    """Schedules from one API answer or a list of them."""
    answers = data if isinstance(data, list) else [data]
    if not answers:
        raise SourceUnavailable(f"{source}: an empty list of schedules")
    return [_one(answer, source) for answer in answers]


def load_schedules_export(path: Path) -> list[Schedule]:
    return schedules_from_json(load_export(path), f"export {path.name}")


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class PagerDutyClient(ApiClient):
    def __init__(self, token: str, api_url: str = "https://api.pagerduty.com", *,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        super().__init__("PagerDuty", api_url, {
            "Authorization": f"Token token={token}",
            "Accept": "application/vnd.pagerduty+json;version=2",
        }, secrets=[token], transport=transport)  # fmt: skip

    def schedule(self, schedule_id: str, since: datetime, until: datetime) -> Schedule:
        body = self.get_json(
            f"/schedules/{schedule_id}",
            {"since": _iso(since), "until": _iso(until), "time_zone": "UTC"},
        )
        if not isinstance(body, dict) or not isinstance(body.get("schedule"), dict):
            raise self._fail(f"GET /schedules/{schedule_id}", "the answer has no schedule")
        return _pagerduty(body["schedule"], since.isoformat(), until.isoformat())


class OpsgenieClient(ApiClient):
    def __init__(self, api_key: str, api_url: str = "https://api.opsgenie.com", *,
                 transport: httpx.BaseTransport | None = None) -> None:  # fmt: skip
        super().__init__("Opsgenie", api_url, {"Authorization": f"GenieKey {api_key}"},
                         secrets=[api_key], transport=transport)  # fmt: skip

    def schedule(self, schedule_id: str, since: datetime, until: datetime) -> Schedule:
        days = max(1, -(-(until - since) // timedelta(days=1)))
        body = self.get_json(f"/v2/schedules/{schedule_id}/timeline", {
            "identifierType": "id", "interval": days, "intervalUnit": "days",
            "date": _iso(since),
        })  # fmt: skip
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise self._fail(f"GET /v2/schedules/{schedule_id}/timeline", "the answer has no data")
        return _opsgenie(body["data"])
