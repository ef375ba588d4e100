"""Routine procedures written into the repository: incident triage (日次 セキュリティログ
レビュー → 対応手順), weekly security updates (週次 セキュリティアップデート適用) and the
scaling criteria (月次 キャパシティプランニング → スケール基準)."""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.rules import cigates, delivery, npmlock, scaling, workflows
from golive.rules import triage as incidents


@pytest.mark.criterion("routine.incident-classification")
def test_incident_classification(criterion: CriterionContext, evidence: Evidence,
                                 repo_path: Path) -> None:
    """Described categories covering the security log review's alert conditions."""
    evidence.record("incident documents", [
        p.relative_to(repo_path).as_posix() for p in incidents.incident_documents(repo_path)])
    criterion.expect_no_findings(incidents.classification_findings(repo_path),
                                 what="incident categories")


@pytest.mark.criterion("routine.incident-urgency")
def test_incident_urgency(criterion: CriterionContext, evidence: Evidence,
                          repo_path: Path) -> None:
    """Three or more urgency levels, each with a response time, most urgent fastest."""
    evidence.record("incident documents", [
        p.relative_to(repo_path).as_posix() for p in incidents.incident_documents(repo_path)])
    criterion.expect_no_findings(incidents.urgency_findings(repo_path), what="urgency levels")


@pytest.mark.criterion("routine.update-compatibility")
def test_update_compatibility(criterion: CriterionContext, evidence: Evidence,
                              repo_path: Path) -> None:
    """package.json and package-lock.json agree; peer and engine requirements are met."""
    evidence.record("pinned Node.js versions", [
        {"file": p.file, "line": p.line, "version": str(p.version)}
        for p in npmlock.node_pins(repo_path)])
    criterion.expect_no_findings(npmlock.update_compatibility_findings(repo_path),
                                 what="package.json and its lockfile")


@pytest.mark.criterion("routine.update-pretest")
def test_update_pretest(criterion: CriterionContext, evidence: Evidence,
                        repo_path: Path) -> None:
    """Dependency update pull requests run the test suite before they can merge."""
    evidence.record("dependency update sources", cigates.update_sources(repo_path))
    criterion.expect_no_findings(cigates.update_pretest_findings(repo_path),
                                 what="tests on dependency update pull requests")


@pytest.mark.criterion("routine.update-staged-rollout")
def test_update_staged_rollout(criterion: CriterionContext, evidence: Evidence,
                               repo_path: Path) -> None:
    """Staging is deployed automatically; production only after it, approved."""
    found = cigates.staged_rollout_findings(repo_path)
    git = delivery.vercel_git_deploys(repo_path)
    evidence.record("Vercel Git integration", git)
    if git and found:
        # the app's own path to production runs inside Vercel: what the workflows show
        # is at most part of the rollout, so no verdict either way
        seen = "; ".join(f.message for f in found[:3])
        golive.not_verified(
            f"the app deploys through Vercel's Git integration ({'; '.join(git)}): its "
            "rollout from preview to production happens in Vercel and cannot be seen from "
            f"the repository (record it with a Vercel deployments export); the workflows "
            f"show: {seen}"
        )
    criterion.expect_no_findings(found, what="staging before production")
    export = workflows.environment_export(repo_path, "production")
    if export is None:
        golive.not_verified(
            "production deploys run in environment production, but its required reviewers "
            "live in GitHub settings: record them in .github/environments/production.json "
            "(gh api repos/OWNER/REPO/environments/production)"
        )
    evidence.record("environment export", export.relative_to(repo_path).as_posix())


@pytest.mark.criterion("routine.scale-criteria")
def test_scale_criteria(criterion: CriterionContext, evidence: Evidence,
                        repo_path: Path) -> None:
    """A scaling policy whose triggers are numeric."""
    path, found, _ = scaling.triggers(repo_path)
    if path is not None:
        evidence.record("scaling policy", path.relative_to(repo_path).as_posix(),
                        numeric_triggers=[t.text for t in found if t.numeric])
    criterion.expect_no_findings(scaling.scale_criteria_findings(repo_path),
                                 what="scaling criteria")
