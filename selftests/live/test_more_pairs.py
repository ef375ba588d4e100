"""Runtime, caching, failover, data-loss and routine security checks: each passes on the
good stack and fails on the broken one, for the defect the broken twin carries.

The drills here change the stacks (a failover replaces the app instance, the data-loss
scenario takes backups), so they run on stacks of their own, not on the session's shared
pair whose drill counts test_pairs.py checks."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from golive.demo.sample_repo import Variant, materialize
from golive.demo.stack import Stack

from ._suite import Results, finish_suite, start_suite
from .conftest import LiveStack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

MODULES = (
    "tests/platform/test_runtime.py",
    "tests/performance/test_caching.py",
    "tests/operations/test_scenarios.py",
    "tests/routine/test_security_routine.py",
)

# criterion -> (the broken twin's defect, a word its failure reason must contain)
BROKEN_DEFECT = {
    "platform.env-loading": ("the release's GOLIVE_DEMO_CACHE_URL was never set",
                             "GOLIVE_DEMO_CACHE_URL"),
    "perf.cdn-config": ("static assets without Cache-Control", "no Cache-Control"),
    "perf.app-cache": ("no application cache on the data endpoint", "came from a cache"),
    "ops.failover-drill": ("no standby: a cold restart after the crash", "interrupted for"),
    "ops.scenario-system-failure": ("no standby: a cold restart after the crash",
                                    "service restored"),
    "ops.scenario-data-loss": ("the backup leaves out public.audit_log", "public.audit_log"),
    "routine.security-updates-high": ("locked dependencies with fixed High+ advisories",
                                      "fixed in"),
    "routine.monthly-vuln-scan": ("High+ findings in the monthly scan", "high"),
    "routine.security-settings": ("security headers missing", "header"),
    "routine.update-verification": ("/health reports degraded", "degraded"),
}  # fmt: skip


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Results, Results]]:
    stack = Stack()
    names: tuple[Variant, ...] = ("good", "broken")
    dirs = {n: tmp_path_factory.mktemp(f"more-{n}") / "run" for n in names}
    repos = {n: materialize(n, dirs[n].parent / "sample-infra") for n in names}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="more-stack") as pool:
        jobs = [pool.submit(stack.up, dirs[n], broken=n == "broken", repo=repos[n]) for n in names]
    started = [job.result() for job in jobs if job.exception() is None]
    try:
        assert len(started) == 2, [job.exception() for job in jobs]
        stacks = [LiveStack(info, info.config_path) for info in started]
        outs = [s.info.run_dir / "golive-out" for s in stacks]
        procs = [start_suite(s.config, o, *MODULES) for s, o in zip(stacks, outs, strict=True)]
        try:
            yield finish_suite(procs[0], outs[0]), finish_suite(procs[1], outs[1])
        finally:
            for proc in procs:
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
    finally:
        for info in started:
            stack.down(info.run_dir)


@pytest.mark.parametrize("cid", tuple(BROKEN_DEFECT))
def test_passes_on_good(runs: tuple[Results, Results], cid: str) -> None:
    assert runs[0].status(cid) == "pass", runs[0].explain(cid)


@pytest.mark.parametrize("cid", tuple(BROKEN_DEFECT))
def test_fails_on_broken(runs: tuple[Results, Results], cid: str) -> None:
    defect, word = BROKEN_DEFECT[cid]
    broken = runs[1]
    assert broken.status(cid) == "fail", f"{defect}: {broken.explain(cid)}"
    assert word in (broken.by_id[cid]["reason"] or ""), broken.explain(cid)


def test_failover_is_measured(runs: tuple[Results, Results]) -> None:
    good, broken = runs
    assert good.by_id["ops.failover-drill"]["measured"]["unit"] == "s"
    assert broken.by_id["ops.failover-drill"]["measured"]["value"] > 2.0
    assert good.evidence("ops.failover-drill", "health requests during the failover")["value"] >= 5
    writes = good.evidence("ops.failover-drill", "time until a write succeeds again")
    assert writes["value"] == 0.0 and writes["rate_hz"] >= 4, writes  # the database kept up


def test_data_loss_is_measured_by_golive_s_markers(runs: tuple[Results, Results]) -> None:
    """The good scenario restores golive's marker table from the backup it took: the RPO is
    the markers' loss window; the broken one restores an older backup: the table is gone."""
    good, broken = runs
    cid = "ops.scenario-data-loss"
    markers = good.evidence(cid, "marker rows")
    assert markers["table_after"] and markers["lost"] > 0 and markers["rpo_s"] > 0, markers
    assert set(markers["lost_before"].values()) == {0}, markers
    assert good.by_id[cid]["measured"]["name"] == "RPO (markers)"
    assert "marker table missing" in broken.by_id[cid]["reason"], broken.explain(cid)
