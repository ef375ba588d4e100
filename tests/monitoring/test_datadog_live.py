"""Datadog as it runs: the alert false-positive rate and the dashboards' key metrics.

Sources (golive.toml): ``exports_dir``/alerts.json (triaged alerts, see
:mod:`golive.facts.saas.datadog`); ``datadog_api_key`` + ``datadog_app_key`` (API), else
``exports_dir``/datadog-dashboards.json.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.saas import sources
from golive.harness.saas import available, record_figure
from golive.rules import delivery as history


@pytest.mark.criterion("mon.false-positive-rate")
def test_false_positive_rate(
    criterion: CriterionContext, evidence: Evidence, saas_exports: Path | None
) -> None:
    """Alerts tagged false_positive by on-call / all alerts of the exported period."""
    alerts = available(lambda: sources.alert_history(saas_exports))
    figure = available(lambda: history.false_positive_rate(alerts.items))
    record_figure(evidence, figure, alerts.origin)
    criterion.expect(figure.value, name=figure.name, unit="%")


@pytest.mark.criterion("mon.dashboards-goal")
def test_key_metrics_on_dashboards(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """Availability, latency, errors and resource use each appear in a dashboard widget."""
    boards = available(lambda: sources.dashboards(golive_env, saas_exports))
    covered, findings = history.dashboard_coverage(boards.items, boards.origin)
    evidence.record("dashboards", len(boards.items), "dashboards", source=boards.origin,
                    titles=[b.title for b in boards.items], key_metrics=covered)
    criterion.expect_no_findings(findings, what="key metrics on dashboards")
