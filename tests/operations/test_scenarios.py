"""Operations: incident scenarios (Week 4 / Day 1-2 / 障害対応訓練).

The data-loss scenario (ops.scenario-data-loss): after the session's backup drill, the
environment's ``data_loss`` command damages data and recovers it, while golive writes
marker rows at 10 Hz into a scratch table of ``database_url`` (``golive_drill_markers_*``)
from before the command until after it. golive counts the markers that survive: the
newest one written before the damage gives the measured RPO (judged against the
catalog's threshold when it has one). The scenario fails when the recovery leaves the
marker table missing, when a marker written before the backup point the command names
(``recovery_point``) is lost, or when no marker from before the damage survived; the
command's own report (rows deleted, tables recovered) is evidence and its problems are
findings.

The failover drill: the environment's ``failover`` command kills the active application
instance (as a crash would) and lets the front fail over, while ``base_url/health`` is
polled at ≈20 Hz through the front (with the other key endpoints) and golive attempts a
write into ``database_url`` at ≈5 Hz. It runs once per session and two criteria judge it:

- ops.failover-drill: the service keeps answering through the front: the longest
  interruption of any key endpoint (first failed request to the next answered one) and
  the time until a write succeeds again (from the command's start to the first committed
  write after the first refused one; 0 when none was refused) are each at most the
  catalog's recovery bound, and the service is healthy afterwards;
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
from golive.facts.live.commands import in_unit

pytestmark = pytest.mark.xdist_group("golive-deploy-drill")  # never beside a deploy drill

MIN_REQUESTS = 5


def _record(evidence: Evidence, drill: drills.FailoverDrill) -> None:
    evidence.record("health requests during the failover", drill.window.requests, "requests",
                    url=drill.health_url, **drill.window.summary())  # fmt: skip
    evidence.record("interruptions", len(drill.interruptions()), "interruptions",
                    seconds=drill.interruptions())  # fmt: skip
    if drill.writes is not None:
        evidence.record("writes during the failover", drill.writes.attempts, "writes",
                        **drill.writes.facts())  # fmt: skip
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
    writes = drill.writes
    if writes is not None:
        outage = writes.write_outage_s
        evidence.record("time until a write succeeds again", outage, "s",
                        expected=f"<= {limit:g} s", refused=writes.failed,
                        rate_hz=writes.rate_hz, errors=writes.errors)  # fmt: skip
        if outage is None:
            findings.append(Finding(writes.table, None,
                                    f"writes refused from {writes.first_failure_s} s and never"
                                    f" succeeded again ({writes.errors[:1]})"))  # fmt: skip
        elif outage > limit:
            findings.append(Finding(writes.table, None,
                                    f"writes refused until {outage:.2f} s after the failover"
                                    f" started (limit {limit:g} s; {writes.failed} refused:"
                                    f" {writes.errors[:1]})"))  # fmt: skip
        if outage is None or outage > longest:
            shown = outage if outage is not None else writes.seconds
            evidence.measured = {"value": shown, "unit": "s",
                                 "name": "time until a write succeeds again"}  # fmt: skip
    criterion.expect_no_findings(findings, what="failover through the front")
    if writes is None:
        golive.not_verified(f"the time until a write succeeds again is not measured:"
                            f" {drill.writes_not_measured}")  # fmt: skip


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
    criterion: CriterionContext, evidence: Evidence, data_loss_drill: drills.DataLossDrill
) -> None:
    """golive's markers written before the backup point survive the recovery, the marker
    table is there afterwards, and the RPO is measured (judged when the catalog has a
    bound); the command's own report lists no problem."""
    result = data_loss_drill.command
    evidence.artifact("data_loss command", result.transcript())
    report = result.report()
    deleted = report.get("deleted_rows")
    evidence.record("rows deleted by the scenario", deleted, "rows",
                    tables_emptied=report.get("tables_emptied"),
                    backup=report.get("backup_created_at"),
                    recovery_seconds=report.get("recovery_seconds"),
                    tables=report.get("tables"))  # fmt: skip
    findings = [Finding("data_loss", None, str(p)) for p in report.get("problems") or []]
    if not result.ok and not findings:
        findings.append(Finding("data_loss", None, result.summary()))
    markers = data_loss_drill.markers
    if markers is not None:
        point = data_loss_drill.recovery_point
        evidence.record("marker rows", markers.written, "markers", recovery_point=point,
                        **markers.facts())  # fmt: skip
        where = markers.table
        if markers.rpo_s is not None:
            evidence.measured = {"value": markers.rpo_s, "unit": "s", "name": "RPO (markers)"}
        if not markers.table_after:
            findings.append(Finding(where, None, f"the recovery left golive's marker table"
                                    f" missing: all {markers.written} markers lost"))  # fmt: skip
        for point, n in markers.lost_before.items():
            if n:
                findings.append(Finding(where, None, f"{n} markers written before the backup"
                                        f" point {point} were lost ({markers.lost} lost of"
                                        f" {markers.written})"))  # fmt: skip
        if markers.table_after and markers.rpo_s is None:
            lost = f"{markers.lost} lost of {markers.written}"
            findings.append(Finding(where, None, f"no marker written before the damage"
                                    f" survived ({lost})"))  # fmt: skip
    criterion.expect_no_findings(findings, what="recovery from data loss")
    if markers is None:
        golive.not_verified(f"golive wrote no marker rows: {data_loss_drill.not_measured}")
    if markers.damaged_after_s is None:
        golive.not_verified(f"the scenario never damaged golive's marker table ({markers.table}:"
                            f" {markers.written} written, all survived): the RPO is not"
                            " measured")  # fmt: skip
    if criterion.threshold is not None and markers.rpo_s is not None:
        criterion.expect(in_unit(markers.rpo_s, criterion.threshold), name="RPO (markers)")
    else:
        evidence.note(f"RPO {markers.rpo_s} s measured; the catalog gives this criterion no"
                      " RPO bound to judge it against")  # fmt: skip
