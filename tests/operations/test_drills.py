"""Operations: recovery drills (Week 4 / Day 3-4 / リカバリー訓練).

The environment's ``backup`` and ``restore`` commands run in turn; the restore command
restores the newest backup into ``restore_database_url``, and golive compares that
database with the source itself (golive.facts.live.dbcompare: schemas, tables, row
counts, checksums of whole small tables and of sampled rows of large ones). The
command's exit code and JSON are recorded, never the verdict. Run once per session and
shared with ``tests/cicd/test_drills.py`` and ``tests/routine/test_backup.py``.
"""

from __future__ import annotations

import pytest

import golive
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
    """Every cycle: a fresh backup is taken, restored, and golive finds the restored
    database matching the source."""
    evidence.record("drill cycles", len(backup_drill.cycles), "cycles", cycles=backup_drill.facts())
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    if all(c.backup.ok for c in backup_drill.cycles):
        backup_drill.require_comparison()
    criterion.expect_no_findings(_findings(backup_drill), what="backup → restore cycles")


@pytest.mark.criterion("ops.data-recovery-drill")
def test_recovered_data_matches(
    criterion: CriterionContext, evidence: Evidence, backup_drill: drills.BackupDrill
) -> None:
    """The data recovered from the backup matches the source it was taken from, table by
    table, as golive compares them."""
    evidence.artifact("backup/restore commands", backup_drill.transcripts())
    last = backup_drill.cycles[-1]
    if last.restore is None:
        raise AssertionError(f"nothing was restored: {last.problems()[0]}")
    backup_drill.require_comparison()
    assert last.comparison is not None
    evidence.record("tables compared by golive", len(last.comparison.compared), "tables",
                    restore=last.restore.summary(), **last.comparison.facts())  # fmt: skip
    if last.comparison.percent is None:
        golive.not_verified("every table of the source was written during the drill: none compared")
    findings = [Finding(t.name, None, "; ".join(t.reasons)) for t in last.comparison.mismatches]
    if last.stale:
        findings.append(Finding("restore", None, "the restored database was not rewritten by the"
                                " restore: it is the copy from before"))  # fmt: skip
    criterion.expect_no_findings(findings, what="recovered data")
