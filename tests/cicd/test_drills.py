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
    """The slowest rollback of the drill completes within the limit, and succeeds."""
    evidence.record("drill cycles", len(deploy_drill.cycles), "cycles", cycles=deploy_drill.facts())
    evidence.artifact("deploy/rollback commands", deploy_drill.transcripts())
    if not deploy_drill.rollbacks:
        golive.not_verified("no rollback was run")
    slowest = max(deploy_drill.rollbacks, key=lambda s: s.command.seconds)
    criterion.expect(in_unit(slowest.command.seconds, criterion.threshold), name="slowest rollback")
    failed = [s.command.summary() for s in deploy_drill.rollbacks if not s.command.ok]
    if failed:
        raise AssertionError(f"rollback failed: {'; '.join(failed)}")


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
    """Share of restores that the restore command verified against the backup's source."""
    _record_backups(evidence, backup_drill)
    restores = backup_drill.restores
    if not restores:
        raise AssertionError(f"nothing to restore: {backup_drill.cycles[-1].problems()[0]}")
    rate = 100.0 * sum(1 for r in restores if r.ok) / len(restores)
    evidence.record("restores", len(restores), "restores", verified=sum(r.ok for r in restores))
    problems = [p for c in backup_drill.cycles for p in c.problems()]
    if problems:
        evidence.record("restore problems", len(problems), "problems", problems=problems[:20])
    criterion.expect(rate, name="restore success rate", unit="%")
