"""CI/CD history: GitHub Actions runs and production deploys, from the APIs or exports.

Sources (golive.toml): ``github_repository`` + ``github_token`` (API), else
``exports_dir``/gh-runs.json; ``vercel_project`` + ``vercel_token``, else
``exports_dir``/vercel-deployments.json; ``exports_dir``/test-cases.json. How each figure
is computed is stated in :mod:`golive.rules.delivery`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.saas import sources
from golive.facts.saas.github import WorkflowRun
from golive.facts.saas.sources import Sourced
from golive.harness.saas import available, record_figure
from golive.rules import delivery as history


@pytest.fixture(scope="module")
def runs(golive_env: Environment, saas_exports: Path | None) -> Sourced[WorkflowRun]:
    return available(lambda: sources.workflow_runs(golive_env, saas_exports))


@pytest.mark.criterion("cicd.build-success-rate")
def test_build_success_rate(
    criterion: CriterionContext, evidence: Evidence, runs: Sourced[WorkflowRun]
) -> None:
    figure = available(lambda: history.build_success_rate(runs.items))
    record_figure(evidence, figure, runs.origin)
    criterion.expect(figure.value, name="build success rate", unit="%")


@pytest.mark.criterion("cicd.build-pipeline-time")
def test_build_pipeline_time(
    criterion: CriterionContext, evidence: Evidence, runs: Sourced[WorkflowRun]
) -> None:
    figure = available(lambda: history.workflow_time(runs.items, "build"))
    record_figure(evidence, figure, runs.origin)
    criterion.expect(figure.value, name=figure.name, unit="min")


@pytest.mark.criterion("cicd.test-time")
def test_test_time(
    criterion: CriterionContext, evidence: Evidence, runs: Sourced[WorkflowRun]
) -> None:
    figure = available(lambda: history.workflow_time(runs.items, "test"))
    record_figure(evidence, figure, runs.origin)
    criterion.expect(figure.value, name=figure.name, unit="min")


@pytest.mark.criterion("cicd.deploy-time-goal")
def test_deploy_time(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """Merge (start of the production deploy pipeline) to production READY, p95."""
    deploys = available(lambda: sources.deploy_history(golive_env, saas_exports))
    for reason in deploys.not_configured:
        evidence.note(f"not read: {reason}")
    figure = available(lambda: history.deploy_time(deploys.deployments, deploys.runs))
    record_figure(evidence, figure, deploys.origin)
    criterion.expect(figure.value, name=figure.name, unit="min")


@pytest.mark.criterion("cicd.test-automation-rate")
def test_test_automation_rate(
    criterion: CriterionContext, evidence: Evidence, saas_exports: Path | None
) -> None:
    """Automated cases / all cases of the team's test-case inventory."""
    cases = available(lambda: sources.case_inventory(saas_exports))
    figure = available(lambda: history.automation_rate(cases.items))
    record_figure(evidence, figure, cases.origin)
    criterion.expect(figure.value, name="test automation rate", unit="%")
