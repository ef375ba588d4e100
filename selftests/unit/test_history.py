"""Trends against earlier runs: a worse figure is flagged, a steady one is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from golive.catalog import load_catalog
from golive.history.trends import compute_trends, load_history, record_run
from golive.judging.results import CheckResult, RunData, build_run_data, judge_criterion
from golive.judging.verdict import Status

START = datetime(2026, 11, 2, 9, tzinfo=UTC)


def weekly_run(criterion_id: str, value: float, week: int) -> RunData:
    entry = load_catalog().get(criterion_id)
    assert entry.threshold is not None
    status = Status.PASS if entry.threshold.met_by(value) else Status.FAIL
    check = CheckResult(nodeid="t::x", status=status,
                        measured={"value": value, "unit": entry.threshold.unit})
    result = judge_criterion(entry, entry.threshold, [check], waiver=None, attestation=None,
                             today=START.date(), missing_reason="-")
    at = START + timedelta(weeks=week)
    return build_run_data(version="t", profile="weekly", env="demo", lang="en",
                          started_at=at, finished_at=at, criteria=[result], interrupted=False)


def history_of(tmp_path, criterion_id, values):
    for week, value in enumerate(values):
        record_run(tmp_path, weekly_run(criterion_id, value, week))
    return load_history(tmp_path, "weekly", "demo")


def test_latency_growing_past_tolerance_is_a_regression(tmp_path):
    limit = load_catalog().get("perf.avg-response").threshold.value
    earlier = history_of(tmp_path, "perf.avg-response", [limit * 0.4, limit * 0.42, limit * 0.41])
    (trend,) = compute_trends(weekly_run("perf.avg-response", limit * 0.6, 3), earlier)
    assert trend.regressed and trend.values[-1] == limit * 0.6
    (steady,) = compute_trends(weekly_run("perf.avg-response", limit * 0.41, 3), earlier)
    assert not steady.regressed


def test_availability_dropping_is_judged_on_what_is_missing(tmp_path):
    earlier = history_of(tmp_path, "perf.availability", [99.99, 99.98, 99.99])
    (trend,) = compute_trends(weekly_run("perf.availability", 99.95, 3), earlier)
    assert trend.regressed  # still above 99.9 %, but 5x the downtime of earlier weeks
    (fine,) = compute_trends(weekly_run("perf.availability", 99.99, 3), earlier)
    assert not fine.regressed


def test_history_is_per_profile_and_env_and_skips_garbage(tmp_path):
    history_of(tmp_path, "perf.avg-response", [50, 60])
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    assert len(load_history(tmp_path, "weekly", "demo")) == 2
    assert load_history(tmp_path, "weekly", "staging") == []
    assert load_history(tmp_path / "absent", "weekly", "demo") == []
