"""GitHub Actions workflow runs: the REST API and the ``gh run list --json`` export.

API: ``GET /repos/{owner}/{repo}/actions/runs`` (``per_page`` up to 100, next page from
the ``Link`` header), with ``Authorization: Bearer <token>`` and
``X-GitHub-Api-Version: 2022-11-28``.

Export ``gh-runs.json``, written by::

    gh run list --json databaseId,name,workflowName,conclusion,status,createdAt,\
updatedAt,startedAt,event,headBranch,headSha --limit 200 > gh-runs.json

(``headSha`` is optional; with it a deploy run is matched to its Vercel deployment).
The REST answer itself (``{"total_count": …, "workflow_runs": […]}``) or a list of such
pages (``gh api --paginate --slurp``) is read as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from golive.facts.saas.client import ApiClient, SourceUnavailable, as_list, load_export, parse_time

__all__ = [
    "API_VERSION",
    "EXPORT_FILE",
    "GitHubClient",
    "WorkflowRun",
    "load_runs_export",
    "runs_from_json",
]

API_VERSION = "2022-11-28"
EXPORT_FILE = "gh-runs.json"
_PER_PAGE = 100
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class WorkflowRun:
    """One run of a workflow, as either source gives it."""

    id: int
    workflow: str  # the workflow's name ("build"); the API's ``name``, gh's ``workflowName``
    path: str | None  # ".github/workflows/build.yml" (API only)
    title: str  # the run's display title (commit or PR title)
    event: str
    branch: str | None
    head_sha: str | None
    status: str  # queued, in_progress, completed, …
    conclusion: str | None  # success, failure, cancelled, …; None until completed
    created_at: datetime
    started_at: datetime | None
    updated_at: datetime | None

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def duration_min(self) -> float | None:
        """Start to last update of a completed run (the Actions UI's run duration)."""
        start = self.started_at or self.created_at
        if not self.completed or self.updated_at is None or self.updated_at < start:
            return None
        return (self.updated_at - start).total_seconds() / 60

    def summary(self) -> dict[str, Any]:
        duration = self.duration_min
        return {
            "run": self.id,
            "workflow": self.workflow,
            "event": self.event,
            "branch": self.branch,
            "conclusion": self.conclusion or self.status,
            "created_at": self.created_at.isoformat(),
            "minutes": round(duration, 2) if duration is not None else None,
        }


def _from_api(raw: dict[str, Any]) -> WorkflowRun | None:
    created = parse_time(raw.get("created_at"))
    if created is None or not isinstance(raw.get("id"), int):
        return None
    return WorkflowRun(
        id=raw["id"],
        workflow=str(raw.get("name") or raw.get("path") or "?"),
        path=raw.get("path"),
        title=str(raw.get("display_title") or ""),
        event=str(raw.get("event") or ""),
        branch=raw.get("head_branch"),
        head_sha=raw.get("head_sha"),
        status=str(raw.get("status") or ""),
        conclusion=raw.get("conclusion") or None,
        created_at=created,
        started_at=parse_time(raw.get("run_started_at")),
        updated_at=parse_time(raw.get("updated_at")),
    )


def _from_gh(raw: dict[str, Any]) -> WorkflowRun | None:
    created = parse_time(raw.get("createdAt"))
    if created is None or not isinstance(raw.get("databaseId"), int):
        return None
    return WorkflowRun(
        id=raw["databaseId"],
        workflow=str(raw.get("workflowName") or "?"),
        path=None,
        title=str(raw.get("name") or ""),
        event=str(raw.get("event") or ""),
        branch=raw.get("headBranch") or None,
        head_sha=raw.get("headSha") or None,
        status=str(raw.get("status") or ""),
        conclusion=raw.get("conclusion") or None,  # gh prints "" until completed
        created_at=created,
        started_at=parse_time(raw.get("startedAt")),
        updated_at=parse_time(raw.get("updatedAt")),
    )


def runs_from_json(data: Any, source: str) -> list[WorkflowRun]:
    """Runs from a REST page, a list of pages, or gh's list; SourceUnavailable otherwise."""
    slurped = isinstance(data, list) and data and isinstance(data[0], dict)
    pages = data if slurped and "workflow_runs" in data[0] else [data]
    runs: list[WorkflowRun] = []
    for page in pages:
        if isinstance(page, dict) and "workflow_runs" in page:
            parsed = [_from_api(item) for item in as_list(page["workflow_runs"])]
        elif isinstance(page, list):
            parsed = [_from_gh(item) for item in as_list(page)]
        else:
            raise SourceUnavailable(
                f"{source}: neither gh run list --json output nor an Actions runs answer"
            )
        runs += [run for run in parsed if run is not None]
    return runs


def load_runs_export(path: Path) -> list[WorkflowRun]:
    return runs_from_json(load_export(path), f"export {path.name}")


class GitHubClient(ApiClient):
    """The Actions part of the GitHub REST API, for one repository."""

    def __init__(
        self,
        repository: str,
        token: str,
        api_url: str = "https://api.github.com",
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not _REPOSITORY.match(repository):
            raise SourceUnavailable(f"github_repository {repository!r} is not owner/name")
        self.repository = repository
        super().__init__(
            "GitHub",
            api_url,
            {
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
            },
            secrets=[token],
            transport=transport,
        )

    def workflow_runs(self, limit: int = 200, *, page_size: int = _PER_PAGE) -> list[WorkflowRun]:
        """The newest ``limit`` runs, following the Link header's ``next`` page."""
        url: str | None = f"/repos/{self.repository}/actions/runs"
        params: dict[str, str | int] | None = {"per_page": min(page_size, _PER_PAGE, limit)}
        runs: list[WorkflowRun] = []
        while url and len(runs) < limit:
            response = self.get(url, params)
            try:
                body = response.json()
            except ValueError:
                raise self._fail(f"GET {url}", "the answer is not JSON") from None
            if not isinstance(body, dict) or "workflow_runs" not in body:
                raise self._fail(f"GET {url}", "the answer has no workflow_runs")
            runs += runs_from_json(body, "GitHub API")
            url = response.links.get("next", {}).get("url")
            params = None  # the next URL carries its own query
        return runs[:limit]
