"""Target fixtures for the acceptance suites in tests/.

The golive plugin (markers, verdicts, reports) comes from its pytest11 entry point; this
file only says where the environment under test is. A fixture whose target is not
configured or not reachable ends the check as not verified, never as a pass.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import golive
from golive._net import is_loopback
from golive.config import Environment, resolve_secret
from golive.harness.plugin import GoliveSession


@pytest.fixture(scope="session")
def golive_env(golive_session: GoliveSession) -> Environment:
    """The environment of golive.toml this run targets."""
    if golive_session.env_name is None:
        golive.not_verified("no environment configured (golive.toml)")
    return golive_session.environment


@pytest.fixture(scope="session")
def repo_path(golive_env: Environment, golive_session: GoliveSession) -> Path:
    """The infrastructure repository whose deliverables the static checks read."""
    if not golive_env.repo:
        golive.not_verified(f"environment {golive_session.env_name} names no repo")
    path = golive_session.config.path(golive_env.repo)
    if not path.is_dir():
        golive.not_verified(f"repo {path} is not a folder")
    from golive.facts.scans.prewarm import prewarm

    prewarm(path)  # scanners start side by side while the first checks read files
    return path


@pytest.fixture(scope="session")
def base_url(golive_env: Environment) -> str:
    if not golive_env.base_url:
        golive.not_verified("no base_url configured")
    return golive_env.base_url.rstrip("/")


@pytest.fixture(scope="session")
def http_client(base_url: str) -> Iterator[httpx.Client]:
    """An httpx client on base_url; not verified when nothing answers there."""
    with httpx.Client(base_url=base_url, timeout=10.0, follow_redirects=False) as client:
        try:
            client.get("/")
        except httpx.TransportError as exc:
            golive.not_verified(f"{base_url} is not reachable: {type(exc).__name__}")
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
    options: dict[str, Any] = {"region_name": golive_env.aws_region}
    if endpoint:
        options["endpoint_url"] = endpoint
        if is_loopback(endpoint):
            # a local emulator takes any key; never send real credentials to it
            options |= {"aws_access_key_id": "golive", "aws_secret_access_key": "golive"}

    def make(service: str) -> Any:
        return boto3.client(service, **options)

    return make


@pytest.fixture(scope="session")
def disruptive(golive_env: Environment, golive_session: GoliveSession) -> Environment:
    """Gate for load tests, drills and active scans: only on targets marked disruptive."""
    if not golive_env.disruptive:
        golive.not_verified(
            f"environment {golive_session.env_name} is not marked disruptive = true"
        )
    if golive_env.production and not os.environ.get("GOLIVE_ALLOW_PRODUCTION"):
        golive.not_verified("disruptive work on production needs --allow-production")
    return golive_env
