"""Vercel deployments: the REST API and an export of the same JSON.

API: ``GET /v6/deployments?projectId=…&limit=100`` with ``Authorization: Bearer <token>``;
older pages through ``until=<pagination.next>``. ``vercel_project`` in golive.toml is the
project id, or ``<teamId>/<projectId>`` for a team's project.

Export ``vercel-deployments.json``: the API's answer (``{"deployments": […],
"pagination": …}``), a list of such pages, or a bare list of deployments, e.g.::

    curl -H "Authorization: Bearer $VERCEL_TOKEN" \
      "https://api.vercel.com/v6/deployments?projectId=$PROJECT&limit=100" > vercel-deployments.json

Fields read: ``uid``, ``name``, ``url``, ``target`` (``production``, or null for a
preview), ``state`` (or ``readyState``), ``createdAt``, ``buildingAt``, ``ready`` (epoch
ms), ``source`` and ``meta.githubCommitSha`` / ``meta.githubCommitRef``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from golive.facts.saas.client import ApiClient, SourceUnavailable, as_list, load_export, parse_time

__all__ = [
    "EXPORT_FILE",
    "Deployment",
    "VercelClient",
    "deployments_from_json",
    "load_deployments_export",
]

EXPORT_FILE = "vercel-deployments.json"
_PAGE = 100


@dataclass(frozen=True)
class Deployment:
    uid: str
    name: str
    url: str | None
    target: str | None  # "production", or None / "preview" for a preview deployment
    state: str  # QUEUED, INITIALIZING, BUILDING, READY, ERROR, CANCELED
    created_at: datetime
    building_at: datetime | None
    ready_at: datetime | None
    source: str | None
    commit_sha: str | None
    branch: str | None

    @property
    def preview(self) -> bool:
        return self.target in (None, "", "preview")

    @property
    def production(self) -> bool:
        return self.target == "production"

    @property
    def build_min(self) -> float | None:
        """Build start to READY: the build time Vercel shows for the deployment."""
        if self.state != "READY" or self.building_at is None or self.ready_at is None:
            return None
        return max(0.0, (self.ready_at - self.building_at).total_seconds() / 60)

    def summary(self) -> dict[str, Any]:
        build = self.build_min
        return {
            "deployment": self.uid,
            "target": self.target or "preview",
            "state": self.state,
            "branch": self.branch,
            "created_at": self.created_at.isoformat(),
            "build_minutes": round(build, 2) if build is not None else None,
        }


def _deployment(raw: dict[str, Any]) -> Deployment | None:
    created = parse_time(raw.get("createdAt", raw.get("created")))
    uid = raw.get("uid") or raw.get("id")
    if created is None or not isinstance(uid, str):
        return None
    meta = raw.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    return Deployment(
        uid=uid,
        name=str(raw.get("name") or ""),
        url=raw.get("url"),
        target=raw.get("target"),
        state=str(raw.get("state") or raw.get("readyState") or "").upper(),
        created_at=created,
        building_at=parse_time(raw.get("buildingAt")),
        ready_at=parse_time(raw.get("ready")),
        source=raw.get("source"),
        commit_sha=meta.get("githubCommitSha") or None,
        branch=meta.get("githubCommitRef") or None,
    )


def deployments_from_json(data: Any, source: str) -> list[Deployment]:
    """Deployments from an API page, a list of pages or a bare list."""
    if isinstance(data, dict) and "deployments" in data:
        pages: list[Any] = [data["deployments"]]
    elif isinstance(data, list) and data and isinstance(data[0], dict) and "deployments" in data[0]:
        pages = [page.get("deployments") for page in as_list(data)]
    elif isinstance(data, list):
        pages = [data]
    else:
        raise SourceUnavailable(f"{source}: not a Vercel deployments list")
    found = [_deployment(item) for page in pages for item in as_list(page)]
    return [d for d in found if d is not None]


def load_deployments_export(path: Path) -> list[Deployment]:
    return deployments_from_json(load_export(path), f"export {path.name}")


class VercelClient(ApiClient):
    """The deployments part of the Vercel REST API, for one project."""

    def __init__(
        self,
        project: str,
        token: str,
        api_url: str = "https://api.vercel.com",
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        team, _, project_id = project.rpartition("/")
        if not project_id:
            raise SourceUnavailable("vercel_project is empty")
        self.project_id, self.team_id = project_id, team or None
        super().__init__(
            "Vercel", api_url, {"Authorization": f"Bearer {token}"},
            secrets=[token], transport=transport,
        )

    def deployments(self, limit: int = 200, *, page_size: int = _PAGE) -> list[Deployment]:
        """The newest ``limit`` deployments of the project, newest first."""
        params: dict[str, str | int] = {
            "projectId": self.project_id, "limit": min(page_size, _PAGE, limit)
        }
        if self.team_id:
            params["teamId"] = self.team_id
        found: list[Deployment] = []
        while len(found) < limit:
            body = self.get_json("/v6/deployments", params)
            if not isinstance(body, dict) or not isinstance(body.get("deployments"), list):
                raise self._fail("GET /v6/deployments", "the answer has no deployments")
            found += deployments_from_json(body, "Vercel API")
            pagination = body.get("pagination")
            following = pagination.get("next") if isinstance(pagination, dict) else None
            if not isinstance(following, int) or not body["deployments"]:
                break
            params["until"] = following
        return found[:limit]
