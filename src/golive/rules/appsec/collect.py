"""Every security source of a run, each run once per test run and shared by the checks.

``sec.owasp-top10`` and ``sec.critical-vulns`` read all of them; the other security
criteria read one each. A source that cannot run is kept as an unverified result with
its reason, so the evidence always lists every source and why it did or did not run.

"Once per run" is the caller's: each function takes a :class:`Once` (the pytest layer
gives ``golive.harness.once.RunOnce``, shared by xdist workers); nothing here keeps a
module-level memo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from golive.facts.live.http_session import TargetSession
from golive.facts.live.security_targets import SecurityTargets
from golive.facts.scans import zap
from golive.facts.scans.tls import TlsEndpoint, tls_scan
from golive.judging.findings import SourceResult
from golive.rules.appsec import active, codescan, data_access, injection, passive
from golive.rules.appsec.dependencies import dependency_audit
from golive.rules.appsec.secret_scan import secret_scan

__all__ = [
    "ACTIVE_PROBES",
    "Once",
    "RunInputs",
    "collect",
    "database_probe",
    "infra_probe",
    "probe",
    "secret_probe",
    "session_for",
]

_T = TypeVar("_T")
# a per-process cache of logged-in sessions (live connections cannot cross processes)
_SESSIONS: dict[tuple[str, int], TargetSession] = {}
ACTIVE_PROBES: tuple[Callable[[TargetSession], SourceResult], ...] = (
    active.authn_authz,
    active.rbac_matrix,
    active.external_access,
    active.privilege_escalation,
    active.login_rate_limit,
    data_access.api_data_access,
    data_access.object_access,
    injection.active_probes,
)


class Once(Protocol):
    """``once(key, run)``: ``run()`` the first time ``key`` is asked for in this test run,
    its outcome afterwards."""

    def __call__(self, key: str, run: Callable[[], _T], /) -> _T: ...


def _key(*parts: str) -> str:
    return "\x1f".join(("appsec", *parts))


def session_for(client: httpx.Client, targets: SecurityTargets) -> TargetSession:
    """One TargetSession (and so one login per identity) per target and targets."""
    key = (str(client.base_url), id(targets))
    if key not in _SESSIONS:
        _SESSIONS[key] = TargetSession(client, targets)
    return _SESSIONS[key]


def probe(
    once: Once, session: TargetSession, run: Callable[[TargetSession], SourceResult]
) -> SourceResult:
    """``run(session)`` once per test run for this target and targets file."""
    name = f"{run.__module__}.{run.__qualname__}"
    key = _key(name, session.base_url, session.targets.model_dump_json())
    return once(key, lambda: run(session))


def database_probe(once: Once, dsn: str, targets: SecurityTargets) -> SourceResult:
    """The anonymous-role RLS probe, once per test run for this database and targets."""
    return once(
        _key("database-rls", dsn, targets.model_dump_json()),
        lambda: data_access.database_anon_access(dsn, targets),
    )


def infra_probe(once: Once, repo: Path) -> tuple[list[SourceResult], list[str]]:
    return once(_key("infra", str(repo)), lambda: codescan.infra_scan(repo))


def secret_probe(once: Once, repo: Path) -> SourceResult:
    return once(_key("secret-scan", str(repo)), lambda: secret_scan(repo))


@dataclass
class RunInputs:
    """What this run can reach; each missing part carries the reason it is missing."""

    targets: SecurityTargets
    once: Once
    session: TargetSession | None = None
    repo: Path | None = None
    dsn: str | None = None
    tls_endpoints: list[TlsEndpoint] = field(default_factory=list)
    disruptive: bool = False
    zap_api_url: str | None = None
    zap_api_key: str | None = None
    base_url: str | None = None
    missing: dict[str, str] = field(default_factory=dict)


def _http(
    inputs: RunInputs, name: str, run: Callable[[TargetSession], SourceResult]
) -> SourceResult:
    if inputs.session is None:
        return SourceResult.unverified(name, inputs.missing.get("http", "no base_url"))
    return probe(inputs.once, inputs.session, run)


def _active(inputs: RunInputs) -> list[SourceResult]:
    if not inputs.disruptive:
        reason = inputs.missing.get("disruptive", "environment is not disruptive")
        return [
            SourceResult.unverified("active-http", reason),
            SourceResult.unverified(injection.SOURCE, reason),
        ]
    results = [
        _http(inputs, injection.SOURCE if run is injection.active_probes else "active-http", run)
        for run in ACTIVE_PROBES
    ]
    if inputs.dsn is None:
        reason = inputs.missing.get("database", "no database_url")
        results.append(SourceResult.unverified("database-rls", reason))
    else:
        results.append(database_probe(inputs.once, inputs.dsn, inputs.targets))
    return results


def _repo_sources(inputs: RunInputs) -> list[SourceResult]:
    repo = inputs.repo
    if repo is None:
        reason = inputs.missing.get("repo", "no repo")
        return [
            SourceResult.unverified(source, reason)
            for source in ("dependency-audit", "bandit", "secret-scan")
        ]
    scans, _notes = infra_probe(inputs.once, repo)
    return [dependency_audit(repo, inputs.targets), *scans, secret_probe(inputs.once, repo)]


def collect(inputs: RunInputs) -> list[SourceResult]:
    """Every source: passive HTTP, active (disruptive only), repository scans, TLS, ZAP."""
    results = [_http(inputs, "passive-http", passive.passive_scan)]
    results += _active(inputs)
    results += _repo_sources(inputs)
    if inputs.tls_endpoints:
        allow = inputs.targets.tls.allow_self_signed
        results.append(tls_scan(inputs.tls_endpoints, allow_self_signed=allow))
    else:
        reason = inputs.missing.get("tls", "no TLS endpoint")
        results.append(SourceResult.unverified("tls", reason))
    if inputs.zap_api_url and inputs.base_url:
        url, key, target = inputs.zap_api_url, inputs.zap_api_key, inputs.base_url
        results.append(
            inputs.once(
                _key("zap", url, target, str(inputs.disruptive)),
                lambda: zap.zap_scan(url, key, target, active=inputs.disruptive),
            )
        )
    else:
        results.append(SourceResult.unverified("zap", zap.NOT_CONFIGURED))
    return results
