"""Shared sessions: what several checks, in several test modules, judge together.

Each is defined once here and runs once per test run (drills and the load phase through
:class:`~golive.harness.once.RunOnce`, shared by xdist workers); the checks in
``tests/<area>/`` only ask for them by name. Loaded by the plugin (``pytest_plugins``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
import pytest

import golive
from golive import _http
from golive.config import Config, Environment, resolve_secret
from golive.facts.live import aws, drills
from golive.facts.load import LoadPlan, LoadResult, check_target, configured_plan, run_load
from golive.facts.saas import sources
from golive.harness.hosts import LOAD_USAGE_KEY, load_sampler
from golive.harness.once import RunOnce, run_folder
from golive.harness.plugin import ThresholdOf, session_of
from golive.harness.saas import available
from golive.history.store import RunHistory, history_folder, read_history
from golive.resources import loadtests_dir

__all__ = [
    "alarms",
    "backup_drill",
    "data_loss_drill",
    "deploy_drill",
    "failover_drill",
    "judged_load",
    "load_plan",
    "load_result",
    "log_groups",
    "run_history",
    "saas_exports",
]


# --- drills (disruptive) ------------------------------------------------------------------
@pytest.fixture(scope="session")
def deploy_drill(
    disruptive: Environment, base_url: str, threshold_of: ThresholdOf, run_once: RunOnce
) -> drills.DeployDrill:
    """The run's deploy/rollback drill (run on first use)."""
    return run_once(
        "deploy-rollback", lambda: drills.deploy_rollback_for(disruptive, base_url, threshold_of)
    )


@pytest.fixture(scope="session")
def backup_drill(
    disruptive: Environment, threshold_of: ThresholdOf, run_once: RunOnce
) -> drills.BackupDrill:
    """The run's backup/restore drill (run on first use)."""
    return run_once("backup-restore", lambda: drills.backup_restore_for(disruptive, threshold_of))


@pytest.fixture(scope="session")
def failover_drill(
    disruptive: Environment, base_url: str, run_once: RunOnce
) -> drills.FailoverDrill:
    """The run's failover drill (run on first use)."""
    return run_once("failover", lambda: drills.run_failover(disruptive, base_url))


@pytest.fixture(scope="session")
def data_loss_drill(
    disruptive: Environment, backup_drill: drills.BackupDrill, run_once: RunOnce
) -> drills.DataLossDrill:
    """The run's backup drill (so a fresh backup exists), then ``data_loss`` once while
    golive writes its marker rows."""
    if not any(b.ok for b in backup_drill.backups):
        raise AssertionError(f"no backup to recover from: {backup_drill.backups[-1].summary()}")
    return run_once("data-loss", lambda: drills.run_data_loss(disruptive))


# --- AWS account --------------------------------------------------------------------------
@pytest.fixture(scope="session")
def alarms(aws_client: Callable[[str], Any]) -> list[aws.Alarm]:
    """The account's CloudWatch metric alarms."""
    with closing(aws_client("cloudwatch")) as cw, _aws_reachable():
        return aws.list_alarms(cw)


@pytest.fixture(scope="session")
def log_groups(aws_client: Callable[[str], Any]) -> list[aws.LogGroup]:
    """The account's CloudWatch log groups."""
    with closing(aws_client("logs")) as logs, _aws_reachable():
        return aws.list_log_groups(logs)


@contextmanager
def _aws_reachable() -> Iterator[None]:
    """An account that cannot be reached or signed for is not verified, never an error."""
    from botocore.exceptions import (
        ConnectionClosedError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    try:
        yield
    except (EndpointConnectionError, ConnectTimeoutError, ReadTimeoutError,
            ConnectionClosedError) as exc:  # fmt: skip
        golive.not_verified(f"AWS not reachable: {exc}")  # botocore names the endpoint URL
    except NoCredentialsError as exc:
        golive.not_verified(f"AWS not reachable: {type(exc).__name__}")


# --- SaaS exports and golive's own history ------------------------------------------------
@pytest.fixture(scope="session")
def saas_exports(golive_env: Environment, golive_config: Config) -> Path | None:
    """The environment's exports folder, or None (an API may still be configured)."""
    return available(lambda: sources.exports_folder(golive_env, golive_config.path))


@pytest.fixture(scope="session")
def run_history(request: pytest.FixtureRequest) -> RunHistory:
    """Every recorded run of the environment; not verified when there is none."""
    golive_session = session_of(request.config)
    folder = history_folder(golive_session.config, golive_session.output)
    if folder is None:
        golive.not_verified("no run history: set history_dir in golive.toml or give an output")
    if not folder.is_dir():
        golive.not_verified(f"no run history at {folder}: no run has been recorded there")
    history = read_history(folder, golive_session.env_name)
    if not history.entries:
        golive.not_verified(
            f"no run of environment {golive_session.env_name or '-'} recorded in {folder}"
        )
    return history


# --- the load phase -----------------------------------------------------------------------
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
def load_plan(request: pytest.FixtureRequest) -> LoadPlan:
    """Sizes from the environment's ``[load]`` table; ``GOLIVE_LOAD_*`` variables override
    them for one run; the login from ``load.login_*`` or the demo stack's test user."""
    golive_session = session_of(request.config)
    environment = golive_session.environment
    plan = configured_plan(environment.load, os.environ, base_dir=golive_session.config.base_dir,
                           base_url=resolve_secret(environment.base_url))  # fmt: skip
    if plan.login is None:
        email = os.environ.get("GOLIVE_DEMO_USER_EMAIL")
        password = os.environ.get("GOLIVE_DEMO_USER_PASSWORD")
        if email and password:
            plan = plan.model_copy(update={"login": (email, password)})
    return plan


def _locustfiles() -> list[Path]:
    configured = os.environ.get("GOLIVE_LOAD_LOCUSTFILE")
    if configured:
        return [Path(p.strip()) for p in configured.split(",") if p.strip()]
    folder = loadtests_dir()
    return [folder / "locustfile.py", folder / "shapes.py"]


@pytest.fixture(scope="session")
def load_result(
    disruptive: Environment,
    base_url: str,
    load_plan: LoadPlan,
    run_once: RunOnce,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> LoadResult:
    """The weekly load run against base_url: once per run, shared by xdist workers."""
    check_target(base_url, allow_remote=disruptive.disruptive)
    files = _locustfiles()
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        golive.not_verified(f"locustfile not found: {', '.join(missing)}")
    try:
        _http.request("GET", base_url, timeout_s=disruptive.request_timeout_s)
    except httpx.TransportError as exc:
        golive.not_verified(f"{_http.origin(base_url)} is not reachable: {_http.describe(exc)}")
    output = session_of(request.config).output
    shared = run_folder(request.config, tmp_path_factory)
    out_dir = Path(output) / "load" if output is not None else shared / "golive-load" / "run"
    progress = _progress(request.config)
    sampler = load_sampler(request.config)

    def load() -> LoadResult:
        # the configured hosts' CPU and memory, sampled while the load runs
        # (perf.resource-usage reads them under LOAD_USAGE_KEY)
        if sampler is not None:
            sampler.start()
        try:
            return run_load(
                load_plan,
                host=base_url,
                locustfiles=files,
                out_dir=out_dir,
                allow_remote=disruptive.disruptive,
                progress=progress,
            )
        finally:
            if sampler is not None:
                series = sampler.stop()
                run_once(LOAD_USAGE_KEY, lambda: series)

    return run_once("load", load)


@pytest.fixture
def judged_load(load_result: LoadResult) -> LoadResult:
    """The load run, when it made requests (a run that sent nothing checked nothing)."""
    if load_result.requests == 0:
        golive.not_verified("the load run made no requests (see the Locust log)")
    return load_result
