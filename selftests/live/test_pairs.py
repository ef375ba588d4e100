"""Each live database check and drill passes on the good stack and fails on the broken
one, for the defect the broken twin carries (BROKEN_DEFECT: the defect, and a word the
failure's reason must contain)."""

from __future__ import annotations

import json

import pytest

from golive.facts.live.security_targets import SecurityTargets
from golive.rules.appsec.data_access import database_anon_access

from .conftest import LiveRuns, LiveStack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

# criterion -> (the broken twin's defect, a word its failure reason must contain)
BROKEN_DEFECT = {
    "db.connect-time": ("the database is another region away: 20 ms each way",
                        "required ≤ 200 ms"),
    "db.ssl": ("pg_hba 'host' instead of 'hostssl', sslmode=prefer", "sslmode=prefer"),
    "db.timeouts": ("no statement or idle-in-transaction timeout", "statement_timeout"),
    "db.pool-settings": ("max_connections 50 for a pool of 100", "47 connections"),
    "db.migrations": ("the repository's newest migration failed and was never applied",
                      "20250120090000 is not applied"),
    "db.seed-data": ("the repository's seed skips the plans", "public.plans is empty"),
    "db.migration-time": ("the newest migration fails on a fresh database", "migrate exited 1"),
    "platform.deploy-time": ("a fixed warm-up wait longer than the demo's 0.2 min",
                             "required ≤ 0.2 min"),
    "platform.zero-downtime": ("stop-then-start deploys",
                               "/health: deploy 1: "),
    "platform.rollback-success": ("the rollback redeploys the current release",
                                  "required ≥ 100 %"),
    "cicd.rollback-time": ("the rollback is a deploy with the same warm-up wait",
                           "required ≤ 0.2 min"),
    "cicd.deploy-run": ("the post-deploy smoke test asks for a path the app lacks",
                        "deploy exited 1"),
    "cicd.backup-time": ("a throttled upload longer than the demo's 0.2 min",
                         "required ≤ 0.2 min"),
    "cicd.restore-success": ("the backup leaves out public.audit_log; the restore exits 0",
                             "required ≥"),
    "ops.backup-restore-drill": ("the backup leaves out public.audit_log", "public.audit_log"),
    "ops.data-recovery-drill": ("the backup leaves out public.audit_log; the restore exits 0",
                                "public.audit_log: table missing from the restored database"),
    "routine.backup-success": ("the backup leaves out public.audit_log", "public.audit_log"),
    "routine.restore-test": ("the backup leaves out public.audit_log", "public.audit_log"),
}  # fmt: skip
IMPLEMENTED = tuple(BROKEN_DEFECT)


@pytest.mark.parametrize("cid", IMPLEMENTED)
def test_passes_on_good(live_runs: LiveRuns, cid: str) -> None:
    assert live_runs.good.status(cid) == "pass", live_runs.good.explain(cid)


@pytest.mark.parametrize("cid", IMPLEMENTED)
def test_fails_on_broken(live_runs: LiveRuns, cid: str) -> None:
    defect, word = BROKEN_DEFECT[cid]
    assert live_runs.broken.status(cid) == "fail", f"{defect}: {live_runs.broken.explain(cid)}"
    assert word in (live_runs.broken.by_id[cid]["reason"] or ""), live_runs.broken.explain(cid)


def test_broken_drills_name_their_defects(live_runs: LiveRuns) -> None:
    broken = live_runs.broken
    cycles = broken.evidence("cicd.deploy-run", "deploys")["cycles"]
    assert len(cycles) == 1  # the drill stops after a failed deploy and rollback
    assert cycles[0]["deploy"]["release_after"] == "v2"
    assert cycles[0]["rollback"]["release_after"] == "v2"  # redeployed, not rolled back
    transcript = broken.evidence("cicd.deploy-run", "deploy/rollback commands")["artifact"]
    assert "smoke test failed" in transcript


def test_restore_and_rollback_are_judged_on_what_golive_saw(live_runs: LiveRuns) -> None:
    """The broken restore says it verified (exit 0); golive's own comparison finds the
    table it lost. The rollbacks are timed until the previous release answered /version."""
    good, broken = live_runs.good, live_runs.broken
    assert good.evidence("cicd.restore-success", "golive's comparison")["value"] == 100.0
    figure = broken.evidence("cicd.restore-success", "golive's comparison")
    assert 0 < figure["value"] < 100.0
    assert all(c.startswith("restore exited 0") for c in figure["restore_commands"])
    cycles = good.evidence("cicd.rollback-time", "drill cycles")["cycles"]
    for cycle in cycles:
        watch = cycle["rollback"]["previous_release"]
        assert watch["url"].endswith("/version (field version)") and watch["wanted"] == "v1"
        assert 0 < watch["answered_after_s"] <= cycle["rollback"]["seconds"] + 1
        assert watch["rate_hz"] >= 10
    watch = broken.evidence("cicd.rollback-time", "drill cycles")["cycles"][0]["rollback"]
    assert watch["previous_release"]["answered_after_s"] is None


def test_measured_figures_are_recorded(live_runs: LiveRuns) -> None:
    good = live_runs.good
    assert good.by_id["db.connect-time"]["measured"]["unit"] == "ms"
    for cid in ("platform.deploy-time", "cicd.rollback-time", "cicd.backup-time"):
        assert good.by_id[cid]["measured"]["unit"] == "min", good.explain(cid)
    availability = good.evidence("platform.zero-downtime",
                                 "requests to key endpoints during deploys")  # fmt: skip
    assert availability["value"] >= 20  # ≈20 Hz over two deploys of a second or more
    # /health and the load scenario's plain GET endpoints, each polled on its own
    assert {"/health", "/api/projects", "/static/app.js"} <= set(availability["endpoints"][0])


def test_each_drill_ran_once(live_runs: LiveRuns, good_stack: LiveStack) -> None:
    """Five checks judge the deploy drill and six the backup drill: each ran once."""
    assert live_runs.good.status("platform.deploy-time") == "pass"
    state = json.loads((good_stack.info.run_dir / "state.json").read_text(encoding="utf-8"))
    assert len(state["deploys"]) == 4  # two cycles of deploy + rollback
    assert state["release"] == "v1"  # the drill leaves the release it found
    assert len(list((good_stack.info.run_dir / "backups").glob("*.dump"))) == 2


@pytest.mark.parametrize("which", ["good", "broken"])
def test_no_secret_in_outputs(
    live_runs: LiveRuns, good_stack: LiveStack, broken_stack: LiveStack, which: str
) -> None:
    stack, run = (
        (good_stack, live_runs.good) if which == "good" else (broken_stack, live_runs.broken)
    )
    secret_keys = ("PASSWORD", "DATABASE_URL", "JWT_SECRET")
    secrets = [v for k, v in stack.env.items() if any(word in k for word in secret_keys)]
    password = stack.env["GOLIVE_DEMO_DATABASE_URL"].split("://", 1)[1].split("@")[0].split(":")[1]
    out = stack.info.run_dir / "golive-out"
    texts = [run.text, run.output] + [p.read_text("utf-8") for p in out.glob("*.*") if p.is_file()]
    for secret in [*secrets, password]:
        assert all(secret not in text for text in texts)


def test_rls_probe_finds_the_unprotected_table(
    good_stack: LiveStack, broken_stack: LiveStack
) -> None:
    """The database probe from the DSN alone (judged by the security suite under
    sec.pentest-data-access): nothing on the good stack; on the broken one RLS off on
    public.projects (with its policies dead), the member list of auth.users readable by
    anon and the helper function without a fixed search_path."""
    # the demo's own condition (its security-targets.yaml); golive's defaults assume none
    targets = SecurityTargets(anon_readable={"public.projects": "visibility = 'public'"})
    good = database_anon_access(good_stack.env["GOLIVE_DEMO_DATABASE_URL"], targets)
    assert good.verified and not good.gaps and good.findings == [], good
    assert any(c.startswith("public.projects as anon") for c in good.checked), good.checked
    broken = database_anon_access(broken_stack.env["GOLIVE_DEMO_DATABASE_URL"], targets)
    found = {(f.rule, f.where) for f in broken.findings}
    assert found == {
        ("data.rls-missing", "public.projects"),
        ("data.policy-rls-off", "public.projects"),
        ("data.anon-rows", "public.projects"),
        ("data.definer-view", "public.member_directory"),
        ("data.anon-rows", "public.member_directory"),
        ("data.search-path-mutable", "public.public_project_count()"),
    }, [f.message for f in broken.findings]
