"""The weekly review's action items (週次: アクションアイテム), read from GitHub issues with
the team's label (``action_item_label``, default ``action-item``): the API when
``github_repository`` + ``github_token`` are set, else ``exports_dir``/gh-issues.json.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.saas import sources
from golive.harness.saas import available
from golive.rules import reviews as review_rules


@pytest.mark.criterion("routine.action-items")
def test_action_items_have_owner_and_due_date(
    criterion: CriterionContext, evidence: Evidence, golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """Every open action item has an assignee and a dated milestone, and none is overdue."""
    found = available(lambda: sources.action_items(golive_env, saas_exports))
    if not found.items:
        golive.not_verified(f"{found.origin} holds no issue labelled "
                            f"{golive_env.action_item_label!r}: nothing to judge")  # fmt: skip
    open_items = [i for i in found.items if i.state == "open"]
    evidence.record("action items", len(found.items), "issues", source=found.origin,
                    open=len(open_items), closed=len(found.items) - len(open_items))  # fmt: skip
    criterion.expect_no_findings(review_rules.action_item_findings(found.items, datetime.now(UTC)),
                                 what="open action items")  # fmt: skip
