"""Operations: incident scenarios (Week 4 / Day 1-2 / 障害対応訓練).

The data-loss scenario (ops.scenario-data-loss): after the session's backup drill, the
environment's ``data_loss`` command deletes rows in a drill copy of the newest backup and
recovers them from that backup; every table must come back to the row count the backup's
manifest recorded.

The failover drill: the environment's ``failover`` command kills the active application
instance (as a crash would) and lets the front fail over, while ``base_url/health`` is
polled at ≈20 Hz through the front. It runs once per session and two criteria judge it:

- ops.failover-drill: the service keeps answering through the front: the longest
  interruption (first failed request to the next answered one) is at most
  the catalog's recovery bound, and the service is healthy afterwards;
- ops.scenario-system-failure: the stopped instance was detected as down, another
  instance took over (a different one is active), and the service was restored, as
  the command reports it, within the catalog's recovery bound of the failure.

the catalog's recovery bound is the rule of these checks (the plan gives no number): the time a
front's health checking takes to route around a dead instance.
"""

from __future__ import annotations

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import drills
from golive.facts.live.commands import CommandResult

pytestmark = pytest.mark.xdist_group("golive-deploy-drill")  # never beside a deploy drill

MIN_REQUESTS = 5


def _record(evidence: Evidence, drill: drills.FailoverDrill) -> None:
    evidence.record("health requests during the failover", drill.window.requests, "requests",
                    url=drill.health_url, **drill.window.summary())  # fmt: skip
    evidence.record("interruptions", len(drill.interruptions()), "interruptions",
                    seconds=drill.interruptions())  # fmt: skip
    evidence.artifact("failover command", drill.command.transcript())


def _limit_s(criterion: CriterionContext) -> float:
    """The recovery bound in seconds, from the catalog (overridable per environment)."""
    threshold = criterion.threshold
    assert threshold is not None and threshold.unit == "s", f"{criterion.id}: needs a bound in s"
    return threshold.value


@pytest.mark.criterion("ops.failover-drill")
def test_failover_keeps_service_answering(
    criterion: CriterionContext, evidence: Evidence, failover_drill: drills.FailoverDrill
) -> None:
    """Through the front, requests fail no longer than the catalog's bound; healthy after."""
    drill = failover_drill
    _record(evidence, drill)
    longest = drill.longest()
    evidence.measured = {"value": longest, "unit": "s", "name": "longest interruption"}
    if drill.window.requests < MIN_REQUESTS:
        golive.not_verified(f"fewer than {MIN_REQUESTS} health requests during the failover")
    findings = []
    if not drill.command.ok:
        findings.append(Finding("failover", None, drill.command.summary()))
    limit = _limit_s(criterion)
    if longest > limit:
        failed = len(drill.window.failures)
        findings.append(Finding(drill.health_url, None,
                                f"interrupted for {longest:.2f} s (limit {limit:g} s;"
                                f" {failed} failed requests)"))  # fmt: skip
    if not drill.after.ok:
        unhealthy = f"not healthy after the failover ({drill.after.status})"
        findings.append(Finding(drill.health_url, None, unhealthy))
    criterion.expect_no_findings(findings, what="failover through the front")


@pytest.mark.criterion("ops.scenario-system-failure")
def test_system_failure_recovered(
    criterion: CriterionContext, evidence: Evidence, failover_drill: drills.FailoverDrill
) -> None:
    """The killed instance is detected as down and replaced by another, and the service
    is restored within the catalog's recovery bound of the failure (as the command reports it)."""
    drill = failover_drill
    _record(evidence, drill)
    report = drill.report()
    if not report:
        golive.not_verified("the failover command reported nothing (no JSON on stdout)")
    failed, active = report.get("failed") or {}, report.get("active") or {}
    recovered = report.get("switched_after_s")
    evidence.record("failover report", recovered, "s", detected=report.get("detected"),
                    detected_after_s=report.get("detected_after_s"), failed=failed,
                    active=active, strategy=report.get("strategy"))  # fmt: skip
    if not isinstance(recovered, (int, float)):
        golive.not_verified("the failover command does not say when the service was restored")
    evidence.measured = {"value": recovered, "unit": "s", "name": "failure to recovery"}
    findings = []
    if report.get("detected") is not True:
        findings.append(Finding("failover", None, "the failure was not detected"))
    if failed.get("alive") is not False:
        findings.append(Finding("failover", None, "the killed instance is still running"))
    if not active or (active.get("pid"), active.get("port")) == (
        failed.get("pid"),
        failed.get("port"),
    ):
        findings.append(Finding("failover", None, "no other instance took over"))
    limit = _limit_s(criterion)
    if recovered > limit:
        findings.append(Finding("failover", None, f"service restored {recovered:.2f} s after"
                                f" the failure (limit {limit:g} s)"))  # fmt: skip
    if not (drill.command.ok and drill.after.ok):
        findings.append(Finding(drill.health_url, None, f"{drill.command.summary()}; health"
                                f" after: {drill.after.status}"))  # fmt: skip
    criterion.expect_no_findings(findings, what="system failure scenario")


# --- data loss ----------------------------------------------------------------------------


@pytest.mark.criterion("ops.scenario-data-loss")
def test_data_loss_recovered(
    criterion: CriterionContext, evidence: Evidence, data_loss_drill: CommandResult
) -> None:
    """Rows deleted in a drill copy come back from the newest backup: every table has the
    row count the backup's manifest recorded (the known point in time)."""
    result = data_loss_drill
    evidence.artifact("data_loss command", result.transcript())
    report = result.report()
    if not report:
        golive.not_verified("the data_loss command reported nothing (no JSON on stdout)")
    deleted = report.get("deleted_rows")
    evidence.record("rows deleted in the drill copy", deleted, "rows",
                    tables_emptied=report.get("tables_emptied"),
                    backup=report.get("backup_created_at"),
                    recovery_seconds=report.get("recovery_seconds"),
                    tables=report.get("tables"))  # fmt: skip
    findings = [Finding("data_loss", None, str(p)) for p in report.get("problems") or []]
    if not result.ok and not findings:
        findings.append(Finding("data_loss", None, result.summary()))
    if not isinstance(deleted, int) or deleted <= 0:
        findings.append(Finding("data_loss", None, "no data was deleted: nothing was recovered"))
    criterion.expect_no_findings(findings, what="recovery from data loss")
