"""Change records judged from what GitHub and PagerDuty/Opsgenie keep: recorded answers in
each API's shape (served by an httpx transport that checks the headers each service
requires), exports, the rules' pass / fail / differently planted fail, and the real checks
through the plugin on the demo's good and broken exports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from golive.config import Environment
from golive.demo import exports as demo_exports
from golive.facts.saas import change_sources, changes, oncall
from golive.facts.saas.client import SourceUnavailable
from golive.judging.findings import SecFinding
from golive.rules import changes as rules
from golive.rules import oncall as oncall_rules
from golive.rules import risks, security_plan

from .test_pairs import run_checks, statuses

RECORDED = Path(__file__).parent / "recorded" / "changes"
SAMPLE = Path(__file__).resolve().parents[2] / "src" / "golive" / "demo" / "sample-infra"
TOKEN = "ghp_ChangesRecorded00000000000000000000"
PD_TOKEN = "u+PagerDutyRecorded0000"
OG_KEY = "eb243592-faa2-4ba2-a551q-1afdf565c889"
REPO = "acme/acme-web"
SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
WEEK = NOW + timedelta(days=7)
RELEASE = rules.Release(SHA, NOW, "Vercel deployment dpl_x")
SAAS_IDS = {"ops.acceptance-tests", "ops.security-checklist-review", "ops.impact-identification",
            "ops.stakeholder-notice", "routine.update-impact-assessment",
            "routine.incident-response"}  # fmt: skip
CHECKS = ["tests/operations/test_change_records.py", "tests/routine/test_change_routine.py"]


def _recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


def _github(check_runs: str = "check-runs-green.json") -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx.Response(401, json={"message": "Bad credentials", "status": "401"})
        assert request.headers["x-github-api-version"] == "2022-11-28"
        path, query = request.url.path, request.url.params
        headers = {"content-type": "application/json; charset=utf-8"}
        if path == f"/repos/{REPO}/pulls":
            assert query["state"] == "closed"
            return httpx.Response(200, content=_recorded("pulls.json"), headers=headers)
        if path == f"/repos/{REPO}/issues":
            assert query["state"] == "all"
            name = {"announcement": "issues-notices.json",
                    "security": "issues-security.json"}[query["labels"]]  # fmt: skip
            return httpx.Response(200, content=_recorded(name), headers=headers)
        if path == f"/repos/{REPO}/commits/{SHA}/check-runs":
            return httpx.Response(200, content=_recorded(check_runs), headers=headers)
        return httpx.Response(404, json={"message": "Not Found"})

    return httpx.MockTransport(handle)


def _pagerduty(name: str) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"Token token={PD_TOKEN}":
            return httpx.Response(401, json={"error": {"message": "Unauthorized", "code": 2006}})
        assert request.headers["accept"] == "application/vnd.pagerduty+json;version=2"
        assert request.url.path == "/schedules/PI7DH85"
        assert {"since", "until"} <= set(request.url.params)
        return httpx.Response(200, content=_recorded(name))

    return httpx.MockTransport(handle)


def _opsgenie(name: str) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers.get("authorization") != f"GenieKey {OG_KEY}":
            return httpx.Response(401, json={"message": "Could not authenticate",
                                             "took": 0.0, "requestId": "r-1"})  # fmt: skip
        assert request.url.path.endswith("/timeline")
        assert request.url.params["intervalUnit"] == "days"
        return httpx.Response(200, content=_recorded(name))

    return httpx.MockTransport(handle)


def _api_env(monkeypatch: pytest.MonkeyPatch) -> Environment:
    monkeypatch.setenv("GL_CHANGES_TOKEN", TOKEN)
    return Environment(github_repository=REPO, github_token="env:GL_CHANGES_TOKEN")


# --- pull request texts: security checklist and impact --------------------------------------
def test_checklist_pass_unticked_and_missing(monkeypatch):
    pulls = change_sources.pull_texts(_api_env(monkeypatch), None, transport=_github()).items
    assert [p.number for p in pulls] == [52, 51, 49, 48, 47, 46]  # 50 closed unmerged
    security = rules.security_changes(pulls)
    assert [p.number for p in security] == [52, 51, 49]
    found = {f.file: f.message for f in rules.checklist_findings(security)}
    assert sorted(found) == ["PR #49", "PR #51"]  # 52 ticked every box ([x] and [X])
    assert "1 of 3 security checklist item(s) not ticked: Access control" in found["PR #51"]
    assert found["PR #49"].endswith("no security checklist section in the body")


def test_impact_pass_placeholder_and_tbd(monkeypatch):
    pulls = change_sources.pull_texts(_api_env(monkeypatch), None, transport=_github()).items
    found = {f.file: f.message for f in rules.impact_findings(pulls)}
    assert sorted(found) == ["PR #47", "PR #48"]  # a template comment only; "TBD"
    assert all("template's placeholder" in m for m in found.values())
    updates = rules.dependency_updates(pulls)
    assert [p.number for p in updates] == [47, 46]  # dependabot[bot] labelled, renovate[bot]
    assert [f.file for f in rules.impact_findings(updates)] == ["PR #47"]


def test_impact_left_as_the_repositorys_own_template_text():
    template = "## Impact\n_Describe what this change affects_\n\n## Testing\n"
    pull = changes.PullText(1, "t", "a", False, NOW, (), "## Impact\n_Describe what this change "
                            "affects_\n## Testing\nunit\n")  # fmt: skip
    assert rules.impact_findings([pull]) == []  # unknown template: the text counts
    assert [f.file for f in rules.impact_findings([pull], template)] == ["PR #1"]


# --- acceptance tests on the release commit -------------------------------------------------
@pytest.mark.parametrize(("recorded", "expected"), [
    ("check-runs-green.json", []),
    ("check-runs-red.json", ["e2e-test / playwright: concluded failure"]),
    ("check-runs-none.json", ["no acceptance test"]),
])  # fmt: skip
def test_acceptance_check_runs(monkeypatch, recorded, expected):
    env = _api_env(monkeypatch)
    runs = change_sources.check_runs(env, None, SHA, transport=_github(recorded))
    assert runs.origin.startswith(f"GitHub API {REPO} check runs")
    messages = [f.message for f in rules.acceptance_findings(runs.items, RELEASE)]
    assert len(messages) == len(expected)
    assert all(m.startswith(e) for m, e in zip(messages, expected, strict=True)), messages


def test_acceptance_still_running_is_not_green():
    running = changes.CheckRun("e2e-test", "in_progress", None, None, "check run")
    assert [f.message for f in rules.acceptance_findings([running], RELEASE)] == [
        "e2e-test: still in_progress"
    ]


# --- stakeholder notice ---------------------------------------------------------------------
def test_notice_before_the_deploy_late_and_missing(monkeypatch):
    found = change_sources.notices(_api_env(monkeypatch), None, transport=_github()).items
    assert [n.number for n in found] == [90, 88]  # the pull request is not a notice
    deploy, previous = datetime(2026, 12, 6, 1, 0, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert rules.notice_findings(found, [deploy, previous], "announcement") == []
    late = rules.notice_findings(
        found,
        [datetime(2026, 12, 5, 8, 0, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)],
        "announcement",
    )
    assert "posted 1.0 h after the deploy" in late[0].message
    none = rules.notice_findings(found[1:], [deploy, previous], "announcement")
    assert "no notice labelled 'announcement' before the deploy since" in none[0].message


# --- on-call coverage -----------------------------------------------------------------------
@pytest.mark.parametrize(("recorded", "gap_hours"), [
    ("pagerduty-schedule.json", []),
    ("pagerduty-schedule-gap.json", [24.0]),
    ("pagerduty-schedule-short.json", [30.0]),
])  # fmt: skip
def test_pagerduty_schedule_coverage(monkeypatch, recorded, gap_hours):
    monkeypatch.setenv("GL_PD", PD_TOKEN)
    env = Environment(pagerduty_token="env:GL_PD", oncall_schedules=["PI7DH85"])
    found = change_sources.oncall_schedules(env, None, NOW, transport=_pagerduty(recorded))
    assert found.origin == "PagerDuty API schedules PI7DH85"
    findings = oncall_rules.gap_findings(found.items, NOW, WEEK)
    assert [f"({h:.1f} h)" in f.message for f, h in zip(findings, gap_hours, strict=True)] == [
        True
    ] * len(gap_hours)
    assert len(findings) == len(gap_hours)


@pytest.mark.parametrize(
    ("recorded", "gaps"), [("opsgenie-timeline.json", 0), ("opsgenie-timeline-none.json", 1)]
)
def test_opsgenie_timeline_coverage(monkeypatch, recorded, gaps):
    monkeypatch.setenv("GL_OG", OG_KEY)
    env = Environment(opsgenie_api_key="env:GL_OG", oncall_schedules=["d875e654"])
    found = change_sources.oncall_schedules(env, None, NOW, transport=_opsgenie(recorded))
    assert found.items[0].name == "acme-web_schedule"
    assert len(oncall_rules.gap_findings(found.items, NOW, WEEK)) == gaps


def test_oncall_refused_key_is_unavailable_and_not_printed(monkeypatch):
    monkeypatch.setenv("GL_PD", "u+wrongkey")
    env = Environment(pagerduty_token="env:GL_PD", oncall_schedules=["PI7DH85"])
    with pytest.raises(SourceUnavailable, match="PagerDuty API GET /schedules/PI7DH85: HTTP 401"
                       ) as caught:  # fmt: skip
        change_sources.oncall_schedules(
            env, None, NOW, transport=_pagerduty("pagerduty-schedule.json")
        )
    assert "wrongkey" not in str(caught.value)


def test_oncall_export_and_unknown_shape(tmp_path):
    (tmp_path / oncall.EXPORT_FILE).write_bytes(_recorded("opsgenie-timeline-none.json"))
    found = change_sources.oncall_schedules(Environment(), tmp_path, NOW)
    assert found.origin == "export oncall.json" and found.items[0].service == "Opsgenie"
    (tmp_path / oncall.EXPORT_FILE).write_text(json.dumps({"oncalls": []}))
    with pytest.raises(SourceUnavailable, match="neither a PagerDuty schedule answer"):
        change_sources.oncall_schedules(Environment(), tmp_path, NOW)


# --- security improvement plan -------------------------------------------------------------
def _sec(rule: str, message: str, where: str, severity: str = "critical") -> SecFinding:
    return SecFinding("probe", rule, severity, message, where)  # type: ignore[arg-type]


ADVISORY = _sec("dependency.advisory", "next 14.2.3 (npm) is affected by GHSA-f82v-jwr5-mffw: "
                "Authorization Bypass", "package-lock.json")  # fmt: skip
ENV_FILE = _sec("exposure.sensitive-file", "/.env is served (200)", "http://127.0.0.1/.env")
RLS = _sec("data.rls-missing", "public.projects has row-level security disabled", "projects")
CSP = _sec("headers.csp-unsafe-inline", "style-src allows unsafe-inline", "/", "medium")


def test_security_plan_pass_unplanned_and_closed(monkeypatch):
    issues = change_sources.plan_issues(_api_env(monkeypatch), None, transport=_github()).items
    assert [i.issue.number for i in issues] == [71, 72, 73, 74]
    keys = security_plan.to_plan([ADVISORY, ENV_FILE, CSP])
    assert sorted(keys) == ["GHSA-F82V-JWR5-MFFW", "exposure.sensitive-file"]  # medium: no plan
    open_ok = [i for i in issues if i.issue.number == 71]
    assert security_plan.plan_findings([ADVISORY, CSP], open_ok, NOW) == []
    unplanned = security_plan.plan_findings([ADVISORY, RLS], open_ok, NOW)
    assert [f.message.endswith("no issue names data.rls-missing") for f in unplanned] == [True]
    closed = security_plan.plan_findings([ENV_FILE], issues[1:2], NOW)
    assert "issue #72 is closed but the finding remains" in closed[0].message


def test_security_plan_issues_need_an_owner_and_a_date(monkeypatch):
    issues = change_sources.plan_issues(_api_env(monkeypatch), None, transport=_github()).items
    found = {f.file: f.message for f in security_plan.plan_findings([RLS], issues, NOW)}
    assert sorted(found) == ["issue #73", "issue #74"]  # covered, but no owner / overdue
    assert found["issue #73"].endswith("has no assignee")
    assert "overdue" in found["issue #74"]


# --- exports of the demo, risk register -----------------------------------------------------
@pytest.mark.parametrize("broken", [False, True])
def test_demo_exports(tmp_path, broken):
    demo_exports.write(tmp_path, broken, now=NOW)
    env = Environment()
    pulls = change_sources.pull_texts(env, tmp_path).items
    checklist = rules.checklist_findings(rules.security_changes(pulls))
    impact = rules.impact_findings(pulls)
    updates = rules.impact_findings(rules.dependency_updates(pulls))
    gaps = oncall_rules.gap_findings(change_sources.oncall_schedules(env, tmp_path, NOW).items,
                                     NOW, WEEK)  # fmt: skip
    plan = change_sources.plan_issues(env, tmp_path).items
    advisory = security_plan.plan_findings([ADVISORY], plan, NOW)
    if broken:
        assert [f.message.split(": ")[-1] for f in advisory] == [
            "[critical] issue #650 is closed but the finding remains (1 place(s), e.g. "
            "package-lock.json)", "'Rotate the Supabase service-role key every 90 days' has "
            "no assignee"]  # fmt: skip
        assert [f.file for f in checklist] == ["PR #472"]
        assert [f.file for f in impact] == ["PR #474", "PR #464"]
        assert [f.file for f in updates] == ["PR #464"]
        assert len(gaps) == 1
    else:
        assert (checklist, impact, updates, gaps) == ([], [], [], [])
        assert security_plan.plan_findings([], plan, NOW) == []


def test_exports_without_bodies_say_how_to_export(tmp_path):
    (tmp_path / "gh-prs.json").write_text('[{"number": 1, "mergedAt": "2026-01-01T00:00:00Z",'
                                          ' "reviews": []}]')  # fmt: skip
    with pytest.raises(SourceUnavailable, match=r"without their bodies \(export with --json"):
        change_sources.pull_texts(Environment(), tmp_path)


def test_risk_register_pass_and_two_kinds_of_fail(tmp_path):
    waived = ["db.container-startup-time", "db.docker-stable"]
    today = date(2026, 12, 7)
    good = risks.register_findings(risks.find_register(SAMPLE / "good"), waived, today)
    assert good == []
    broken = [f.message for f in risks.register_findings(
        risks.find_register(SAMPLE / "broken"), waived, today)]  # fmt: skip
    assert broken == ["db.container-startup-time: no owner",
                      "db.container-startup-time: review was due 2024-03-31",
                      "the waiver of db.docker-stable (a risk the run accepts) is not in the "
                      "register"]  # fmt: skip
    assert risks.find_register(tmp_path) is None
    assert risks.register_findings(None, waived, today)[0].message.startswith("not found")
    # a waiver id that only prefixes a listed one is not covered by it
    (tmp_path / "risk-register.md").write_text(
        "| risk | owner | treatment |\n|---|---|---|\n| db.docker-stable-x | a | accept |\n"
    )
    assert len(risks.register_findings(risks.find_register(tmp_path), ["db.docker-stable"],
                                       today)) == 1  # fmt: skip


# --- the real checks through the plugin -----------------------------------------------------
def _run(tmp_path: Path, toml: str) -> dict[str, object]:
    return run_checks(tmp_path, toml, checks=CHECKS)


@pytest.mark.parametrize(("broken", "expected"), [(False, "pass"), (True, "fail")])
def test_checks_through_the_plugin(tmp_path, broken, expected):
    demo_exports.write(tmp_path / "exports", broken)
    repo = SAMPLE / ("broken" if broken else "good")
    data = _run(tmp_path, f'exports_dir = "{tmp_path / "exports"}"\nrepo = "{repo}"\n')
    ids = SAAS_IDS | {"routine.risk-assessment"}
    got = statuses(data, ids)
    want = dict.fromkeys(SAAS_IDS, expected) | {"routine.risk-assessment": "pass" if not broken
                                                 else "fail"}  # fmt: skip
    assert got == want, data["_text"][-3000:]


def test_checks_without_a_source_are_not_verified(tmp_path):
    data = _run(tmp_path, "")
    assert statuses(data, SAAS_IDS) == dict.fromkeys(SAAS_IDS, "not_verified")
    reasons = {c["id"]: c["reason"] for c in data["criteria"] if c["id"] in SAAS_IDS}
    assert "oncall.json" in reasons["routine.incident-response"]
    assert "gh-prs.json" in reasons["ops.security-checklist-review"]


@pytest.mark.parametrize(("broken", "expected"), [(False, "not_verified"), (True, "fail")])
def test_security_plan_through_the_plugin(tmp_path, broken, expected):
    """Without a web target the good plan cannot claim every finding (passive-http not
    run); the broken twin's lockfile advisory has only a closed issue."""
    demo_exports.write(tmp_path / "exports", broken)
    repo = SAMPLE / ("broken" if broken else "good")
    data = _run(tmp_path, f'exports_dir = "{tmp_path / "exports"}"\nrepo = "{repo}"\n')
    got = statuses(data, {"routine.security-improvement-plan"})
    assert got == {"routine.security-improvement-plan": expected}, data["_text"][-3000:]


@pytest.mark.parametrize("field", ["pagerduty_token", "opsgenie_api_key"])
def test_oncall_keys_are_secret_references(field):
    with pytest.raises(ValueError, match="is a secret: write env:NAME"):
        Environment(**{field: "u+LiteralKey000"})
