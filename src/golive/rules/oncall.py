"""On-call coverage as findings (対応策実施: someone is there to carry out the
countermeasures): every configured schedule has someone on call at every moment of the
coming days; a gap, a period naming no one, or a schedule that ends early is a finding."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from golive.facts.saas.oncall import Schedule
from golive.judging.findings import Finding

__all__ = ["MIN_GAP", "covered_hours", "gap_findings", "gaps"]

MIN_GAP = timedelta(minutes=1)  # hand-overs rendered to the second leave no real gap


def gaps(schedule: Schedule, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The periods between ``start`` and ``end`` when no one is on call."""
    staffed = sorted((s.start, s.end) for s in schedule.shifts if s.who)
    found, cursor = [], start
    for began, ended in staffed:
        if ended <= cursor:
            continue
        if began > cursor and began - cursor >= MIN_GAP:
            found.append((cursor, min(began, end)))
        cursor = max(cursor, ended)
        if cursor >= end:
            break
    if cursor < end and end - cursor >= MIN_GAP:
        found.append((cursor, end))
    return [(a, b) for a, b in found if a < end]


def covered_hours(schedule: Schedule, start: datetime, end: datetime) -> float:
    missing = sum(((b - a) for a, b in gaps(schedule, start, end)), timedelta())
    return ((end - start) - missing).total_seconds() / 3600


def gap_findings(schedules: Sequence[Schedule], start: datetime, end: datetime) -> list[Finding]:
    found = []
    for schedule in schedules:
        where = f"{schedule.service} schedule {schedule.name} ({schedule.id})"
        for began, ended in gaps(schedule, start, end):
            hours = (ended - began).total_seconds() / 3600
            found.append(Finding(where, None, (
                f"no one on call from {began.isoformat()} to {ended.isoformat()} "
                f"({hours:.1f} h)")))  # fmt: skip
    return found
