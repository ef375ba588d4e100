"""Security fixtures for the checks in ``tests/security`` and ``tests/routine``: the
logged-in target session, the inputs each check can reach, the TLS endpoints of a run.

Loaded by the plugin (``pytest_plugins``) beside the target fixtures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from golive._errors import CheckOutcome
from golive.config import Environment, resolve_secret
from golive.facts.live.http_session import TargetSession
from golive.facts.live.security_targets import SecurityTargets
from golive.facts.scans.tls import TlsEndpoint, database_endpoint, endpoint_from
from golive.harness.once import RunOnce
from golive.harness.plugin import session_of
from golive.rules.appsec.collect import RunInputs, session_for

__all__ = [
    "optional_fixture",
    "security_inputs",
    "target_session",
    "tls_endpoints",
]


@pytest.fixture(scope="session")
def target_session(http_client: httpx.Client, security_targets: SecurityTargets) -> TargetSession:
    """The live target with the security targets' identities (one login each per process)."""
    return session_for(http_client, security_targets)


def optional_fixture(request: pytest.FixtureRequest, name: str) -> tuple[Any, str | None]:
    """The fixture's value, or None and the reason it is not verified."""
    try:
        return request.getfixturevalue(name), None
    except CheckOutcome as exc:
        return None, exc.reason


def tls_endpoints(
    env: Environment, targets: SecurityTargets, dsn: str | None
) -> tuple[list[TlsEndpoint], list[str]]:
    """The HTTPS base_url, the database (STARTTLS) and the targets' endpoints; and notes."""
    ca = str(targets.path(targets.tls.ca_file)) if targets.tls.ca_file else None
    endpoints: list[TlsEndpoint] = []
    notes: list[str] = []
    base = env.base_url or ""
    if base.startswith("https://"):
        endpoints.append(endpoint_from(base.rstrip("/"), ca))
    elif base:
        notes.append(f"base_url {base} is plain HTTP: its TLS is not scanned")
    if dsn:
        database = database_endpoint(dsn)
        if database is None:
            notes.append("database_url has no host:port to scan (socket or unreadable)")
        else:
            if database.ca_file is None and ca:
                database = TlsEndpoint(
                    database.host, database.port, database.starttls, ca, database.label
                )
            endpoints.append(database)
    endpoints += [endpoint_from(text, ca) for text in targets.tls.endpoints]
    return list(dict.fromkeys(endpoints)), notes


@pytest.fixture
def security_inputs(
    request: pytest.FixtureRequest, security_targets: SecurityTargets, run_once: RunOnce
) -> RunInputs:
    """Everything this run can reach for the all-sources criteria, with reasons for the rest."""
    env = session_of(request.config).environment
    targets = security_targets
    inputs = RunInputs(
        targets=targets, once=run_once, base_url=env.base_url, zap_api_url=env.zap_api_url
    )
    inputs.zap_api_key = resolve_secret(env.zap_api_key)
    inputs.session, reason = optional_fixture(request, "target_session")
    if inputs.session is None:
        inputs.missing["http"] = reason or "no base_url"
    inputs.repo, reason = optional_fixture(request, "repo_path")
    if reason:
        inputs.missing["repo"] = reason
    disruptive, reason = optional_fixture(request, "disruptive")
    inputs.disruptive = disruptive is not None
    if reason:
        inputs.missing["disruptive"] = f"active checks not run: {reason}"
    inputs.dsn, reason = optional_fixture(request, "database_dsn")
    if reason:
        inputs.missing["database"] = reason
    inputs.tls_endpoints, notes = tls_endpoints(env, targets, inputs.dsn)
    if not inputs.tls_endpoints:
        inputs.missing["tls"] = "; ".join(notes) or "no TLS endpoint configured"
    return inputs
