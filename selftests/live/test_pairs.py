"""Each live database check and drill passes on the good stack and fails on the broken one.

Where the broken stack has no defect for a criterion yet (or the good stack lacks an
input), the expectation is marked xfail with the precise gap, so the day the demo gains
the defect the test shows XPASS instead of silently passing.
"""

from __future__ import annotations

import json

import pytest

from golive.probes import postgres

from .conftest import LiveRuns, LiveStack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

IMPLEMENTED = (
    "db.connect-time", "db.ssl", "db.timeouts", "db.pool-settings", "db.migrations",
    "db.seed-data", "db.migration-time",
    "platform.deploy-time", "platform.zero-downtime", "platform.rollback-success",
    "cicd.rollback-time", "cicd.deploy-run", "cicd.backup-time", "cicd.restore-success",
    "ops.backup-restore-drill", "ops.data-recovery-drill",
    "routine.backup-success", "routine.restore-test",
)  # fmt: skip

# The good stack cannot pass these yet: the input is missing from the demo.
GOOD_GAPS = {
    "db.migrations": "the app role may not read supabase_migrations.schema_migrations",
    "db.migration-time": "the demo's golive.toml defines no `migrate` command",
}
# The broken stack has no defect these checks could find (their fail paths are proven
# with fake commands and tight thresholds in test_drill_logic.py).
BROKEN_GAPS = {
    "db.connect-time": "broken connects as fast as good",
    "db.ssl": "broken still has hostssl-only pg_hba and sslmode=require",
    "db.migrations": "no pending or dirty migration on broken (and the ledger is unreadable)",
    "db.seed-data": "broken's seed data is complete",
    "db.migration-time": "no `migrate` command",
    "platform.deploy-time": "broken deploys as fast as good",
    "platform.rollback-success": "broken's rollback does restore the previous release",
    "cicd.rollback-time": "broken rolls back as fast as good",
    "cicd.deploy-run": "broken's deploy succeeds and changes the release",
    "cicd.backup-time": "broken backs up as fast as good",
}


def _cases(gaps: dict[str, str]) -> list[object]:
    return [
        pytest.param(cid, marks=pytest.mark.xfail(reason=f"demo gap: {gaps[cid]}", strict=False))
        if cid in gaps else cid
        for cid in IMPLEMENTED
    ]  # fmt: skip


@pytest.mark.parametrize("cid", _cases(GOOD_GAPS))
def test_passes_on_good(live_runs: LiveRuns, cid: str) -> None:
    assert live_runs.good.status(cid) == "pass", live_runs.good.explain(cid)


@pytest.mark.parametrize("cid", _cases(BROKEN_GAPS))
def test_fails_on_broken(live_runs: LiveRuns, cid: str) -> None:
    assert live_runs.broken.status(cid) == "fail", live_runs.broken.explain(cid)


def test_missing_inputs_are_not_verified_not_passed(live_runs: LiveRuns) -> None:
    for cid in GOOD_GAPS:
        assert live_runs.good.status(cid) in ("pass", "not_verified"), live_runs.good.explain(cid)
    reason = live_runs.good.by_id["db.migration-time"]["reason"] or ""
    assert "migrate" in reason or live_runs.good.status("db.migration-time") == "pass"


def test_broken_failures_name_the_defect(live_runs: LiveRuns) -> None:
    reasons = {cid: live_runs.broken.by_id[cid]["reason"] or "" for cid in IMPLEMENTED}
    assert "statement_timeout" in reasons["db.timeouts"]
    assert "47 connections" in reasons["db.pool-settings"]
    assert "health requests failed during deploys" in reasons["platform.zero-downtime"]
    for cid in ("ops.backup-restore-drill", "routine.restore-test", "routine.backup-success"):
        assert "public.audit_log" in reasons[cid], reasons[cid]


def test_measured_figures_are_recorded(live_runs: LiveRuns) -> None:
    good = live_runs.good
    assert good.by_id["db.connect-time"]["measured"]["unit"] == "ms"
    for cid in ("platform.deploy-time", "cicd.rollback-time", "cicd.backup-time"):
        assert good.by_id[cid]["measured"]["unit"] == "min", good.explain(cid)
    availability = good.evidence("platform.zero-downtime", "health requests during deploys")
    assert availability["value"] >= 20  # ≈20 Hz over two deploys of a second or more


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
    secrets = [v for k, v in stack.env.items() if "PASSWORD" in k or "DATABASE_URL" in k]
    password = stack.env["GOLIVE_DEMO_DATABASE_URL"].split("://", 1)[1].split("@")[0].split(":")[1]
    out = stack.info.run_dir / "golive-out"
    texts = [run.text, run.output] + [p.read_text("utf-8") for p in out.glob("*.*") if p.is_file()]
    for secret in [*secrets, password]:
        assert all(secret not in text for text in texts)


def test_rls_probe_finds_the_unprotected_table(
    good_stack: LiveStack, broken_stack: LiveStack
) -> None:
    """The RLS probe (judged by the security suite under sec.pentest-data-access)."""
    good = postgres.rls_tables(good_stack.env["GOLIVE_DEMO_DATABASE_URL"])
    assert good and all(t.problem is None for t in good), good
    broken = postgres.rls_tables(broken_stack.env["GOLIVE_DEMO_DATABASE_URL"])
    problems = {t.table: t.problem or "" for t in broken if t.problem}
    assert list(problems) == ["public.projects"]
    assert problems["public.projects"].startswith("row-level security is disabled")
