"""Code review and its record (注意事項: コードレビューの完了, レビュー履歴の保管), read from
GitHub: the API when ``github_repository`` + ``github_token`` are set, else the exports in
``exports_dir`` (gh-prs.json, gh-protection.json; see :mod:`golive.facts.saas.reviews`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.saas import reviews, sources
from golive.facts.saas.reviews import PullRequest
from golive.facts.saas.sources import Sourced
from golive.harness.saas import BASIS_KEPT, available
from golive.rules import reviews as review_rules


@pytest.fixture(scope="module")
def pulls(golive_env: Environment, saas_exports: Path | None) -> Sourced[PullRequest]:
    return available(lambda: sources.merged_pulls(golive_env, saas_exports))


@pytest.mark.criterion("ops.code-review")
def test_merged_changes_were_approved_by_another_person(
    criterion: CriterionContext, evidence: Evidence, pulls: Sourced[PullRequest]
) -> None:
    """Each merged pull request carries an approval by someone other than its author."""
    if not pulls.items:
        golive.not_verified(f"{pulls.origin} holds no merged pull request: nothing to judge")
    findings = review_rules.unapproved(pulls.items)
    evidence.record("merged pull requests", len(pulls.items), "pull requests",
                    source=pulls.origin,
                    approvers={f"#{p.number}": sorted(p.approvers())
                               for p in pulls.items[:BASIS_KEPT]})  # fmt: skip
    evidence.record("without an independent approval", len(findings), "pull requests",
                    findings=[f.as_dict() for f in findings[:BASIS_KEPT]])  # fmt: skip
    criterion.expect(review_rules.approved_share(pulls.items), unit="%",
                     name="merged pull requests approved by another person")  # fmt: skip


@pytest.mark.criterion("ops.review-history")
def test_merge_branch_requires_reviews_and_checks(
    criterion: CriterionContext, evidence: Evidence, golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """The merge branch's protection requires approving reviews (at least the catalog's
    number), status checks, and holds for administrators too."""
    limit = criterion.threshold
    assert limit is not None, "ops.review-history needs a threshold in the catalog"
    try:
        branch = reviews.default_branch(sources.merged_pulls(golive_env, saas_exports).items)
    except sources.SourceUnavailable:
        branch = "main"  # no pull request history: the protection alone still answers
    found = available(lambda: sources.branch_protection(golive_env, saas_exports, branch))
    protection = found.items[0]
    evidence.record("branch protection", protection.required_approvals, "approvals",
                    source=found.origin, branch=protection.branch,
                    status_checks=list(protection.status_checks),
                    enforce_admins=protection.enforce_admins,
                    dismiss_stale_reviews=protection.dismiss_stale)  # fmt: skip
    evidence.measured = {"value": protection.required_approvals, "unit": limit.unit,
                         "name": "approving reviews required"}  # fmt: skip
    criterion.expect_no_findings(review_rules.protection_findings(protection, limit.value),
                                 what=f"protection of {protection.branch}")  # fmt: skip
