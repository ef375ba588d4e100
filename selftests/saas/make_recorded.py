"""Regenerate selftests/saas/recorded/ and selftests/saas/exports/ (run by hand).

    .venv/bin/python selftests/saas/make_recorded.py

The answers are the demo team's histories (golive.demo.exports) at a fixed moment,
dressed in the fields and nesting the real APIs answer with; the error bodies are the
services' own. The local server in conftest.py serves them, paginating as the APIs do.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from golive.demo import exports as demo_exports

HERE = Path(__file__).parent
RECORDED = HERE / "recorded"
EXPORTS = HERE / "exports"
NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
REPO_ID = 891234567

GITHUB_401 = {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
              "status": "401"}
GITHUB_RATE_LIMITED = {
    "message": "API rate limit exceeded for user ID 71234567. If you reach out to GitHub "
               "Support for help, please include the request ID 9C1A:3B2E:1F4D2A:2051E6C:67D3F1A2.",
    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
}
VERCEL_403 = {"error": {"code": "forbidden", "message": "Not authorized", "invalidToken": True}}
DATADOG_403 = {"errors": ["Forbidden"]}


def _run(run: dict[str, Any]) -> dict[str, Any]:
    api = f"https://api.github.com/repos/{demo_exports.REPOSITORY}"
    owner = {"login": "acme", "id": 71234567, "type": "Organization"}
    return {
        **run,
        "check_suite_id": run["id"] + 21_000_000_000,
        "pull_requests": [],
        "actor": {"login": "acme-dev", "id": 9123456, "type": "User"},
        "jobs_url": f"{api}/actions/runs/{run['id']}/jobs",
        "logs_url": f"{api}/actions/runs/{run['id']}/logs",
        "workflow_url": f"{api}/actions/workflows/{run['workflow_id']}",
        "previous_attempt_url": None,
        "repository": {"id": REPO_ID, "node_id": "R_kgDONUbMhw", "name": "acme-web",
                       "full_name": demo_exports.REPOSITORY, "private": True, "owner": owner},
    }


def _lines(payload: dict[str, Any], key: str) -> str:
    """JSON with one list item per line (readable diffs, no indentation bulk)."""
    items = ",\n".join(json.dumps(item, ensure_ascii=False) for item in payload[key])
    rest = {k: v for k, v in payload.items() if k != key}
    head = json.dumps(rest, ensure_ascii=False)[:-1]
    return f'{head}, "{key}": [\n{items}\n]}}\n'


def _write(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", "utf-8")


def main() -> None:
    for dataset, broken in (("good", False), ("bad", True)):
        data = demo_exports.history(broken, NOW)
        runs = data["github-runs"]
        runs = {**runs, "workflow_runs": [_run(r) for r in runs["workflow_runs"]]}
        (RECORDED / "github").mkdir(parents=True, exist_ok=True)
        (RECORDED / "github" / f"{dataset}.json").write_text(_lines(runs, "workflow_runs"))
        deployments = data["vercel-deployments.json"]
        (RECORDED / "vercel").mkdir(parents=True, exist_ok=True)
        (RECORDED / "vercel" / f"{dataset}.json").write_text(_lines(deployments, "deployments"))
        boards = data["datadog-dashboards.json"]
        folder = RECORDED / "datadog" / dataset
        _write(folder / "monitors.json", data["datadog-monitors.json"])
        _write(folder / "dashboards.json", {"dashboards": [
            {key: board[key] for key in ("id", "title", "description", "layout_type", "url",
                                          "is_read_only", "created_at", "modified_at",
                                          "author_handle")}
            for board in boards
        ]})
        for board in boards:
            _write(folder / "dashboard" / f"{board['id']}.json", board)
        demo_exports.write(EXPORTS / dataset, broken, now=NOW)
    _write(RECORDED / "github" / "401.json", GITHUB_401)
    _write(RECORDED / "github" / "403-rate-limited.json", GITHUB_RATE_LIMITED)
    _write(RECORDED / "vercel" / "403.json", VERCEL_403)
    _write(RECORDED / "datadog" / "403.json", DATADOG_403)


if __name__ == "__main__":
    main()
