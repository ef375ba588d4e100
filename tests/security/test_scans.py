"""Scanner criteria (dependencies, infrastructure code, secrets) and the two criteria that
read every security source of the run: OWASP Top 10 coverage and critical findings."""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live.security_targets import SecurityTargets
from golive.facts.scans.zap import NOT_CONFIGURED
from golive.harness import RunOnce
from golive.judging.findings import SourceResult, findings_of
from golive.rules.appsec import owasp
from golive.rules.appsec.collect import RunInputs, collect, infra_probe, secret_probe
from golive.rules.appsec.dependencies import dependency_audit

# the sources without which "no critical finding" cannot be claimed
DEPENDENCIES = "dependency-audit"
CRITICAL_REQUIRED = ("passive-http", DEPENDENCIES)


@pytest.mark.criterion("sec.dependency-check")
def test_dependencies_audited(
    criterion: CriterionContext,
    evidence: Evidence,
    repo_path: Path,
    security_targets: SecurityTargets,
) -> None:
    """Locked versions against pip-audit (--strict) and offline OSV advisories."""
    targets = security_targets
    result = dependency_audit(repo_path, targets)
    evidence.record("dependency audit", None, **result.facts)
    criterion.conclude(
        [result],
        what="dependency advisories",
        floor=targets.dependency_fail_severity,
    )


@pytest.mark.criterion("sec.infra-scan")
def test_infrastructure_scanned(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path, run_once: RunOnce
) -> None:
    """bandit on Python code, IAM/security groups as code, compose container settings:
    no high or critical finding."""
    results, notes = infra_probe(run_once, repo_path)
    for note in notes:
        evidence.note(f"not applicable: {note}")
    if not results:
        golive.not_verified("nothing to scan: " + "; ".join(notes))
    criterion.conclude(results, what="infrastructure scan", floor="high")


@pytest.mark.criterion("sec.secret-management")
def test_no_secret_in_code_or_history(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path, run_once: RunOnce
) -> None:
    """detect-secrets over the tracked files and every earlier file version in git."""
    result = secret_probe(run_once, repo_path)
    criterion.conclude([result], what="committed secrets")


def _zap_note(evidence: Evidence, results: list[SourceResult]) -> None:
    zap = next(r for r in results if r.source == "zap")
    if not zap.verified and zap.reason == NOT_CONFIGURED:
        evidence.note(NOT_CONFIGURED)


@pytest.mark.criterion("sec.owasp-top10")
def test_owasp_top10(
    criterion: CriterionContext,
    evidence: Evidence,
    security_inputs: RunInputs,
) -> None:
    """Every category golive can check is clean; a required category no source could
    check makes the criterion not verified (owasp-top10.yaml says which are required)."""
    results = collect(security_inputs)
    _zap_note(evidence, results)
    evidence.record_sources(results)
    verdicts = owasp.judge_categories(owasp.load_mapping(), results)
    evidence.record(
        "OWASP Top 10 (2021) categories", None, categories=[v.as_dict() for v in verdicts]
    )
    criterion.expect_no_findings(
        [
            golive.Finding(
                f.where, f.line, f"{v.id} {v.name}: [{f.severity}] {f.message} ({f.rule})"
            )
            for v in verdicts
            for f in v.findings
        ],
        what="OWASP Top 10 categories",
    )
    unchecked = [v for v in verdicts if v.required and v.status == "not_verified"]
    if unchecked:
        golive.not_verified(
            "required OWASP categories not checked: "
            + "; ".join(f"{v.id} {v.name} (needs one of {', '.join(v.needs)})" for v in unchecked)
        )


@pytest.mark.criterion("sec.critical-vulns")
def test_no_critical_vulnerability(
    criterion: CriterionContext,
    evidence: Evidence,
    security_inputs: RunInputs,
) -> None:
    """Critical findings across every scanner and probe of the run, against the threshold."""
    results = collect(security_inputs)
    _zap_note(evidence, results)
    evidence.record_sources(results)
    critical = [f for f in findings_of(results) if f.severity == "critical"]
    evidence.record(
        "critical findings",
        len(critical),
        "findings",
        findings=[f.as_dict() for f in critical[:50]],
    )
    criterion.expect(len(critical), name="critical findings", unit="findings")
    missing = [
        f"{r.source}: {r.reason}"
        for r in results
        if r.source in CRITICAL_REQUIRED and not r.verified
    ]
    # locked packages no advisory source covers may hold a critical advisory nobody looked up
    missing += [f"{r.source}: {gap}" for r in results if r.source == DEPENDENCIES for gap in r.gaps]
    if missing:
        golive.not_verified("cannot claim no critical finding: " + "; ".join(missing))
