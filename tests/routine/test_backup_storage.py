"""Routine (daily): バックアップ確認 — the S3 backup bucket itself: every backup verifies
against its manifest, storage stays within the declared budget, and backups cover every
day of the retention period.

The bucket is the one whose name says backup; its policy is declared on it as tags
(``backup:retention-days``, ``backup:budget-bytes``) next to its lifecycle rule. A
backup's age is the timestamp in its key (the ops ``backup`` command writes
``backups/app-<UTC stamp>.dump``), else its LastModified. The restore itself is proven by
``tests/routine/test_backup.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import aws_review as review


@pytest.fixture(scope="module")
def s3(aws_client: Callable[[str], Any]) -> Iterator[Any]:
    with closing(aws_client("s3")) as client:
        yield client


@pytest.fixture(scope="module")
def bucket(s3: Any) -> str:
    name = review.backup_bucket(s3)
    if name is None:
        golive.not_verified("no S3 bucket whose name says backup in the account")
    return name


@pytest.fixture(scope="module")
def policy(s3: Any, bucket: str) -> review.BackupPolicy:
    return review.backup_policy(s3, bucket)


def _backups(s3: Any, bucket: str) -> list[review.BackupObject]:
    return review.list_backups(s3, bucket)


def _days(gaps: list[int]) -> str:
    """``[7, 8, 9, 12]`` as ``7-9, 12`` (days ago)."""
    runs: list[list[int]] = []
    for day in gaps:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


@pytest.mark.criterion("routine.backup-integrity")
def test_backups_match_their_manifests(
    criterion: CriterionContext, evidence: Evidence, s3: Any, bucket: str
) -> None:
    """Every backup under ``backups/`` (the newest first among them) has a manifest whose
    size and SHA-256 match the stored object, and which lists table row counts."""
    backups = _backups(s3, bucket)
    findings = [] if backups else [Finding(f"s3:{bucket}", None,
                                           f"no backup under {review.BACKUP_PREFIX}")]  # fmt: skip
    for backup in reversed(backups):
        findings += [Finding(f"s3:{bucket}/{backup.key}", None, problem)
                     for problem in review.verify_backup(s3, bucket, backup)]  # fmt: skip
    if backups:
        newest = backups[-1]
        evidence.record("backups verified", len(backups), "backups", newest=newest.key,
                        newest_bytes=newest.size,
                        newest_taken=newest.created.isoformat())  # fmt: skip
    criterion.expect_no_findings(findings, what="backup checksums")


@pytest.mark.criterion("routine.backup-storage")
def test_backup_storage_within_budget(
    criterion: CriterionContext,
    evidence: Evidence,
    s3: Any,
    bucket: str,
    policy: review.BackupPolicy,
) -> None:
    """Bytes stored in the bucket (current and noncurrent versions) stay within the budget
    declared on it, and so does the steady state: the newest backup's size times the days
    the lifecycle rule keeps backups."""
    current, noncurrent = review.bucket_bytes(s3, bucket)
    used = current + noncurrent
    where = f"s3:{bucket}"
    findings: list[Finding] = []
    budget = policy.budget_bytes
    backups = _backups(s3, bucket)
    kept_days = policy.expiration_days or policy.retention_days
    # the steady state of the nightly backups: the newest one that has a manifest
    nightly = [b for b in backups if b.manifest_key] or backups
    projected = nightly[-1].size * kept_days if nightly and kept_days else None
    evidence.record("backup storage", used, "bytes", current=current, noncurrent=noncurrent,
                    budget=budget, percent_of_budget=round(100 * used / budget, 1)
                    if budget else None, projected_steady_state=projected)  # fmt: skip
    if budget is None:
        why = f"no storage budget declared (tag {review.BUDGET_TAG}): headroom unknown"
        findings.append(Finding(where, None, why))
    else:
        if used > budget:
            findings.append(Finding(where, None, f"{used} bytes stored, over the budget of "
                                                 f"{budget} bytes"))  # fmt: skip
        if projected is not None and projected > budget:
            why = (f"the newest backup ({nightly[-1].size} bytes) kept {kept_days} days "
                   f"needs {projected} bytes, over the budget of {budget}")  # fmt: skip
            findings.append(Finding(where, None, why))
    criterion.expect_no_findings(findings, what="backup storage")


@pytest.mark.criterion("routine.backup-retention")
def test_backups_cover_retention_period(
    criterion: CriterionContext,
    evidence: Evidence,
    s3: Any,
    bucket: str,
    policy: review.BackupPolicy,
) -> None:
    """The declared retention period has a backup in each of its days (24-hour windows back
    from now), and the lifecycle rule expires backups, but not before that period ends."""
    where = f"s3:{bucket}"
    findings: list[Finding] = []
    days = policy.retention_days
    evidence.record("retention", days, "days", expiration_days=policy.expiration_days,
                    lifecycle=list(policy.lifecycle_rules))  # fmt: skip
    if days is None:
        findings.append(Finding(where, None, f"no retention period declared (tag "
                                             f"{review.RETENTION_TAG})"))  # fmt: skip
    if policy.expiration_days is None:
        findings.append(Finding(where, None, f"no enabled lifecycle rule expires "
                                             f"{review.BACKUP_PREFIX}: backups are kept "
                                             f"forever"))  # fmt: skip
    elif days is not None and policy.expiration_days < days:
        findings.append(Finding(where, None, f"backups expire after {policy.expiration_days} "
                                             f"days, before the {days}-day retention period "
                                             f"ends"))  # fmt: skip
    if days is not None:
        now = dt.datetime.now(dt.UTC)
        taken = [b.created for b in _backups(s3, bucket)]
        gaps = review.retention_gaps(taken, days, now)
        evidence.record("days without a backup", len(gaps), "days", of=days,
                        days_ago=gaps)  # fmt: skip
        if gaps:
            findings.append(Finding(where, None, f"no backup {_days(gaps)} days ago "
                                                 f"({len(gaps)} of {days} days)"))  # fmt: skip
    criterion.expect_no_findings(findings, what="backup retention")
