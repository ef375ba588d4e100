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
from golive.rules.appsec import active, data_access, passive
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
    """401 without or with an invalid token; 403 for a role the endpoint refuses."""
    result = probe(run_once, target_session, active.authn_authz)
    criterion.conclude([result], what="authentication and authorization")


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
    """Without credentials: protected and admin paths refused, nothing sensitive served."""
    criterion.conclude(
        [probe(run_once, target_session, active.external_access)],
        what="access from outside without credentials",
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
    target_session: TargetSession,
    run_once: RunOnce,
    security_targets: SecurityTargets,
    disruptive: Environment,
    request: pytest.FixtureRequest,
) -> None:
    """Users read only their own and public rows; the anonymous database role is held by
    row-level security (when the database is reachable)."""
    results = [probe(run_once, target_session, data_access.api_data_access)]
    dsn, reason = optional_fixture(request, "database_dsn")
    if dsn is not None:
        results.append(database_probe(run_once, dsn, security_targets))
    else:
        evidence.note(f"database row-level security not probed: {reason}")
    criterion.conclude(results, what="data access across users")
