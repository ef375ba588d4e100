"""The AWS review checks (backup bucket, capacity, metric-filter rates, CloudWatch
dashboards/alarms/custom metrics) pass on the good stack and fail on the broken one for
the defect the broken twin carries; an empty account leaves them not verified or failed,
never passed. Pure parts of the probe (the filter-pattern evaluator) are tested here too.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive.facts.live import aws, aws_review

from ._suite import Results, finish, run, start
from .conftest import RunningStack

MODULES = (
    "tests/monitoring/test_aws_review.py",
    "tests/performance/test_aws_capacity.py",
    "tests/routine/test_backup_storage.py",
)

# criterion -> what on the broken stack makes it fail (and a word its reason must contain)
BROKEN_DEFECT = {
    "routine.backup-integrity": ("a truncated backup; an ad-hoc dump without manifest",
                                 "differs from the manifest"),
    "routine.backup-storage": ("a 20 MiB ad-hoc dump over the 16 MiB budget", "over the budget"),
    "routine.backup-retention": ("lifecycle expires after 7 of 30 days; days 7-29 missing",
                                 "before the 30-day retention period"),
    "perf.autoscaling": ("max = min = 2, no scaling policy", "cannot scale out"),
    "perf.load-balancer": ("both subnets in one zone; health check disabled",
                           "health check disabled"),
    "mon.filter-apply-rate": ('forbidden filter matches "Forbidden" (case)', "required ≥ 99 %"),
    "mon.filter-false-detection-rate": ("5xx filter counts every status >= 200",
                                        "required ≤ 1 %"),
    "perf.custom-metrics": ("no LatencyMs datapoints", "latency"),
    "perf.alert-thresholds": ("average-latency alarm at 300 ms, SLO 200 ms", "at 300"),
    "perf.dashboard-expansion": ("performance board has latency and requests only",
                                 "no saturation widget"),
    "routine.metric-thresholds": ("disk on the dashboard, no disk alarm", "disk"),
    "routine.alert-settings": ("5xx-rate alarm without actions; forbidden alarm disabled",
                               "disabled"),
    "routine.visualization-items": ("Disk widget without data", "is empty"),
    "routine.new-metrics": ("JobBacklog reported, on no dashboard", "JobBacklog"),
}  # fmt: skip


@dataclass(frozen=True)
class ReviewRuns:
    good: Results
    broken: Results


@pytest.fixture(scope="session")
def review_runs(good_stack: RunningStack, broken_stack: RunningStack) -> ReviewRuns:
    out_good = good_stack.info.run_dir / "golive-review-out"
    out_broken = broken_stack.info.run_dir / "golive-review-out"
    good = start(good_stack.config, out_good, MODULES)
    broken = start(broken_stack.config, out_broken, MODULES)
    try:
        return ReviewRuns(finish(good, out_good), finish(broken, out_broken))
    finally:
        for proc in (good, broken):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
@pytest.mark.parametrize("cid", sorted(BROKEN_DEFECT))
def test_passes_on_good(review_runs: ReviewRuns, cid: str) -> None:
    assert review_runs.good.status(cid) == "pass", review_runs.good.explain(cid)


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
@pytest.mark.parametrize("cid", sorted(BROKEN_DEFECT))
def test_fails_on_broken(review_runs: ReviewRuns, cid: str) -> None:
    defect, word = BROKEN_DEFECT[cid]
    assert review_runs.broken.status(cid) == "fail", f"{defect}: {review_runs.broken.explain(cid)}"
    assert word in (review_runs.broken.by_id[cid]["reason"] or ""), review_runs.broken.explain(cid)


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_filter_rates_say_moto_is_not_evaluated(review_runs: ReviewRuns) -> None:
    cid = "mon.filter-apply-rate"
    notes = [e["value"] for e in review_runs.good.by_id[cid]["evidence"] if e["name"] == "note"]
    assert any("moto has no TestMetricFilter" in n for n in notes), notes
    forbidden = review_runs.broken.evidence(cid, "/app/security security-forbidden")
    assert (forbidden["expected"], forbidden["matched"]) == (34, 0), forbidden


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")
def test_empty_account_is_never_a_pass(empty_account: Path) -> None:
    results = run(empty_account, empty_account.parent / "review-out", MODULES)
    for cid in BROKEN_DEFECT:
        assert results.status(cid) in ("not_verified", "fail"), results.explain(cid)
    assert results.status("perf.autoscaling") == "not_verified"
    assert results.status("routine.backup-integrity") == "not_verified"


# --- the pattern evaluator ------------------------------------------------------------------


def _event(message: str | dict[str, object]) -> aws.LogEvent:
    text = message if isinstance(message, str) else json.dumps(message)
    return aws.LogEvent(dt.datetime.now(dt.UTC), text, "s")


@pytest.mark.parametrize(
    ("pattern", "message", "matches"),
    [
        ('{ $.level = "ERROR" }', {"level": "ERROR"}, True),
        ('{ $.level = "ERROR" }', {"level": "error"}, False),  # case-sensitive
        ('{ $.event = "auth*" }', {"event": "auth_failure"}, True),
        ("{ $.status >= 500 }", {"status": 503}, True),
        ("{ $.status >= 500 }", {"status": "503"}, False),
        ("{ $.latency_ms = * }", {"latency_ms": 3.5}, True),
        ("{ $.latency_ms = * }", {"status": 200}, False),
        ('{ ($.status >= 500 || $.level = "ERROR") && $.path != "/health" }',
         {"status": 502, "path": "/api"}, True),
        ('{ ($.status >= 500 || $.level = "ERROR") && $.path != "/health" }',
         {"status": 502, "path": "/health"}, False),
        ("{ $.user.id = 7 }", {"user": {"id": 7}}, True),
        ("?ERROR ?panic", "kernel panic: oops", True),
        ("?ERROR ?panic", "all fine", False),
        ("ERROR -timeout", "ERROR disk full", True),
        ("ERROR -timeout", "ERROR timeout", False),
        ('"Failed password"', "sshd: Failed password for root", True),
        ('{ $.level = "ERROR" }', "ERROR not json", False),
    ],
)  # fmt: skip
def test_pattern_matches(pattern: str, message: str | dict[str, object], matches: bool) -> None:
    assert aws_review.pattern_matches(pattern)(_event(message)) is matches


@pytest.mark.parametrize("pattern", ["[ip, user, status=5*]", "%ERROR%", "{ $.a = }"])
def test_unsupported_patterns_are_said(pattern: str) -> None:
    with pytest.raises(aws_review.UnsupportedPattern):
        aws_review.pattern_matches(pattern)


def test_score_judges_by_metric_name_not_pattern() -> None:
    overmatching = aws.MetricFilter("f", "/app", "{ $.status >= 200 }",
                                    (("Ns", "Http5xxCount", "1"),))  # fmt: skip
    events = [_event({"status": 200}), _event({"status": 503}), _event({"status": 201})]
    score = aws_review.score_filter(overmatching, events)
    assert score is not None
    assert (score.expected, score.matched, score.hits, score.false_matches) == (1, 3, 1, 2)


def test_retention_gaps() -> None:
    now = dt.datetime(2026, 1, 31, 12, tzinfo=dt.UTC)
    taken = [now - dt.timedelta(days=d, hours=1) for d in (0, 1, 2, 5)]
    assert aws_review.retention_gaps(taken, 7, now) == [3, 4, 6]
