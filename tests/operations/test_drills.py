"""Operations: recovery drills (Week 4 / Day 3-4 / リカバリー訓練).

The environment's ``backup`` and ``restore`` commands run in turn; the restore command
restores the newest backup into a scratch database and verifies it against the source
(exit 0 only when every table matches). Run once per session and shared with
``tests/cicd/test_drills.py`` and ``tests/routine/test_backup.py``.
"""

from __future__ import annotations

import pytest

from golive import CriterionContext, Evidence, Finding
from golive.facts.live import drills


def _findings(drill: drills.BackupDrill) -> list[Finding]:
    return [
        Finding(f"cycle {i}", None, problem)
        for i, cycle in enumerate(drill.cycles, start=1)
        for problem in cycle.problems()
    ]


@pytest.mark.criterion("ops.backup-restore-drill")
def test_recovery_from_backup(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """Every cycle: a fresh backup is taken, restored and verified."""
    evidence.record("drill cycles", len(backup_drill.cycles), "cycles", cycles=backup_drill.facts())
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    criterion.expect_no_findings(_findings(backup_drill), what="backup → restore cycles")


@pytest.mark.criterion("ops.data-recovery-drill")
def test_recovered_data_matches(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """The data recovered from the backup matches the source it was taken from."""
    last = backup_drill.cycles[-1]
    report = last.restore.report() if last.restore else {}
    tables = report.get("tables") if isinstance(report.get("tables"), dict) else {}
    restore = last.restore.summary() if last.restore else None
    evidence.record("tables compared by the restore", len(tables or {}), "tables",
                    tables=tables, restore=restore)  # fmt: skip
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    criterion.expect_no_findings(_findings(backup_drill), what="recovered data")
