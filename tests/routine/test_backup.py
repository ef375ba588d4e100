"""Routine (daily): バックアップ確認 — a backup is taken and restored now, as the daily
check would, through the environment's ``backup`` and ``restore`` commands.

The drill runs once per session (``backup_drill``, golive.harness.sessions), shared with
``tests/cicd/test_drills.py`` and ``tests/operations/test_drills.py``.
"""

from __future__ import annotations

import pytest

from golive import CriterionContext, Evidence, Finding
from golive.facts.live import drills


@pytest.mark.criterion("routine.backup-success")
def test_backup_succeeds(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """Each backup completes and is complete: the restore of it verifies every table."""
    evidence.record("backups", len(backup_drill.backups), "backups", cycles=backup_drill.facts())
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    findings: list[Finding] = []
    for i, cycle in enumerate(backup_drill.cycles, start=1):
        if not cycle.backup.ok:
            findings.append(Finding(f"backup {i}", None, cycle.backup.summary()))
        elif not cycle.verified:
            findings += [
                Finding(f"backup {i}", None, f"does not restore verifiably: {problem}")
                for problem in cycle.problems()[1:] or cycle.problems()
            ]
    criterion.expect_no_findings(findings, what="backups")


@pytest.mark.criterion("routine.restore-test")
def test_restore_test(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """The newest backup restores into a scratch database and verifies."""
    last = backup_drill.cycles[-1]
    evidence.record("restore", last.restore.summary() if last.restore else "not run",
                    verified=last.verified)  # fmt: skip
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    findings = [Finding("newest backup", None, p) for p in last.problems()]
    criterion.expect_no_findings(findings, what="restore test")
