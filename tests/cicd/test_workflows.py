"""CI/CD: the plan's GitHub Actions workflows (Week 1 / Day 3-4 / GitHub Actions設定)."""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.repo import discover
from golive.facts.repo.workflow import Workflow
from golive.rules import workflows
from golive.rules.runners import TestKind

# plan deliverable → its criterion
WORKFLOW_CRITERIA = {
    "build.yml": "cicd.workflow-build",
    "cache-config.yml": "cicd.cache-config",
    "dependency-update.yml": "cicd.workflow-dependency-update",
    "test.yml": "cicd.workflow-test",
    "e2e-test.yml": "cicd.workflow-e2e-test",
    "coverage-report.yml": "cicd.workflow-coverage-report",
    "deploy-staging.yml": "cicd.workflow-deploy-staging",
    "deploy-production.yml": "cicd.workflow-deploy-production",
    "rollback.yml": "cicd.workflow-rollback",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.criterion(criterion_id), id=name)
        for name, criterion_id in WORKFLOW_CRITERIA.items()
    ],
)
def test_workflow_sound(
    name: str, criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """Present, schema-valid, no high zizmor finding, timeouts on every job, actions pinned."""
    findings = workflows.workflow_findings(repo_path, name)
    _record_roles(evidence, repo_path, name)
    notes = workflows.workflow_notes(repo_path, name)
    if notes:
        evidence.record(
            "zizmor findings below high severity", len(notes), "findings",
            findings=[n.as_dict() for n in notes],
        )
    criterion.expect_no_findings(findings, what=name)


@pytest.mark.criterion("cicd.parallel-build")
def test_parallel_build(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(workflows.parallel_build_findings(repo_path), what="build.yml")


@pytest.mark.criterion("cicd.cache")
def test_cache(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        workflows.cache_findings(repo_path), what="build.yml and cache-config.yml caching"
    )


@pytest.mark.criterion("cicd.dependency-updates")
def test_dependency_updates(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    evidence.record("update sources", workflows.dependency_update_sources(repo_path))
    criterion.expect_no_findings(
        workflows.dependency_update_findings(repo_path), what="automated dependency updates"
    )


def _record_test_steps(evidence: Evidence, repo: Path, role: str, kind: TestKind) -> None:
    """Which file played the role and what was examined in it (steps, test steps)."""
    workflow = workflows.role_workflow(repo, role)
    if isinstance(workflow, Workflow):
        summary = workflows.summary_of_test_steps(repo, workflow, kind)
        evidence.record(f"{kind} test steps", len(summary["test steps"]), "steps", **summary)
    _record_roles(evidence, repo, role)


def _record_roles(evidence: Evidence, repo: Path, role: str) -> None:
    for match in discover.roles_taken(repo):
        if match.role == role:
            evidence.record("deliverable", role, **match.as_dict(repo))
            if match.renamed:
                # a different name is at most a minor note, never a content failure
                evidence.note(f"named differently from the plan: {match.path.name} "
                              f"taken as {role} ({match.how})")


@pytest.mark.criterion("cicd.unit-tests")
def test_unit_tests(criterion: CriterionContext, evidence: Evidence, repo_path: Path) -> None:
    findings = workflows.unit_test_findings(repo_path)
    _record_test_steps(evidence, repo_path, "test.yml", "unit")
    criterion.expect_no_findings(findings, what="test.yml")


@pytest.mark.criterion("cicd.e2e-tests")
def test_e2e_tests(criterion: CriterionContext, evidence: Evidence, repo_path: Path) -> None:
    findings = workflows.e2e_test_findings(repo_path)
    _record_test_steps(evidence, repo_path, "e2e-test.yml", "e2e")
    criterion.expect_no_findings(findings, what="e2e-test.yml")


@pytest.mark.criterion("cicd.coverage-report")
def test_coverage_report(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        workflows.coverage_report_findings(repo_path), what="coverage-report.yml"
    )


@pytest.mark.criterion("cicd.coverage")
def test_coverage_gate(criterion: CriterionContext, evidence: Evidence, repo_path: Path) -> None:
    """The CI coverage gate enforces at least the catalog's coverage (80 %)."""
    assert criterion.threshold is not None
    gates = workflows.coverage_gates(repo_path)
    evidence.record(
        "coverage gates", len(gates), "gates",
        gates=[{"file": g.file, "line": g.line, "value": g.value} for g in gates],
    )
    criterion.expect_no_findings(
        workflows.coverage_gate_findings(repo_path, criterion.threshold.value),
        what="coverage gate",
    )
    criterion.expect(min(g.value for g in gates), name="lowest coverage gate")


@pytest.mark.criterion("cicd.env-deploy")
def test_env_deploy(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        workflows.env_deploy_findings(repo_path),
        what="deploy-staging.yml and deploy-production.yml",
    )


@pytest.mark.criterion("cicd.approval-flow")
def test_approval_flow(criterion: CriterionContext, evidence: Evidence, repo_path: Path) -> None:
    """The production deploy job runs in environment production, whose recorded protection
    rules require a reviewer."""
    criterion.expect_no_findings(
        workflows.approval_findings(repo_path), what="production approval"
    )
    export = workflows.environment_export(repo_path, "production")
    if export is None:
        golive.not_verified(
            "deploy-production.yml deploys in environment production, but its required "
            "reviewers live in GitHub settings: record them in "
            ".github/environments/production.json "
            "(gh api repos/OWNER/REPO/environments/production)"
        )
    evidence.record("environment export", export.relative_to(repo_path).as_posix())


@pytest.mark.criterion("cicd.rollback-trigger")
def test_rollback_trigger(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        workflows.rollback_trigger_findings(repo_path), what="rollback.yml"
    )
