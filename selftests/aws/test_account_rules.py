"""golive.rules.aws_account: the live account's facts turned into findings (no AWS needed)."""

from __future__ import annotations

from golive.facts.live.aws import Bucket, IamFacts, PolicyDocument, StoredData, WorldIngress
from golive.facts.live.aws_review import LoadBalancer, ScalingGroup, TargetGroup
from golive.rules import aws_account as rules


def _messages(findings: list[object]) -> list[str]:
    return [str(f) for f in findings]


def test_iam() -> None:
    facts = IamFacts(
        policies=[PolicyDocument("iam:policy/admin", (0,), 2),
                  PolicyDocument("iam:user/ci/inline/all", (1,)),
                  PolicyDocument("iam:policy/ok", ())],
        admin_attached=["iam:role/ops"], root_access_keys=True, users=2,
        console_mfa={"alice": True, "bob": False},
    )  # fmt: skip
    assert _messages(rules.iam_findings(facts)) == [
        "iam:policy/admin: statement 0 allows Action * on Resource * (full admin; attached 2x)",
        "iam:user/ci/inline/all: statement 1 allows Action * on Resource * (full admin)",
        "iam:role/ops: has AdministratorAccess attached",
        "iam:root: the root user has access keys",
        "iam:user/bob: console user without an MFA device",
    ]
    assert rules.iam_findings(IamFacts()) == []


def test_ingress_and_storage() -> None:
    [finding] = rules.ingress_findings([WorldIngress("ec2:security-group/sg-1 (web)", 22, "::/0")])
    assert finding.message == "SSH (tcp/22) is open to ::/0"
    buckets = [
        Bucket("logs", None, None, None),
        Bucket("app-backup", 0, ("BlockPublicAcls",), "Suspended"),
        Bucket("assets", 1, (), None),
    ]
    assert _messages(rules.bucket_findings(buckets)) == [
        "s3:logs: no default encryption (SSE) configured",
        "s3:logs: no public access block",
        "s3:app-backup: no default encryption rule",
        "s3:app-backup: public access not blocked: ['BlockPublicAcls']",
        "s3:app-backup: backup bucket versioning is Suspended",
    ]
    stores = [StoredData("ec2:volume/v-1", False), StoredData("rds:db/main", False),
              StoredData("rds:cluster/c", True)]  # fmt: skip
    assert _messages(rules.storage_findings(stores)) == [
        "ec2:volume/v-1: not encrypted",
        "rds:db/main: storage not encrypted",
    ]


def test_capacity() -> None:
    good = ScalingGroup("web", 2, 6, 2, ("a", "c"), ("cpu (TargetTrackingScaling)",))
    bad = ScalingGroup("api", 0, 0, 1, ("a",), ())
    assert rules.autoscaling_findings([good]) == []
    assert len(rules.autoscaling_findings([bad])) == 4
    checked = TargetGroup("web", True, "HTTP", "/health", 30)
    pathless = TargetGroup("api", True, "HTTP", None, 30)
    off = TargetGroup("tcp", False, "TCP", None, None)
    balancers = [
        LoadBalancer("front", "application", ("a", "c"), None, (checked,)),
        LoadBalancer("nlb", "network", ("a",), False, (pathless, off)),
        LoadBalancer("empty", "application", ("a", "c"), None, ()),
    ]
    assert _messages(rules.load_balancer_findings(balancers)) == [
        "elbv2:nlb: in 1 availability zone(s) ['a']: one zone's outage takes it down",
        "elbv2:nlb: cross-zone load balancing is off",
        "elbv2:target-group/api: HTTP health check without a path",
        "elbv2:target-group/tcp: health check disabled: an unhealthy target stays in rotation",
        "elbv2:empty: forwards to no target group",
    ]
    assert balancers[0].as_dict()["targets"] == [
        {"target_group": "web", "enabled": True, "path": "/health", "eject_after_s": 30}
    ]
