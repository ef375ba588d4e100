"""GitHub Actions workflows: the plan's nine files, validated, audited, and read for what they do.

A workflow is looked for in ``.github/workflows/`` first (``.yml`` or ``.yaml``), then by
name anywhere in the repository. Soundness of one workflow (:func:`workflow_findings`):

- it parses, and ``check-jsonschema --builtin-schema vendor.github-workflows`` accepts it
  (one run over every workflow file of the repository);
- ``zizmor --offline`` reports no finding of high severity for it (one run over every
  workflow file; lower severities are kept as evidence by :func:`workflow_notes`);
- every job sets ``timeout-minutes`` (a job that calls a reusable workflow can't, and is
  bounded by the called workflow's own jobs);
- every action is pinned to a commit SHA or a version tag (never a branch).

The content criteria read what the workflows do: parallel jobs or a matrix in build.yml,
caches keyed on the lockfile, scheduled dependency updates, unit and E2E tests on every
change, a coverage report and its gate, per-environment deploys, approval before
production, and a rollback that can be triggered on demand.

Approval for production: GitHub keeps an environment's protection rules (required
reviewers) in the repository settings, not in a file. The probes require the production
deploy job to run in ``environment: production`` and read the rules from a recorded
export of the environment API, ``.github/environments/production.json`` (the output of
``gh api repos/OWNER/REPO/environments/production``); :func:`environment_export` finds it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.commands import parse_commands
from golive.facts.repo.discover import RoleMatch, find_files, remember_role
from golive.facts.repo.packagejson import task_scripts
from golive.facts.repo.structured import Located, line_of, load_structured, refused, relative
from golive.facts.repo.workflow import (
    PLAN_WORKFLOWS,
    Workflow,
    action_files,
    action_steps,
    environment_name,
    find_workflow,
    load_named_workflows,
    load_workflow,
    load_workflow_file,
    load_workflows,
    reviewer_rule,
    step_if,
    step_run,
    step_scripts,
    step_uses,
    workflow_files,
)
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import Finding, FindingSeverity, SecFinding, SourceResult
from golive.rules.runners import TestKind, deploy_command, runner_kinds, update_command

__all__ = [
    "AUDIT_SOURCE",
    "CoverageGate",
    "RunnerStep",
    "approval_findings",
    "cache_findings",
    "coverage_gate_findings",
    "coverage_gates",
    "coverage_report_findings",
    "dependency_update_findings",
    "dependency_update_sources",
    "deploy_environments",
    "e2e_test_findings",
    "e2e_workflow",
    "effective_events",
    "env_deploy_findings",
    "environment_export",
    "parallel_build_findings",
    "pinning_findings",
    "role_workflow",
    "rollback_trigger_findings",
    "scheduled_update_workflows",
    "schema_findings",
    "step_updates",
    "steps_running_tests",
    "summary_of_test_steps",
    "timeout_findings",
    "unit_test_findings",
    "unit_workflow",
    "workflow_audit",
    "workflow_findings",
    "workflow_notes",
    "zizmor_findings",
]

# events that run a workflow for every change (so its checks gate the change)
CHANGE_EVENTS = frozenset({"push", "pull_request", "merge_group"})
# events that let someone (or a monitor) start a workflow on demand
ON_DEMAND_EVENTS = frozenset({"workflow_dispatch", "repository_dispatch", "workflow_run"})

_SHA = re.compile(r"^[0-9a-f]{40}$")
_VERSION_TAG = re.compile(r"^v?\d+(\.\d+){0,2}([-+.][0-9A-Za-z.-]+)?$")
_COVERAGE_RUN = re.compile(
    r"--coverage\b|\bcoverage run\b|--cov\b|--cov=|\bc8\b|\bnyc\b|test:coverage|"
    r"\bcoverage\b.*\breport\b"
)
_COVERAGE_PUBLISHERS = (
    "actions/upload-artifact",
    "codecov/codecov-action",
    "coverallsapp/github-action",
    "davelosert/vitest-coverage-report-action",
    "ArtiomTr/jest-coverage-report-action",
    "irongut/CodeCoverageSummary",
    "marocchino/sticky-pull-request-comment",
    "py-cov-action/python-coverage-comment-action",
)
_ROLLBACK_COMMAND = re.compile(
    r"\brollback\b|\bvercel(@[\w.-]+)?\b.*\b(promote|alias)\b|rollout\s+undo|helm\s+rollback|"
    r"deploy\.sh\b.*--rollback",
    re.IGNORECASE,
)
_PRODUCTION = re.compile(r"^prod(uction)?\b", re.IGNORECASE)
_STAGING = re.compile(r"^(staging|stage|stg)\b", re.IGNORECASE)


# --- finding and loading workflows ----------------------------------------------------


def _events(workflow: Workflow, events: Iterable[str]) -> list[str]:
    return sorted(set(workflow.triggers) & set(events))


# --- scanners: one run each over every workflow file ----------------------------------


def _json_output(tool: str, stdout: str, stderr: str) -> Any:
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        tail = (stderr or stdout).strip()[-400:]
        raise NotVerified(f"{tool} gave no JSON report: {tail or 'no output'}") from None


_PATH_TOKEN = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[[\"']([^\"']+)[\"']\]")


def _locate(data: object, json_path: str) -> int | None:
    """The line of ``$.jobs.build.steps[0]`` in a located document (deepest known)."""
    node = data
    line = line_of(data)
    for match in _PATH_TOKEN.finditer(json_path.removeprefix("$")):
        key = match.group(1) or match.group(3)
        if key is not None and isinstance(node, dict):
            if key not in node and key == "on" and "True" in node:
                key = "True"
            if key not in node:
                break
            line = line_of(node, key) or line
            node = node[key]
        elif match.group(2) is not None and isinstance(node, list):
            index = int(match.group(2))
            if index >= len(node):
                break
            node = node[index]
            line = line_of(node) or line
        else:
            break
    return line


def _parsed(repo: Path, shown: str) -> object:
    loaded = load_structured(repo, Path(repo) / shown)
    return None if isinstance(loaded, Finding) else loaded.data


def _schema_run(repo: Path, files: list[Path], schema: str) -> dict[str, list[Finding]]:
    root = Path(repo).resolve()
    files, hostile = refused(root, files)  # a FIFO or an alias bomb never reaches the scanner
    if not files:
        return hostile
    shown = [relative(root, f) for f in files]
    run = run_scanner(
        "check-jsonschema", ["--builtin-schema", schema, "-o", "json", *shown], files, cwd=root
    )
    report = _json_output("check-jsonschema", run.stdout, run.stderr)
    if not isinstance(report, dict) or "errors" not in report:
        raise NotVerified(f"check-jsonschema: unexpected report {str(report)[:200]}")
    found: dict[str, list[Finding]] = {}
    for error in report.get("errors", []):
        name = str(error.get("filename", ""))
        best = error.get("best_deep_match") or error.get("best_match") or error
        path = str(best.get("path") or error.get("path") or "$")
        message = str(best.get("message") or error.get("message"))
        if len(message) > 240:
            message = message[:240] + "…"
        line = _locate(_parsed(root, name), path)
        found.setdefault(name, []).append(
            Finding(name, line, f"schema ({schema}): {path}: {message}")
        )
    for error in report.get("parse_errors", []):
        name = str(error.get("filename", ""))
        found.setdefault(name, []).append(
            Finding(name, None, f"check-jsonschema could not parse it: {error.get('message')}")
        )
    return found | hostile


def schema_findings(repo: Path) -> dict[str, list[Finding]]:
    """check-jsonschema over every workflow (vendor.github-workflows) and every local
    action (vendor.github-actions), by file: one run per schema."""
    found = _schema_run(repo, workflow_files(repo), "vendor.github-workflows")
    return found | _schema_run(repo, action_files(repo), "vendor.github-actions")


@dataclass(frozen=True)
class _ZizmorHit:
    file: str
    line: int | None
    ident: str
    severity: str  # zizmor's: high, medium, low, informational, unknown
    confidence: str
    message: str


@dataclass(frozen=True)
class _ZizmorReport:
    blocking: dict[str, list[Finding]]
    notes: dict[str, list[Finding]]
    unaudited: dict[str, str]  # file → why zizmor skipped it (it does not fit its schema)
    hits: tuple[_ZizmorHit, ...] = ()
    audited: tuple[str, ...] = ()


_ZIZMOR_FATAL = re.compile(r"failed to load file://(\S+) as (?:workflow|action)")
_ZIZMOR_CAUSE = re.compile(r'msg="([^"\n]{1,200})"')
_ZIZMOR_SKIPPED = re.compile(r"failed to validate file://(\S+) as (?:workflow|action): ([^\n]*)")


def _zizmor(repo: Path) -> _ZizmorReport:
    """One zizmor run over every workflow and local action of the repository."""
    root = Path(repo).resolve()
    files, hostile = refused(root, workflow_files(root) + action_files(root))
    # never given to zizmor; the schema check fails them
    unaudited: dict[str, str] = {name: found[0].message for name, found in hostile.items()}
    if not files:
        return _ZizmorReport({}, {}, unaudited)
    shown = [relative(root, f) for f in files]
    while True:
        run = run_scanner(
            "zizmor",
            ["--offline", "--format", "json", "--no-progress", "--color", "never", *shown],
            [root / name for name in shown],
            cwd=root,
        )
        unaudited |= {
            relative(root, root / m.group(1)): m.group(2).strip()
            for m in _ZIZMOR_SKIPPED.finditer(run.stderr)
        }
        # a file zizmor cannot load stops the whole run: audit the others without it
        broken = _ZIZMOR_FATAL.search(run.stderr) if not run.stdout.strip() else None
        name = relative(root, root / broken.group(1)) if broken else None
        if name is None or name not in shown:
            break
        shown.remove(name)
        cause = _ZIZMOR_CAUSE.search(run.stderr)
        unaudited[name] = f"zizmor could not load it ({cause.group(1) if cause else 'error'})"
        if not shown:
            return _ZizmorReport({}, {}, unaudited)
    if not run.stdout.strip() and "no inputs collected" in run.stderr:
        # every file was skipped as invalid: the schema check says why
        return _ZizmorReport({}, {}, {name: "no valid workflow to audit" for name in shown}
                             | unaudited)
    report = _json_output("zizmor", run.stdout, run.stderr)
    if not isinstance(report, list):
        raise NotVerified(f"zizmor: unexpected report {str(report)[:200]}")
    blocking: dict[str, list[Finding]] = {}
    notes: dict[str, list[Finding]] = {}
    hits: list[_ZizmorHit] = []
    for hit in report:
        if hit.get("ignored"):
            continue
        severity = str(hit.get("determinations", {}).get("severity", "Unknown"))
        locations = hit.get("locations") or [{}]
        primary = next(
            (loc for loc in locations if loc.get("symbolic", {}).get("kind") == "Primary"),
            locations[0],
        )
        symbolic = primary.get("symbolic", {})
        name = str(symbolic.get("key", {}).get("Local", {}).get("verbatim_path", "?"))
        name = relative(root, root / name)
        row = primary.get("concrete", {}).get("location", {}).get("start_point", {}).get("row")
        annotation = symbolic.get("annotation")
        message = f"zizmor {hit.get('ident')} ({severity.lower()}): {hit.get('desc')}"
        if annotation:
            message += f": {annotation}"
        finding = Finding(name, row + 1 if isinstance(row, int) else None, message)
        target = blocking if severity.lower() == "high" else notes
        target.setdefault(name, []).append(finding)
        confidence = str(hit.get("determinations", {}).get("confidence", "Unknown"))
        hits.append(_ZizmorHit(name, finding.line, str(hit.get("ident")), severity.lower(),
                               confidence.lower(), message))
    audited = tuple(n for n in shown if n not in unaudited)
    return _ZizmorReport(blocking, notes, unaudited, tuple(hits), audited)


def zizmor_findings(repo: Path) -> dict[str, list[Finding]]:
    """zizmor --offline findings of high severity over every workflow, by file."""
    return _zizmor(repo).blocking


# --- soundness of one workflow --------------------------------------------------------


def timeout_findings(workflow: Workflow) -> list[Finding]:
    """Every job sets ``timeout-minutes`` (GitHub's default lets a hung job run 6 hours)."""
    found = []
    for job_id, job in workflow.jobs.items():
        if "uses" in job:  # a reusable-workflow call: its own jobs carry the timeouts
            continue
        if "timeout-minutes" not in job:
            found.append(Finding(
                workflow.shown, workflow.job_line(job_id),
                f"job {job_id} sets no timeout-minutes: a hung run holds the runner for 6 hours",
            ))
    return found


def _pin_problem(uses: str) -> str | None:
    if uses.startswith("./"):
        return None
    if uses.startswith("docker://"):
        image = uses.removeprefix("docker://")
        if "@sha256:" in image:
            return None
        tag = image.rsplit(":", 1)[1] if ":" in image.rsplit("/", 1)[-1] else ""
        return None if tag and tag != "latest" else "docker image without a tag or digest"
    if "@" not in uses:
        return "no ref: it runs whatever the default branch holds"
    ref = uses.rsplit("@", 1)[1]
    if _SHA.match(ref) or _VERSION_TAG.match(ref):
        return None
    return f"@{ref} is a branch or moving ref, not a commit SHA or version tag"


def pinning_findings(workflow: Workflow) -> list[Finding]:
    """Every ``uses:`` (step or reusable workflow) names a commit SHA or a version tag."""
    found = []
    for job_id, job in workflow.jobs.items():
        uses = job.get("uses")
        if isinstance(uses, str) and (problem := _pin_problem(uses)):
            found.append(workflow.finding(f"job {job_id} uses {uses}: {problem}", job, "uses"))
        for step in workflow.steps(job_id):
            uses = step_uses(step)
            if uses and (problem := _pin_problem(uses)):
                found.append(workflow.finding(f"{uses} is not pinned: {problem}", step, "uses"))
    return found


def workflow_findings(repo: Path, name: str) -> list[Finding]:
    """The plan workflow ``name`` is present, schema-valid, has no high zizmor finding,
    sets a timeout on every job and pins every action. The file judged is the one in the
    role (:func:`role_workflow`)."""
    workflow = role_workflow(repo, name)
    if isinstance(workflow, Finding):
        return [workflow]
    found = list(schema_findings(repo).get(workflow.shown, []))
    if not found:  # zizmor skips files that don't fit the workflow schema
        audit = _zizmor(repo)
        found += audit.blocking.get(workflow.shown, [])
        if workflow.shown in audit.unaudited:
            found.append(Finding(
                workflow.shown, None,
                f"zizmor could not audit it: {audit.unaudited[workflow.shown]}",
            ))
    found += timeout_findings(workflow)
    found += pinning_findings(workflow)
    return found


def workflow_notes(repo: Path, name: str) -> list[Finding]:
    """zizmor findings below high severity for ``name``: evidence, not failures."""
    workflow = role_workflow(repo, name)
    if isinstance(workflow, Finding):
        return []
    return _zizmor(repo).notes.get(workflow.shown, [])


# --- hygiene of every workflow and local action (sec.infra-scan) ---------------------

AUDIT_SOURCE = "workflow-audit"


def _zizmor_severity(hit: _ZizmorHit) -> FindingSeverity:
    severity: FindingSeverity = {"high": "high", "medium": "medium", "low": "low"}.get(
        hit.severity, "info")  # type: ignore[assignment]
    # zizmor itself is unsure (e.g. cache-poisoning guessed from a release-like name)
    return "medium" if severity == "high" and hit.confidence == "low" else severity


# metadata the Marketplace wants and the runner ignores for a local action
_METADATA_ONLY = re.compile(r"\$: '(description|author|branding)' is a required property")


def _schema_severity(finding: Finding) -> FindingSeverity:
    # Marketplace metadata is a note, not a weakness: it must not fail the OWASP criterion
    return "info" if _METADATA_ONLY.search(finding.message) else "high"


def _action_pinning(repo: Path, path: Path) -> list[Finding]:
    loaded = load_structured(repo, path)
    if isinstance(loaded, Finding):
        return [loaded]
    return [loaded.finding(f"{uses} is not pinned: {problem}", step, "uses")
            for step in action_steps(loaded.data)
            if (uses := step_uses(step)) and (problem := _pin_problem(uses))]


def _sec(rule: str, severity: FindingSeverity, finding: Finding) -> SecFinding:
    return SecFinding(AUDIT_SOURCE, rule, severity, finding.message, finding.file, finding.line)


def workflow_audit(repo: Path) -> SourceResult | None:
    """The hygiene audit of every workflow of ``.github/workflows`` (reusable ones included:
    GitHub keeps them there), the plan's workflows found elsewhere, and every local action
    (``.github/actions/**`` and each ``uses: ./path``): schema (high), zizmor (its severity;
    a high finding it has low confidence in counts as medium), pinning where zizmor could
    not audit the file (high), a timeout on every job (low: noted, not failing). Findings
    name the file. None when the repository has no workflow and no action."""
    root = Path(repo).resolve()
    flows, actions = workflow_files(root), action_files(root)
    if not flows and not actions:
        return None
    result = SourceResult(AUDIT_SOURCE, True,
                          checked=[relative(root, p) for p in [*flows, *actions]])
    try:
        schema = schema_findings(root)
    except NotVerified as exc:
        schema = {}
        result.gaps.append(f"schema check: {exc.reason}")
    result.findings += [_sec("workflow.schema", _schema_severity(f), f)
                        for fs in schema.values() for f in fs]
    audited: set[str] = set()
    try:
        report = _zizmor(root)
    except NotVerified as exc:
        result.gaps.append(f"zizmor: {exc.reason}")
    else:
        audited = set(report.audited)
        result.findings += [
            SecFinding(AUDIT_SOURCE, f"zizmor.{h.ident}", _zizmor_severity(h), h.message,
                       h.file, h.line) for h in report.hits]
        result.gaps += [f"zizmor could not audit {name}: {why}"
                        for name, why in report.unaudited.items() if name not in schema]
    reusable, events = [], {}
    for path in flows:
        workflow = load_workflow_file(root, path)
        if isinstance(workflow, Finding):
            result.findings.append(_sec("workflow.unreadable", "high", workflow))
            continue
        if "workflow_call" in workflow.triggers:
            reusable.append(workflow.shown)
            events[workflow.shown] = sorted(effective_events(root, workflow))
        # a missing timeout costs runner hours, it opens nothing: a note, never an OWASP failure
        result.findings += [_sec("workflow.timeout", "info", f) for f in timeout_findings(workflow)]
        if workflow.shown not in audited:
            result.findings += [_sec("workflow.unpinned", "high", f)
                                for f in pinning_findings(workflow)]
    for path in actions:
        if relative(root, path) not in audited:
            result.findings += [_sec("workflow.unpinned", "high", f)
                                for f in _action_pinning(root, path)]
    result.facts = {"workflows": len(flows), "actions": [relative(root, p) for p in actions],
                    "reusable workflows (events through their callers)": events}
    return result


# --- build pipeline: parallel jobs, caching, dependency updates -----------------------


def _matrix_size(job: Located) -> int:
    strategy = job.get("strategy")
    if not isinstance(strategy, dict):
        return 1
    if strategy.get("max-parallel") == 1:
        return 1
    matrix = strategy.get("matrix")
    if isinstance(matrix, str):  # fromJSON(...) computed at run time
        return 2
    if not isinstance(matrix, dict):
        return 1
    size = 1
    for key, values in matrix.items():
        if key in ("include", "exclude"):
            continue
        if isinstance(values, list):
            size *= max(len(values), 1)
    include = matrix.get("include")
    if isinstance(include, list):
        size = max(size, len(include)) if size == 1 else size
    return size


def parallel_build_findings(repo: Path) -> list[Finding]:
    """build.yml runs independent jobs side by side or builds a matrix."""
    build = load_workflow(repo, "build.yml")
    if isinstance(build, Finding):
        return [build]
    if any(_matrix_size(job) > 1 for job in build.jobs.values()):
        return []
    ids = list(build.jobs)
    for i, first in enumerate(ids):
        for second in ids[i + 1 :]:
            if first not in build.ancestors(second) and second not in build.ancestors(first):
                return []
    return [build.finding(
        f"no parallel build: {len(ids)} job(s) ({', '.join(ids) or 'none'}) run one after "
        "another (each needs the previous) and no job has a matrix",
        build.data, "jobs",
    )]


_SETUP_WITH_CACHE = re.compile(r"^actions/setup-(node|python|java|go|dotnet)@|^pnpm/action-setup@")


def _caches(workflow: Workflow, job_id: str) -> bool:
    job = workflow.jobs[job_id]
    uses = job.get("uses")
    if isinstance(uses, str) and "cache-config" in uses:
        return True
    for step in workflow.steps(job_id):
        uses = step_uses(step)
        with_ = step.get("with")
        if uses.startswith(("actions/cache@", "actions/cache/restore@")):
            return True
        # setup-go caches by default; the others only with cache: <manager>
        if _SETUP_WITH_CACHE.match(uses) and (
            uses.startswith("actions/setup-go@") or (isinstance(with_, dict) and with_.get("cache"))
        ):
            return True
    return False


def cache_findings(repo: Path) -> list[Finding]:
    """build.yml and cache-config.yml cache dependencies; every actions/cache key of the
    plan workflows includes ``hashFiles(...)`` so a dependency change never reuses a stale cache."""
    workflows, found = load_named_workflows(repo, "build.yml", "cache-config.yml")
    for workflow in workflows:
        if not any(_caches(workflow, job_id) for job_id in workflow.jobs):
            found.append(workflow.finding(
                "no cache configured: no actions/cache step and no setup-* action with 'cache:'",
                workflow.data, "jobs",
            ))
    others, _ = load_named_workflows(repo, *PLAN_WORKFLOWS)
    for workflow in others:
        for _job_id, step in workflow.all_steps():
            if not step_uses(step).startswith(("actions/cache@", "actions/cache/save@")):
                continue
            with_ = step.get("with")
            key = str(with_.get("key", "")) if isinstance(with_, dict) else ""
            if "hashFiles(" not in key:
                found.append(workflow.finding(
                    f"cache key {key!r} does not include hashFiles(<lockfile>): a dependency "
                    "change keeps restoring the stale cache",
                    with_ if isinstance(with_, Located) else step, "key",
                ))
    return found


_DEPENDABOT = (".github/dependabot.yml", ".github/dependabot.yaml")
_RENOVATE = (
    "renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json",
    ".github/renovate.json", ".github/renovate.json5",
)
_CRON = re.compile(r"^\s*(\S+\s+){4}\S+\s*$")


def _dependabot(repo: Path) -> tuple[Path | None, list[Finding]]:
    root = Path(repo)
    path = next((root / p for p in _DEPENDABOT if (root / p).is_file()), None)
    if path is None:
        return None, []
    loaded = load_structured(root, path)
    if isinstance(loaded, Finding):
        return path, [loaded]
    found = _schema_run(root, [path.resolve()], "vendor.dependabot").get(loaded.shown, [])
    updates = loaded.data.get("updates") if isinstance(loaded.data, dict) else None
    if not found and not updates:
        found.append(loaded.finding("no 'updates' entries: nothing is updated", loaded.data))
    return path, found


_UPDATE_ACTIONS = ("renovatebot/github-action",)  # Renovate opens its own pull requests
_PUBLISH_ACTIONS = ("peter-evans/create-pull-request", "stefanzweifel/git-auto-commit-action",
                    "EndBug/add-and-commit")


def _publishes(step: Located) -> bool:
    """The step opens a pull request or commits the change (``gh pr create``, ``git push``,
    a pull-request or auto-commit action)."""
    if step_uses(step).startswith(_PUBLISH_ACTIONS):
        return True
    for command in parse_commands(step_run(step), errexit=True):
        words = [w for w in command.words if not w.startswith("-")]
        if words[:3] == ["gh", "pr", "create"] or words[:2] in (["git", "push"],
                                                                ["hub", "pull-request"]):
            return True
    return False


def step_updates(step: Located) -> str | None:
    """What the step updates dependencies with (a command or Renovate's action), or None."""
    uses = step_uses(step)
    if uses.startswith(_UPDATE_ACTIONS):
        return uses.split("@", 1)[0]
    return next((what for text in step_scripts(step) for c in parse_commands(text, errexit=True)
                 if c.neutralised is None and (what := update_command(c.words))), None)


def scheduled_update_workflows(repo: Path) -> list[tuple[Workflow, str, str]]:
    """(workflow, job, what updates) for every workflow on ``schedule:`` whose job updates
    dependencies (npm-check-updates, ``pnpm update``, Renovate, ... matched as commands) and
    then opens a pull request or commits the change."""
    found = []
    for workflow in _all_workflows(repo):
        schedule = workflow.triggers.get("schedule")
        if not (isinstance(schedule, list) and any(
                isinstance(s, dict) and _CRON.match(str(s.get("cron", ""))) for s in schedule)):
            continue
        for job_id in workflow.jobs:
            steps = workflow.steps(job_id)
            for index, step in enumerate(steps):
                what = step_updates(step)
                if what is None:
                    continue
                if what.startswith(_UPDATE_ACTIONS) or what == "renovate" or any(
                        _publishes(later) for later in steps[index + 1:]):
                    found.append((workflow, job_id, what))
                    break
    return found


def dependency_update_sources(repo: Path) -> list[str]:
    """What keeps dependencies updated: dependabot.yml, Renovate, dependency-update.yml on a
    schedule, or any scheduled workflow that updates dependencies and opens a pull request."""
    root = Path(repo)
    sources = []
    path, problems = _dependabot(root)
    if path is not None and not problems:
        sources.append(relative(root, path))
    sources += [p for p in _RENOVATE if (root / p).is_file()]
    workflow = load_workflow(root, "dependency-update.yml")
    if isinstance(workflow, Workflow):
        schedule = workflow.triggers.get("schedule")
        if isinstance(schedule, list) and any(
            isinstance(s, dict) and _CRON.match(str(s.get("cron", ""))) for s in schedule
        ):
            sources.append(f"{workflow.shown} (on: schedule)")
    for updater, job_id, what in scheduled_update_workflows(root):
        if not any(s.startswith(updater.shown) for s in sources):
            sources.append(f"{updater.shown} (on: schedule, job {job_id} runs {what})")
    return sources


def dependency_update_findings(repo: Path) -> list[Finding]:
    """Dependencies are updated automatically: a valid .github/dependabot.yml, a Renovate
    config, or a scheduled workflow that updates them; a broken dependabot.yml is a finding."""
    root = Path(repo)
    _, found = _dependabot(root)
    if dependency_update_sources(root):
        return found
    workflow = load_workflow(root, "dependency-update.yml")
    if isinstance(workflow, Workflow):
        events = workflow.events_text
        found.append(Finding(
            workflow.shown, workflow.on_line,
            f"dependency-update.yml has no schedule (runs on: {events}): updates happen only "
            "when someone remembers",
        ))
    found.append(Finding(
        ".github/dependabot.yml", None,
        "no automated dependency updates: no valid .github/dependabot.yml, no Renovate config "
        f"({', '.join(_RENOVATE)}) and no scheduled workflow that updates dependencies "
        "(npm-check-updates, pnpm/npm update, Renovate, ...) and opens a pull request",
    ))
    return found


# --- tests: unit, E2E, coverage -------------------------------------------------------


def _runs_on_changes(workflow: Workflow, what: str, repo: Path | None = None) -> list[Finding]:
    events = effective_events(repo, workflow) if repo is not None else set(workflow.triggers)
    if events & CHANGE_EVENTS:
        return []
    shown = ", ".join(sorted(events)) or "nothing"
    return [Finding(
        workflow.shown, workflow.on_line,
        f"{what} run only on {shown}, not on push or pull_request: they don't gate changes",
    )]


def _local_callee(repo: Path, uses: str) -> Workflow | None:
    """The repository's own reusable workflow a job ``uses: ./.github/workflows/x.yml``."""
    if not uses.startswith("./"):
        return None
    path = Path(repo) / uses[2:].split("@", 1)[0]
    if not path.is_file():
        return None
    loaded = load_workflow_file(repo, path)
    return loaded if isinstance(loaded, Workflow) else None


def _all_workflows(repo: Path) -> list[Workflow]:
    return load_workflows(repo)[0]


def effective_events(repo: Path | None, workflow: Workflow, depth: int = 0) -> set[str]:
    """The events that run ``workflow``: its own, and for a reusable workflow
    (``on: workflow_call``) the events of every workflow that calls it."""
    events = set(workflow.triggers) - {"workflow_call"}
    if repo is None or "workflow_call" not in workflow.triggers or depth > 3:
        return events | ({"workflow_call"} if "workflow_call" in workflow.triggers else set())
    target = workflow.path.resolve()
    for caller in _all_workflows(repo):
        for job in caller.jobs.values():
            callee = step_uses(job)
            if callee.startswith("./") and (Path(repo) / callee[2:]).resolve() == target:
                events |= effective_events(repo, caller, depth + 1)
    return events


@dataclass(frozen=True)
class RunnerStep:
    """A step that runs tests: which workflow and job, the command (None for an action
    such as cypress-io/github-action), and why its failure would not count."""

    workflow: Workflow
    job_id: str
    step: Located
    runner: str
    neutralised: str | None

    def finding(self, message: str) -> Finding:
        return self.workflow.finding(message, self.step, "run" if "run" in self.step else None)


_NEVER_IF = re.compile(r"^\s*(\$\{\{\s*)?(false|0|''|null)(\s*\}\})?\s*$", re.IGNORECASE)
_E2E_ACTIONS = ("cypress-io/github-action",)


def _switched_off(workflow: Workflow, job_id: str, step: Located) -> str | None:
    for holder, what in ((step, "the step"), (workflow.jobs[job_id], f"job {job_id}")):
        condition = step_if(holder)
        if condition and _NEVER_IF.match(condition):
            return f"never runs: {what} has if: {condition.strip()}"
    return None


def _shell_errexit(workflow: Workflow, job_id: str, step: Located) -> bool:
    """GitHub runs ``run:`` with ``bash -e`` unless a custom shell line leaves -e out."""
    for holder in (step, workflow.jobs[job_id].get("defaults"), workflow.data.get("defaults")):
        shell = holder.get("shell") if holder is step else (
            holder.get("run", {}).get("shell") if isinstance(holder, dict)
            and isinstance(holder.get("run"), dict) else None)
        if isinstance(shell, str):
            return "{0}" not in shell or bool(re.search(r"\s-\w*e", shell))
    return True


def _reached_steps(repo: Path, workflow: Workflow, depth: int = 0
                   ) -> list[tuple[Workflow, str, Located]]:
    """Every step the workflow runs, following calls of the repository's reusable workflows."""
    steps = list((workflow, job_id, step) for job_id, step in workflow.all_steps())
    if depth < 3:
        for job in workflow.jobs.values():
            callee = _local_callee(repo, step_uses(job))
            if callee is not None:
                steps += _reached_steps(repo, callee, depth + 1)
    return steps


def steps_running_tests(repo: Path, workflow: Workflow, kind: TestKind) -> list[RunnerStep]:
    """Steps of ``workflow`` (and the reusable workflows it calls) that run a ``kind`` test
    runner, matched as commands and resolved through package.json scripts."""
    scripts = task_scripts(repo)
    found = []
    for owner, job_id, step in _reached_steps(repo, workflow):
        off = _switched_off(owner, job_id, step)
        uses = step_uses(step)
        if kind == "e2e" and uses.startswith(_E2E_ACTIONS):
            settings = step.get("with")
            skipped = isinstance(settings, dict) and str(settings.get("runTests")) in {
                "false", "False"}
            reason = off or ("never runs tests: runTests: false" if skipped else None)
            found.append(RunnerStep(owner, job_id, step, uses.split("@", 1)[0], reason))
            continue
        errexit = _shell_errexit(owner, job_id, step)
        commands = [c for script in step_scripts(step)
                    for c in parse_commands(script, errexit=errexit)]
        for command in commands:
            if kind in runner_kinds(command.words, scripts):
                found.append(RunnerStep(owner, job_id, step, " ".join(command.words)[:120],
                                      off or command.neutralised))
    return found


def _ignored_failures(steps: list[RunnerStep], what: str) -> list[Finding]:
    found = []
    for test in steps:
        holder = test.workflow.continue_on_error(test.job_id, test.step)
        if holder is not None:
            found.append(test.workflow.finding(
                f"{what} failures are ignored (continue-on-error: true in job {test.job_id})",
                holder, "continue-on-error",
            ))
    return found


def _test_findings(repo: Path, workflow: Workflow, kind: TestKind, what: str, examples: str
                   ) -> list[Finding]:
    steps = steps_running_tests(repo, workflow, kind)
    counted = [t for t in steps if t.neutralised is None]
    found = []
    if not steps:
        remote = _remote_calls(workflow)
        if remote:
            raise NotVerified(
                f"{workflow.shown} runs no step of its own that golive can read: it calls "
                f"{', '.join(remote)}, whose steps are not in this repository")
    if not counted:
        found += [t.finding(f"the {what} step '{t.runner}' does not count: {t.neutralised}")
                  for t in steps]
        if not steps:
            found.append(workflow.finding(
                f"no step runs {what}s ({examples}); matched as commands, package scripts "
                "resolved through package.json", workflow.data, "jobs"))
    return found + _ignored_failures(counted, what)


def _remote_calls(workflow: Workflow) -> list[str]:
    """Reusable workflows of other repositories the workflow's jobs call."""
    return sorted({u for job in workflow.jobs.values()
                   if (u := step_uses(job)) and not u.startswith("./")})


def summary_of_test_steps(repo: Path, workflow: Workflow, kind: TestKind) -> dict[str, Any]:
    """What the test-step check examined, for the evidence: the file, its steps (followed
    through local reusable workflows), the test steps and whether each counts."""
    steps = steps_running_tests(repo, workflow, kind)
    return {
        "file": workflow.shown,
        "steps examined": len(_reached_steps(repo, workflow)),
        "test steps": [{"file": t.workflow.shown, "job": t.job_id, "runs": t.runner,
                        "counts": t.neutralised is None, "why not": t.neutralised}
                       for t in steps],
    }


def unit_test_findings(repo: Path) -> list[Finding]:
    """test.yml runs a unit test runner on every push or pull request, failures count."""
    workflow = unit_workflow(repo)
    if isinstance(workflow, Finding):
        return [workflow]
    found = _runs_on_changes(workflow, "unit tests", repo)
    return found + _test_findings(repo, workflow, "unit", "unit test",
                                  "vitest, jest, npm test, pytest, go test, turbo run test, ...")


def _role_by_content(repo: Path, role: str, kind: TestKind, what: str) -> Workflow | Finding:
    """The workflow in the plan role ``role``: the plan name or a name teams use for it, else
    any workflow whose jobs run a ``kind`` test runner that counts (gating changes first)."""
    workflow = load_workflow(repo, role)
    if isinstance(workflow, Workflow):
        return workflow
    steps = {w.shown: steps_running_tests(repo, w, kind) for w in _all_workflows(repo)}
    counted = {name: sum(t.neutralised is None for t in found) for name, found in steps.items()}
    # a workflow whose test steps are all switched off still plays the role (and fails it)
    candidates = [w for w in _all_workflows(repo) if steps[w.shown]]
    if not candidates:
        return workflow

    def rank(candidate: Workflow) -> tuple[bool, bool, bool, int]:
        # counting steps first, then gating pull requests, then pushes to branches (not a
        # tag-only release)
        events = effective_events(repo, candidate)
        push = candidate.triggers.get("push")
        tags_only = isinstance(push, dict) and "branches" not in push and (
            "tags" in push or "tags-ignore" in push)
        return (counted[candidate.shown] > 0, "pull_request" in events,
                bool(events & CHANGE_EVENTS) and not tags_only, counted[candidate.shown])

    chosen = max(candidates, key=rank)  # the first of equals: workflows come sorted by path
    remember_role(repo, RoleMatch(role, chosen.path, f"content: its jobs run {what}"))
    return chosen


def e2e_workflow(repo: Path) -> Workflow | Finding:
    """The workflow in the role of e2e-test.yml: the plan name or a name teams use for it,
    else any workflow whose jobs run an E2E runner (gating changes preferred)."""
    return _role_by_content(repo, "e2e-test.yml", "e2e", "E2E tests")


def unit_workflow(repo: Path) -> Workflow | Finding:
    """The workflow in the role of test.yml: the plan name or a name teams use for it, else
    any workflow whose jobs run a unit test runner (``ci.yml`` running ``pnpm run test``)."""
    return _role_by_content(repo, "test.yml", "unit", "unit tests")


def role_workflow(repo: Path, name: str) -> Workflow | Finding:
    """The workflow playing the plan workflow ``name``'s role (test.yml and e2e-test.yml are
    also recognised by what their jobs run)."""
    if name == "test.yml":
        return unit_workflow(repo)
    if name == "e2e-test.yml":
        return e2e_workflow(repo)
    return load_workflow(repo, name)


def e2e_test_findings(repo: Path) -> list[Finding]:
    """e2e-test.yml runs an E2E runner (Playwright, Cypress, ...) on changes, failures count."""
    workflow = e2e_workflow(repo)
    if isinstance(workflow, Finding):
        return [workflow]
    found = []
    if not effective_events(repo, workflow) & (
        CHANGE_EVENTS | {"deployment_status", "workflow_run"}
    ):
        found += _runs_on_changes(workflow, "E2E tests", repo)
    return found + _test_findings(repo, workflow, "e2e", "E2E test",
                                  "playwright test, cypress run, npm run test:e2e, ...")


def coverage_report_findings(repo: Path) -> list[Finding]:
    """coverage-report.yml measures coverage on changes and publishes the report."""
    workflow = load_workflow(repo, "coverage-report.yml")
    if isinstance(workflow, Finding):
        return [workflow]
    found = _runs_on_changes(workflow, "coverage reports")
    measured = [s for _, s in workflow.all_steps() if _COVERAGE_RUN.search(step_run(s))]
    if not measured:
        found.append(workflow.finding(
            "no step measures coverage (--coverage, coverage run, --cov, c8, nyc)",
            workflow.data, "jobs",
        ))
    published = [
        s for _, s in workflow.all_steps()
        if step_uses(s).startswith(_COVERAGE_PUBLISHERS) or "GITHUB_STEP_SUMMARY" in step_run(s)
    ]
    if not published:
        found.append(workflow.finding(
            "the coverage report is not published: no artifact upload, job summary, PR comment "
            "or coverage service step",
            workflow.data, "jobs",
        ))
    return found


@dataclass(frozen=True)
class CoverageGate:
    """A coverage threshold that fails the build: where it is and its value in percent."""

    file: str
    line: int
    value: float
    text: str


_GATE_FILES = (
    "vitest.config.*", "vite.config.*", "jest.config.*", "package.json", ".nycrc", ".nycrc.*",
    ".c8rc", ".c8rc.*", ".coveragerc", "setup.cfg", "pyproject.toml", "tox.ini",
    "codecov.yml", ".codecov.yml",
)
_NUMBER = r"(\d+(?:\.\d+)?)"
_GATE_LINE = (
    # --coverage-threshold 80, --coverage.thresholds.lines=80, --coverageThreshold=80
    re.compile(r"--coverage[-_.]?thresholds?(?:\.[A-Za-z.]+)?[= ]\s*[\"']?" + _NUMBER),
    # fail_under = 80, --fail-under=80, --cov-fail-under=80
    re.compile(r"fail[_-]under\b\s*[:=]?\s*" + _NUMBER),
    re.compile(r"\b(?:COVERAGE_THRESHOLD|MIN_COVERAGE|COVERAGE_MIN)\b\s*[:=]\s*[\"']?" + _NUMBER),
)
_CHECK_COVERAGE = re.compile(r"--(?:lines|branches|functions|statements)[= ]" + _NUMBER)
_THRESHOLD_BLOCK = re.compile(r"[\"']?(coverageThreshold|thresholds)[\"']?\s*[:=]\s*\{")
_BLOCK_METRIC = re.compile(r"[\"']?(lines|branches|functions|statements)[\"']?\s*:\s*" + _NUMBER)
_CODECOV_TARGET = re.compile(r"\btarget\s*:\s*[\"']?" + _NUMBER + r"\s*%")


def _line_at(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


def _line_gates(shown: str, text: str) -> list[CoverageGate]:
    """Thresholds written on one line (flags, fail_under, variables, codecov targets)."""
    gates: list[CoverageGate] = []
    codecov = shown.rsplit("/", 1)[-1] in ("codecov.yml", ".codecov.yml")
    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        patterns: list[re.Pattern[str]] = list(_GATE_LINE)
        if "check-coverage" in line:
            patterns.append(_CHECK_COVERAGE)
        if codecov:
            patterns.append(_CODECOV_TARGET)
        gates += [
            CoverageGate(shown, number, float(match.group(1)), match.group(0))
            for pattern in patterns for match in pattern.finditer(line)
        ]
    return gates


def _block_end(text: str, opening: int) -> int:
    """The index of the brace closing the one at ``opening`` (the end of text if none)."""
    depth = 0
    for index in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
    return len(text)


def _gates_in(shown: str, text: str) -> list[CoverageGate]:
    gates = _line_gates(shown, text)
    for block in _THRESHOLD_BLOCK.finditer(text):
        end = _block_end(text, block.end() - 1)
        for match in _BLOCK_METRIC.finditer(text, block.end(), end):
            gates.append(CoverageGate(
                shown, _line_at(text, match.start()), float(match.group(2)), match.group(0)
            ))
    return gates


def coverage_gates(repo: Path) -> list[CoverageGate]:
    """Coverage thresholds in coverage-report.yml and test.yml and in the coverage tool
    configurations (vitest/jest config, package.json, .nycrc, .coveragerc, pyproject.toml,
    setup.cfg, codecov.yml)."""
    root = Path(repo)
    paths = [p for p in (find_workflow(root, "coverage-report.yml"),
                         find_workflow(root, "test.yml")) if p is not None]
    paths += [p for p in find_files(root, *_GATE_FILES) if p not in paths]
    gates = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        gates += _gates_in(relative(root, path), text)
    return gates


def coverage_gate_findings(repo: Path, threshold: float) -> list[Finding]:
    """A coverage gate exists and every configured coverage threshold is ≥ ``threshold`` %."""
    gates = coverage_gates(repo)
    if not gates:
        return [Finding(
            "coverage-report.yml", None,
            "no coverage gate: no threshold in coverage-report.yml, test.yml or a coverage "
            f"configuration ({', '.join(_GATE_FILES)}), so any coverage passes",
        )]
    return [
        Finding(g.file, g.line, f"coverage gate {g.value:g} % ({g.text.strip()}) is below the "
                                f"required {threshold:g} %")
        for g in gates if g.value < threshold
    ]


# --- deployment: environments, approval, rollback -------------------------------------


def deploy_environments(workflow: Workflow) -> dict[str, str]:
    """``{job id: environment name}`` for the jobs of ``workflow`` that name one."""
    return {
        job_id: name for job_id, job in workflow.jobs.items()
        if (name := environment_name(job)) is not None
    }


def _deploys(workflow: Workflow, job_id: str) -> bool:
    job = workflow.jobs[job_id]
    if isinstance(job.get("uses"), str):
        return True
    return any(
        "deploy" in step_uses(step).lower() or any(
            deploy_command(c.words) or c.name == "deploy.sh"
            for c in parse_commands(step_run(step), errexit=True)
        )
        for step in workflow.steps(job_id)
    )


def _trigger_signature(workflow: Workflow) -> str:
    return json.dumps(workflow.triggers, sort_keys=True, default=str)


def env_deploy_findings(repo: Path) -> list[Finding]:
    """deploy-staging.yml deploys to a staging environment and never to production;
    deploy-production.yml deploys to production; each has its own trigger."""
    workflows, found = load_named_workflows(repo, "deploy-staging.yml", "deploy-production.yml")
    by_name = {w.name: w for w in workflows}
    staging = by_name.get("deploy-staging.yml")
    production = by_name.get("deploy-production.yml")
    if staging is not None:
        envs = deploy_environments(staging)
        if not any(_STAGING.match(name) for name in envs.values()):
            found.append(staging.finding(
                "no job deploys in a staging environment (environment: staging)",
                staging.data, "jobs",
            ))
        for job_id, name in envs.items():
            if _PRODUCTION.match(name):
                found.append(staging.finding(
                    f"job {job_id} of the staging workflow deploys to environment {name}",
                    staging.jobs[job_id], "environment",
                ))
        for number, line in enumerate(staging.text.splitlines(), start=1):
            if re.search(r"--prod\b", line) and not line.lstrip().startswith("#"):
                found.append(Finding(
                    staging.shown, number, "the staging workflow deploys with --prod (production)"
                ))
    if production is not None and not any(
        _PRODUCTION.match(name) for name in deploy_environments(production).values()
    ):
        found.append(production.finding(
            "no job deploys in a production environment (environment: production)",
            production.data, "jobs",
        ))
    if staging is not None and production is not None and (
        _trigger_signature(staging) == _trigger_signature(production)
    ):
        found.append(Finding(
            production.shown, production.on_line,
            "staging and production deploy on the same trigger: every staging deploy also "
            "goes to production",
        ))
    return found


def environment_export(repo: Path, name: str = "production") -> Path | None:
    """The recorded export of the GitHub environment ``name`` (its protection rules)."""
    root = Path(repo)
    for suffix in (".json", ".yml", ".yaml"):
        candidate = root / ".github" / "environments" / f"{name}{suffix}"
        if candidate.is_file():
            return candidate
    hits = find_files(root, f"*environments/{name}.json", f"*environments/{name}.y*ml")
    return hits[0] if hits else None


def _reviewer_findings(repo: Path, path: Path) -> list[Finding]:
    loaded = load_structured(repo, path)
    if isinstance(loaded, Finding):
        return [loaded]
    rule = reviewer_rule(loaded.data)
    if rule is not None:
        if rule.get("reviewers"):
            return []
        return [loaded.finding("required_reviewers lists no reviewer", rule, "reviewers")]
    return [loaded.finding(
        "the production environment has no required_reviewers protection rule: deploys "
        "start without anyone's approval",
        loaded.data if isinstance(loaded.data, Located) else None, "protection_rules",
    )]


def approval_findings(repo: Path) -> list[Finding]:
    """Every job of deploy-production.yml that deploys runs in (or after a job in)
    ``environment: production``; a recorded export of that environment, when present,
    requires reviewers. Call :func:`environment_export` to know whether one was read."""
    workflow = load_workflow(repo, "deploy-production.yml")
    if isinstance(workflow, Finding):
        return [workflow]
    found = []
    deploying = [job_id for job_id in workflow.jobs if _deploys(workflow, job_id)]
    if not deploying:
        found.append(workflow.finding("no job deploys", workflow.data, "jobs"))
    for job_id in deploying:
        gated = [job_id, *workflow.ancestors(job_id)]
        if not any(_PRODUCTION.match(environment_name(workflow.jobs[j]) or "")
                   for j in gated if j in workflow.jobs):
            found.append(Finding(
                workflow.shown, workflow.job_line(job_id),
                f"job {job_id} deploys to production without environment: production, so no "
                "reviewer has to approve it",
            ))
    export = environment_export(repo, "production")
    if export is not None:
        found += _reviewer_findings(repo, export)
    return found


def rollback_trigger_findings(repo: Path) -> list[Finding]:
    """rollback.yml can be started on demand (workflow_dispatch, repository_dispatch from a
    monitor, or workflow_run after a failed deploy) and one of its steps rolls back."""
    workflow = load_workflow(repo, "rollback.yml")
    if isinstance(workflow, Finding):
        return [workflow]
    found = []
    if not _events(workflow, ON_DEMAND_EVENTS):
        events = workflow.events_text
        found.append(Finding(
            workflow.shown, workflow.on_line,
            f"rollback.yml runs only on {events}: no workflow_dispatch, repository_dispatch or "
            "workflow_run trigger to start a rollback on demand",
        ))
    if not any(
        _ROLLBACK_COMMAND.search(step_run(step)) or "rollback" in step_uses(step).lower()
        for _, step in workflow.all_steps()
    ) and not any(isinstance(job.get("uses"), str) for job in workflow.jobs.values()):
        found.append(workflow.finding(
            "no step rolls back (vercel rollback/promote, deploy.sh --rollback, ...)",
            workflow.data, "jobs",
        ))
    return found
