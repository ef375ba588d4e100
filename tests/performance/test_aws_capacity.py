"""Week 3 Day 3-4 (インフラ最適化): オートスケーリングの設定, ロードバランサーの最適化 —
read from the live account (Auto Scaling and Elastic Load Balancing v2 APIs)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live import aws_review as review
from golive.rules import aws_account


@pytest.mark.criterion("perf.autoscaling")
def test_autoscaling_groups_can_scale(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    """Every Auto Scaling group has room to scale (max above min, min at least 1, desired
    within) and a scaling policy that moves capacity with load."""
    with closing(aws_client("autoscaling")) as autoscaling:
        groups = review.list_scaling_groups(autoscaling)
    if not groups:
        golive.not_verified("no Auto Scaling group in the account: nothing to review")
    for group in groups:
        evidence.record(group.name, group.max_size, "max instances", min=group.min_size,
                        desired=group.desired, zones=list(group.zones),
                        policies=list(group.policies))  # fmt: skip
    findings = aws_account.autoscaling_findings(groups)
    criterion.expect_no_findings(findings, what="Auto Scaling groups")


@pytest.mark.criterion("perf.load-balancer")
def test_load_balancers_spread_and_health_checked(
    criterion: CriterionContext, evidence: Evidence, aws_client: Callable[[str], Any]
) -> None:
    """Every load balancer spans two or more availability zones and health-checks every
    target group it forwards to, so an unhealthy target leaves rotation."""
    with closing(aws_client("elbv2")) as elbv2:
        balancers = review.list_load_balancers(elbv2)
    if not balancers:
        golive.not_verified("no load balancer (ELBv2) in the account: nothing to review")
    for fact in (lb.as_dict() for lb in balancers):
        evidence.record(fact["name"], len(fact["zones"]), "zones", type=fact["type"],
                        zones=fact["zones"], targets=fact["targets"])  # fmt: skip
    findings = aws_account.load_balancer_findings(balancers)
    criterion.expect_no_findings(findings, what="load balancers")
