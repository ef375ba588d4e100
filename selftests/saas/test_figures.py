"""The figures of golive.rules.delivery from small hand-made histories, and the parsers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from golive.facts.saas.client import SourceUnavailable, parse_time, scrub
from golive.facts.saas.datadog import alerts_from_json, dashboards_from_json
from golive.facts.saas.github import WorkflowRun, runs_from_json
from golive.facts.saas.testcases import cases_from_json
from golive.facts.saas.vercel import Deployment, deployments_from_json
from golive.rules import delivery as h
from golive.rules.delivery import InsufficientData

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def run(workflow: str = "build", conclusion: str | None = "success", minutes: float = 3.0,
        *, sha: str | None = None, at: datetime = T0, status: str = "completed",
        path: str | None = None) -> WorkflowRun:
    started = at + timedelta(seconds=5)
    return WorkflowRun(
        id=abs(hash((workflow, conclusion, minutes, at))) % 10**9, workflow=workflow, path=path,
        title="t", event="push", branch="main", head_sha=sha, status=status,
        conclusion=conclusion, created_at=at, started_at=started,
        updated_at=started + timedelta(minutes=minutes),
    )


def deployment(target: str | None = "production", state: str = "READY", build: float = 2.0,
               *, at: datetime = T0, sha: str | None = None, uid: str = "dpl_1") -> Deployment:
    building = at + timedelta(seconds=10)
    return Deployment(
        uid=uid, name="acme-web", url=None, target=target, state=state, created_at=at,
        building_at=building,
        ready_at=building + timedelta(minutes=build) if state == "READY" else None,
        source="git", commit_sha=sha, branch="feature/x" if target is None else "main",
    )


# ----------------------------------------------------------------------------- percentile


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert h.percentile(values, 95) == 95
    assert h.percentile(values, 50) == 50
    assert h.percentile([7.0], 95) == 7.0
    assert h.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100],
                        95) == 19


# ----------------------------------------------------------------------- build success rate


def test_success_rate_counts_failures_not_cancellations():
    runs = [run() for _ in range(97)] + [
        run(conclusion="failure"), run(conclusion="timed_out"), run(conclusion="cancelled"),
        run(conclusion="skipped"), run(conclusion=None, status="in_progress"),
        run("test", conclusion="failure"),  # not a build workflow
    ]
    figure = h.build_success_rate(runs)
    assert figure.value == pytest.approx(97 / 99 * 100)
    assert figure.facts["counted"] == 99 and figure.facts["succeeded"] == 97
    assert figure.facts["conclusions"]["cancelled"] == 1
    assert len(figure.basis) == 99


def test_success_rate_without_build_runs_is_insufficient():
    with pytest.raises(InsufficientData, match="workflows: lint, test"):
        h.build_success_rate([run("test"), run("lint")])


def test_workflow_kinds_by_name_or_file():
    runs = [run("CI", path=".github/workflows/build.yml"), run("e2e-test"), run("Unit Tests"),
            run("coverage-report"), run("deploy-staging"), run("deploy-production"),
            run("Release"), run("dependency-update")]
    assert set(h.workflows_of(runs, "build")) == {"CI"}
    assert set(h.workflows_of(runs, "test")) == {"e2e-test", "Unit Tests", "coverage-report"}
    assert set(h.workflows_of(runs, "deploy")) == {"deploy-production", "Release"}


# -------------------------------------------------------------------------------- durations


def test_workflow_time_is_the_slowest_workflows_p95_of_successful_runs():
    runs = [run("test", minutes=4.0 + i / 10) for i in range(20)]
    runs += [run("e2e-test", minutes=8.0 + i / 10) for i in range(20)]
    runs += [run("e2e-test", conclusion="failure", minutes=30.0)]  # a failure is not timed
    figure = h.workflow_time(runs, "test")
    assert figure.name == "e2e-test p95 duration"
    assert figure.value == pytest.approx(9.8)
    assert figure.facts["max"] == pytest.approx(9.9)
    assert set(figure.facts["workflows"]) == {"test", "e2e-test"}
    assert len(figure.basis) == 40


def test_workflow_time_without_successful_runs():
    with pytest.raises(InsufficientData, match="no successful run of a build workflow"):
        h.workflow_time([run(conclusion="failure")], "build")


def test_vercel_build_time_uses_ready_deployments_only():
    found = [deployment(build=2.0 + i / 10, uid=f"dpl_{i}") for i in range(10)]
    found += [deployment(None, "ERROR"), deployment(None, "BUILDING")]
    figure = h.vercel_build_time(found)
    assert figure.value == pytest.approx(2.9) and figure.facts["count"] == 10


def test_deploy_time_starts_at_the_deploy_run_of_the_same_commit():
    start = T0
    runs = [run("deploy-production", sha="abc", at=start, minutes=9.0),
            run("build", sha="abc", at=start - timedelta(days=2))]  # merged days before
    made = deployment(at=start + timedelta(minutes=4), build=3.0, sha="abc")
    figure = h.deploy_time([made], runs)
    # pipeline start → ready: 4 min + 10 s + 3 min
    assert figure.value == pytest.approx(7 + 10 / 60)
    assert figure.basis[0]["pipeline_started_at"] == start.isoformat()


def test_deploy_time_without_a_linked_run_starts_at_the_deployment():
    figure = h.deploy_time([deployment(build=3.0), deployment(None, build=1.0)], [])
    assert figure.value == pytest.approx(3 + 10 / 60)
    assert figure.facts["count"] == 1  # the preview is not a production deploy


def test_deploy_time_falls_back_to_production_deploy_runs():
    runs = [run("deploy-production", minutes=6.5), run("deploy-staging", minutes=99.0)]
    figure = h.deploy_time([], runs)
    assert figure.value == pytest.approx(6.5)
    assert figure.facts["measured_from"] == "GitHub production deploy workflow runs"


def test_deploy_time_with_nothing_to_measure():
    with pytest.raises(InsufficientData):
        h.deploy_time([deployment(None)], [run("build")])


# --------------------------------------------------------------------------------- previews


def test_previews_pass_when_the_newest_finished_one_is_ready():
    found = [deployment(None, "ERROR", at=T0, uid="dpl_old"),
             deployment(None, "READY", at=T0 + timedelta(hours=1), uid="dpl_new"),
             deployment(None, "BUILDING", at=T0 + timedelta(hours=2), uid="dpl_now")]
    facts, findings = h.preview_findings(found, "here")
    assert findings == []
    assert facts["latest"]["deployment"] == "dpl_new"


def test_previews_fail_when_the_newest_is_error():
    found = [deployment(None, "READY", at=T0), deployment(None, "ERROR", at=T0 + timedelta(1))]
    _, findings = h.preview_findings(found, "here")
    assert [f.message for f in findings] == [
        "the newest preview deployment dpl_1 (branch feature/x) is ERROR"
    ]


def test_previews_absent_is_a_finding_and_no_deployment_is_insufficient():
    _, findings = h.preview_findings([deployment("production")], "here")
    assert "no preview deployment among 1 deployments" in findings[0].message
    with pytest.raises(InsufficientData):
        h.preview_findings([], "here")


# ------------------------------------------------------------------------ false positives


def _event(title: str, kind: str, tags: list[str], n: int) -> dict[str, Any]:
    return {"id": n, "title": title, "alert_type": kind, "tags": tags,
            "date_happened": 1741942800 + n, "monitor_id": 1201}


def test_false_positive_rate_counts_new_alerts_and_the_tag_variants():
    events = [_event(f"[Triggered] m{n}", "error", [], n) for n in range(16)]
    events += [
        _event("[Triggered] a", "error", ["false_positive"], 20),
        _event("[Warn] b", "warning", ["False-Positive:true"], 21),
        _event("[Triggered] c", "error", ["triage:false_positive"], 22),
        _event("[Triggered] d", "error", ["resolution:false_positive"], 23),
        _event("[Recovered] a", "success", ["false_positive"], 24),  # not an alert
        _event("[Re-Triggered] m1", "error", [], 25),  # a re-notification
    ]
    alerts = alerts_from_json({"events": events}, "test")
    figure = h.false_positive_rate(alerts)
    assert figure.facts["alerts"] == 20 and figure.facts["false_positives"] == 4
    assert figure.value == pytest.approx(20.0)
    assert alerts[0].at == datetime.fromtimestamp(1741942800, UTC)


def test_no_alerts_is_insufficient():
    with pytest.raises(InsufficientData):
        h.false_positive_rate([])


def test_alert_export_must_be_events():
    with pytest.raises(SourceUnavailable, match="not a Datadog events answer"):
        alerts_from_json({"alerts": []}, "export alerts.json")


# ------------------------------------------------------------------------ automation rate


def test_automation_rate_counts_unclassified_cases_as_manual():
    cases = cases_from_json({"cases": [
        {"id": "TC-1", "automated": True}, {"id": "TC-2", "automated": True},
        {"id": "TC-3", "automated": False}, {"id": "TC-4", "automated": "yes"},
    ]}, "test")
    figure = h.automation_rate(cases)
    assert figure.value == 50.0
    assert figure.facts["manual"] == ["TC-3", "TC-4"]
    assert figure.facts["unclassified"] == ["TC-4"]


# ------------------------------------------------------------------------------ dashboards


def test_dashboard_coverage_reads_nested_and_legacy_queries():
    board = {"id": "a", "title": "Overview", "widgets": [
        {"definition": {"type": "group", "widgets": [
            {"definition": {"type": "timeseries", "requests": [
                {"q": "avg:system.cpu.user{*}"}]}},
            {"definition": {"type": "query_value", "requests": [
                {"queries": [{"name": "q1", "query": "p95:trace.http.request.duration{*}"}]}]}},
        ]}},
        {"definition": {"type": "timeseries", "requests": [
            {"queries": [{"query": "sum:acme.http.error.count{*}.as_count()"}]}]}},
    ]}
    boards = dashboards_from_json([board], "test")
    assert boards[0].widgets == 4
    covered, findings = h.dashboard_coverage(boards, "here")
    assert covered["resources"] == covered["latency"] == covered["errors"] == ["Overview"]
    assert [f.message for f in findings] == [
        "no widget query shows availability (uptime, health or synthetic checks)"
    ]


def test_no_dashboard_and_an_empty_dashboard_are_findings():
    assert h.dashboard_coverage([], "here")[1][0].message == "no dashboard"
    empty = dashboards_from_json({"dashboards": [{"id": "x", "title": "E", "widgets": []}]}, "t")
    messages = [f.message for f in h.dashboard_coverage(empty, "here")[1]]
    assert "dashboard 'E' has no widget" in messages


# -------------------------------------------------------------------------------- parsers


def test_parse_time_forms():
    assert parse_time("2025-03-01T09:00:00Z") == T0
    assert parse_time(1740819600000) == T0  # Vercel: epoch ms
    assert parse_time(1740819600) == T0  # Datadog: epoch s
    assert parse_time("0001-01-01T00:00:00Z") is None  # gh: not started yet
    assert parse_time("") is None and parse_time("soon") is None and parse_time(True) is None


def test_gh_export_and_rest_pages_parse_alike():
    gh = [{"databaseId": 1, "name": "Fix", "workflowName": "build", "conclusion": "",
           "status": "in_progress", "createdAt": "2025-03-01T09:00:00Z",
           "startedAt": "2025-03-01T09:00:05Z", "updatedAt": "2025-03-01T09:01:00Z",
           "event": "push", "headBranch": "main"}]
    rest = [{"total_count": 1, "workflow_runs": [
        {"id": 1, "name": "build", "display_title": "Fix", "status": "in_progress",
         "conclusion": None, "created_at": "2025-03-01T09:00:00Z",
         "run_started_at": "2025-03-01T09:00:05Z", "updated_at": "2025-03-01T09:01:00Z",
         "event": "push", "head_branch": "main", "path": ".github/workflows/build.yml"}]}]
    (from_gh,), (from_rest,) = runs_from_json(gh, "gh"), runs_from_json(rest, "slurp")
    assert from_gh.conclusion is None and from_gh.duration_min is None
    assert (from_gh.workflow, from_gh.title, from_gh.created_at) == (
        from_rest.workflow, from_rest.title, from_rest.created_at)
    with pytest.raises(SourceUnavailable, match="neither gh run list"):
        runs_from_json({"runs": []}, "export gh-runs.json")


def test_vercel_shapes():
    item = {"uid": "dpl_1", "createdAt": 1740819600000, "state": "READY", "target": None}
    assert deployments_from_json([item], "bare")[0].preview
    assert deployments_from_json([{"deployments": [item]}, {"deployments": [item]}], "pages")
    with pytest.raises(SourceUnavailable):
        deployments_from_json({"items": []}, "x")


def test_scrub_replaces_every_secret():
    assert scrub("token abc and abc", ["abc", None, ""]) == "token *** and ***"
