"""Review records as findings: merged pull requests without an independent approval
(コードレビューの完了), a default branch that lets changes in without a review record or
green checks (レビュー履歴の保管), and action items without an owner or a due date, or
overdue (アクションアイテム)."""

from __future__ import annotations

from datetime import datetime

from golive.facts.saas.reviews import Issue, Protection, PullRequest
from golive.judging.findings import Finding

__all__ = ["action_item_findings", "approved_share", "protection_findings", "unapproved"]


def _pr(pull: PullRequest) -> str:
    return f"PR #{pull.number}"


def unapproved(pulls: list[PullRequest]) -> list[Finding]:
    """Each merged pull request no one but its author approved."""
    findings = []
    for pull in pulls:
        if pull.approvers():
            continue
        own = any(r.reviewer.lower() == pull.author.lower() and r.state == "APPROVED"
                  for r in pull.reviews)  # fmt: skip
        why = "approved only by its author" if own else (
            "merged without an approval" if not pull.reviews else
            "merged without an approval (reviews: "
            + ", ".join(sorted({f"{r.reviewer} {r.state.lower()}" for r in pull.reviews}))
            + ")"
        )
        findings.append(Finding(_pr(pull), None, f"{pull.title!r} by {pull.author}: {why}"))
    return findings


def approved_share(pulls: list[PullRequest]) -> float:
    """Percent of the merged pull requests approved by someone other than their author."""
    if not pulls:
        raise ValueError("no merged pull request")
    return 100.0 * sum(1 for p in pulls if p.approvers()) / len(pulls)


def protection_findings(protection: Protection, min_approvals: float) -> list[Finding]:
    """What lets a change reach ``protection.branch`` without a review record or checks."""
    where = f"branch {protection.branch}"
    found = []
    if protection.required_approvals < min_approvals:
        have = protection.required_approvals
        found.append(Finding(where, None, (
            f"requires {have} approving review(s), fewer than {min_approvals:g}"
            if have else "pull request reviews are not required")))  # fmt: skip
    if not protection.checks_required or not protection.status_checks:
        found.append(Finding(where, None, "no status check is required before merging"))
    if not protection.enforce_admins:
        found.append(Finding(where, None, "administrators may bypass the protection"))
    return found


def action_item_findings(issues: list[Issue], now: datetime) -> list[Finding]:
    """Open action items without an assignee or a dated milestone, or past their due date."""
    found = []
    for issue in issues:
        if issue.state != "open":
            continue
        where = f"issue #{issue.number}"
        if not issue.assignees:
            found.append(Finding(where, None, f"{issue.title!r} has no assignee"))
        if issue.due_on is None:
            why = "no milestone" if issue.milestone is None else (
                f"milestone {issue.milestone!r} has no due date")
            found.append(Finding(where, None, f"{issue.title!r}: {why}"))
        elif issue.due_on < now:
            found.append(Finding(where, None, (
                f"{issue.title!r} is overdue: milestone {issue.milestone!r} was due "
                f"{issue.due_on.date().isoformat()}")))  # fmt: skip
    return found
