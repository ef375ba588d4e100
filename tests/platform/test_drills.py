"""Platform: the deploy/rollback drill (Week 1 / Day 1-2 / デプロイメント設定の調整).

The environment's ``deploy`` and ``rollback`` commands run twice each, in turn, while
the key endpoints (``/health``, ``zero_downtime_paths``, the load scenario's plain GET
endpoints) are each polled at ≈20 Hz, over the whole drill and a tail after it. The drill
runs once per session (``deploy_drill``, golive.harness.sessions); these checks and those of
``tests/cicd/test_drills.py`` judge it.
"""

from __future__ import annotations

from collections import Counter

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import drills
from golive.facts.live.availability import Window, endpoint_name
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
    """No request to any key endpoint fails from a deploy's start until the rollback
    starts (the last window runs to the end of the tail), no older release answers after
    a newer one was seen, and the deploy did change the release."""
    _record(evidence, deploy_drill)
    windows = [s.window for s in deploy_drill.deploys]
    requests = sum(w.requests for w in windows)
    failed = sum(len(w.failures) for w in windows)
    mixed = sum(len(w.mixed()) for w in windows)
    per_endpoint = [w.endpoints_summary() for w in windows]
    evidence.record(
        "requests to key endpoints during deploys", requests, "requests",
        urls=deploy_drill.urls, poll_hz=deploy_drill.poll_hz, rate_hz=[w.rate_hz for w in windows],
        tail_s=deploy_drill.tail_s, endpoints=per_endpoint,
    )  # fmt: skip
    for i, step in enumerate(deploy_drill.rollbacks, start=1):
        evidence.record(f"failed requests during rollback {i}", len(step.window.failures),
                        "requests", informational=True)  # fmt: skip
    evidence.measured = {"value": failed + mixed, "unit": "requests",
                         "name": "failed or mixed-version requests"}  # fmt: skip
    parts = [(i, name, Window(samples, w.seconds))
             for i, w in enumerate(windows, start=1)
             for name, samples in w.by_endpoint().items()]  # fmt: skip
    if not parts or min(p.requests for _, _, p in parts) < MIN_REQUESTS:
        golive.not_verified(f"fewer than {MIN_REQUESTS} requests to a key endpoint during a deploy")
    findings = []
    for i, name, part in parts:
        if part.failures:
            kinds = Counter(f.error or str(f.status) for f in part.failures)
            shown = ", ".join(f"{n} × {k}" for k, n in kinds.items())
            findings.append(Finding(name, None, f"deploy {i}: {len(part.failures)} of"
                                    f" {part.requests} requests failed (longest outage"
                                    f" {part.outage_seconds():.2f} s; {shown})"))  # fmt: skip
    for i, window in enumerate(windows, start=1):
        old = Counter((s.release, endpoint_name(s.url)) for s in window.mixed())
        for (release, name), n in old.items():
            findings.append(Finding(name, None, f"deploy {i}: {n} answers from release"
                                    f" {release} after a newer release answered (a mix of"
                                    " versions)"))  # fmt: skip
    slow = [f"deploy {i} {name} {part.rate_hz:g} Hz" for i, name, part in parts
            if part.rate_hz < drills.MIN_POLL_HZ]  # fmt: skip
    if slow and not findings:
        golive.not_verified(
            f"key endpoints polled below {drills.MIN_POLL_HZ:g} Hz ({'; '.join(slow[:3])}):"
            " a short outage could fall between two polls"
        )
    what = f"{failed} failed and {mixed} mixed-version of {requests} requests during deploys"
    criterion.expect_no_findings(findings, what=what)
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
