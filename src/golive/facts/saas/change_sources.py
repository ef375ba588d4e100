"""Where the change records come from for an environment: the API when golive.toml
configures it, else the export in ``exports_dir``, else NotConfigured naming both (the
rules of :mod:`golive.facts.saas.sources`: a configured API that fails is the answer)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx

from golive.config import Environment
from golive.facts.saas import changes, oncall, reviews, sources
from golive.facts.saas.changes import CheckRun, Notice, PlanIssue, PullText
from golive.facts.saas.oncall import Schedule
from golive.facts.saas.sources import NotConfigured, Sourced

__all__ = ["check_runs", "notices", "oncall_schedules", "plan_issues", "pull_texts"]

T = TypeVar("T")

_GITHUB = "GitHub token (github_repository + github_token)"


def _client(env: Environment, transport: httpx.BaseTransport | None
            ) -> tuple[changes.ChangesClient | None, list[str]]:  # fmt: skip
    secrets, unset = sources._secrets(env.github_token)
    if env.github_repository and secrets:
        return changes.ChangesClient(env.github_repository, secrets[0], env.github_api_url,
                                     transport=transport), []  # fmt: skip
    return None, unset


def _from_github(
    env: Environment,
    exports: Path | None,
    transport: httpx.BaseTransport | None,
    fetch: Callable[[changes.ChangesClient], list[T]],
    export_file: str,
    parse: Callable[[Any, str], list[T]],
    label: str | None = None,
    labels_of: Callable[[T], Collection[str]] | None = None,
) -> Sourced[T]:
    """``fetch`` through the API when configured, else ``export_file`` read with ``parse``
    (keeping the items that carry ``label``, the API having asked for it already)."""
    shown = f" label {label}" if label else ""
    client, unset = _client(env, transport)
    if client is not None:
        with client:
            return Sourced(fetch(client), f"GitHub API {env.github_repository}{shown}")
    path = sources._export(exports, export_file)
    if path is None:
        raise sources._missing(_GITHUB, export_file, unset, exports)
    found: list[T] = reviews.load(path, parse)
    if label is not None and labels_of is not None:
        found = [item for item in found if label in labels_of(item)]
    return Sourced(found, f"export {path.name}{shown}")


def pull_texts(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[PullText]:
    """The newest merged pull requests with their bodies and labels."""
    return _from_github(env, exports, transport, lambda c: c.merged_pull_texts(),
                        reviews.PRS_FILE, changes.pull_texts_from_json)  # fmt: skip


def notices(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[Notice]:
    """Issues carrying the environment's notice label."""
    label = env.notice_label
    return _from_github(env, exports, transport, lambda c: c.notices(label),
                        changes.NOTICES_FILE, changes.notices_from_json,
                        label, lambda n: n.labels)  # fmt: skip


def plan_issues(
    env: Environment, exports: Path | None, *, transport: httpx.BaseTransport | None = None
) -> Sourced[PlanIssue]:
    """Issues carrying the environment's security label, with their bodies."""
    label = env.security_issue_label
    return _from_github(env, exports, transport, lambda c: c.plan_issues(label),
                        changes.SECURITY_ISSUES_FILE, changes.plan_issues_from_json,
                        label, lambda p: p.issue.labels)  # fmt: skip


def check_runs(
    env: Environment,
    exports: Path | None,
    sha: str,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Sourced[CheckRun]:
    """The check runs of commit ``sha`` (API), or its workflow runs in gh-runs.json."""
    client, _unset = _client(env, transport)
    if client is not None:
        with client:
            found = client.check_runs(sha)
        return Sourced(found, f"GitHub API {env.github_repository} check runs of {sha[:12]}")
    runs = sources.workflow_runs(env, exports, transport=transport)
    return Sourced(changes.check_runs_of_workflows(runs.items, sha),
                   f"{runs.origin} runs of {sha[:12]}")  # fmt: skip


def oncall_schedules(
    env: Environment,
    exports: Path | None,
    now: datetime,
    days: int = 7,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Sourced[Schedule]:
    """The configured schedules rendered from ``now`` for ``days`` (PagerDuty, else
    Opsgenie), or the oncall.json export."""
    until = now + timedelta(days=days)
    pd, pd_unset = sources._secrets(env.pagerduty_token)
    og, og_unset = sources._secrets(env.opsgenie_api_key)
    if env.oncall_schedules and (pd or og):
        client: oncall.PagerDutyClient | oncall.OpsgenieClient = (
            oncall.PagerDutyClient(pd[0], env.pagerduty_api_url, transport=transport) if pd
            else oncall.OpsgenieClient(og[0], env.opsgenie_api_url, transport=transport)
        )  # fmt: skip
        with client:
            found = [client.schedule(sid, now, until) for sid in env.oncall_schedules]
        return Sourced(found, f"{client.service} API schedules {', '.join(env.oncall_schedules)}")
    path = sources._export(exports, oncall.EXPORT_FILE)
    if path is None:
        want = ("PagerDuty or Opsgenie key (pagerduty_token or opsgenie_api_key, "
                "with oncall_schedules)")  # fmt: skip
        if (pd or og) and not env.oncall_schedules:
            want += " — oncall_schedules is empty"
        raise NotConfigured(
            str(sources._missing(want, oncall.EXPORT_FILE, pd_unset + og_unset, exports))
        )
    return Sourced(oncall.load_schedules_export(path), f"export {path.name}")
