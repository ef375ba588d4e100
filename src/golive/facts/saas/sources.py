"""Where each history comes from for an environment: the service's API or an export file.

The API is used when golive.toml configures it (repository/project and a credential whose
``env:NAME`` is set); otherwise the export file in ``exports_dir``; otherwise
:class:`SourceUnavailable` says what is missing. A configured API that fails is not
replaced by an export: the failure is the answer (not verified, with its status).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

import httpx

from golive.config import Environment, resolve_secret
from golive.facts.saas import datadog, github, reviews, testcases, vercel
from golive.facts.saas.client import SourceUnavailable

__all__ = [
    "DeployHistory",
    "NotConfigured",
    "SourceUnavailable",
    "Sourced",
    "action_items",
    "alert_history",
    "branch_protection",
    "case_inventory",
    "dashboards",
    "deploy_history",
    "deployments",
    "exports_folder",
    "merged_pulls",
    "workflow_runs",
]

T = TypeVar("T")
RUN_LIMIT = 200


@dataclass(frozen=True)
class Sourced(Generic[T]):
    items: list[T]
    origin: str  # "GitHub API owner/name" or "export gh-runs.json"


def exports_folder(env: Environment, resolve: Callable[[str], Path]) -> Path | None:
    """The environment's exports folder (paths relative to golive.toml), None when unset."""
    if not env.exports_dir:
        return None
    folder = resolve(env.exports_dir)
    if not folder.is_dir():
        raise SourceUnavailable(f"exports_dir {env.exports_dir} is not a folder")
    return folder


def _secrets(*refs: str | None) -> tuple[list[str], list[str]]:
    """Resolved values, and the ``env:NAME`` references that are configured but unset."""
    values, unset = [], []
    for ref in refs:
        value = resolve_secret(ref)
        if value:
            values.append(value)
        elif ref:
            unset.append(ref)
    return values, unset


def _export(exports: Path | None, name: str) -> Path | None:
    path = exports / name if exports else None
    return path if path and path.is_file() else None


class NotConfigured(SourceUnavailable):
    """Neither the service's API nor its export is configured (as opposed to one failing)."""


def _missing(what: str, name: str, unset: list[str], exports: Path | None) -> NotConfigured:
    because = f" ({', '.join(unset)} not set)" if unset else ""
    return NotConfigured(f"no {what}{because} and no {name} export in {_where(exports)}")


def _where(exports: Path | None) -> str:
    return "exports_dir" if exports else "exports_dir (none configured)"


def workflow_runs(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[github.WorkflowRun]:
    secrets, unset = _secrets(env.github_token)
    if env.github_repository and secrets:
        with github.GitHubClient(
            env.github_repository, secrets[0], env.github_api_url, transport=transport
        ) as client:
            runs = client.workflow_runs(RUN_LIMIT)
        return Sourced(runs, f"GitHub API {env.github_repository}")
    path = _export(exports, github.EXPORT_FILE)
    if path is None:
        raise _missing("GitHub token (github_repository + github_token)",
                       github.EXPORT_FILE, unset, exports)
    return Sourced(github.load_runs_export(path), f"export {path.name}")


def deployments(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[vercel.Deployment]:
    secrets, unset = _secrets(env.vercel_token)
    if env.vercel_project and secrets:
        with vercel.VercelClient(
            env.vercel_project, secrets[0], env.vercel_api_url, transport=transport
        ) as client:
            found = client.deployments(RUN_LIMIT)
        return Sourced(found, f"Vercel API project {env.vercel_project}")
    path = _export(exports, vercel.EXPORT_FILE)
    if path is None:
        raise _missing("Vercel token (vercel_project + vercel_token)",
                       vercel.EXPORT_FILE, unset, exports)
    return Sourced(vercel.load_deployments_export(path), f"export {path.name}")


def _datadog_client(
    env: Environment, transport: httpx.BaseTransport | None
) -> tuple[datadog.DatadogClient | None, list[str]]:
    secrets, unset = _secrets(env.datadog_api_key, env.datadog_app_key)
    if len(secrets) == 2:
        client = datadog.DatadogClient(
            secrets[0], secrets[1], env.datadog_api_url, transport=transport
        )
        return client, []
    return None, unset


def dashboards(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[datadog.Dashboard]:
    client, unset = _datadog_client(env, transport)
    if client is not None:
        with client:
            return Sourced(client.dashboards(), "Datadog API")
    path = _export(exports, datadog.DASHBOARDS_FILE)
    if path is None:
        raise _missing("Datadog keys (datadog_api_key + datadog_app_key)",
                       datadog.DASHBOARDS_FILE, unset, exports)
    return Sourced(datadog.load_dashboards_export(path), f"export {path.name}")


def slo_histories(
    env: Environment,
    exports: Path | None,
    from_ts: int,
    to_ts: int,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Sourced[datadog.SloHistory]:
    client, unset = _datadog_client(env, transport)
    if client is not None:
        with client:
            return Sourced(client.slo_histories(from_ts, to_ts), "Datadog API")
    path = _export(exports, datadog.SLO_HISTORY_FILE)
    if path is None:
        raise _missing("Datadog keys (datadog_api_key + datadog_app_key)",
                       datadog.SLO_HISTORY_FILE, unset, exports)
    return Sourced(datadog.load_slo_history_export(path), f"export {path.name}")


def alert_history(exports: Path | None) -> Sourced[datadog.Alert]:
    """Triaged alerts: only an export can say which alerts were false."""
    path = _export(exports, datadog.ALERTS_FILE)
    if path is None:
        raise NotConfigured(
            f"no {datadog.ALERTS_FILE} export of triaged alerts in {_where(exports)} "
            "(false positives are marked by on-call, the API cannot tell them)"
        )
    return Sourced(datadog.load_alerts_export(path), f"export {path.name}")


def case_inventory(exports: Path | None) -> Sourced[testcases.TestCase]:
    path = _export(exports, testcases.EXPORT_FILE)
    if path is None:
        raise NotConfigured(
            f"no {testcases.EXPORT_FILE} test-case inventory in {_where(exports)}"
        )
    return Sourced(testcases.load_cases_export(path), f"export {path.name}")


@dataclass(frozen=True)
class DeployHistory:
    """Production deploys: Vercel deployments and/or GitHub runs, whichever is configured."""

    deployments: list[vercel.Deployment]
    runs: list[github.WorkflowRun]
    origin: str
    not_configured: list[str]


def deploy_history(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> DeployHistory:
    """Both histories where configured; a configured source that fails raises."""
    missing: list[str] = []
    found_deployments: Sourced[vercel.Deployment] | None = None
    found_runs: Sourced[github.WorkflowRun] | None = None
    try:
        found_deployments = deployments(env, exports, transport=transport)
    except NotConfigured as exc:
        missing.append(str(exc))
    try:
        found_runs = workflow_runs(env, exports, transport=transport)
    except NotConfigured as exc:
        missing.append(str(exc))
    if found_deployments is None and found_runs is None:
        raise NotConfigured(" and ".join(missing))
    read = [s for s in (found_deployments, found_runs) if s is not None]
    return DeployHistory(
        deployments=found_deployments.items if found_deployments else [],
        runs=found_runs.items if found_runs else [],
        origin=" + ".join(s.origin for s in read),
        not_configured=missing,
    )


def _github_client(
    env: Environment, transport: httpx.BaseTransport | None
) -> tuple[reviews.ReviewsClient | None, list[str]]:
    secrets, unset = _secrets(env.github_token)
    if env.github_repository and secrets:
        client = reviews.ReviewsClient(
            env.github_repository, secrets[0], env.github_api_url, transport=transport
        )
        return client, []
    return None, unset


_GITHUB = "GitHub token (github_repository + github_token)"


def merged_pulls(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[reviews.PullRequest]:
    """The newest merged pull requests with their reviews."""
    client, unset = _github_client(env, transport)
    if client is not None:
        with client:
            return Sourced(client.merged_pulls(), f"GitHub API {env.github_repository}")
    path = _export(exports, reviews.PRS_FILE)
    if path is None:
        raise _missing(_GITHUB, reviews.PRS_FILE, unset, exports)
    return Sourced(reviews.load(path, reviews.pulls_from_json), f"export {path.name}")


def branch_protection(
    env: Environment, exports: Path | None, branch: str, *,
    transport: httpx.BaseTransport | None = None,
) -> Sourced[reviews.Protection]:
    """The protection of ``branch`` (one item)."""
    client, unset = _github_client(env, transport)
    if client is not None:
        with client:
            found = client.protection(branch)
        return Sourced([found], f"GitHub API {env.github_repository}")
    path = _export(exports, reviews.PROTECTION_FILE)
    if path is None:
        raise _missing(_GITHUB, reviews.PROTECTION_FILE, unset, exports)
    data = reviews.load(path, lambda d, s: reviews.protection_from_json(d, s, branch))
    return Sourced([data], f"export {path.name}")


def action_items(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[reviews.Issue]:
    """Issues carrying the environment's action-item label."""
    label = env.action_item_label
    client, unset = _github_client(env, transport)
    if client is not None:
        with client:
            found = client.issues(label)
        return Sourced(found, f"GitHub API {env.github_repository} label {label}")
    path = _export(exports, reviews.ISSUES_FILE)
    if path is None:
        raise _missing(_GITHUB, reviews.ISSUES_FILE, unset, exports)
    issues = reviews.load(path, reviews.issues_from_json)
    # an export may hold more than the label's issues: keep the label's only
    return Sourced([i for i in issues if label in i.labels], f"export {path.name} label {label}")
