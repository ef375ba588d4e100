"""CI/CD: deploy, rollback, backup and restore as the pipeline runs them (Week 1 /
Day 3-4 / デプロイスクリプト, バックアップスクリプト; 目標: ロールバック時間).

The drills run once per session (golive.harness.sessions); the deploy/rollback drill
is shared with ``tests/platform/test_drills.py``, the backup/restore drill with
``tests/operations`` and ``tests/routine``.
"""

from __future__ import annotations

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import drills
from golive.facts.live.commands import in_unit


@pytest.mark.criterion("cicd.rollback-time")
@pytest.mark.xdist_group("golive-deploy-drill")
def test_rollback_time(
    criterion: CriterionContext, evidence: Evidence, deploy_drill: drills.DeployDrill
) -> None:
    """Each rollback is complete when the release served before the deploy answers the
    version endpoint again, timed from the rollback command's start (golive polls it at
    ≈20 Hz); the slowest must be within the limit. A rollback whose command exits 0 while
    the previous release never answers fails."""
    evidence.record("drill cycles", len(deploy_drill.cycles), "cycles", cycles=deploy_drill.facts())
    evidence.artifact("deploy/rollback commands", deploy_drill.transcripts())
    cycles = [c for c in deploy_drill.cycles if c.rollback is not None]
    if not cycles:
        golive.not_verified("no rollback was run")
    if any(c.previous_release is None for c in cycles):
        golive.not_verified(f"{deploy_drill.version_url} named no release before the deploy:"
                            " golive cannot tell when the previous one answers again")  # fmt: skip
    never = []
    for i, cycle in enumerate(cycles, start=1):
        step = cycle.rollback
        assert step is not None and step.version is not None
        if step.completed_after_s is None:
            never.append(f"rollback {i}: {cycle.previous_release} never answered"
                         f" {step.version.url} within {step.version.bound_s:g} s of the command's"
                         f" start (command: {step.command.summary()}; answers seen:"
                         f" {', '.join(map(str, step.version.answers))})")  # fmt: skip
    if never:
        bound = max(c.rollback.version.bound_s for c in cycles if c.rollback and c.rollback.version)
        evidence.measured = {"value": in_unit(bound, criterion.threshold),
                             "unit": criterion.threshold.unit if criterion.threshold else "s",
                             "name": "slowest rollback (lower bound: never completed)"}  # fmt: skip
        raise AssertionError(f"{'; '.join(never)} (required {criterion.threshold})")
    slowest = max(c.rollback.completed_after_s or 0.0 for c in cycles if c.rollback)
    criterion.expect(in_unit(slowest, criterion.threshold),
                     name="slowest rollback, until the previous release answered")  # fmt: skip


@pytest.mark.criterion("cicd.deploy-run")
@pytest.mark.xdist_group("golive-deploy-drill")
def test_deploy_runs(
    criterion: CriterionContext, evidence: Evidence, deploy_drill: drills.DeployDrill
) -> None:
    """Each deploy exits 0 and leaves the service healthy on a new release."""
    evidence.record("deploys", len(deploy_drill.deploys), "deploys", cycles=deploy_drill.facts())
    evidence.artifact("deploy/rollback commands", deploy_drill.transcripts())
    findings: list[Finding] = []
    for i, step in enumerate(deploy_drill.deploys, start=1):
        where = f"deploy {i}"
        if not step.command.ok:
            findings.append(Finding(where, None, step.command.summary()))
        elif not step.after.ok:
            findings.append(Finding(where, None, f"service unhealthy afterwards "
                                    f"({step.after.status or step.after.error})"))  # fmt: skip
        elif step.release_changed is None:
            golive.not_verified(f"{deploy_drill.health_url} names no release")
        elif not step.release_changed:
            findings.append(Finding(where, None, f"release still {step.after.release}"))
    criterion.expect_no_findings(findings, what="deploys")


def _record_backups(evidence: Evidence, drill: drills.BackupDrill) -> None:
    evidence.record("drill cycles", len(drill.cycles), "cycles", cycles=drill.facts())
    evidence.artifact("backup/restore commands", drill.transcripts())


@pytest.mark.criterion("cicd.backup-time")
def test_backup_time(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """The slowest backup of the drill completes within the limit, and succeeds."""
    _record_backups(evidence, backup_drill)
    slowest = max(backup_drill.backups, key=lambda r: r.seconds)
    criterion.expect(in_unit(slowest.seconds, criterion.threshold), name="slowest backup")
    failed = [r.summary() for r in backup_drill.backups if not r.ok]
    if failed:
        raise AssertionError(f"backup failed: {'; '.join(failed)}")


@pytest.mark.criterion("cicd.restore-success")
def test_restore_success_rate(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """golive compares the restored database with the source after every restore
    (schemas, tables, row counts, checksums); the lowest share of matching tables over
    the cycles is the measured figure. The restore command's own word is evidence only."""
    _record_backups(evidence, backup_drill)
    if not backup_drill.restores:
        raise AssertionError(f"nothing to restore: {backup_drill.cycles[-1].problems()[0]}")
    backup_drill.require_comparison()
    cycles = [c for c in backup_drill.cycles if c.restore is not None]
    figures = [c.match_percent if c.match_percent is not None and not c.stale else 0.0
               for c in cycles]  # fmt: skip
    if any(c.comparison and c.comparison.percent is None for c in cycles):
        golive.not_verified("every table of the source was written during the drill: none compared")
    problems = [p for c in cycles for p in c.problems()]
    if problems:
        evidence.record("restore problems", len(problems), "problems", problems=problems[:20])
    commands = [c.restore.summary() for c in cycles if c.restore]
    evidence.record("golive's comparison", min(figures), "%", per_cycle=figures,
                    restore_commands=commands)  # fmt: skip
    criterion.expect(min(figures), name="tables matching the source (lowest cycle)", unit="%")
