"""Session fixtures: the good and the broken reference stack (each started once), one
run of the AWS/notification/daily modules against each, and an empty AWS account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from golive.demo import aws as demo_aws
from golive.demo._proc import ProcRecord, free_port, stop, wait_http
from golive.demo.stack import Stack, StackInfo

from ._suite import Results, finish, start


@dataclass(frozen=True)
class RunningStack:
    info: StackInfo
    config: Path  # golive.toml that also loads the stack's env file

    @property
    def env(self) -> dict[str, str]:
        lines = (self.info.run_dir / "env").read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


def _stack(tmp: Path, broken: bool) -> Iterator[RunningStack]:
    stack = Stack()
    info = stack.up(tmp / "run", broken=broken)
    try:
        yield RunningStack(info, info.config_path)
    finally:
        stack.down(info.run_dir)


@pytest.fixture(scope="session")
def good_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    yield from _stack(tmp_path_factory.mktemp("aws-good"), broken=False)


@pytest.fixture(scope="session")
def broken_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    yield from _stack(tmp_path_factory.mktemp("aws-broken"), broken=True)


@dataclass(frozen=True)
class Runs:
    good: Results
    broken: Results


@pytest.fixture(scope="session")
def runs(good_stack: RunningStack, broken_stack: RunningStack) -> Runs:
    """The modules against both stacks, both runs at once."""
    out_good = good_stack.info.run_dir / "golive-out"
    out_broken = broken_stack.info.run_dir / "golive-out"
    good = start(good_stack.config, out_good)
    broken = start(broken_stack.config, out_broken)
    try:
        return Runs(finish(good, out_good), finish(broken, out_broken))
    finally:
        for proc in (good, broken):
            if proc.poll() is None:
                proc.kill()
                proc.communicate()


@pytest.fixture(scope="session")
def empty_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A golive.toml naming only an AWS endpoint: a moto server with nothing in it."""
    tmp = tmp_path_factory.mktemp("aws-empty")
    port = free_port()
    moto: ProcRecord = demo_aws.start_moto(port, tmp / "moto.log")
    try:
        wait_http(f"http://127.0.0.1:{port}/moto-api/", timeout=30)
        config = tmp / "golive.toml"
        config.write_text(
            'default_env = "empty"\n\n[environments.empty]\n'
            f'aws_endpoint_url = "http://127.0.0.1:{port}"\n'
            'aws_region = "ap-northeast-1"\ndisruptive = true\n',
            encoding="utf-8",
        )
        yield config
    finally:
        stop(moto)
