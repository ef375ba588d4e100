"""Operations: the security incident scenario (Week 4 Day 3-4 障害シナリオ作成 →
セキュリティインシデント対応).

The drill raises a real intrusion signal against the target: a burst of failed logins
from one source (a password-guessing attack, bounded to twice the catalog's limit, on a
target marked disruptive). The incident is handled when the target detects it and
contains the source: it refuses that source's attempts (429) after at most the catalog's
number of failures, while the service stays up for everyone else. That the failures are
counted by a metric filter and alarmed is routine.alert-auth-failure.
"""

from __future__ import annotations

import httpx
import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.config import Environment
from golive.facts.live import intrusion
from golive.facts.live.security_targets import SecurityTargets


@pytest.mark.criterion("ops.scenario-security-incident")
def test_password_guessing_is_contained(
    criterion: CriterionContext,
    evidence: Evidence,
    disruptive: Environment,
    security_targets: SecurityTargets,
    http_client: httpx.Client,
) -> None:
    """Failed logins from one source are refused (429) within the catalog's limit; the
    service still answers /health to other sources afterwards."""
    limit = criterion.threshold
    assert limit is not None and limit.unit == "attempts", f"{criterion.id}: needs attempts"
    if not disruptive.base_url:
        golive.not_verified("no base_url configured")
    login = security_targets.login
    burst = intrusion.failed_login_burst(disruptive.base_url, login.path, login.username_field,
                                         login.password_field, int(2 * limit.value))  # fmt: skip
    evidence.record("failed logins sent", len(burst.statuses), "attempts", url=burst.url,
                    source=burst.source, statuses=burst.statuses,
                    seconds=burst.seconds)  # fmt: skip
    if burst.rejected == 0 and burst.blocked_at is None:
        golive.not_verified(f"the login endpoint answered none of the attempts as a failed "
                            f"login: {sorted(set(map(str, burst.statuses)))}")  # fmt: skip
    health = http_client.get("/health")
    evidence.record("GET /health after the drill", health.status_code, None)
    findings = []
    if burst.blocked_at is None:
        findings.append(Finding(burst.url, None, f"{burst.rejected} failed logins from "
                                f"{burst.source} and never refused: the attack was not "
                                "detected or contained"))  # fmt: skip
        measured = float(burst.rejected)
    else:
        measured = float(burst.blocked_at - 1)
        if not limit.met_by(measured):
            findings.append(Finding(burst.url, None, f"refused only after {measured:g} failed "
                                    f"logins (limit {limit})"))  # fmt: skip
    if health.status_code != 200:
        findings.append(Finding("/health", None, f"answered {health.status_code} after the "
                                "drill: containment took the service down"))  # fmt: skip
    evidence.measured = {"value": measured, "unit": "attempts",
                         "name": "failed logins taken before the source was refused"}
    criterion.expect_no_findings(findings, what="security incident drill")
