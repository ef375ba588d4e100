"""Glue between the pytest checks in ``tests/security`` and the probes: the targets of
the run, the inputs each check can reach, and one way to turn results into a verdict."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

import golive
from golive._errors import CheckOutcome
from golive.config import Environment, resolve_secret
from golive.facts.scans.tls import TlsEndpoint, database_endpoint, endpoint_from
from golive.harness.plugin import GoliveSession
from golive.judging.evidence import CriterionContext, Evidence
from golive.rules.appsec.collect import RunInputs, session_for
from golive.rules.appsec.model import SecFinding, Severity, SourceResult, at_least, severity_rank
from golive.rules.appsec.targets import SecurityTargets, load_targets

__all__ = [
    "conclude",
    "optional_fixture",
    "record_sources",
    "run_inputs",
    "targets_of",
    "tls_endpoints",
]


def targets_of(golive_session: GoliveSession) -> SecurityTargets:
    configured = golive_session.environment.security_targets
    return load_targets(golive_session.config.base_dir, configured)


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


def run_inputs(request: pytest.FixtureRequest, golive_session: GoliveSession) -> RunInputs:
    """Everything this run can reach for the all-sources criteria, with reasons for the rest."""
    env = golive_session.environment
    targets = targets_of(golive_session)
    inputs = RunInputs(targets=targets, base_url=env.base_url, zap_api_url=env.zap_api_url)
    inputs.zap_api_key = resolve_secret(env.zap_api_key)
    client, reason = optional_fixture(request, "http_client")
    if client is not None:
        inputs.session = session_for(client, targets)
    else:
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


def record_sources(evidence: Evidence, results: Iterable[SourceResult]) -> None:
    for result in results:
        evidence.record(
            f"source {result.label or result.source}",
            "ran" if result.verified else "not verified",
            **result.summary(),
        )
        notes = [f.as_dict() for f in result.findings if not f.counts]
        if notes:
            name = f"notes from {result.label or result.source}"
            evidence.record(name, len(notes), "notes", notes=notes[:50])


def _sorted(findings: Iterable[SecFinding]) -> list[SecFinding]:
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.rule, f.where))


def conclude(
    criterion: CriterionContext,
    evidence: Evidence,
    results: list[SourceResult],
    *,
    what: str,
    floor: Severity = "low",
) -> None:
    """Fail on findings at ``floor`` or worse; else not verified when a source did not run
    or left a required part unchecked; else pass."""
    record_sources(evidence, results)
    failing = _sorted(
        f for r in results for f in r.findings if f.counts and at_least(f.severity, floor)
    )
    below = [f for r in results for f in r.findings if f.counts and not at_least(f.severity, floor)]
    if below:
        evidence.record(
            "findings below the fail threshold",
            len(below),
            "findings",
            floor=floor,
            findings=[f.as_dict() for f in below[:50]],
        )
    criterion.expect_no_findings([f.as_finding() for f in failing], what=what)
    missing = [f"{r.source}: {r.reason}" for r in results if not r.verified]
    missing += [f"{r.source}: {gap}" for r in results for gap in r.gaps]
    if missing:
        golive.not_verified("; ".join(dict.fromkeys(missing)))
