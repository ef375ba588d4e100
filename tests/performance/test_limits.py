"""Resource limits set explicitly (plan Week 3 Day 4 スケーリング設定 → リソース制限の調整):
serverless function memory and duration, container CPU and memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence, NotVerified, not_applicable
from golive.facts.live.hosts import HostFacts
from golive.facts.repo.discover import find_deliverable
from golive.rules import hosts, limits


@pytest.mark.criterion("perf.resource-limits")
def test_resource_limits(criterion: CriterionContext, evidence: Evidence,
                         repo_path: Path) -> None:
    """Every Vercel function has memory and maxDuration; every container CPU and memory."""
    functions = limits.vercel_function_limits(repo_path)
    evidence.record(
        "function limits", len(functions), "functions",
        functions=[{"file": f.file, "memory": f.memory, "maxDuration": f.max_duration}
                   for f in functions],
    )
    containers = limits.containers_examined(repo_path)
    evidence.record("containers examined", containers, "services")
    criterion.expect_no_findings(limits.resource_limit_findings(repo_path),
                                 what="function and container limits")
    vercel = find_deliverable(repo_path, "vercel.json")
    if vercel is not None and not functions:
        # the function half examined nothing: containers alone do not make it a pass
        raise NotVerified(
            f"{vercel.relative_to(repo_path.resolve()).as_posix()} is there but no serverless "
            "function (app/**/route.*, pages/api/*, api/*) was found beside it, so no "
            "function limit was checked")
    if not functions and not containers:
        # checked nothing is never a pass (e.g. a vercel.json whose patterns match no file)
        raise NotVerified(
            "no serverless function and no container found to check: no app/**/route.*, "
            "pages/api/* or api/* file, and no compose service")


@pytest.mark.criterion("perf.resource-limits")
def test_container_hosts_have_limits(
    criterion: CriterionContext, evidence: Evidence, request: pytest.FixtureRequest
) -> None:
    """Each docker:// or kubectl:// host of golive.toml runs with CPU and memory limits, as
    its engine reports them (docker inspect, the pod's spec). Applies only where such a
    host is configured; the repository's own files are judged above."""
    try:
        facts: list[HostFacts] = request.getfixturevalue("host_facts")
    except NotVerified as exc:
        not_applicable(f"no container host to inspect: {exc.reason}")
    if not any(f.container is not None for f in facts):
        not_applicable("no docker:// or kubectl:// host configured")
    review = hosts.container_limits(facts)
    evidence.record("container limits", review.checked, "containers", facts=review.values,
                    gaps=review.gaps)  # fmt: skip
    criterion.expect_no_findings(review.findings, what="container hosts' limits")
    if review.gaps:
        raise NotVerified(review.reason)
