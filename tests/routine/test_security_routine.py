"""Routine: the weekly and monthly security halves (定期タスク / 週次・月次).

They reuse golive's security scans (golive.security) rather than scan again, and each
asks its own question of them:

- routine.security-updates-high (weekly): no locked dependency carries a High or
  Critical advisory for which a fixed version exists (an update is waiting to be applied);
- routine.monthly-vuln-scan (monthly): the full scan ran (dependencies, infrastructure
  code, the live target's passive checks) — each source actually checked something — and
  found nothing High or worse;
- routine.security-settings (monthly): the live target's security settings (headers,
  cookies, exposed files, CORS, banners) are re-checked: any drift is a finding;
- routine.update-verification (weekly): after the update window the service answers its
  health, home page and data endpoints correctly.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live.http_session import TargetSession
from golive.facts.live.security_targets import SecurityTargets
from golive.harness import RunOnce
from golive.harness.security import optional_fixture
from golive.judging.findings import at_least
from golive.rules.appsec import passive
from golive.rules.appsec.collect import infra_probe, probe
from golive.rules.appsec.dependencies import dependency_audit
from golive.rules.health import health_problem

NO_FIX = "no fixed version"


@pytest.mark.criterion("routine.security-updates-high")
def test_high_updates_applied(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path,
    security_targets: SecurityTargets,
) -> None:  # fmt: skip
    """High/Critical advisories with a fixed version available are updates not yet applied."""
    result = dependency_audit(repo_path, security_targets)
    evidence.record_sources([result])
    high = [f for f in result.findings if f.counts and at_least(f.severity, "high")]
    waiting = [f for f in high if NO_FIX not in f.message]
    evidence.record("High+ advisories", len(high), "advisories", with_fix=len(waiting),
                    without_fix=[f.as_dict() for f in high if f not in waiting])  # fmt: skip
    criterion.expect_no_findings([f.as_finding() for f in waiting],
                                 what="High+ updates waiting to be applied")  # fmt: skip
    if not result.verified:
        golive.not_verified(f"dependency audit: {result.reason}")
    if result.gaps:  # packages no advisory source covers were never looked up
        golive.not_verified("dependency audit: " + "; ".join(result.gaps))


@pytest.mark.criterion("routine.monthly-vuln-scan")
def test_monthly_full_scan(
    criterion: CriterionContext,
    evidence: Evidence,
    repo_path: Path,
    security_targets: SecurityTargets,
    run_once: RunOnce,
    request: pytest.FixtureRequest,
) -> None:
    """Dependencies, infrastructure code and the live target, each checked: nothing High+."""
    results = [dependency_audit(repo_path, security_targets)]
    infra, notes = infra_probe(run_once, repo_path)
    results += infra
    for note in notes:
        evidence.note(f"infrastructure: {note}")
    session, reason = optional_fixture(request, "target_session")
    if session is None:
        golive.not_verified(f"the live target cannot be scanned: {reason}")
    results.append(probe(run_once, session, passive.passive_scan))
    if not infra:
        golive.not_verified("no infrastructure code was scanned: " + "; ".join(notes))
    criterion.conclude(results, what="monthly vulnerability scan", floor="high")


@pytest.mark.criterion("routine.security-settings")
def test_security_settings_no_drift(
    criterion: CriterionContext,
    evidence: Evidence,
    target_session: TargetSession,
    run_once: RunOnce,
) -> None:
    """golive's passive checks of the live target: every finding is drift."""
    result = probe(run_once, target_session, passive.passive_scan)
    criterion.conclude([result], what="security settings")


@pytest.mark.criterion("routine.update-verification")
def test_service_after_updates(
    criterion: CriterionContext,
    evidence: Evidence,
    http_client: httpx.Client,
    security_targets: SecurityTargets,
) -> None:
    """/health answers 200 with status ok; / and each data endpoint answer 200."""
    findings = []
    health = http_client.get("/health")
    problem = health_problem(health.status_code, health.content)
    evidence.record("GET /health", health.status_code, problem=problem)
    if problem:
        findings.append(Finding("/health", None, problem))
    paths = ["/", *(d.path for d in security_targets.data_access)]
    for path in paths:
        code = http_client.get(path).status_code
        evidence.record(f"GET {path}", code)
        if code != 200:
            findings.append(Finding(path, None, f"answered {code}"))
    criterion.expect_no_findings(findings, what="service after the update window")
