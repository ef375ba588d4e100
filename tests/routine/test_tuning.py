"""The weekly monitoring review's threshold tuning (監視ダッシュボード確認 → 閾値調整) and
the monthly compliance check (セキュリティ評価 → コンプライアンス確認).

Threshold tuning reads the triaged alert events (``exports_dir``/alerts.json): a monitor
that fired more often in the last week than the catalog allows, or raised an alert on-call
marked false, is listed for tuning (:mod:`golive.rules.alert_tuning`). The compliance check
reads the AWS account and judges it by the CIS AWS Foundations controls golive can read
(:mod:`golive.rules.compliance`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live import aws
from golive.facts.saas import sources
from golive.harness.saas import available
from golive.rules import alert_tuning, compliance


@pytest.mark.criterion("routine.threshold-tuning")
def test_no_monitor_needs_tuning(
    criterion: CriterionContext, evidence: Evidence, saas_exports: Path | None
) -> None:
    """Per monitor, alerts of the last 7 days within the catalog's limit and none false."""
    alerts = available(lambda: sources.alert_history(saas_exports))
    limit = criterion.threshold
    assert limit is not None, "routine.threshold-tuning needs a threshold in the catalog"
    review = alert_tuning.tuning(alerts.items, datetime.now(UTC), limit)
    evidence.record("alerts in the review window", review.alerts, "alerts",
                    source=alerts.origin, since=review.window_start.isoformat(),
                    per_monitor=review.per_monitor,
                    false_positives=review.false_positives)  # fmt: skip
    if review.alerts == 0:
        golive.not_verified(f"{alerts.origin} holds no alert of the last "
                            f"{alert_tuning.WINDOW.days} days: nothing to review")  # fmt: skip
    evidence.measured = {"value": review.most, "unit": limit.unit,
                         "name": "most alerts of one monitor in 7 days"}  # fmt: skip
    criterion.expect_no_findings(review.findings, what="monitors to tune")


@pytest.mark.criterion("routine.compliance-check")
def test_cis_controls(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    """Every CIS AWS Foundations control golive reads (IAM, S3, EBS/RDS encryption,
    security groups) holds; each failed control is listed with its resources."""
    with (
        closing(aws_client("iam")) as iam,
        closing(aws_client("ec2")) as ec2,
        closing(aws_client("s3")) as s3,
        closing(aws_client("rds")) as rds,
    ):
        ingress, groups = aws.world_ingress(ec2)
        account = compliance.Account(
            iam=aws.read_iam(iam),
            ingress=ingress,
            security_groups=groups,
            buckets=aws.read_buckets(s3),
            stores=aws.read_storage(ec2, rds),
        )
    controls = compliance.cis_controls(account)
    for control in controls:
        evidence.record(f"CIS {control.cis} {control.title}", len(control.findings),
                        "findings", ok=not control.findings, checked=control.checked,
                        findings=[str(f) for f in control.findings[:20]])  # fmt: skip
    if not any(c.checked for c in controls[1:]):  # 1.4 (root keys) is always read
        golive.not_verified("the account holds no IAM user or policy, security group, "
                            "bucket, volume or database: no control had anything to check")
    failed = [c for c in controls if c.findings]
    evidence.measured = {"value": len(failed), "unit": "controls",
                         "name": f"failed CIS controls of {len(controls)}"}  # fmt: skip
    criterion.expect_no_findings(compliance.as_findings(controls), what="CIS controls")
