"""Security of the running target over HTTP: golive's passive OWASP checks (always) and
the active authentication, authorization and penetration checks (disruptive only).

What the target's auth API looks like (login, identities, protected endpoints, data
endpoints) comes from the security targets (golive.facts.live.security_targets).
"""

from __future__ import annotations

import pytest

from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.live.http_session import TargetSession
from golive.facts.live.security_targets import SecurityTargets
from golive.harness import RunOnce
from golive.harness.security import optional_fixture
from golive.judging.findings import SourceResult
from golive.rules.appsec import active, data_access, injection, passive
from golive.rules.appsec.collect import database_probe, probe


@pytest.mark.criterion("sec.config-verification")
def test_security_settings(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
) -> None:
    """Headers (CSP with frame-ancestors, HSTS, nosniff, Referrer-Policy, framing), cookie
    flags, no version banners, no listing/debug pages/sensitive files, CORS, caching."""
    result = probe(run_once, target_session, passive.passive_scan)
    criterion.conclude([result], what="security settings (passive checks)")


@pytest.mark.criterion("sec.authn-authz")
def test_authentication_and_authorization(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
    disruptive: Environment,
) -> None:
    """401 without a token, with an invalid, a forged or an unsigned one; 403 for a role the
    endpoint refuses; failed logins from one source refused as too many (429)."""
    results = [
        probe(run_once, target_session, active.authn_authz),
        probe(run_once, target_session, active.login_rate_limit),
    ]
    criterion.conclude(results, what="authentication and authorization")


@pytest.mark.criterion("sec.rbac")
def test_role_based_access(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
    disruptive: Environment,
) -> None:
    """Each role reaches exactly the endpoints it is granted."""
    result = probe(run_once, target_session, active.rbac_matrix)
    evidence.record("access matrix (status per identity)", None, matrix=result.facts.get("matrix"))
    criterion.conclude([result], what="role-based access")


@pytest.mark.criterion("sec.pentest-external")
def test_external_access(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
    disruptive: Environment,
) -> None:
    """Without credentials: protected and admin paths refused, nothing sensitive served;
    golive's probes find no SQL injection, reflected XSS, open redirect, path traversal or
    SSRF in the parameters of the crawled links and forms and the configured endpoints,
    and no stored XSS or CSRF through the POST forms and the configured forms."""
    probes = probe(run_once, target_session, injection.active_probes)
    evidence.record(
        "active probes", probes.facts.get("requests"), "requests",
        wall_s=probes.facts.get("wall_s"), parameters=probes.facts.get("parameters"),
        per_parameter=probes.facts.get("requests_per_parameter"),
    )  # fmt: skip
    criterion.conclude(
        [probe(run_once, target_session, active.external_access), probes],
        what="access and attacks from outside without credentials",
    )


@pytest.mark.criterion("sec.pentest-privilege-escalation")
def test_privilege_escalation(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
    disruptive: Environment,
) -> None:
    """A user's token, role parameters, a tampered role claim, alg=none, a weak signing
    key and an expired token all fail to reach what the user's role is refused."""
    criterion.conclude(
        [probe(run_once, target_session, active.privilege_escalation)],
        what="privilege escalation attempts",
    )


@pytest.mark.criterion("sec.pentest-data-access")
def test_data_access(
    criterion: CriterionContext,
    evidence: Evidence,
    run_once: RunOnce,
    security_targets: SecurityTargets,
    request: pytest.FixtureRequest,
) -> None:
    """Users read only their own and public rows, and no other identity's object (API:
    needs base_url and disruptive); the database's API roles are held by row-level
    security (from database_url alone)."""
    session, reason = optional_fixture(request, "target_session")
    if session is not None:
        _on, reason = optional_fixture(request, "disruptive")
    if session is not None and reason is None:
        results = [
            probe(run_once, session, data_access.api_data_access),
            probe(run_once, session, data_access.object_access),
        ]
    else:
        results = [SourceResult.unverified(data_access.SOURCE, str(reason))]
    dsn, reason = optional_fixture(request, "database_dsn")
    if dsn is not None:
        results.append(database_probe(run_once, dsn, security_targets))
    else:
        evidence.note(f"database row-level security not probed: {reason}")
    criterion.conclude(results, what="data access across users")
