"""The hosts under load (plan Week 3 Day 1-2 ボトルネック特定 → リソース使用状況確認).

The configured hosts ([environments.NAME.hosts]) are sampled through testinfra while the
load phase runs (/proc/stat and /proc/meminfo every ``cpu_sample_s``): the peak CPU and
memory of each host against the daily alert levels, and which resource came closest to
its level. With no host configured nothing is sampled, and the criterion is not verified.
"""

from __future__ import annotations

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live.hosts import UsageSeries
from golive.facts.load import LoadResult
from golive.rules import hosts
from golive.rules.hosts import UsageLimits

pytestmark = pytest.mark.xdist_group("load")


@pytest.mark.criterion("perf.resource-usage")
def test_host_usage_under_load(
    criterion: CriterionContext,
    evidence: Evidence,
    usage_limits: UsageLimits,
    judged_load: LoadResult,
    hosts_under_load: list[UsageSeries],
) -> None:
    """Each host's peak CPU and memory during the load run below the alert levels; the
    resource nearest its level is named (the one that saturates first)."""
    if judged_load.unverified_reason:
        golive.not_verified(judged_load.unverified_reason)
    review = hosts.usage_under_load(hosts_under_load, usage_limits)
    evidence.record("load run", judged_load.requests, "requests",
                    seconds=round(judged_load.duration_s, 1))  # fmt: skip
    evidence.record("host usage under load", review.checked, "judged", facts=review.values,
                    gaps=review.gaps)  # fmt: skip
    for note in review.notes:
        evidence.note(note)
    judged = [v for v in review.values if v.get("judged")]
    if judged:
        nearest = max(judged, key=lambda v: float(v["value"]) / _level(v))
        evidence.record("nearest to its alert level", nearest["value"], "%",
                        host=nearest["host"], resource=nearest["resource"],
                        expected=nearest["expected"])  # fmt: skip
        evidence.measured = {"value": nearest["value"], "unit": "%",
                             "name": f"peak {nearest['resource']} on {nearest['host']} "
                                     "under load"}  # fmt: skip
    criterion.expect_no_findings(review.findings, what="host usage under load")
    if review.gaps or not review.checked:
        golive.not_verified(review.reason)


def _level(value: dict[str, object]) -> float:
    """The alert level's number in ``≤ 80 %``."""
    words = str(value["expected"]).split()
    return float(words[1]) if len(words) > 1 else 100.0
