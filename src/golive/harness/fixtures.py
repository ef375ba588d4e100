"""Target fixtures: where the environment under test is, and what the run knows.

Loaded by the plugin (``pytest_plugins``), so an installed golive gives them to any suite.
A fixture whose target is not configured or not reachable ends the check as not
verified, never as a pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import golive
from golive._http import BoundedClient, describe, origin
from golive._net import is_loopback
from golive.catalog import Catalog
from golive.config import Config, Environment, resolve_secret
from golive.facts.live.security_targets import SecurityTargets, load_targets
from golive.harness.once import RunOnce
from golive.harness.plugin import GoliveSession, ThresholdOf, session_of

__all__ = [
    "aws_client",
    "base_url",
    "database_dsn",
    "disruptive",
    "golive_catalog",
    "golive_config",
    "golive_env",
    "http_client",
    "repo_path",
    "run_once",
    "security_targets",
    "threshold_of",
]

def _session(request: pytest.FixtureRequest) -> GoliveSession:
    return session_of(request.config)


@pytest.fixture(scope="session")
def golive_config(request: pytest.FixtureRequest) -> Config:
    """golive.toml as loaded for this run (paths in it resolve with ``.path()``)."""
    return _session(request).config


@pytest.fixture(scope="session")
def golive_catalog(request: pytest.FixtureRequest) -> Catalog:
    return _session(request).catalog


@pytest.fixture(scope="session")
def threshold_of(request: pytest.FixtureRequest) -> ThresholdOf:
    """The environment's threshold of a criterion id (the catalog's, or its override)."""
    return _session(request).threshold


@pytest.fixture(scope="session")
def run_once(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> RunOnce:
    """``run_once(key, run)``: once per test run, shared by xdist workers."""
    return RunOnce(request.config, tmp_path_factory)


@pytest.fixture(scope="session")
def golive_env(request: pytest.FixtureRequest) -> Environment:
    """The environment of golive.toml this run targets."""
    golive_session = _session(request)
    if golive_session.env_name is None:
        golive.not_verified("no environment configured (golive.toml)")
    return golive_session.environment


@pytest.fixture(scope="session")
def repo_path(golive_env: Environment, request: pytest.FixtureRequest) -> Path:
    """The infrastructure repository whose deliverables the static checks read."""
    golive_session = _session(request)
    if not golive_env.repo:
        golive.not_verified(f"environment {golive_session.env_name} names no repo")
    path = golive_session.config.path(golive_env.repo)
    if not path.is_dir():
        golive.not_verified(f"repo {path} is not a folder")
    from golive.rules.prewarm import prewarm

    # scanners start side by side while the first checks read files; only those the
    # selected criteria read (a whole-repository scan nobody needs outlives the verdict)
    selected = {
        str(arg)
        for item in request.session.items
        for mark in item.iter_markers("criterion")
        for arg in mark.args
    }
    prewarm(path, selected)
    return path


@pytest.fixture(scope="session")
def base_url(golive_env: Environment) -> str:
    if not golive_env.base_url:
        golive.not_verified("no base_url configured")
    return golive_env.base_url.rstrip("/")


@pytest.fixture(scope="session")
def http_client(base_url: str, golive_env: Environment) -> Iterator[httpx.Client]:
    """An httpx client on base_url whose every request ends within the environment's
    request_timeout_s with a bounded body (golive._http); not verified when nothing
    answers there."""
    with BoundedClient(base_url=base_url, timeout_s=golive_env.request_timeout_s) as client:
        try:
            client.get("/")
        except httpx.TransportError as exc:
            golive.not_verified(f"{origin(base_url)} is not reachable: {describe(exc)}")
        yield client


@pytest.fixture(scope="session")
def database_dsn(golive_env: Environment) -> str:
    """The database URL with its secret resolved (never printed)."""
    if not golive_env.database_url:
        golive.not_verified("no database_url configured")
    dsn = resolve_secret(golive_env.database_url)
    if not dsn:
        golive.not_verified(f"{golive_env.database_url} is not set in the environment")
    return dsn


@pytest.fixture(scope="session")
def aws_client(golive_env: Environment) -> Callable[[str], Any]:
    """A factory of boto3 clients for the environment's account (or its local emulator)."""
    import boto3

    endpoint = golive_env.aws_endpoint_url
    if endpoint is None and not (
        os.environ.get("AWS_ACCESS_KEY_ID") or os.environ.get("AWS_PROFILE")
    ):
        golive.not_verified("no aws_endpoint_url and no AWS credentials")
    from botocore.config import Config as BotoConfig

    # botocore waits 60 s per read and retries up to 4 times: an endpoint that disappears
    # mid-run would hold each check for minutes
    timeout = golive_env.request_timeout_s
    bounds = BotoConfig(connect_timeout=timeout, read_timeout=timeout,
                        retries={"max_attempts": 2, "mode": "standard"})  # fmt: skip
    options: dict[str, Any] = {"region_name": golive_env.aws_region, "config": bounds}
    if endpoint:
        options["endpoint_url"] = endpoint
        if is_loopback(endpoint):
            # a local emulator takes any key; never send real credentials to it
            options |= {"aws_access_key_id": "golive", "aws_secret_access_key": "golive"}

    def make(service: str) -> Any:
        return boto3.client(service, **options)

    return make


@pytest.fixture(scope="session")
def disruptive(golive_env: Environment, request: pytest.FixtureRequest) -> Environment:
    """Gate for load tests, drills and active scans: only on targets marked disruptive."""
    if not golive_env.disruptive:
        golive.not_verified(
            f"environment {_session(request).env_name} is not marked disruptive = true"
        )
    if golive_env.production and not os.environ.get("GOLIVE_ALLOW_PRODUCTION"):
        golive.not_verified("disruptive work on production needs --allow-production")
    return golive_env


@pytest.fixture(scope="session")
def security_targets(request: pytest.FixtureRequest) -> SecurityTargets:
    """The run's security targets (auth API, identities, data endpoints, TLS endpoints)."""
    golive_session = _session(request)
    configured = golive_session.environment.security_targets
    return load_targets(golive_session.config.base_dir, configured)
