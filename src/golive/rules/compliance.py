"""The monthly compliance check (セキュリティ評価 → コンプライアンス確認): the live AWS
account judged by the CIS AWS Foundations Benchmark controls that golive can read through
the account's API, each control with the findings of :mod:`golive.rules.aws_account`.

Controls that need data golive does not read (CloudTrail, Config, billing) are not
claimed: the evidence names exactly the controls checked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from golive.facts.live.aws import Bucket, IamFacts, StoredData, WorldIngress
from golive.judging.findings import Finding
from golive.rules import aws_account

__all__ = ["Account", "Control", "as_findings", "cis_controls"]


@dataclass(frozen=True)
class Account:
    iam: IamFacts
    ingress: list[WorldIngress]
    security_groups: int
    buckets: list[Bucket]
    stores: list[StoredData]


@dataclass(frozen=True)
class Control:
    cis: str  # the benchmark's control number (v1.5)
    title: str
    checked: int  # resources the control looked at
    findings: list[Finding] = field(default_factory=list)


def cis_controls(account: Account) -> list[Control]:
    """One :class:`Control` per CIS control read; a control with findings failed."""
    iam = account.iam
    root = [Finding("iam:root", None, "the root user has access keys")] if (
        iam.root_access_keys) else []  # fmt: skip
    mfa = [Finding(f"iam:user/{name}", None, "console user without an MFA device")
           for name, has in sorted(iam.console_mfa.items()) if not has]  # fmt: skip
    # the wildcard and AdministratorAccess findings only: root keys and MFA are own controls
    grants = aws_account.iam_findings(
        dataclasses.replace(iam, root_access_keys=False, console_mfa={})
    )
    stores = aws_account.storage_findings(account.stores)
    volumes = [s for s in account.stores if s.where.startswith("ec2:")]
    return [
        Control("1.4", "no access keys for the root user", 1, root),
        Control("1.10", "MFA for every user with a console password",
                len(iam.console_mfa), mfa),
        Control("1.16", "no policy grants full administrative privileges",
                len(iam.policies) + len(iam.admin_attached), grants),
        Control("2.1", "S3 buckets encrypted by default, public access blocked",
                len(account.buckets), aws_account.bucket_findings(account.buckets)),
        Control("2.2.1", "EBS volumes encrypted", len(volumes),
                [f for f in stores if f.file.startswith("ec2:")]),
        Control("2.3.1", "RDS storage encrypted", len(account.stores) - len(volumes),
                [f for f in stores if not f.file.startswith("ec2:")]),
        Control("5.2", "no security group opens administration ports to the internet",
                account.security_groups, aws_account.ingress_findings(account.ingress)),
    ]  # fmt: skip


def as_findings(controls: list[Control]) -> list[Finding]:
    """Every finding, named by the control it fails."""
    return [
        Finding(f.file, f.line, f"CIS {c.cis} ({c.title}): {f.message}")
        for c in controls
        for f in c.findings
    ]
