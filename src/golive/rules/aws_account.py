"""The live AWS account's facts (golive.facts.live.aws, aws_review) turned into findings:
IAM least privilege, security-group ingress, encryption at rest, capacity of the web tier.
A finding's ``file`` is the resource, e.g. ``iam:policy/admin``."""

from __future__ import annotations

from golive.facts.live.aws import ADMIN_PORTS, Bucket, IamFacts, StoredData, WorldIngress
from golive.facts.live.aws_review import LoadBalancer, ScalingGroup
from golive.judging.findings import Finding

__all__ = [
    "autoscaling_findings",
    "bucket_findings",
    "iam_findings",
    "ingress_findings",
    "load_balancer_findings",
    "storage_findings",
]


def iam_findings(facts: IamFacts) -> list[Finding]:
    """Wildcard admin grants in customer-managed and inline policies, AdministratorAccess
    attachments, root access keys, and console users without MFA."""
    findings = []
    for policy in facts.policies:
        attached = "" if policy.attachments is None else f"; attached {policy.attachments}x"
        findings += [
            Finding(
                policy.where,
                None,
                f"statement {index} allows Action * on Resource * (full admin{attached})",
            )
            for index in policy.wildcard_statements
        ]
    findings += [
        Finding(where, None, "has AdministratorAccess attached") for where in facts.admin_attached
    ]
    if facts.root_access_keys:
        findings.append(Finding("iam:root", None, "the root user has access keys"))
    findings += [
        Finding(f"iam:user/{name}", None, "console user without an MFA device")
        for name, mfa in facts.console_mfa.items()
        if not mfa
    ]
    return findings


def ingress_findings(ingress: list[WorldIngress]) -> list[Finding]:
    """Every administrative or database port open to the whole internet."""
    return [
        Finding(i.where, None, f"{ADMIN_PORTS[i.port]} (tcp/{i.port}) is open to {i.cidr}")
        for i in ingress
    ]


def bucket_findings(buckets: list[Bucket]) -> list[Finding]:
    """Default encryption and all four public-access blocks on every bucket; buckets whose
    name says backup also need versioning (a deleted or overwritten backup is recoverable)."""
    findings = []
    for bucket in buckets:
        where = f"s3:{bucket.name}"
        if bucket.encryption_rules is None:
            findings.append(Finding(where, None, "no default encryption (SSE) configured"))
        elif not bucket.encryption_rules:
            findings.append(Finding(where, None, "no default encryption rule"))
        if bucket.public_access_off is None:
            findings.append(Finding(where, None, "no public access block"))
        elif bucket.public_access_off:
            off = list(bucket.public_access_off)
            findings.append(Finding(where, None, f"public access not blocked: {off}"))
        if "backup" in bucket.name.lower() and bucket.versioning != "Enabled":
            findings.append(
                Finding(where, None, f"backup bucket versioning is {bucket.versioning}")
            )
    return findings


def storage_findings(stores: list[StoredData]) -> list[Finding]:
    """EBS volumes and RDS instances/clusters that are not encrypted at rest."""
    return [
        Finding(
            s.where,
            None,
            "not encrypted" if s.where.startswith("ec2:") else "storage not encrypted",
        )
        for s in stores
        if not s.encrypted
    ]


def autoscaling_findings(groups: list[ScalingGroup]) -> list[Finding]:
    """A group that cannot scale (max not above min, or no scaling policy), runs without a
    spare (min below 1), or whose desired capacity lies outside min..max."""
    findings = []
    for g in groups:
        where = f"autoscaling:{g.name}"
        if g.max_size <= g.min_size:
            why = f"max {g.max_size} is not above min {g.min_size}: the group cannot scale out"
            findings.append(Finding(where, None, why))
        if not g.policies:
            findings.append(Finding(where, None, "no scaling policy: capacity never follows load"))
        if g.min_size < 1:
            findings.append(Finding(where, None, f"min {g.min_size}: the tier can scale to zero"))
        if not g.min_size <= g.desired <= g.max_size:
            findings.append(Finding(where, None, f"desired {g.desired} outside "
                                                 f"{g.min_size}..{g.max_size}"))  # fmt: skip
    return findings


def load_balancer_findings(balancers: list[LoadBalancer]) -> list[Finding]:
    """Each load balancer spans at least two availability zones (cross-zone on for network
    load balancers) and every target group it forwards to is health-checked (an HTTP check
    has a path)."""
    findings = []
    for lb in balancers:
        where = f"elbv2:{lb.name}"
        if len(lb.zones) < 2:
            zones = list(lb.zones)
            why = f"in {len(zones)} availability zone(s) {zones}: one zone's outage takes it down"
            findings.append(Finding(where, None, why))
        if lb.cross_zone is False:
            findings.append(Finding(where, None, "cross-zone load balancing is off"))
        if not lb.target_groups:
            findings.append(Finding(where, None, "forwards to no target group"))
        for tg in lb.target_groups:
            tg_where = f"elbv2:target-group/{tg.name}"
            if not tg.health_check:
                findings.append(Finding(tg_where, None, "health check disabled: an unhealthy "
                                                        "target stays in rotation"))  # fmt: skip
            elif tg.protocol.startswith("HTTP") and not tg.path:
                findings.append(Finding(tg_where, None, "HTTP health check without a path"))
    return findings
