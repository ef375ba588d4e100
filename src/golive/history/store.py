"""golive's own run history as the routine's record: where it is, which runs it holds.

The plugin appends one :class:`~golive.history.trends.HistoryEntry` per run that writes reports
(``record_run`` is called right after ``write_reports``), so an entry is also the proof
that the run's reports were written. :func:`golive.history.trends.load_history` keeps only the
last runs of one profile (the trend baseline); the routine reviews need every run of a
time window, of every profile, hence this reader.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from golive.history.trends import HistoryEntry, history_folder
from golive.judging.verdict import Status

__all__ = [
    "WINDOWS",
    "Review",
    "RunHistory",
    "as_utc",
    "folders_locked",
    "history_folder",
    "read_history",
    "shown",
]

# a routine is running when its last run is younger than its cadence plus some slack
# (the schedules of profiles.yaml: every day, every week, every month)
WINDOWS = {
    "daily": timedelta(hours=26),
    "weekly": timedelta(days=8),
    "monthly": timedelta(days=32),
}


@contextlib.contextmanager
def folders_locked(*folders: Path | None) -> Iterator[None]:
    """Hold an exclusive lock on each folder (created if missing) while writing into it.

    Two runs into one output folder or one history would otherwise interleave: run A's
    results.json beside run B's report. The lock is a ``flock`` on the folder itself (no
    lock file left in it), released by the kernel if the holder dies; folders are locked in
    one order (no deadlock between two runs naming the same pair)."""
    unique = sorted({str(Path(f).resolve()) for f in folders if f is not None})
    with contextlib.ExitStack() as stack:
        for folder in unique:
            Path(folder).mkdir(parents=True, exist_ok=True)
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
            stack.callback(os.close, fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
            stack.callback(fcntl.flock, fd, fcntl.LOCK_UN)
        yield


def as_utc(moment: datetime) -> datetime:
    """An aware UTC time (history written by golive is aware; a naive one is taken as UTC)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def shown(moment: datetime) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class RunHistory:
    """Every recorded run of one environment, oldest first."""

    folder: Path
    env: str | None
    entries: tuple[HistoryEntry, ...]

    def runs(self, profile: str, *, since: datetime | None = None) -> list[HistoryEntry]:
        return [
            e
            for e in self.entries
            if e.profile == profile and (since is None or as_utc(e.finished_at) >= since)
        ]

    def latest(self, profile: str) -> HistoryEntry | None:
        runs = self.runs(profile)
        return runs[-1] if runs else None


def read_history(folder: Path, env: str | None) -> RunHistory:
    """The runs of ``env`` recorded in ``folder``; unreadable files are skipped."""
    entries = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.json")):
            try:
                entry = HistoryEntry.model_validate_json(path.read_text(encoding="utf-8"))
            except (ValidationError, OSError, UnicodeDecodeError):
                continue
            if entry.env == env:
                entries.append(entry)
    entries.sort(key=lambda e: as_utc(e.finished_at))
    return RunHistory(folder=folder, env=env, entries=tuple(entries))


@dataclass(frozen=True)
class Review:
    """What one routine review found: a status, its reason, the figure and the facts."""

    status: Status
    reason: str
    measured: dict[str, Any] | None = None
    facts: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status is Status.PASS
