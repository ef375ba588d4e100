"""Vercel deployments of the project: build time and preview deployments.

Source (golive.toml): ``vercel_project`` + ``vercel_token`` (API), else
``exports_dir``/vercel-deployments.json (see :mod:`golive.facts.saas.vercel`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.saas import sources
from golive.facts.saas.sources import Sourced
from golive.facts.saas.vercel import Deployment
from golive.harness.saas import available, record_figure
from golive.rules import delivery as history


@pytest.fixture(scope="module")
def deployments(golive_env: Environment, saas_exports: Path | None) -> Sourced[Deployment]:
    return available(lambda: sources.deployments(golive_env, saas_exports))


@pytest.mark.criterion("platform.build-time")
def test_build_time(
    criterion: CriterionContext, evidence: Evidence, deployments: Sourced[Deployment]
) -> None:
    """p95 of Vercel build time (buildingAt → ready) over READY deployments."""
    figure = available(lambda: history.vercel_build_time(deployments.items))
    record_figure(evidence, figure, deployments.origin)
    criterion.expect(figure.value, name=figure.name, unit="min")


@pytest.mark.criterion("platform.preview-deploy")
def test_preview_deployments(
    criterion: CriterionContext, evidence: Evidence, deployments: Sourced[Deployment]
) -> None:
    """Preview deployments exist, some are READY, and the newest finished one is READY."""
    facts, findings = available(
        lambda: history.preview_findings(deployments.items, deployments.origin)
    )
    evidence.record("preview deployments", facts["previews"], "deployments",
                    source=deployments.origin, **facts)
    criterion.expect_no_findings(findings, what="preview deployments")
