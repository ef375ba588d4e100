"""The security improvement plan as findings (月次セキュリティ監査: 改善計画): each high or
critical finding of the run's own security sources has an issue with the team's security
label that names it, the issue is not closed while the finding remains, and each open plan
issue has an owner and a dated milestone that is not past.

A finding is named by its advisory id when its message holds one (GHSA-…, CVE-…), else by
its rule (``exposure.sensitive-file``); an issue names it when its title or body holds that
key (case-insensitive). One issue may cover every place a rule fires.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from golive.facts.saas.changes import PlanIssue
from golive.judging.findings import Finding, SecFinding
from golive.rules.reviews import action_item_findings

__all__ = ["PLANNED_SEVERITIES", "finding_key", "plan_findings", "to_plan"]

PLANNED_SEVERITIES = ("critical", "high")
_ADVISORY = re.compile(r"\b(GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}|CVE-\d{4}-\d{4,})\b", re.I)


def finding_key(finding: SecFinding) -> str:
    """The name a plan issue gives the finding: its advisory id, else its rule."""
    match = _ADVISORY.search(finding.message)
    return match.group(1).upper() if match else finding.rule


def to_plan(findings: Sequence[SecFinding]) -> dict[str, list[SecFinding]]:
    """High and critical findings grouped by the key a plan issue names them with."""
    grouped: dict[str, list[SecFinding]] = {}
    for finding in findings:
        if finding.severity in PLANNED_SEVERITIES:
            grouped.setdefault(finding_key(finding), []).append(finding)
    return grouped


def _names(issue: PlanIssue, key: str) -> bool:
    return key.lower() in f"{issue.issue.title}\n{issue.body}".lower()


def plan_findings(
    findings: Sequence[SecFinding], issues: Sequence[PlanIssue], now: datetime
) -> list[Finding]:
    """A finding without a plan issue, one whose issues are all closed, and open plan
    issues without an assignee or a dated milestone, or overdue."""
    found = []
    for key, group in sorted(to_plan(findings).items()):
        first = group[0]
        where = f"{first.source}: {key}"
        covering = [i for i in issues if _names(i, key)]
        places = f"{len(group)} place(s), e.g. {first.where}"
        if not covering:
            found.append(Finding(where, None, (
                f"[{first.severity}] {first.message[:120]} ({places}): no issue names {key}"
            )))  # fmt: skip
        elif all(i.issue.state == "closed" for i in covering):
            numbers = ", ".join(f"#{i.issue.number}" for i in covering)
            found.append(Finding(where, None, (
                f"[{first.severity}] issue {numbers} is closed but the finding remains ({places})"
            )))  # fmt: skip
    found += action_item_findings([i.issue for i in issues], now)
    return found
