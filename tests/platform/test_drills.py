"""Platform: the deploy/rollback drill (Week 1 / Day 1-2 / デプロイメント設定の調整).

The environment's ``deploy`` and ``rollback`` commands run twice each, in turn, while
``base_url/health`` is polled at ≈20 Hz. The drill runs once per session
(``deploy_drill``, golive.harness.sessions); these checks and those of
``tests/cicd/test_drills.py`` judge it.
"""

from __future__ import annotations

from collections import Counter

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live import drills
from golive.facts.live.commands import in_unit

pytestmark = pytest.mark.xdist_group("golive-deploy-drill")

MIN_REQUESTS = 5  # fewer health requests during a deploy than this show nothing


def _record(evidence: Evidence, drill: drills.DeployDrill) -> None:
    evidence.record("drill cycles", len(drill.cycles), "cycles", cycles=drill.facts())
    evidence.artifact("deploy/rollback commands", drill.transcripts())


@pytest.mark.criterion("platform.deploy-time")
def test_deploy_time(
    criterion: CriterionContext, evidence: Evidence, deploy_drill: drills.DeployDrill
) -> None:
    """The slowest deploy of the drill completes within the limit, and succeeds."""
    _record(evidence, deploy_drill)
    slowest = max(deploy_drill.deploys, key=lambda s: s.command.seconds)
    criterion.expect(in_unit(slowest.command.seconds, criterion.threshold), name="slowest deploy")
    failed = [s.command.summary() for s in deploy_drill.deploys if not s.command.ok]
    if failed:
        raise AssertionError(f"deploy failed: {'; '.join(failed)}")


@pytest.mark.criterion("platform.zero-downtime")
def test_zero_downtime(
    criterion: CriterionContext, evidence: Evidence, deploy_drill: drills.DeployDrill
) -> None:
    """No health request fails while a deploy runs, and the deploy did change the release."""
    _record(evidence, deploy_drill)
    windows = [s.window for s in deploy_drill.deploys]
    requests = sum(w.requests for w in windows)
    failed = sum(len(w.failures) for w in windows)
    evidence.record(
        "health requests during deploys", requests, "requests",
        url=deploy_drill.health_url, rate_hz=[w.rate_hz for w in windows],
    )  # fmt: skip
    for i, step in enumerate(deploy_drill.rollbacks, start=1):
        evidence.record(f"failed requests during rollback {i}", len(step.window.failures),
                        "requests", informational=True)  # fmt: skip
    evidence.measured = {"value": failed, "unit": "requests", "name": "failed requests"}
    if min(w.requests for w in windows) < MIN_REQUESTS:
        golive.not_verified(f"fewer than {MIN_REQUESTS} health requests during a deploy")
    if failed:
        kinds = Counter(f.error or str(f.status) for w in windows for f in w.failures)
        longest = max(w.outage_seconds() for w in windows)
        raise AssertionError(
            f"{failed} of {requests} health requests failed during deploys "
            f"(longest outage {longest:.2f} s; {', '.join(f'{n} × {k}' for k, n in kinds.items())})"
        )
    changed = [s.release_changed for s in deploy_drill.deploys]
    if None in changed:
        golive.not_verified(
            f"{deploy_drill.health_url} names no release: whether a deploy happened is unknown"
        )
    unchanged = [s.after.release for s in deploy_drill.deploys if not s.release_changed]
    if unchanged:
        raise AssertionError(f"the deploy did not change the release (still {unchanged[0]})")


@pytest.mark.criterion("platform.rollback-success")
def test_rollback_success_rate(
    criterion: CriterionContext, evidence: Evidence, deploy_drill: drills.DeployDrill
) -> None:
    """Each rollback leaves the service healthy on the release it had before the deploy."""
    _record(evidence, deploy_drill)
    outcomes = [c.rollback_succeeded for c in deploy_drill.cycles]
    if None in outcomes:
        golive.not_verified(
            f"{deploy_drill.health_url} names no release: a rollback's result is unknown"
        )
    rate = 100.0 * sum(1 for o in outcomes if o) / len(outcomes)
    evidence.record("rollbacks", len(outcomes), "rollbacks", succeeded=sum(map(bool, outcomes)))
    criterion.expect(rate, name="rollback success rate", unit="%")
