"""インシデント記録, kept beside the run history: ``<history>/incidents/<date>-daily-<env>.md``.

A daily run that is not GO, or has a failing criterion, needs a section in the day's
record (written by :mod:`golive.finish.incidents`), marked with the run's time stamp and
listing each failing criterion. This module holds the record's place and marks, and the
review side (:func:`missing_from_record`) that reads them back.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from golive.history.store import as_utc
from golive.history.trends import HistoryEntry
from golive.judging.verdict import RunVerdict, Status

__all__ = [
    "INCIDENT_DIR",
    "PROFILE",
    "incident_path",
    "mark",
    "missing_from_record",
    "needs_record",
    "recorded_runs",
    "stamp",
]

INCIDENT_DIR = "incidents"
PROFILE = "daily"
_FAILING = (Status.FAIL, Status.ERROR)
_MARK = "<!-- golive-run {stamp} -->"
_MARK_RE = re.compile(r"^<!-- golive-run (\S+) -->$", re.MULTILINE)
_ITEM_RE = re.compile(r"^- `([^`]+)`", re.MULTILINE)


def stamp(finished_at: datetime) -> str:
    """A run's mark in the record: its finishing time."""
    return as_utc(finished_at).strftime("%Y%m%dT%H%M%S%f")


def mark(finished_at: datetime) -> str:
    return _MARK.format(stamp=stamp(finished_at))


def recorded_runs(text: str) -> list[str]:
    """The stamps of the runs a record has a section for."""
    return _MARK_RE.findall(text)


def incident_path(folder: Path, finished_at: datetime, env: str | None) -> Path:
    """The day's record for the environment, in the history folder ``folder``."""
    day = as_utc(finished_at).date().isoformat()
    return folder / INCIDENT_DIR / f"{day}-{PROFILE}-{env or 'none'}.md"


def needs_record(verdict: RunVerdict, statuses: dict[str, Status]) -> list[str] | None:
    """The failing criteria of a run that needs a record (maybe none, for an interrupted
    run), or None when the run needs no record."""
    failing = sorted(cid for cid, status in statuses.items() if status in _FAILING)
    return failing if failing or verdict is not RunVerdict.GO else None


def _recorded(text: str, run: str) -> set[str] | None:
    """The criteria the record lists for the run stamped ``run``; None when it is absent."""
    marks = list(_MARK_RE.finditer(text))
    for i, found in enumerate(marks):
        if found.group(1) == run:
            end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
            return set(_ITEM_RE.findall(text[found.end() : end]))
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
    listed = _recorded(path.read_text(encoding="utf-8"), stamp(entry.finished_at))
    if listed is None:
        return f"{path.name} has no section for this run"
    unlisted = [cid for cid in failing if cid not in listed]
    return f"{path.name} omits {', '.join(unlisted)}" if unlisted else None
