"""The run history: earlier runs' measured values, the trend, and regressions.

Each run appends one small JSON file; the weekly review compares this week's figures
with the median of earlier runs of the same profile and environment.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ValidationError

from golive.catalog import Threshold
from golive.config import Config
from golive.judging.results import RunData, Trend, write_json_atomically
from golive.judging.verdict import RunVerdict, Status

__all__ = [
    "HistoryEntry",
    "Point",
    "badness",
    "compute_trends",
    "history_folder",
    "load_history",
    "record_run",
]

TOLERANCE = 0.10  # a figure 10 % worse than its baseline is a regression
KEEP = 12  # runs compared against


class Point(BaseModel):
    status: Status
    value: float | None = None
    unit: str | None = None
    # measured only up to its threshold (see CriterionContext.expect): no headroom in it
    capped: bool = False


class HistoryEntry(BaseModel):
    profile: str | None
    env: str | None
    finished_at: datetime
    verdict: RunVerdict
    criteria: dict[str, Point]
    notified: bool | None = None


def _point(measured: object) -> tuple[float | None, str | None]:
    if isinstance(measured, dict) and isinstance(measured.get("value"), int | float):
        return float(measured["value"]), measured.get("unit")
    return None, None


def entry_of(run: RunData) -> HistoryEntry:
    points = {}
    for result in run.criteria:
        value, unit = _point(result.measured)
        capped = isinstance(result.measured, dict) and result.measured.get("capped") is True
        points[result.id] = Point(status=result.status, value=value, unit=unit, capped=capped)
    notified = run.notification.get("sent") if run.notification else None
    return HistoryEntry(profile=run.profile, env=run.env, finished_at=run.finished_at,
                        verdict=run.verdict, criteria=points, notified=notified)


def history_folder(config: Config, output: Path | None) -> Path | None:
    """Where runs are kept: ``history_dir`` of golive.toml, else <output>/history."""
    if config.history_dir:
        return config.path(config.history_dir)
    return output / "history" if output is not None else None


def record_run(folder: Path, run: RunData) -> Path:
    stamp = run.finished_at.strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-{run.profile or 'run'}-{run.env or 'none'}"
    path, copy = folder / f"{name}.json", 1
    while path.exists():  # two runs finished in one microsecond: keep both (under the lock)
        copy += 1
        path = folder / f"{name}-{copy}.json"
    write_json_atomically(path, entry_of(run).model_dump_json())
    return path


def load_history(folder: Path, profile: str | None, env: str | None) -> list[HistoryEntry]:
    """Earlier runs of this profile and environment, oldest first; unreadable files skipped."""
    if not folder.is_dir():
        return []
    entries = []
    for path in sorted(folder.glob("*.json")):
        try:
            entry = HistoryEntry.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, OSError):
            continue
        if entry.profile == profile and entry.env == env:
            entries.append(entry)
    return sorted(entries, key=lambda e: e.finished_at)[-KEEP:]


def badness(value: float, threshold: Threshold, unit: str | None) -> float:
    """A number that grows as the figure gets worse, so one comparison fits every threshold."""
    if threshold.op in ("<=", "<"):
        return value
    # higher is better: for percentages compare what is missing (99.95 % → 0.05)
    return 100.0 - value if unit == "%" else -value


def compute_trends(run: RunData, history: list[HistoryEntry]) -> list[Trend]:
    trends = []
    for result in run.criteria:
        value, unit = _point(result.measured)
        earlier = [e.criteria[result.id] for e in history if result.id in e.criteria]
        previous_values = [p.value for p in earlier if p.value is not None]
        was_passing = bool(earlier) and earlier[-1].status is Status.PASS
        now_failing = result.status is Status.FAIL
        if value is None or result.threshold is None:
            if was_passing and now_failing:
                trends.append(Trend(id=result.id, unit=None, values=[], baseline=None,
                                    change_pct=None, regressed=True, why="pass → fail"))
            continue
        if not previous_values:
            continue
        threshold = result.threshold
        baseline = statistics.median(previous_values)
        before, now = badness(baseline, threshold, unit), badness(value, threshold, unit)
        change = (now - before) / abs(before) if before else (1.0 if now > before else 0.0)
        regressed = (was_passing and now_failing) or change > TOLERANCE
        why = None
        if regressed:
            why = "pass → fail" if was_passing and now_failing else f"{change:+.0%} vs median"
        trends.append(Trend(
            id=result.id, unit=unit, values=[*previous_values, value], baseline=baseline,
            change_pct=round(change * 100, 1), regressed=regressed, why=why,
        ))
    return trends
