"""GitHub records of a change beyond its reviews: the text of merged pull requests (the
sections of the team's PR template), the team's notice issues, and the check runs of a
commit. Read, never judged.

API (``X-GitHub-Api-Version: 2022-11-28``):

- ``GET /repos/{r}/pulls?state=closed&per_page=100``: each item carries ``body``,
  ``labels``, ``user`` (``type: Bot`` for dependabot/renovate) and ``merged_at``;
- ``GET /repos/{r}/issues?labels={label}&state=all``: the notices (pull requests dropped);
- ``GET /repos/{r}/commits/{sha}/check-runs?per_page=100``: ``{"total_count": …,
  "check_runs": [{"name", "head_sha", "status", "conclusion", "completed_at", "app"}]}``.

Exports in ``exports_dir``::

    gh pr list --state merged --limit 100 \\
        --json number,title,author,mergedAt,baseRefName,reviews,url,body,labels > gh-prs.json
    gh issue list --state all --label announcement --limit 100 \\
        --json number,title,labels,createdAt,url > gh-notices.json

(the REST lists are read from the same files too). Without an API, the check runs of a
commit come from ``gh-runs.json`` (its runs with that ``headSha``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from golive.facts.saas.client import SourceUnavailable, as_list, parse_time
from golive.facts.saas.github import WorkflowRun
from golive.facts.saas.reviews import Issue, ReviewsClient, issues_from_json

__all__ = [
    "NOTICES_FILE",
    "SECURITY_ISSUES_FILE",
    "ChangesClient",
    "CheckRun",
    "Notice",
    "PlanIssue",
    "PullText",
    "check_runs_from_json",
    "check_runs_of_workflows",
    "notices_from_json",
    "plan_issues_from_json",
    "pull_texts_from_json",
]

NOTICES_FILE = "gh-notices.json"
SECURITY_ISSUES_FILE = "gh-security-issues.json"
_PER_PAGE = 100


@dataclass(frozen=True)
class PullText:
    number: int
    title: str
    author: str
    bot: bool  # a GitHub App or bot account (dependabot, renovate)
    merged_at: datetime
    labels: tuple[str, ...]
    body: str


@dataclass(frozen=True)
class Notice:
    number: int
    title: str
    created_at: datetime
    labels: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class PlanIssue:
    """An issue of the security improvement plan: its text says which finding it treats."""

    issue: Issue
    body: str


@dataclass(frozen=True)
class CheckRun:
    name: str
    status: str  # queued, in_progress, completed
    conclusion: str | None  # success, failure, cancelled, …; None until completed
    finished_at: datetime | None
    source: str  # "check run" (API) or "workflow run" (gh-runs.json)


def _labels(value: object) -> tuple[str, ...]:
    return tuple(str(item.get("name")) for item in as_list(value) if item.get("name"))


def _author(raw: dict[str, Any]) -> tuple[str, bool]:
    user = raw.get("user") if isinstance(raw.get("user"), dict) else raw.get("author")
    if not isinstance(user, dict):
        return "", False
    login = str(user.get("login") or "")
    bot = user.get("type") == "Bot" or bool(user.get("is_bot")) or login.endswith("[bot]")
    return login, bot or login.startswith("app/")  # gh prints app/dependabot


def pull_texts_from_json(data: Any, source: str) -> list[PullText]:
    """Merged pull requests with their bodies, from a gh export or the REST list."""
    if not isinstance(data, list) or any(not isinstance(item, dict) for item in data):
        raise SourceUnavailable(f"{source}: not a list of pull requests (gh pr list --json)")
    if data and "body" not in data[0]:
        raise SourceUnavailable(
            f"{source}: pull requests without their bodies (export with --json …,body,labels)"
        )
    found = []
    for raw in data:
        merged = parse_time(raw.get("merged_at") or raw.get("mergedAt"))
        if merged is None or not isinstance(raw.get("number"), int):
            continue  # closed without merging
        author, bot = _author(raw)
        found.append(PullText(
            number=raw["number"], title=str(raw.get("title") or ""), author=author, bot=bot,
            merged_at=merged, labels=_labels(raw.get("labels")), body=str(raw.get("body") or ""),
        ))  # fmt: skip
    return found


def notices_from_json(data: Any, source: str) -> list[Notice]:
    """Notice issues of a gh export or the REST list; pull requests are left out."""
    if not isinstance(data, list) or any(not isinstance(item, dict) for item in data):
        raise SourceUnavailable(f"{source}: not a list of issues (gh issue list --json)")
    found = []
    for raw in data:
        created = parse_time(raw.get("created_at") or raw.get("createdAt"))
        if "pull_request" in raw or created is None or not isinstance(raw.get("number"), int):
            continue
        found.append(Notice(
            number=raw["number"], title=str(raw.get("title") or ""), created_at=created,
            labels=_labels(raw.get("labels")),
            url=str(raw.get("html_url") or raw.get("url") or ""),
        ))  # fmt: skip
    return found


def plan_issues_from_json(data: Any, source: str) -> list[PlanIssue]:
    """Issues with their bodies (gh export or REST list); pull requests are left out."""
    issues = {i.number: i for i in issues_from_json(data, source)}
    return [
        PlanIssue(issues[raw["number"]], str(raw.get("body") or ""))
        for raw in data
        if isinstance(raw.get("number"), int) and raw["number"] in issues
    ]


def check_runs_from_json(data: Any, source: str) -> list[CheckRun]:
    """The check runs of a ``…/commits/{sha}/check-runs`` answer."""
    if not isinstance(data, dict) or not isinstance(data.get("check_runs"), list):
        raise SourceUnavailable(f"{source}: not a check-runs answer (no check_runs list)")
    return [
        CheckRun(
            name=str(raw.get("name") or "?"), status=str(raw.get("status") or ""),
            conclusion=raw.get("conclusion") or None,
            finished_at=parse_time(raw.get("completed_at")), source="check run",
        )
        for raw in as_list(data["check_runs"])
    ]  # fmt: skip


def check_runs_of_workflows(runs: list[WorkflowRun], sha: str) -> list[CheckRun]:
    """The workflow runs of commit ``sha`` as check runs (newest first)."""
    return [
        CheckRun(run.workflow, run.status, run.conclusion,
                 run.updated_at if run.completed else None, "workflow run")
        for run in sorted(runs, key=lambda r: r.created_at, reverse=True)
        if run.head_sha == sha
    ]  # fmt: skip


class ChangesClient(ReviewsClient):
    """Pull request texts, notice issues and check runs of one repository."""

    def merged_pull_texts(self, limit: int = 50) -> list[PullText]:
        closed = self._pages(f"/repos/{self.repository}/pulls",
                             {"state": "closed", "sort": "updated", "direction": "desc"},
                             limit * 2)  # fmt: skip
        return pull_texts_from_json([raw for raw in closed if raw.get("merged_at")][:limit],
                                    "GitHub API")  # fmt: skip

    def notices(self, label: str, limit: int = 200) -> list[Notice]:
        raw = self._pages(f"/repos/{self.repository}/issues",
                          {"labels": label, "state": "all"}, limit)  # fmt: skip
        return notices_from_json(raw, "GitHub API")

    def plan_issues(self, label: str, limit: int = 500) -> list[PlanIssue]:
        raw = self._pages(
            f"/repos/{self.repository}/issues", {"labels": label, "state": "all"}, limit
        )
        return plan_issues_from_json(raw, "GitHub API")

    def check_runs(self, sha: str, limit: int = 500) -> list[CheckRun]:
        url: str | None = f"/repos/{self.repository}/commits/{sha}/check-runs"
        query: dict[str, str | int] | None = {"per_page": _PER_PAGE}
        found: list[CheckRun] = []
        while url and len(found) < limit:
            response = self.get(url, query)
            try:
                body = response.json()
            except ValueError:
                raise self._fail(f"GET {url}", "the answer is not JSON") from None
            found += check_runs_from_json(body, "GitHub API")
            url = response.links.get("next", {}).get("url")
            query = None  # the next URL carries its own query
        return found[:limit]
