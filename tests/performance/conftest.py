"""The load phase: run once per test session, judged by several checks.

Sizes come from the environment's ``[load]`` table in golive.toml, and ``GOLIVE_LOAD_*``
variables override them for one run (see ``golive.facts.load.LoadPlan.from_env``); the test
account for the authenticated path from ``load.login_email`` / ``load.login_password``
(or ``GOLIVE_LOAD_LOGIN_*``, or the demo stack's ``GOLIVE_DEMO_USER_*``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import httpx
import pytest

import golive
from golive.config import Environment
from golive.facts.live import drills
from golive.facts.load import LoadPlan, LoadResult, check_target, run_load, run_once
from golive.harness.plugin import GoliveSession

LOADTESTS = Path(__file__).resolve().parents[2] / "loadtests"


def _progress(config: pytest.Config) -> Callable[[str], None]:
    """Write live progress lines to the terminal, past pytest's output capture."""
    capture = config.pluginmanager.getplugin("capturemanager")
    terminal = config.pluginmanager.getplugin("terminalreporter")

    def write(line: str) -> None:
        if terminal is None:
            return
        with capture.global_and_fixture_disabled() if capture else nullcontext():
            terminal.write_line(f"[golive] {line}")

    return write


@pytest.fixture(scope="session")
def load_plan(golive_session: GoliveSession) -> LoadPlan:
    configured = golive_session.environment.load.as_variables()
    plan = LoadPlan.from_env({**configured, **os.environ})
    if plan.login is None:
        email = os.environ.get("GOLIVE_DEMO_USER_EMAIL")
        password = os.environ.get("GOLIVE_DEMO_USER_PASSWORD")
        if email and password:
            plan = dataclasses.replace(plan, login=(email, password))
    return plan


def _locustfiles() -> list[Path]:
    configured = os.environ.get("GOLIVE_LOAD_LOCUSTFILE")
    if configured:
        return [Path(p.strip()) for p in configured.split(",") if p.strip()]
    return [LOADTESTS / "locustfile.py", LOADTESTS / "shapes.py"]


@pytest.fixture(scope="session")
def load_result(
    disruptive: Environment,
    base_url: str,
    load_plan: LoadPlan,
    golive_session: GoliveSession,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> LoadResult:
    """The weekly load run against base_url: once per session, shared by xdist workers."""
    check_target(base_url, allow_remote=disruptive.disruptive)
    files = _locustfiles()
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        golive.not_verified(f"locustfile not found: {', '.join(missing)}")
    try:
        httpx.get(base_url, timeout=10.0)
    except httpx.TransportError as exc:
        golive.not_verified(f"{base_url} is not reachable: {type(exc).__name__}")
    # one folder for every xdist worker of this run (never shared with a nested run)
    shared = drills.shared_dir(request.config, tmp_path_factory) or tmp_path_factory.getbasetemp()
    output = golive_session.output
    out_dir = Path(output) / "load" if output is not None else shared / "golive-load" / "run"
    progress = _progress(request.config)
    return run_once(
        shared / "golive-load",
        lambda: run_load(
            load_plan,
            host=base_url,
            locustfiles=files,
            out_dir=out_dir,
            allow_remote=disruptive.disruptive,
            progress=progress,
        ),
    )


@pytest.fixture
def judged_load(load_result: LoadResult) -> LoadResult:
    """The load run, when it made requests (a run that sent nothing checked nothing)."""
    if load_result.requests == 0:
        golive.not_verified("the load run made no requests (see the Locust log)")
    return load_result
