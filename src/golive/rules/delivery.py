"""Figures from CI/CD, deployment and alert history, each with the items it came from.

Every function returns a :class:`Figure` (value, unit, the runs/deployments/alerts it was
computed from, and the facts behind it) or raises :class:`InsufficientData` when the
history holds nothing to compute from (the check is then not verified, never passed).

Choices, stated once:

- Workflows are recognised by the words of their name or file: *build* for the build
  pipeline; *test*, *tests*, *e2e*, *coverage* for test workflows; *deploy*, *release* for
  deploy workflows, of which those naming *staging*, *preview* or *dev* are not production.
- Build success rate = ``success`` / (``success`` + ``failure`` + ``timed_out`` +
  ``startup_failure``) over completed build runs; ``cancelled`` (superseded by a newer
  push), ``skipped``, ``neutral``, ``stale`` and ``action_required`` runs are not counted.
- A duration figure is the p95 (nearest rank) of successful runs; max and p50 are facts.
  For several workflows of a kind, the slowest workflow's p95 is the figure.
- Deploy time of a production deployment = from the start of its pipeline (the GitHub
  deploy run for the same commit when the history has one, else the Vercel deployment's
  creation, which Vercel's Git integration does on the merge push) to READY. Without
  Vercel history, the successful production deploy workflow runs' durations are used.
- A Vercel Git integration (:func:`vercel_git_deploys`) is the app's way to production when
  the repository links a Vercel project (Terraform ``vercel_project`` with
  ``git_repository``, ``vercel.json``, ``.vercel/project.json``) that does not switch Git
  deployments off, and no script or workflow runs a Vercel deploy itself: the rollout from
  preview to production then happens in Vercel, out of the repository's sight.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from golive.facts.repo.commands import parse_commands
from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import Document, load_structured, relative
from golive.facts.repo.workflow import WORKFLOW_DIR, Workflow, load_workflow_file, step_run
from golive.facts.saas.client import SourceUnavailable
from golive.facts.saas.datadog import Alert, Dashboard
from golive.facts.saas.github import WorkflowRun
from golive.facts.saas.testcases import TestCase
from golive.facts.saas.vercel import Deployment
from golive.judging.findings import Finding
from golive.rules.runners import deploy_command

__all__ = [
    "KEY_METRICS",
    "Figure",
    "InsufficientData",
    "WorkflowKind",
    "automation_rate",
    "build_success_rate",
    "dashboard_coverage",
    "deploy_time",
    "false_positive_rate",
    "percentile",
    "preview_findings",
    "script_production_deploys",
    "vercel_build_time",
    "vercel_git_deploys",
    "workflow_time",
    "workflows_of",
]

WorkflowKind = Literal["build", "test", "deploy"]
_WORDS: dict[str, set[str]] = {
    "build": {"build", "builds"},
    "test": {"test", "tests", "testing", "e2e", "coverage"},
    "deploy": {"deploy", "deployment", "release"},
}
_NOT_PRODUCTION = {"staging", "stg", "stage", "preview", "dev", "development", "qa"}
_COUNTED = {"success", "failure", "timed_out", "startup_failure"}
_FINISHED = {"READY", "ERROR", "CANCELED"}


class InsufficientData(SourceUnavailable):
    """The history holds nothing the figure can be computed from."""


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    basis: tuple[dict[str, Any], ...]
    facts: dict[str, Any] = field(default_factory=dict)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (the value at rank ⌈pct/100·n⌉ of the sorted values)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def _words(run: WorkflowRun) -> set[str]:
    text = f"{run.workflow} {(run.path or '').rsplit('/', 1)[-1].rsplit('.', 1)[0]}"
    return set(re.findall(r"[a-z0-9]+", text.lower()))


def _is_kind(run: WorkflowRun, kind: WorkflowKind) -> bool:
    words = _words(run)
    if not words & _WORDS[kind]:
        return False
    return kind != "deploy" or not words & _NOT_PRODUCTION


def workflows_of(runs: Iterable[WorkflowRun], kind: WorkflowKind) -> dict[str, list[WorkflowRun]]:
    """The runs of the workflows of one kind, by workflow name."""
    groups: dict[str, list[WorkflowRun]] = {}
    for run in runs:
        if _is_kind(run, kind):
            groups.setdefault(run.workflow, []).append(run)
    return groups


def _seen(runs: Sequence[WorkflowRun]) -> str:
    names = sorted({run.workflow for run in runs})
    return ", ".join(names[:12]) or "none"


def _period(created: Iterable[datetime]) -> dict[str, str]:
    times = sorted(created)
    return {"from": times[0].isoformat(), "to": times[-1].isoformat()} if times else {}


def build_success_rate(runs: Sequence[WorkflowRun]) -> Figure:
    groups = workflows_of(runs, "build")
    build_runs = [run for group in groups.values() for run in group]
    counted = [r for r in build_runs if r.completed and r.conclusion in _COUNTED]
    if not counted:
        raise InsufficientData(
            f"no completed run of a build workflow among {len(runs)} runs "
            f"(workflows: {_seen(runs)})"
        )
    successes = sum(1 for r in counted if r.conclusion == "success")
    conclusions = Counter(r.conclusion or r.status for r in build_runs)
    return Figure(
        name="build success rate",
        value=100 * successes / len(counted),
        unit="%",
        basis=tuple(r.summary() for r in counted),
        facts={
            "workflows": sorted(groups),
            "succeeded": successes,
            "counted": len(counted),
            "conclusions": dict(sorted(conclusions.items())),
            "period": _period(r.created_at for r in counted),
        },
    )


def _durations(name: str, items: Sequence[tuple[dict[str, Any], float]]) -> Figure:
    minutes = [m for _, m in items]
    slowest = sorted(items, key=lambda pair: -pair[1])[:5]
    return Figure(
        name=name,
        value=percentile(minutes, 95),
        unit="min",
        basis=tuple(summary for summary, _ in items),
        facts={
            "count": len(minutes),
            "p50": round(percentile(minutes, 50), 2),
            "p95": round(percentile(minutes, 95), 2),
            "max": round(max(minutes), 2),
            "slowest": [summary for summary, _ in slowest],
        },
    )


def _successful(runs: Iterable[WorkflowRun]) -> list[tuple[dict[str, Any], float]]:
    return [
        (run.summary(), run.duration_min)
        for run in runs
        if run.conclusion == "success" and run.duration_min is not None
    ]


def workflow_time(runs: Sequence[WorkflowRun], kind: WorkflowKind) -> Figure:
    """p95 duration of the slowest workflow of ``kind``, with every workflow's figures."""
    figures = {
        workflow: _durations(f"{workflow} p95 duration", pairs)
        for workflow, group in sorted(workflows_of(runs, kind).items())
        if (pairs := _successful(group))
    }
    if not figures:
        raise InsufficientData(
            f"no successful run of a {kind} workflow among {len(runs)} runs "
            f"(workflows: {_seen(runs)})"
        )
    worst = max(figures.values(), key=lambda f: f.value)
    per_workflow = {w: {k: f.facts[k] for k in ("count", "p50", "p95", "max")}
                    for w, f in figures.items()}
    return Figure(
        name=worst.name,
        value=worst.value,
        unit="min",
        basis=tuple(item for f in figures.values() for item in f.basis),
        facts={**worst.facts, "workflows": per_workflow},
    )


def vercel_build_time(deployments: Sequence[Deployment]) -> Figure:
    """p95 of buildingAt → ready over READY deployments (every target)."""
    pairs = [(d.summary(), d.build_min) for d in deployments if d.build_min is not None]
    if not pairs:
        raise InsufficientData(
            f"no READY deployment with build timestamps among {len(deployments)} deployments"
        )
    return _durations("Vercel build time p95", [(s, m) for s, m in pairs if m is not None])


def _deploy_start(deployment: Deployment, runs: Sequence[WorkflowRun]) -> datetime:
    started = [
        run.created_at for run in runs
        if deployment.commit_sha and run.head_sha == deployment.commit_sha
        and _is_kind(run, "deploy") and run.created_at <= deployment.created_at
    ]
    return max(started) if started else deployment.created_at  # the run that deployed it


def deploy_time(deployments: Sequence[Deployment], runs: Sequence[WorkflowRun]) -> Figure:
    """p95 minutes from the start of a production deploy pipeline to production READY."""
    ready = [d for d in deployments if d.production and d.state == "READY" and d.ready_at]
    if ready:
        pairs = []
        for deployment in ready:
            assert deployment.ready_at is not None
            start = _deploy_start(deployment, runs)
            minutes = (deployment.ready_at - start).total_seconds() / 60
            pairs.append(({**deployment.summary(), "pipeline_started_at": start.isoformat(),
                           "minutes": round(minutes, 2)}, minutes))
        figure = _durations("production deploy time p95", pairs)
        return Figure(figure.name, figure.value, figure.unit, figure.basis,
                      {**figure.facts, "measured_from": "Vercel production deployments"})
    deploys = [run for group in workflows_of(runs, "deploy").values() for run in group]
    pairs = _successful(deploys)
    if not pairs:
        raise InsufficientData(
            f"no READY production deployment among {len(deployments)} deployments and no "
            f"successful production deploy workflow run among {len(runs)} runs"
        )
    figure = _durations("production deploy workflow p95", pairs)
    return Figure(figure.name, figure.value, figure.unit, figure.basis,
                  {**figure.facts, "measured_from": "GitHub production deploy workflow runs"})


def preview_findings(deployments: Sequence[Deployment], where: str) -> tuple[
    dict[str, Any], list[Finding]
]:
    """Preview deployments exist, some are READY, and the newest finished one is READY."""
    if not deployments:
        raise InsufficientData(f"{where} lists no deployment")
    previews = [d for d in deployments if d.preview]
    states = Counter(d.state for d in previews)
    facts: dict[str, Any] = {"previews": len(previews), "states": dict(sorted(states.items()))}
    if not previews:
        return facts, [Finding(where, None,
                               f"no preview deployment among {len(deployments)} deployments")]
    findings = []
    if not states["READY"]:
        findings.append(Finding(where, None, f"none of {len(previews)} preview deployments "
                                             f"is READY ({facts['states']})"))
    finished = sorted((d for d in previews if d.state in _FINISHED), key=lambda d: d.created_at)
    if finished:
        latest = finished[-1]
        facts["latest"] = latest.summary()
        if latest.state != "READY":
            findings.append(Finding(where, None, (
                f"the newest preview deployment {latest.uid} "
                f"(branch {latest.branch or '?'}) is {latest.state}")))
    return facts, findings


def false_positive_rate(alerts: Sequence[Alert]) -> Figure:
    if not alerts:
        raise InsufficientData("no alert in the alert history to judge")
    false = [a for a in alerts if a.false_positive]
    return Figure(
        name="alert false-positive rate",
        value=100 * len(false) / len(alerts),
        unit="%",
        basis=tuple(a.summary() for a in alerts),
        facts={
            "alerts": len(alerts),
            "false_positives": len(false),
            "period": _period(a.at for a in alerts if a.at),
            "false_positive_alerts": [a.summary() for a in false[:20]],
        },
    )


def automation_rate(cases: Sequence[TestCase]) -> Figure:
    if not cases:
        raise InsufficientData("the test-case inventory lists no case")
    automated = [c for c in cases if c.automated]
    manual = [c for c in cases if not c.automated]
    return Figure(
        name="test automation rate",
        value=100 * len(automated) / len(cases),
        unit="%",
        basis=tuple({"case": c.id, "title": c.title, "automated": c.automated} for c in cases),
        facts={
            "cases": len(cases),
            "automated": len(automated),
            "manual": [c.id for c in manual[:50]],
            "unclassified": [c.id for c in cases if not c.classified][:50],
        },
    )


# key metric: (what it is, a pattern one of the dashboards' widget queries must match)
KEY_METRICS: dict[str, tuple[str, str]] = {
    "availability": ("uptime, health or synthetic checks",
                     r"uptime|availab|synthetics\.|can_connect|health|service_check"),
    "latency": ("response time", r"latency|duration|response[_.]?time|\.time\b|apdex|p9[059]"),
    "errors": ("error rate", r"error|5xx|exception|status(_class|_code)?:5"),
    "resources": ("CPU, memory, disk", r"\bcpu\b|cpu\.|\.cpu|mem(ory)?\.|\.mem|disk|iops"),
}


def dashboard_coverage(boards: Sequence[Dashboard], where: str,
                       metrics: dict[str, tuple[str, str]] | None = None) -> tuple[
    dict[str, list[str]], list[Finding]
]:
    """Which dashboards show each key metric; a finding per metric no widget shows."""
    wanted = metrics or KEY_METRICS
    if not boards:
        return {}, [Finding(where, None, "no dashboard")]
    covered: dict[str, list[str]] = {}
    findings = [Finding(where, None, f"dashboard {b.title or b.id!r} has no widget")
                for b in boards if not b.widgets]
    for key, (label, pattern) in wanted.items():
        regex = re.compile(pattern, re.IGNORECASE)
        covered[key] = [b.title or b.id for b in boards
                        if any(regex.search(query) for query in b.queries)]
        if not covered[key]:
            findings.append(Finding(where, None, f"no widget query shows {key} ({label})"))
    return covered, findings


# --- the deploy path: a Vercel Git integration ----------------------------------------

_TF_VERCEL_PROJECT = re.compile(r'resource\s+"vercel_project"\s+"[^"]+"\s*\{')
_TF_GIT_REPOSITORY = re.compile(r"^\s*git_repository\s*=?\s*\{", re.MULTILINE)


def _runs_vercel_deploy(text: str) -> bool:
    return any((deploy_command(c.words) or "").startswith("vercel")
               for c in parse_commands(text, errexit=True))


def _git_switched_off(data: object) -> bool:
    if not isinstance(data, dict):
        return False
    git, github = data.get("git"), data.get("github")
    return (isinstance(git, dict) and git.get("deploymentEnabled") is False) or (
        isinstance(github, dict) and github.get("enabled") is False)


def vercel_git_deploys(repo: Path) -> list[str]:
    """Where the repository shows that Vercel's Git integration deploys the app (empty
    when it does not, or when a script or workflow deploys with the Vercel CLI)."""
    root = Path(repo)
    for path in find_files(root, "*.sh"):
        try:
            if _runs_vercel_deploy(path.read_text(encoding="utf-8")):
                return []
        except (OSError, UnicodeDecodeError):
            continue
    for path in find_files(root, f"{WORKFLOW_DIR}/*.yml", f"{WORKFLOW_DIR}/*.yaml"):
        loaded = load_workflow_file(root, path)
        if isinstance(loaded, Workflow) and any(
            _runs_vercel_deploy(step_run(step)) for _, step in loaded.all_steps()
        ):
            return []
    found: list[str] = []
    for path in find_files(root, "*.tf"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if _TF_VERCEL_PROJECT.search(text) and _TF_GIT_REPOSITORY.search(text):
            found.append(f"{relative(root, path)}: vercel_project with git_repository")
    for path in find_files(root, "vercel.json", ".vercel/project.json"):
        config = load_structured(root, path)
        data = config.data if isinstance(config, Document) else None
        if path.name == "vercel.json" and _git_switched_off(data):
            return []
        found.append(f"{relative(root, path)}: a linked Vercel project")
    return found


_PRODUCTION_DEPLOY = re.compile(r"--prod\b|\bprod(uction)?\b", re.IGNORECASE)


def script_production_deploys(repo: Path) -> list[tuple[str, int, str]]:
    """(script, line, command) of every production deploy a shell script of the repository
    runs (``vercel --prod``, ``supabase db push`` in deploy-production.sh ...): a deploy
    made by hand, outside the workflows. Lines that never run are left out."""
    root = Path(repo)
    found: list[tuple[str, int, str]] = []
    for path in find_files(root, "*.sh"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for command in parse_commands(text, errexit=True):
            if (command.neutralised or "").startswith("never runs"):
                continue
            if deploy_command(command.words) and (
                _PRODUCTION_DEPLOY.search(command.text) or _PRODUCTION_DEPLOY.search(path.stem)
            ):
                found.append((relative(root, path), command.line, command.text.strip()))
    return found
