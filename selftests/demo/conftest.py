"""Session fixtures: one good and one broken reference stack, each started once."""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from golive.demo import aws
from golive.demo._state import load_state
from golive.demo.stack import Stack, StackInfo


@dataclass
class RunningStack:
    info: StackInfo
    progress: list[str]
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def run_dir(self) -> Path:
        return self.info.run_dir

    @property
    def state(self) -> dict[str, Any]:
        return load_state(self.run_dir)

    @property
    def env(self) -> dict[str, str]:
        lines = (self.run_dir / "env").read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)

    @property
    def database_url(self) -> str:
        return self.env["GOLIVE_DEMO_DATABASE_URL"]

    def command(self, name: str) -> list[str]:
        import tomllib

        config = tomllib.loads(self.info.config_path.read_text(encoding="utf-8"))
        return shlex.split(config["environments"]["demo"]["commands"][name])

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.info.base_url, timeout=10.0)

    def aws(self, service: str) -> Any:
        """A boto3 client for this stack's moto, shared for the session (closed at down)."""
        if service not in self._clients:
            session = self._clients.setdefault("_session", aws._session(self.info.aws_region))
            self._clients[service] = aws.client(
                service, self.info.aws_endpoint_url, self.info.aws_region, session
            )
        return self._clients[service]

    def close(self) -> None:
        for name, each in self._clients.items():
            if name != "_session":
                each.close()

    def token(self, who: str) -> str:
        env = self.env
        key = "ADMIN" if who == "admin" else "USER"
        with self.http() as client:
            resp = client.post(
                "/api/login",
                json={
                    "email": env[f"GOLIVE_DEMO_{key}_EMAIL"],
                    "password": env[f"GOLIVE_DEMO_{key}_PASSWORD"],
                },
            )
        resp.raise_for_status()
        return str(resp.json()["access_token"])


def _start(tmp_path_factory: pytest.TempPathFactory, broken: bool) -> Iterator[RunningStack]:
    progress: list[str] = []
    stack = Stack(progress.append)
    run_dir = tmp_path_factory.mktemp("broken-stack" if broken else "good-stack")
    info = stack.up(run_dir, broken=broken)
    print(f"\n{'broken' if broken else 'good'} stack up in {info.startup_seconds:.2f}s")
    running = RunningStack(info, progress)
    try:
        yield running
    finally:
        running.close()
        report = stack.down(run_dir)
        assert report.clean, report


@pytest.fixture(scope="session")
def good(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    yield from _start(tmp_path_factory, broken=False)


@pytest.fixture(scope="session")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    yield from _start(tmp_path_factory, broken=True)


@pytest.fixture(params=["good", "broken"])
def either(request: pytest.FixtureRequest) -> RunningStack:
    """Parametrize a test over both variants (``either.info.mode`` says which)."""
    stack: RunningStack = request.getfixturevalue(request.param)
    return stack
