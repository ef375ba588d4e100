"""The reference stack's database through the real plugin: sec.pentest-data-access (its
database half from database_url, the API half from the demo app) and perf.db-load (the
mixed load with hot-row writes) pass on the good stack and fail on the broken one."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ._suite import ROOT, Results, clean_env, finish_suite, suite_argv
from .conftest import LiveStack

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

MODULES = ("tests/security/test_http.py", "tests/database/test_db_load.py")
SELECT = ("-k", "test_data_access or test_database_under_query_load")


def _run(stack: LiveStack, out: Path) -> subprocess.Popen[str]:
    # a short load keeps the selftest quick; its size is still the plan's concurrency
    env = {**clean_env(), "GOLIVE_DB_LOAD_SECONDS": "4"}
    return subprocess.Popen(
        suite_argv(stack.config, out, *MODULES, extra=SELECT),
        cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


@pytest.fixture(scope="module")
def runs(good_stack: LiveStack, broken_stack: LiveStack) -> tuple[Results, Results]:
    out_good = good_stack.info.run_dir / "golive-db-pairs"
    out_broken = broken_stack.info.run_dir / "golive-db-pairs"
    good = _run(good_stack, out_good)  # one after the other: both loads use the two CPUs
    good_results = finish_suite(good, out_good)
    broken = _run(broken_stack, out_broken)
    return good_results, finish_suite(broken, out_broken)


def test_data_access_pair(runs: tuple[Results, Results]) -> None:
    good, broken = runs
    cid = "sec.pentest-data-access"
    assert good.status(cid) == "pass", good.explain(cid)
    assert broken.status(cid) == "fail", broken.explain(cid)
    reason = str(broken.by_id[cid]["reason"])
    assert "public.projects" in reason and "public.member_directory" in reason, reason


def test_db_load_pair(runs: tuple[Results, Results]) -> None:
    good, broken = runs
    cid = "perf.db-load"
    assert good.status(cid) == "pass", good.explain(cid) + good.output[-2000:]
    kinds = good.evidence(cid, "statements by kind")
    assert set(kinds["counts"]) == {"read", "update", "insert"} and kinds["dropped"]
    assert str(kinds["scratch_table"]).startswith("golive_scratch_")
    locks = good.evidence(cid, "sessions waiting on a lock")
    assert locks["samples_with_waits"] > 0, locks  # the hot rows really made sessions wait
    assert good.by_id[cid]["measured"]["unit"] == "ms"
    assert broken.status(cid) == "fail", broken.explain(cid)
    assert "could not connect" in str(broken.by_id[cid]["reason"])
