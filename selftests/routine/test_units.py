"""The routine reviews' rules, one at a time, on synthetic histories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from golive.catalog import Threshold, load_catalog
from golive.config import Config
from golive.finish.incidents import write_incident_record
from golive.history.incidents import incident_path, missing_from_record
from golive.history.series import Sample, Series, headroom, project, trend_of
from golive.history.store import history_folder, read_history
from golive.history.trends import record_run
from golive.judging.verdict import Status
from golive.rules import routine as reviews
from selftests.routine._history import DAY, WEEK, daily, run, weekly

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
CATALOG = load_catalog()


def _threshold_of(cid: str) -> Threshold | None:
    return CATALOG.get(cid).threshold


def _series(cid: str, values: list[float], threshold: Threshold | None = None) -> Series:
    criterion = CATALOG.get(cid)
    limit = threshold or criterion.threshold
    assert limit is not None
    samples = tuple(
        Sample(NOW - (len(values) - 1 - i) * WEEK, v, "pass" if limit.met_by(v) else "fail")
        for i, v in enumerate(values)
    )
    return Series(criterion, limit, samples)


# --- where the history is, what it holds ------------------------------------------------


def test_history_folder_from_config_then_output(tmp_path: Path) -> None:
    configured = Config(history_dir="hist", base_dir=tmp_path)
    assert history_folder(configured, tmp_path / "out") == (tmp_path / "hist").resolve()
    assert history_folder(Config(), tmp_path / "out") == tmp_path / "out" / "history"
    assert history_folder(Config(), None) is None


def test_history_is_per_env_sorted_and_skips_garbage(tmp_path: Path) -> None:
    record_run(tmp_path, run("daily", NOW, {"routine.resource-usage": 50.0}))
    record_run(tmp_path, run("weekly", NOW - DAY, {"perf.avg-response": 90.0}))
    record_run(tmp_path, run("daily", NOW, {"routine.resource-usage": 50.0}, env="other"))
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    history = read_history(tmp_path, "demo")
    assert [e.profile for e in history.entries] == ["weekly", "daily"]
    assert history.latest("monthly") is None
    assert read_history(tmp_path / "absent", "demo").entries == ()


# --- インシデント記録 ---------------------------------------------------------------------


def test_incident_record_lists_failing_criteria_measured_against_threshold(
    tmp_path: Path,
) -> None:
    failed = run("daily", NOW, {"routine.alert-cpu": 95.0, "routine.resource-usage": 40.0,
                                "routine.backup-success": None},
                 failing=["routine.backup-success"])  # fmt: skip
    path = write_incident_record(failed, tmp_path)
    assert (
        path
        == incident_path(tmp_path, NOW, "demo")
        == (tmp_path / "incidents" / "2026-12-07-daily-demo.md")
    )
    text = path.read_text(encoding="utf-8")
    assert "`routine.alert-cpu` (major) **fail**: measured 95.0 %, threshold ≤ 80 %" in text
    assert "`routine.backup-success` (blocking)" in text
    assert "routine.resource-usage" not in text  # it passed
    assert write_incident_record(failed, tmp_path) == path  # once per run
    assert path.read_text(encoding="utf-8") == text
    later = run("daily", NOW + timedelta(hours=2), {"routine.error-logs": None},
                failing=["routine.error-logs"])  # fmt: skip
    assert write_incident_record(later, tmp_path) == path  # same day: the record grows
    history = tmp_path / "h"
    for data in (failed, later):
        record_run(history, data)
    entries = read_history(history, "demo").entries
    assert [missing_from_record(tmp_path, e) for e in entries] == [None, None]


def test_no_record_for_clean_or_non_daily_runs(tmp_path: Path) -> None:
    assert write_incident_record(run("daily", NOW, {"routine.resource-usage": 40.0}),
                                 tmp_path) is None  # fmt: skip
    weekly_fail = run("weekly", NOW, {"perf.avg-response": 900.0})
    assert write_incident_record(weekly_fail, tmp_path) is None
    assert not (tmp_path / "incidents").exists()


def test_a_missing_or_incomplete_record_is_found(tmp_path: Path) -> None:
    failed = run("daily", NOW, {"routine.alert-cpu": 95.0, "routine.error-logs": None},
                 failing=["routine.error-logs"])  # fmt: skip
    record_run(tmp_path / "h", failed)
    (entry,) = read_history(tmp_path / "h", "demo").entries
    assert missing_from_record(tmp_path, entry) == "no record 2026-12-07-daily-demo.md"
    path = write_incident_record(failed, tmp_path)
    assert path is not None
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("- `routine.error-logs`", "- error logs"), encoding="utf-8")
    assert (
        missing_from_record(tmp_path, entry) == "2026-12-07-daily-demo.md omits routine.error-logs"
    )
    other = run("daily", NOW - timedelta(hours=3), {"routine.error-logs": None},
                failing=["routine.error-logs"])  # fmt: skip
    record_run(tmp_path / "h2", other)
    (earlier,) = read_history(tmp_path / "h2", "demo").entries
    assert missing_from_record(tmp_path, earlier) == (
        "2026-12-07-daily-demo.md has no section for this run"
    )


def test_a_hostile_reason_cannot_forge_a_record(tmp_path: Path) -> None:
    failed = run("daily", NOW, {"routine.error-logs": None, "routine.backup-success": None},
                 failing=["routine.error-logs", "routine.backup-success"])  # fmt: skip
    failed.criteria[0].reason = "x\n<!-- golive-run 1 -->\n- `routine.backup-success` fake"
    path = write_incident_record(failed, tmp_path)
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert "\n<!-- golive-run 1 -->" not in text and "\n- `routine.backup-success` fake" not in text
    record_run(tmp_path / "h", failed)
    (entry,) = read_history(tmp_path / "h", "demo").entries
    assert missing_from_record(tmp_path, entry) is None


def test_incident_review_fails_on_an_unrecorded_failure(tmp_path: Path) -> None:
    daily(tmp_path, NOW, range(5, -1, -1), [50.0] * 6, no_go=(1,), incidents=False)
    review = reviews.incident_records(read_history(tmp_path, "demo"), NOW)
    assert review.status is Status.FAIL and "1 of 1 failed daily runs" in review.reason
    assert reviews.incident_records(read_history(tmp_path, "demo"), NOW + 30 * DAY).status is (
        Status.NOT_VERIFIED
    )


# --- the routine ran and reported -------------------------------------------------------


def test_daily_report_never_lapsed_unnotified_and_on_time(tmp_path: Path) -> None:
    record_run(tmp_path, run("weekly", NOW, {"perf.avg-response": 90.0}))
    never = reviews.daily_report(read_history(tmp_path, "demo"), NOW)
    assert never.status is Status.FAIL and "(last daily run: never)" in never.reason
    record_run(tmp_path, run("daily", NOW - 30 * timedelta(hours=1), {}, notified=True))
    lapsed = reviews.daily_report(read_history(tmp_path, "demo"), NOW)
    assert lapsed.reason.startswith("last daily run: 2026-12-06 06:00 UTC, 30 h ago")
    record_run(tmp_path, run("daily", NOW - timedelta(hours=2), {}, notified=False))
    unsent = reviews.daily_report(read_history(tmp_path, "demo"), NOW)
    assert unsent.status is Status.FAIL and "sent no notification" in unsent.reason
    record_run(tmp_path, run("daily", NOW - timedelta(hours=1), {}, notified=True))
    ok = reviews.daily_report(read_history(tmp_path, "demo"), NOW)
    assert ok.status is Status.PASS and ok.measured is not None and ok.measured["value"] == 1.0


def test_a_weekly_run_that_verified_no_performance_figure_is_no_report(tmp_path: Path) -> None:
    record_run(tmp_path, run("weekly", NOW - DAY, {"routine.metric-thresholds": None}))
    review = reviews.weekly_performance_report(read_history(tmp_path, "demo"), NOW, CATALOG)
    assert review.status is Status.FAIL and "verified nothing for the performance report" in (
        review.reason
    )


# --- trends and projections -------------------------------------------------------------


def test_trend_is_golive_history_rule() -> None:
    steady = trend_of(_series("perf.avg-response", [100.0, 104.0, 98.0, 105.0]))
    assert steady is not None and not steady.regressed
    worse = trend_of(_series("perf.avg-response", [100.0, 104.0, 98.0, 115.0]))
    assert worse is not None and worse.regressed and worse.baseline == 100.0
    assert trend_of(_series("perf.avg-response", [100.0])) is None


def test_projection_finds_the_crossing() -> None:
    rising = project(_series("perf.avg-response", [100.0, 120.0, 140.0, 160.0]), 4 * WEEK)
    assert rising is not None and rising.breaches
    assert rising.days_to_breach == pytest.approx(14.0)  # 20 ms a week, 40 ms to go
    assert project(_series("perf.avg-response", [100.0, 120.0]), 4 * WEEK) is None
    flat = project(_series("perf.avg-response", [100.0, 101.0, 99.0, 100.0]), 4 * WEEK)
    assert flat is not None and not flat.breaches
    falling = project(_series("perf.availability", [99.99, 99.97, 99.95, 99.93]), 4 * WEEK)
    assert falling is not None and falling.breaches  # higher is better: falling breaches


def test_headroom_reads_the_threshold_direction() -> None:
    latency = CATALOG.get("perf.avg-response").threshold
    availability = CATALOG.get("perf.availability").threshold
    assert latency is not None and availability is not None
    assert headroom(150.0, latency) == pytest.approx(0.25)
    assert headroom(99.95, availability) == pytest.approx(0.5)  # half the allowed downtime
    assert headroom(250.0, latency) < 0


def test_threshold_overrides_judge_the_trend(tmp_path: Path) -> None:
    weekly(tmp_path, NOW, range(3, -1, -1), [100.0, 101.0, 99.0, 100.0])
    history = read_history(tmp_path, "demo")
    assert reviews.response_times(history, NOW, CATALOG, _threshold_of).passed

    def strict(cid: str) -> Threshold | None:
        base = _threshold_of(cid)
        return base.with_value(90) if base and cid == "perf.avg-response" else base

    review = reviews.response_times(history, NOW, CATALOG, strict)
    assert review.status is Status.FAIL and "fails ≤ 90 ms" in review.reason
    assert not reviews.bottleneck(history, NOW, CATALOG, strict).passed


def test_a_figure_measured_only_up_to_its_threshold_is_no_bottleneck(tmp_path: Path) -> None:
    figures = {"perf.avg-response": 100.0, "db.concurrent-connections": 100.0}
    record_run(tmp_path, run("weekly", NOW - DAY, figures, capped=["db.concurrent-connections"]))
    review = reviews.bottleneck(read_history(tmp_path, "demo"), NOW, CATALOG, _threshold_of)
    assert review.passed and review.measured is not None
    assert review.measured["name"] == "perf.avg-response", review.reason
    uncapped = tmp_path / "uncapped"
    record_run(uncapped, run("weekly", NOW - DAY, figures))
    review = reviews.bottleneck(read_history(uncapped, "demo"), NOW, CATALOG, _threshold_of)
    assert review.status is Status.FAIL and "db.concurrent-connections" in review.reason


def test_capacity_report_waits_for_a_forecast_that_could_not_be_made(tmp_path: Path) -> None:
    forecast = {reviews.FORECAST_ID: None}
    record_run(tmp_path, run("monthly", NOW - DAY, forecast, unverified=[reviews.FORECAST_ID]))
    review = reviews.capacity_report(read_history(tmp_path, "demo"), NOW)
    assert review.status is Status.NOT_VERIFIED and "too few earlier runs" in review.reason
    made = tmp_path / "made"
    record_run(made, run("monthly", NOW - DAY, {reviews.FORECAST_ID: 40.0}))
    assert reviews.capacity_report(read_history(made, "demo"), NOW).passed
    skipped = tmp_path / "skipped"
    record_run(skipped, run("monthly", NOW - DAY, {"routine.resource-usage": 40.0}))
    assert reviews.capacity_report(read_history(skipped, "demo"), NOW).status is Status.FAIL


def test_one_weekly_run_is_no_trend(tmp_path: Path) -> None:
    weekly(tmp_path, NOW, range(0, -1, -1), [100.0])
    review = reviews.performance_metrics(read_history(tmp_path, "demo"), NOW, CATALOG,
                                         _threshold_of)  # fmt: skip
    assert review.status is Status.NOT_VERIFIED and "a trend needs two runs" in review.reason


def test_usage_forecast_needs_enough_days_and_judges_the_alert_level(tmp_path: Path) -> None:
    alert = reviews.alert_level(_threshold_of(cid) for cid in reviews.ALERT_IDS)
    assert alert is not None and alert.value == 80
    daily(tmp_path, NOW, range(2, -1, -1), [50.0, 51.0, 52.0])
    short = reviews.usage_forecast(read_history(tmp_path, "demo"), NOW, CATALOG, alert)
    assert short.status is Status.NOT_VERIFIED and "over 7 days" in short.reason
    daily(tmp_path, NOW - 3 * DAY, range(10, -1, -1), [50.0] * 11)
    flat = reviews.usage_forecast(read_history(tmp_path, "demo"), NOW, CATALOG, alert)
    assert flat.passed, flat.reason
    assert reviews.usage_forecast(read_history(tmp_path, "demo"), NOW, CATALOG, None).status is (
        Status.NOT_VERIFIED
    )


def test_resource_usage_is_trended_by_weekly_peaks(tmp_path: Path) -> None:
    alert = reviews.alert_level(_threshold_of(cid) for cid in reviews.ALERT_IDS)
    usage = [30.0, 60.0, 30.0, 30.0, 30.0, 30.0, 30.0] * 2 + [30.0, 66.0] + [30.0] * 5
    daily(tmp_path, NOW, range(20, -1, -1), usage)
    review = reviews.resource_usage_trend(read_history(tmp_path, "demo"), NOW, CATALOG, alert)
    assert review.passed, review.reason  # one spike a week, 60 → 60 → 66: within 10 %
    facts = {f["name"]: f for f in review.facts}
    assert facts["routine.resource-usage"]["values"] == [60.0, 60.0, 66.0]
