"""Synthetic run histories, written the way the plugin writes them (record_run), and the
incident records golive.routine.write_incident_record would have written."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from golive.catalog import load_catalog
from golive.finish.incidents import write_incident_record
from golive.history.trends import record_run
from golive.judging.results import CheckResult, RunData, build_run_data, judge_criterion
from golive.judging.verdict import Status

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
ENV = "demo"


def run(
    profile: str,
    at: datetime,
    figures: dict[str, float | None],
    *,
    failing: Iterable[str] = (),
    unverified: Iterable[str] = (),
    capped: Iterable[str] = (),
    notified: bool | None = None,
    env: str = ENV,
) -> RunData:
    """A run judging ``figures`` (criterion id → measured value or None); a figure fails
    when it misses the catalog threshold or is named in ``failing``, is not verified when
    named in ``unverified``, and was measured only up to its threshold when in ``capped``."""
    catalog = load_catalog()
    forced = set(failing)
    results = []
    for cid, value in figures.items():
        entry = catalog.get(cid)
        threshold = entry.threshold
        ok = cid not in forced and (threshold is None or value is None or threshold.met_by(value))
        measured = None
        if value is not None:
            measured = {"value": value, "unit": threshold.unit if threshold else "%"}
            if cid in capped:
                measured["capped"] = True
        status = Status.PASS if ok else Status.FAIL
        check = CheckResult(
            nodeid=f"t::{cid}",
            status=Status.NOT_VERIFIED if cid in unverified else status,
            reason=None if ok else f"{cid} failed",
            measured=measured,
        )
        results.append(
            judge_criterion(
                entry,
                threshold,
                [check],
                waiver=None,
                attestation=None,
                today=at.date(),
                missing_reason="-",
            )
        )
    data = build_run_data(
        version="t",
        profile=profile,
        env=env,
        lang="en",
        started_at=at - timedelta(minutes=5),
        finished_at=at,
        criteria=results,
        interrupted=False,
    )
    if notified is not None:
        data.notification = {"sent": notified}
    return data


def record(folder: Path, data: RunData, *, incident: bool) -> None:
    record_run(folder, data)
    if incident:
        write_incident_record(data, folder)


def daily(
    folder: Path,
    now: datetime,
    days: range,
    usage: list[float],
    *,
    no_go: Iterable[int] = (),
    notified: bool = True,
    incidents: bool = True,
) -> None:
    """One daily run a day, ``days`` days ago, with a resource usage figure; runs ``no_go``
    days ago fail the blocking backup check."""
    failed = set(no_go)
    for day, used in zip(days, usage, strict=True):
        data = run(
            "daily",
            now - day * DAY - timedelta(hours=1),
            {
                "routine.resource-usage": used,
                "routine.backup-success": None,
                "routine.service-status": 3.0,
            },
            failing=["routine.backup-success"] if day in failed else [],
            notified=notified,
        )
        record(folder, data, incident=incidents)


def weekly(folder: Path, now: datetime, weeks: range, avg_ms: list[float]) -> None:
    for week, ms in zip(weeks, avg_ms, strict=True):
        data = run(
            "weekly",
            now - week * WEEK - timedelta(hours=2),
            {
                "perf.avg-response": ms,
                "perf.availability": 99.98,
                "perf.error-rate": 0.02,
                "db.connect-time": 5.0,
            },
        )
        record(folder, data, incident=True)


def monthly(folder: Path, now: datetime, days_ago: float, forecast: float) -> None:
    data = run(
        "monthly",
        now - days_ago * DAY,
        {"routine.monthly-vuln-scan": None, "routine.usage-forecast": forecast},
    )
    record(folder, data, incident=True)


def rising(start: float, stop: float, count: int) -> list[float]:
    step = (stop - start) / (count - 1)
    return [round(start + i * step, 1) for i in range(count)]


def healthy(folder: Path, now: datetime) -> None:
    """Every routine ran on time, reported, recorded its incidents; figures steady."""
    flat = [50.0, 52.0, 49.0, 51.0] * 5 + [50.0]
    daily(folder, now, range(20, -1, -1), flat, no_go=(3, 5))
    weekly(folder, now, range(5, -1, -1), [100.0, 102.0, 98.0, 101.0, 99.0, 100.0])
    monthly(folder, now, 10, 55.0)


def lapsed(folder: Path, now: datetime) -> None:
    """Daily runs stopped 3 days ago, unnotified, failures unrecorded, usage climbing;
    weekly runs stopped two weeks ago; the last monthly run is 40 days old."""
    daily(
        folder,
        now,
        range(20, 2, -1),
        rising(40.0, 75.0, 18),
        no_go=(4, 6),
        notified=False,
        incidents=False,
    )
    weekly(folder, now, range(5, 1, -1), [100.0, 105.0, 110.0, 150.0])
    monthly(folder, now, 40, 55.0)


def regressing(folder: Path, now: datetime) -> None:
    """Every routine ran and reported on time, but latency and usage climb."""
    daily(folder, now, range(20, -1, -1), rising(40.0, 78.0, 21), no_go=(2,))
    weekly(folder, now, range(5, -1, -1), [100.0, 105.0, 110.0, 120.0, 150.0, 185.0])
    monthly(folder, now, 3, 60.0)


def other_env_only(folder: Path, now: datetime) -> None:
    """A history with runs, none of them of the environment under review."""
    record_run(
        folder,
        run(
            "daily",
            now - timedelta(hours=1),
            {"routine.resource-usage": 50.0},
            notified=True,
            env="elsewhere",
        ),
    )


def utc_now() -> datetime:
    return datetime.now(UTC)
