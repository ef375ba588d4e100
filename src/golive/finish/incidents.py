"""インシデント記録: a daily run that is not GO, or has a failing criterion, opens or
updates the day's incident record, ``<history>/incidents/<date>-daily-<env>.md``.

One file per day and environment (the daily profile may run several times a day); one
section per run, marked with the run's time stamp, listing each failing criterion with
its measured value against its threshold. Writing is idempotent per run. The review side
(:func:`missing_from_record`) reads the same marks back.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from golive.history.store import as_utc
from golive.history.trends import HistoryEntry
from golive.judging.results import CriterionResult, RunData, write_json_atomically
from golive.judging.verdict import RunVerdict, Status

__all__ = [
    "INCIDENT_DIR",
    "incident_path",
    "missing_from_record",
    "needs_record",
    "write_incident_record",
]

INCIDENT_DIR = "incidents"
PROFILE = "daily"
_FAILING = (Status.FAIL.value, Status.ERROR.value)
_MARK = "<!-- golive-run {stamp} -->"
_MARK_RE = re.compile(r"^<!-- golive-run (\S+) -->$", re.MULTILINE)
_ITEM_RE = re.compile(r"^- `([^`]+)`", re.MULTILINE)


def _stamp(finished_at: datetime) -> str:
    return as_utc(finished_at).strftime("%Y%m%dT%H%M%S%f")


def incident_path(folder: Path, finished_at: datetime, env: str | None) -> Path:
    """The day's record for the environment, in the history folder ``folder``."""
    day = as_utc(finished_at).date().isoformat()
    return folder / INCIDENT_DIR / f"{day}-{PROFILE}-{env or 'none'}.md"


def needs_record(verdict: str, statuses: dict[str, str]) -> list[str] | None:
    """The failing criteria of a run that needs a record (maybe none, for an interrupted
    run), or None when the run needs no record."""
    failing = sorted(cid for cid, status in statuses.items() if status in _FAILING)
    return failing if failing or verdict != RunVerdict.GO.value else None


def _one_line(text: str | None, limit: int = 300) -> str:
    flat = " ".join((text or "").split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _measured(measured: Any) -> str:
    if isinstance(measured, dict) and "value" in measured:
        return _one_line(f"{measured['value']} {measured.get('unit') or ''}".strip())
    return "—" if measured is None else _one_line(str(measured))


def _threshold(threshold: dict[str, Any] | None) -> str:
    if not threshold:
        return "—"
    op = {"<=": "≤", ">=": "≥"}.get(str(threshold["op"]), str(threshold["op"]))
    value = float(threshold["value"])
    return f"{op} {int(value) if value.is_integer() else value} {threshold['unit']}"


def _item(result: CriterionResult) -> str:
    return (
        f"- `{result.id}` ({result.severity}) **{result.status.value}**: "
        f"measured {_measured(result.measured)}, threshold {_threshold(result.threshold)}"
        f" — {_one_line(result.reason) or 'no reason given'}"
    )


def _section(run: RunData, failing: list[CriterionResult]) -> str:
    at = as_utc(run.finished_at)
    lines = [
        f"## Run of {at:%H:%M:%S} UTC: {run.verdict.value}",
        _MARK.format(stamp=_stamp(run.finished_at)),
        "",
    ]
    if failing:
        lines.append("Failing criteria (measured against threshold):")
        lines.append("")
        lines += [_item(result) for result in failing]
    else:
        lines.append(
            f"No criterion failed; the run ended {run.verdict.value}"
            + (" (interrupted)" if run.interrupted else "")
            + "."
        )
    lines += ["", "Triage: classification —, urgency —, owner —, resolution —", ""]
    return "\n".join(lines)


def write_incident_record(run_data: RunData, folder: Path) -> Path | None:
    """Open or update the day's incident record for a daily run that needs one.

    ``folder`` is the history folder the run was recorded in. Returns the record's path,
    or None when the run needs none (not a daily run; GO with nothing failing).
    """
    if run_data.profile != PROFILE:
        return None
    statuses = {c.id: c.status.value for c in run_data.criteria}
    failing_ids = needs_record(run_data.verdict.value, statuses)
    if failing_ids is None:
        return None
    path = incident_path(folder, run_data.finished_at, run_data.env)
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    if _stamp(run_data.finished_at) in _MARK_RE.findall(existing):
        return path  # this run is recorded already
    if not existing:
        day = as_utc(run_data.finished_at).date().isoformat()
        existing = f"# Incident record: {PROFILE} · {run_data.env or '-'} · {day}\n\n"
    failing = [c for c in run_data.criteria if c.id in failing_ids]
    write_json_atomically(path, existing + _section(run_data, failing))
    return path


def _recorded(text: str, stamp: str) -> set[str] | None:
    """The criteria the record lists for the run ``stamp``; None when the run is absent."""
    marks = list(_MARK_RE.finditer(text))
    for i, mark in enumerate(marks):
        if mark.group(1) == stamp:
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            return set(_ITEM_RE.findall(text[mark.end() : end]))
    return None


def missing_from_record(folder: Path, entry: HistoryEntry) -> str | None:
    """Why the run's incident record is missing or incomplete; None when it is complete
    (or the run needs no record)."""
    statuses = {cid: point.status for cid, point in entry.criteria.items()}
    failing = needs_record(entry.verdict, statuses)
    if failing is None:
        return None
    path = incident_path(folder, entry.finished_at, entry.env)
    if not path.is_file():
        return f"no record {path.name}"
    listed = _recorded(path.read_text(encoding="utf-8"), _stamp(entry.finished_at))
    if listed is None:
        return f"{path.name} has no section for this run"
    unlisted = [cid for cid in failing if cid not in listed]
    return f"{path.name} omits {', '.join(unlisted)}" if unlisted else None
