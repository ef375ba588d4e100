"""The GitHub Actions workflow model: where workflows are, and what their jobs run.

One model read by every rule about CI (``rules.workflows``, ``rules.cigates``,
``rules.shell``): triggers, jobs, steps with their ``run`` scripts and ``uses``, ``needs``,
reusable-workflow calls, environments. It states what a workflow says; rules judge it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from golive.facts.repo.discover import SKIPPED_DIRS, find_deliverable, find_files, repo_files
from golive.facts.repo.structured import Located, line_of, load_structured
from golive.judging.findings import Finding

__all__ = [
    "ACTIONS_DIR",
    "PLAN_WORKFLOWS",
    "WORKFLOW_DIR",
    "Workflow",
    "action_files",
    "action_steps",
    "environment_name",
    "find_workflow",
    "load_named_workflows",
    "load_workflow",
    "load_workflow_file",
    "load_workflows",
    "reviewer_rule",
    "shell_commands",
    "step_if",
    "step_run",
    "step_scripts",
    "step_uses",
    "workflow_files",
]

WORKFLOW_DIR = ".github/workflows"
ACTIONS_DIR = ".github/actions"
_ACTION_NAMES = ("action.yml", "action.yaml")
PLAN_WORKFLOWS = (
    "build.yml",
    "cache-config.yml",
    "dependency-update.yml",
    "test.yml",
    "e2e-test.yml",
    "coverage-report.yml",
    "deploy-staging.yml",
    "deploy-production.yml",
    "rollback.yml",
)


def _searched(name: str) -> str:
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    return (
        f"not found: {name} (searched {WORKFLOW_DIR}/ for .yml and .yaml, then every folder "
        f"of the repository but {skipped})"
    )


def _variants(name: str) -> tuple[str, str]:
    stem = name.rsplit(".", 1)[0]
    return f"{stem}.yml", f"{stem}.yaml"


def find_workflow(repo: Path, name: str) -> Path | None:
    """``.github/workflows/<name>`` (``.yml`` or ``.yaml``), else a file so named anywhere."""
    for variant in _variants(name):
        candidate = Path(repo) / WORKFLOW_DIR / variant
        if candidate.is_file():
            return candidate
    return find_deliverable(repo, *_variants(name))


# found once per walk of the repository (discover walks it once per run): the plan names
# not in the workflows folder cost a scan of every file each
_FOUND: dict[tuple[str, str, int], list[Path]] = {}


def _once(kind: str, root: Path, find: Callable[[Path], list[Path]]) -> list[Path]:
    key = (kind, str(root), id(repo_files(root)))
    if key not in _FOUND:
        _FOUND[key] = find(root)
    return list(_FOUND[key])


def workflow_files(repo: Path) -> list[Path]:
    """Every file in ``.github/workflows/`` plus the plan workflows found elsewhere."""
    return _once("workflows", Path(repo).resolve(), _workflow_files)


def _workflow_files(root: Path) -> list[Path]:
    files = set(find_files(root, f"{WORKFLOW_DIR}/*.yml", f"{WORKFLOW_DIR}/*.yaml"))
    for name in PLAN_WORKFLOWS:
        path = find_workflow(root, name)
        if path is not None:
            files.add(path.resolve())
    return sorted({p.resolve() for p in files})


def action_steps(data: object) -> list[Located]:
    """The ``runs.steps`` of a composite action definition ([] for other kinds)."""
    runs = data.get("runs") if isinstance(data, dict) else None
    steps = runs.get("steps") if isinstance(runs, dict) else None
    return [s for s in steps if isinstance(s, Located)] if isinstance(steps, list) else []


def _local_uses(data: object) -> list[str]:
    """Every ``uses: ./path`` of a workflow (jobs and steps) or of a composite action."""
    holders: list[object] = list(action_steps(data))
    jobs = data.get("jobs") if isinstance(data, dict) else None
    for job in jobs.values() if isinstance(jobs, dict) else []:
        holders.append(job)
        steps = job.get("steps") if isinstance(job, dict) else None
        holders += steps if isinstance(steps, list) else []
    return [u for h in holders if isinstance(h, dict)
            and isinstance(u := h.get("uses"), str) and u.startswith("./")]


def _action_definition(root: Path, uses: str) -> Path | None:
    target = root / uses[2:].split("@", 1)[0]
    if target.is_file():  # a reusable workflow, not an action
        return None
    return next((target / n for n in _ACTION_NAMES if (target / n).is_file()), None)


def action_files(repo: Path) -> list[Path]:
    """The repository's own actions: every ``action.yml``/``action.yaml`` under
    ``.github/actions/``, and every local action a workflow or action uses (``uses: ./path``),
    followed through the actions that use other local actions."""
    return _once("actions", Path(repo).resolve(), _action_files)


def _action_files(root: Path) -> list[Path]:
    found = {p.resolve() for p in find_files(root, *(f"{ACTIONS_DIR}/*/{n}" for n in
                                                     _ACTION_NAMES))}
    todo = list(workflow_files(root)) + sorted(found)
    seen: set[Path] = set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        loaded = load_structured(root, path)
        if isinstance(loaded, Finding):
            continue
        for uses in _local_uses(loaded.data):
            action = _action_definition(root, uses)
            if action is not None and action.resolve() not in found:
                found.add(action.resolve())
                todo.append(action.resolve())
    return sorted(found)


def step_run(holder: Located) -> str:
    """The ``run`` script of a step ("" when it has none)."""
    run = holder.get("run")
    return run if isinstance(run, str) else ""


def step_scripts(step: Located) -> list[str]:
    """The shell scripts a step runs: its ``run``, and the command an action runs for it
    (``with: command/run/script``, as nick-fields/retry or android-emulator-runner take)."""
    scripts = [step_run(step)] if step_run(step) else []
    settings = step.get("with")
    if isinstance(step.get("uses"), str) and isinstance(settings, dict):
        scripts += [v for k, v in settings.items()
                    if k in ("command", "run", "script") and isinstance(v, str)]
    return scripts


def step_uses(holder: Located) -> str:
    """The action (step) or reusable workflow (job) ``uses`` names ("" when none)."""
    uses = holder.get("uses")
    return uses if isinstance(uses, str) else ""


def step_if(holder: Located) -> str:
    """The ``if:`` condition of a job or step ("" when none)."""
    value = holder.get("if")
    return str(value) if value is not None else ""


def environment_name(job: Located) -> str | None:
    """The ``environment:`` a job runs in (the short or the ``name:`` form)."""
    environment = job.get("environment")
    if isinstance(environment, dict):
        environment = environment.get("name")
    return str(environment) if environment is not None else None


def shell_commands(run: str) -> list[str]:
    """One shell line per entry, continuation lines joined, each ``&&``/``;`` part apart."""
    joined = re.sub(r"\\\n\s*", " ", run)
    parts = []
    for line in joined.splitlines():
        if line.strip().startswith("#"):
            continue
        parts += [p.strip() for p in re.split(r"&&|;", line) if p.strip()]
    return parts


@dataclass(frozen=True)
class Workflow:
    """A parsed workflow file; ``data`` is a :class:`Located` mapping (lines known)."""

    name: str
    path: Path
    shown: str
    data: Located
    text: str

    def finding(self, message: str, value: object = None, key: str | None = None) -> Finding:
        line = line_of(value, key) if value is not None else None
        return Finding(self.shown, line, message)

    @cached_property
    def triggers(self) -> dict[str, Any]:
        """The ``on:`` events as a mapping (PyYAML reads the bare key ``on`` as True)."""
        on = self.data.get("on", self.data.get("True"))
        if isinstance(on, str):
            return {on: None}
        if isinstance(on, list):
            return {str(event): None for event in on}
        if isinstance(on, dict):
            return dict(on)
        return {}

    @property
    def on_line(self) -> int | None:
        for key in ("on", "True"):
            if key in self.data:
                return self.data.line_of(key)
        return self.data.line

    @property
    def events_text(self) -> str:
        """The triggers as a comma list, for messages ("nothing" when none)."""
        return ", ".join(self.triggers) or "nothing"

    @cached_property
    def jobs(self) -> dict[str, Located]:
        jobs = self.data.get("jobs")
        if not isinstance(jobs, dict):
            return {}
        return {str(k): v for k, v in jobs.items() if isinstance(v, Located)}

    def job_line(self, job_id: str) -> int | None:
        jobs = self.data.get("jobs")
        return line_of(jobs, job_id) if isinstance(jobs, Located) else None

    def calls_workflow(self, job_id: str) -> bool:
        """Whether the job calls a reusable workflow (``jobs.<id>.uses``)."""
        return isinstance(self.jobs[job_id].get("uses"), str)

    def continue_on_error(self, job_id: str, step: Located) -> Located | None:
        """The step, or else its job, that sets ``continue-on-error: true`` (None: neither)."""
        for holder in (step, self.jobs[job_id]):
            if holder.get("continue-on-error") is True:
                return holder
        return None

    def steps(self, job_id: str) -> list[Located]:
        steps = self.jobs[job_id].get("steps")
        if not isinstance(steps, list):
            return []
        return [step for step in steps if isinstance(step, Located)]

    def all_steps(self) -> Iterator[tuple[str, Located]]:
        for job_id in self.jobs:
            for step in self.steps(job_id):
                yield job_id, step

    def ancestors(self, job_id: str) -> set[str]:
        """Every job ``job_id`` waits for, directly or through others (``needs``)."""
        seen: set[str] = set()
        todo = [job_id]
        while todo:
            job = self.jobs.get(todo.pop())
            if job is None:
                continue
            needs = job.get("needs") or []
            for dependency in [needs] if isinstance(needs, str) else needs:
                if str(dependency) not in seen:
                    seen.add(str(dependency))
                    todo.append(str(dependency))
        return seen

    def gated_by(self, job_id: str) -> list[str]:
        """The job and every job it waits for, known jobs only."""
        return [j for j in [job_id, *self.ancestors(job_id)] if j in self.jobs]


def load_workflow(repo: Path, name: str) -> Workflow | Finding:
    """The plan workflow ``name``; missing, unparsable or not a mapping → a finding."""
    path = find_workflow(repo, name)
    if path is None:
        return Finding(name, None, _searched(name))
    return load_workflow_file(repo, path, name)


def load_workflow_file(repo: Path, path: Path, name: str | None = None) -> Workflow | Finding:
    """The workflow at ``path``; unparsable or not a mapping → a finding."""
    name = name or path.name
    loaded = load_structured(repo, path)
    if isinstance(loaded, Finding):
        return loaded
    if not isinstance(loaded.data, Located):
        return Finding(loaded.shown, 1, "not a workflow: expected a mapping with 'on' and 'jobs'")
    return Workflow(name, path, loaded.shown, loaded.data, path.read_text(encoding="utf-8"))


def _partition(loaded: Iterable[Workflow | Finding]) -> tuple[list[Workflow], list[Finding]]:
    workflows, broken = [], []
    for workflow in loaded:
        if isinstance(workflow, Finding):
            broken.append(workflow)
        else:
            workflows.append(workflow)
    return workflows, broken


def load_workflows(repo: Path) -> tuple[list[Workflow], list[Finding]]:
    """Every workflow of the repository, parsed; unparsable ones as findings."""
    return _partition(load_workflow_file(repo, path) for path in workflow_files(repo))


def load_named_workflows(repo: Path, *names: str) -> tuple[list[Workflow], list[Finding]]:
    """The plan workflows ``names``, parsed; missing or unparsable ones as findings."""
    return _partition(load_workflow(repo, name) for name in names)


def reviewer_rule(export: object) -> Located | None:
    """The ``required_reviewers`` protection rule of an environment export, if any."""
    rules = export.get("protection_rules") if isinstance(export, dict) else None
    for rule in rules if isinstance(rules, list) else []:
        if isinstance(rule, Located) and rule.get("type") == "required_reviewers":
            return rule
    return None
