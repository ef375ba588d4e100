"""The good and the broken reference stack, each started once per session, and one run
of the live database checks and the drills against each (both runs at once)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive.demo.sample_repo import Variant, materialize
from golive.demo.stack import Stack, StackInfo

from ._suite import ALL_MODULES, Results, finish_suite, start_suite


@dataclass(frozen=True)
class LiveStack:
    info: StackInfo
    config: Path  # golive.toml that also loads the stack's env file

    @property
    def env(self) -> dict[str, str]:
        lines = (self.info.run_dir / "env").read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture(scope="session")
def _stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, LiveStack]]:
    """Both stacks, started side by side (each once), stopped at the end of the session."""
    stack = Stack()
    variants: tuple[Variant, ...] = ("good", "broken")
    dirs = {name: tmp_path_factory.mktemp(f"live-{name}") / "run" for name in variants}
    # The sample repository as golive demo materializes it: the migration and seed checks
    # compare the database with it, as they do in the demo.
    repos = {name: materialize(name, dirs[name].parent / "sample-infra") for name in variants}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="live-stack") as pool:
        jobs = {
            name: pool.submit(stack.up, dirs[name], broken=name == "broken", repo=repos[name])
            for name in dirs
        }
        wait(jobs.values())
    started = {name: job.result() for name, job in jobs.items() if job.exception() is None}
    try:
        failed = {name: job.exception() for name, job in jobs.items() if job.exception()}
        if failed:
            raise RuntimeError(f"reference stack did not start: {failed}")
        yield {name: LiveStack(info, info.config_path)
               for name, info in started.items()}  # fmt: skip
    finally:
        for info in started.values():
            stack.down(info.run_dir)


@pytest.fixture(scope="session")
def good_stack(_stacks: dict[str, LiveStack]) -> LiveStack:
    return _stacks["good"]


@pytest.fixture(scope="session")
def broken_stack(_stacks: dict[str, LiveStack]) -> LiveStack:
    return _stacks["broken"]


@dataclass(frozen=True)
class LiveRuns:
    good: Results
    broken: Results


@pytest.fixture(scope="session")
def live_runs(good_stack: LiveStack, broken_stack: LiveStack) -> LiveRuns:
    """Every live database check and drill, on both stacks at the same time."""
    out_good = good_stack.info.run_dir / "golive-out"
    out_broken = broken_stack.info.run_dir / "golive-out"
    good = start_suite(good_stack.config, out_good, *ALL_MODULES)
    broken = start_suite(broken_stack.config, out_broken, *ALL_MODULES)
    try:
        return LiveRuns(finish_suite(good, out_good), finish_suite(broken, out_broken))
    finally:
        for proc in (good, broken):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
