"""GitHub review records: merged pull requests with their reviews, branch protection, and
the team's labelled issues (action items), from the REST API or from ``gh`` exports.

API (``X-GitHub-Api-Version: 2022-11-28``):

- ``GET /repos/{r}/pulls?state=closed&per_page=100`` (merged ones have ``merged_at``), and
  per pull request ``GET /repos/{r}/pulls/{n}/reviews``;
- ``GET /repos/{r}/branches/{branch}/protection`` (404 "Branch not protected" is a fact:
  no protection);
- ``GET /repos/{r}/issues?labels={label}&state=all&per_page=100`` (pull requests, which
  the issues API also lists, are dropped).

Exports in ``exports_dir``, written by::

    gh pr list --state merged --limit 100 \\
        --json number,title,author,mergedAt,baseRefName,reviews,url > gh-prs.json
    gh api repos/OWNER/NAME/branches/main/protection > gh-protection.json
    gh issue list --state all --label action-item --limit 200 \\
        --json number,title,labels,assignees,milestone,state,createdAt,closedAt,url \\
        > gh-issues.json

The REST answers themselves (a pulls list whose items carry ``reviews``, an issues list)
are read from the same files as well.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from golive.facts.saas.client import SourceUnavailable, as_list, load_export, parse_time
from golive.facts.saas.github import GitHubClient

__all__ = [
    "ISSUES_FILE",
    "PROTECTION_FILE",
    "PRS_FILE",
    "Issue",
    "Protection",
    "PullRequest",
    "Review",
    "ReviewsClient",
    "default_branch",
    "issues_from_json",
    "load",
    "protection_from_json",
    "pulls_from_json",
]

PRS_FILE = "gh-prs.json"
PROTECTION_FILE = "gh-protection.json"
ISSUES_FILE = "gh-issues.json"
_PER_PAGE = 100


@dataclass(frozen=True)
class Review:
    reviewer: str
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    submitted_at: datetime | None


@dataclass(frozen=True)
class PullRequest:
    number: int
    title: str
    author: str
    merged_at: datetime
    base: str
    reviews: tuple[Review, ...]

    def approvers(self) -> set[str]:
        """Reviewers other than the author whose latest deciding review approves."""
        latest: dict[str, str] = {}
        ordered = sorted(self.reviews, key=lambda r: r.submitted_at or self.merged_at)
        for review in ordered:
            # a comment neither grants nor withdraws an approval (GitHub's own rule)
            if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[review.reviewer.lower()] = review.state
        author = self.author.lower()
        return {who for who, state in latest.items() if state == "APPROVED" and who != author}


@dataclass(frozen=True)
class Protection:
    branch: str
    required_approvals: int  # 0 when pull request reviews are not required
    dismiss_stale: bool
    status_checks: tuple[str, ...]  # required check names; empty when none required
    checks_required: bool  # required_status_checks is set at all
    enforce_admins: bool


@dataclass(frozen=True)
class Issue:
    number: int
    title: str
    state: str  # open, closed
    labels: tuple[str, ...]
    assignees: tuple[str, ...]
    milestone: str | None
    due_on: datetime | None


def _login(value: object) -> str:
    return str(value.get("login") or "") if isinstance(value, dict) else ""


def _review(raw: dict[str, Any]) -> Review | None:
    # REST: user.login, submitted_at; gh: author.login, submittedAt
    who = _login(raw.get("user")) or _login(raw.get("author"))
    state = str(raw.get("state") or "").upper()
    if not who or not state:
        return None
    return Review(who, state, parse_time(raw.get("submitted_at") or raw.get("submittedAt")))


def _pull(raw: dict[str, Any], reviews: list[dict[str, Any]] | None = None) -> PullRequest | None:
    merged = parse_time(raw.get("merged_at") or raw.get("mergedAt"))
    if merged is None or not isinstance(raw.get("number"), int):
        return None  # closed without merging
    base = raw.get("base")
    items = reviews if reviews is not None else as_list(raw.get("reviews"))
    return PullRequest(
        number=raw["number"],
        title=str(raw.get("title") or ""),
        author=_login(raw.get("user")) or _login(raw.get("author")),
        merged_at=merged,
        base=str(base.get("ref") if isinstance(base, dict) else raw.get("baseRefName") or ""),
        reviews=tuple(r for r in (_review(item) for item in items) if r is not None),
    )


def pulls_from_json(data: Any, source: str) -> list[PullRequest]:
    """Merged pull requests of a gh export or REST list (items with ``reviews``)."""
    if not isinstance(data, list) or any(not isinstance(item, dict) for item in data):
        raise SourceUnavailable(f"{source}: not a list of pull requests (gh pr list --json)")
    if data and "reviews" not in data[0]:
        raise SourceUnavailable(
            f"{source}: pull requests without their reviews (export with --json …,reviews)"
        )
    return [p for p in (_pull(item) for item in data) if p is not None]


def protection_from_json(data: Any, source: str, branch: str = "main") -> Protection:
    """A branch protection answer; ``{"message": "Branch not protected"}`` is none."""
    if not isinstance(data, dict):
        raise SourceUnavailable(f"{source}: not a branch protection answer")
    if data.get("message") == "Branch not protected":
        return Protection(branch, 0, False, (), False, False)
    if "url" not in data and "required_status_checks" not in data and (
        "required_pull_request_reviews" not in data
    ):
        raise SourceUnavailable(f"{source}: not a branch protection answer (gh api …/protection)")
    url = str(data.get("url") or "")
    if "/branches/" in url:
        branch = url.split("/branches/", 1)[1].split("/", 1)[0]
    reviews = data.get("required_pull_request_reviews")
    checks = data.get("required_status_checks")
    admins = data.get("enforce_admins")
    names: list[str] = []
    if isinstance(checks, dict):
        names = [str(c) for c in checks.get("contexts") or []]
        names += [str(c.get("context")) for c in as_list(checks.get("checks"))]
    return Protection(
        branch=branch,
        required_approvals=int(reviews.get("required_approving_review_count") or 0)
        if isinstance(reviews, dict) else 0,
        dismiss_stale=bool(reviews.get("dismiss_stale_reviews")) if isinstance(
            reviews, dict) else False,
        status_checks=tuple(dict.fromkeys(names)),
        checks_required=isinstance(checks, dict),
        enforce_admins=bool(admins.get("enabled")) if isinstance(admins, dict) else False,
    )  # fmt: skip


def _names(items: object, key: str) -> tuple[str, ...]:
    return tuple(str(item.get(key)) for item in as_list(items) if item.get(key))


def issues_from_json(data: Any, source: str) -> list[Issue]:
    """Issues of a gh export or the REST list; pull requests are left out."""
    if not isinstance(data, list) or any(not isinstance(item, dict) for item in data):
        raise SourceUnavailable(f"{source}: not a list of issues (gh issue list --json)")
    found = []
    for raw in data:
        if "pull_request" in raw or not isinstance(raw.get("number"), int):
            continue
        milestone = raw.get("milestone") if isinstance(raw.get("milestone"), dict) else None
        found.append(Issue(
            number=raw["number"],
            title=str(raw.get("title") or ""),
            state=str(raw.get("state") or "").lower(),
            labels=_names(raw.get("labels"), "name"),
            assignees=_names(raw.get("assignees"), "login"),
            milestone=str(milestone.get("title")) if milestone else None,
            due_on=parse_time((milestone.get("due_on") or milestone.get("dueOn"))
                              if milestone else None),
        ))  # fmt: skip
    return found


def load(path: Path, parse: Any) -> Any:
    return parse(load_export(path), f"export {path.name}")


class ReviewsClient(GitHubClient):
    """Pull requests, reviews, branch protection and issues of one repository."""

    def _pages(self, url: str, params: dict[str, str | int], limit: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        query: dict[str, str | int] | None = {**params, "per_page": _PER_PAGE}
        while next_url and len(items) < limit:
            response = self.get(next_url, query)
            try:
                body = response.json()
            except ValueError:
                raise self._fail(f"GET {url}", "the answer is not JSON") from None
            if not isinstance(body, list):
                raise self._fail(f"GET {url}", "the answer is not a list")
            items += as_list(body)
            next_url = response.links.get("next", {}).get("url")
            query = None  # the next URL carries its own query
        return items[:limit]

    def merged_pulls(self, limit: int = 50) -> list[PullRequest]:
        """The newest ``limit`` merged pull requests, each with its reviews."""
        closed = self._pages(f"/repos/{self.repository}/pulls",
                             {"state": "closed", "sort": "updated", "direction": "desc"},
                             limit * 2)  # fmt: skip
        merged = [raw for raw in closed if raw.get("merged_at")][:limit]
        pulls = []
        for raw in merged:
            reviews = self._pages(f"/repos/{self.repository}/pulls/{raw['number']}/reviews",
                                  {}, 500)  # fmt: skip
            pull = _pull(raw, reviews)
            if pull is not None:
                pulls.append(pull)
        return pulls

    def protection(self, branch: str) -> Protection:
        url = f"/repos/{self.repository}/branches/{branch}/protection"
        try:
            return protection_from_json(self.get_json(url), "GitHub API", branch)
        except SourceUnavailable as exc:
            if "HTTP 404" in str(exc) and "not protected" in str(exc):
                return Protection(branch, 0, False, (), False, False)
            raise

    def issues(self, label: str, limit: int = 500) -> list[Issue]:
        raw = self._pages(f"/repos/{self.repository}/issues",
                          {"labels": label, "state": "all"}, limit)  # fmt: skip
        return issues_from_json(raw, "GitHub API")


def default_branch(pulls: list[PullRequest]) -> str:
    """The branch most pull requests were merged into (``main`` when none)."""
    counted = Counter(p.base for p in pulls if p.base)
    return counted.most_common(1)[0][0] if counted else "main"
