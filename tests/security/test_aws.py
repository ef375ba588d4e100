"""The AWS account's security state, read live through its API (plan Week 2 Day 1-2).

The live half of sec.iam-policy and sec.security-groups (test_iac.py reads the same
rules from the repository), and sec.data-encryption's at-rest half: buckets, volumes
and database storage. Read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live import aws
from golive.rules import aws_account


@pytest.mark.criterion("sec.iam-policy")
def test_iam_least_privilege(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    """No Allow of Action * on Resource * (customer-managed or inline), no
    AdministratorAccess attachment, no root access keys, MFA on every console user."""
    with closing(aws_client("iam")) as iam:
        facts = aws.read_iam(iam)
    evidence.record("IAM policies read", len(facts.policies), "policies",
                    users=facts.users, console_users=len(facts.console_mfa))  # fmt: skip
    criterion.expect_no_findings(aws_account.iam_findings(facts), what="IAM (live account)")


@pytest.mark.criterion("sec.security-groups")
def test_security_groups_keep_admin_ports_closed(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    with closing(aws_client("ec2")) as ec2:
        ingress, groups = aws.world_ingress(ec2)
    evidence.record("security groups read", groups, "groups",
                    admin_ports=sorted(aws.ADMIN_PORTS))  # fmt: skip
    findings = aws_account.ingress_findings(ingress)
    criterion.expect_no_findings(findings, what="security group ingress (live account)")


@pytest.mark.criterion("sec.data-encryption")
def test_storage_encrypted_at_rest(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    """Buckets: default encryption and public access blocked; backup buckets versioned.
    EBS volumes and RDS storage encrypted."""
    with (
        closing(aws_client("s3")) as s3,
        closing(aws_client("ec2")) as ec2,
        closing(aws_client("rds")) as rds,
    ):
        buckets = aws.read_buckets(s3)
        stores = aws.read_storage(ec2, rds)
    evidence.record("buckets read", len(buckets), "buckets", buckets=[b.name for b in buckets])
    evidence.record("volumes and databases read", len(stores), "resources")
    if not buckets and not stores:
        golive.not_verified("the account holds no bucket, volume or database to check")
    findings = aws_account.bucket_findings(buckets) + aws_account.storage_findings(stores)
    criterion.expect_no_findings(findings, what="storage encryption (live account)")
