"""IAM policies and security groups as code: the static half of sec.iam-policy and
sec.security-groups (the live half reads the account through the AWS API)."""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.rules import iac


@pytest.mark.criterion("sec.iam-policy")
def test_iam_policies_grant_no_wildcard_admin(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    scan = iac.iam_policy_scan(repo_path)
    if not scan.files:
        golive.not_verified(
            "no IAM policy as code in the repository (JSON policy documents or Terraform)")
    evidence.record("IAM policy files", len(scan.files), "files", files=scan.files)
    criterion.expect_no_findings(scan.findings, what="IAM policies")


@pytest.mark.criterion("sec.security-groups")
def test_security_groups_keep_admin_ports_closed(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    scan = iac.security_group_scan(repo_path)
    if not scan.files:
        golive.not_verified(
            "no security group as code in the repository (JSON or Terraform)")
    evidence.record("security group files", len(scan.files), "files", files=scan.files)
    criterion.expect_no_findings(scan.findings, what="security group ingress rules")
