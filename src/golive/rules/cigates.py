"""What the CI workflows gate a change on: test suites and vulnerability scans on pull
requests, tests on dependency update pull requests, staging before production.

Read from every workflow of ``.github/workflows/`` (and the plan's workflows found
elsewhere), not only from the plan's file names, so a team that runs its integration
tests in ``ci.yml`` is judged on what it runs.

- **Test suites** (:func:`suite_findings`): the repository has test files of the kind
  (unit: ``*.test.ts``, ``*.spec.js``, ``test_*.py``, ``*_test.go``, ``__tests__/``;
  integration: the same under an ``integration`` folder or named ``*.integration.test.*``),
  and a workflow triggered by ``pull_request`` runs a step of that kind whose failure
  counts (no ``continue-on-error``, no ``|| true``). A step's kind comes from its command,
  with ``npm run <script>`` expanded from package.json: a test runner (vitest, jest,
  pytest, ``npm test``, ...) is a unit run unless the command says ``integration`` (then an
  integration run) or names an E2E tool (then neither).
- **Vulnerability scan** (:func:`security_scan_findings`): a workflow triggered by
  ``pull_request`` runs a scanner (CodeQL, dependency review, OSV-Scanner, Trivy, Grype,
  Snyk, Semgrep, zizmor, npm/pnpm/yarn audit, pip-audit, bandit, govulncheck, checkov,
  tfsec) and does not ignore its result.
- **Update pre-test** (:func:`update_pretest_findings`): dependency updates come from
  somewhere (Dependabot, Renovate, an update workflow); the test suite runs on pull
  requests without excluding them (no ``paths-ignore`` of the manifest or lockfile, no job
  condition skipping Dependabot or Renovate); and an update workflow that opens its pull
  request with ``GITHUB_TOKEN`` — which starts no ``pull_request`` workflow — runs the tests
  itself before opening it.
- **Staged rollout** (:func:`staged_rollout_findings`): a job deploys to a staging
  environment automatically (push, workflow_run, schedule); every job that deploys to
  production either needs a staging job of the same workflow, or runs from a workflow
  that starts after staging (``workflow_run`` with ``conclusion == 'success'``) or from a
  release, a tag or by hand — never on the pushes and pull requests that feed staging; and
  it runs in ``environment: production`` whose recorded export (when present) requires
  reviewers. Rollback jobs are not deploys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from golive.facts.repo.commands import parse_commands
from golive.facts.repo.discover import find_deliverable, repo_files
from golive.facts.repo.packagejson import task_scripts
from golive.facts.repo.structured import Document, Located, line_of, load_structured, relative
from golive.facts.repo.workflow import (
    Workflow,
    environment_name,
    find_workflow,
    load_workflows,
    reviewer_rule,
    shell_commands,
    step_if,
    step_run,
    step_scripts,
    step_uses,
)
from golive.judging.findings import Finding
from golive.rules.delivery import script_production_deploys
from golive.rules.runners import deploy_command, runner_kinds
from golive.rules.workflows import effective_events, environment_export, step_updates

__all__ = [
    "SUITE_KINDS",
    "ScanStep",
    "SuiteRun",
    "scan_steps",
    "security_scan_findings",
    "staged_rollout_findings",
    "step_commands",
    "suite_files",
    "suite_findings",
    "suite_runs",
    "update_pretest_findings",
    "update_sources",
]

SUITE_KINDS = ("unit", "integration")

# --- loading ------------------------------------------------------------------------------


def _no_workflows() -> Finding:
    return Finding(".github/workflows", None,
                   "not found: no workflow in .github/workflows/ (.yml or .yaml)")


# --- test files ---------------------------------------------------------------------------

_JS_TEST = re.compile(r"\.(test|spec)\.(c|m)?[jt]sx?$")
_JS_SOURCE = re.compile(r"\.(c|m)?[jt]sx?$")
_E2E_PATH = re.compile(r"e2e|playwright|cypress", re.IGNORECASE)
_INTEGRATION_DIRS = frozenset(
    {"integration", "integration-tests", "integration_tests", "integrationtests", "it"}
)
_INTEGRATION_NAME = re.compile(r"[._-]int(egration)?[._-]|^integration[._-]|_integration\b|"
                               r"^test_integration", re.IGNORECASE)


def _test_kind(relative_path: str) -> str | None:
    """unit, integration, e2e, or None when the file is not a test file."""
    parts = relative_path.split("/")
    name = parts[-1]
    is_test = (
        bool(_JS_TEST.search(name))
        or ("__tests__" in parts[:-1] and bool(_JS_SOURCE.search(name)))
        or (name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py")))
        or name.endswith("_test.go")
    )
    if not is_test:
        return None
    if any(_E2E_PATH.search(part) for part in parts):
        return "e2e"
    if any(p.lower() in _INTEGRATION_DIRS for p in parts[:-1]) or _INTEGRATION_NAME.search(name):
        return "integration"
    return "unit"


def suite_files(repo: Path, kind: str) -> list[str]:
    """The repository's test files of ``kind`` (unit, integration, e2e), relative paths."""
    root = Path(repo).resolve()
    found = []
    for path in repo_files(root):
        shown = path.relative_to(root).as_posix()
        if _test_kind(shown) == kind:
            found.append(shown)
    return found


_TEST_FILE_PATTERNS = {
    "unit": "*.test.ts, *.spec.js, __tests__/*, test_*.py, *_test.py, *_test.go (outside "
            "integration and e2e folders)",
    "integration": "the same names under an integration/ folder, or *.integration.test.*, "
                   "*.int.test.*, test_integration*.py",
}

# --- test runs in workflows ---------------------------------------------------------------

_INTEGRATION_COMMAND = re.compile(r"integration|\btest:int\b|--project[= ]int\b", re.IGNORECASE)
_NOT_INTEGRATION = re.compile(
    r"not\s+integration|--(ignore|exclude)[= ]\S*integration|--project[= ]unit", re.IGNORECASE
)
_NPM_SCRIPT = re.compile(
    r"\b(?:npm|pnpm|bun)\s+(?:run(?:-script)?\s+)?([\w:.-]+)|\byarn\s+([\w:.-]+)"
)
_IGNORED_TAIL = re.compile(r"\|\|\s*(true|:|exit\s+0)\b")
_NPM_BUILTINS = frozenset({"ci", "install", "i", "audit", "exec", "x", "version", "publish"})


Scripts = dict[str, list[str]]


def _expand(command: str, scripts: Scripts, depth: int = 0) -> str:
    """``command`` with each ``npm run X`` followed by the text of script X."""
    if depth > 3:
        return command
    extra = []
    for match in _NPM_SCRIPT.finditer(command):
        name = match.group(1) or match.group(2)
        if name in _NPM_BUILTINS:
            continue
        for body in scripts.get(name, []):
            extra.append(_expand(body, scripts, depth + 1))
    return " ".join([command, *extra])


def _classify(kinds: set[str], text: str, scripts: Scripts, lane: str | None) -> set[str]:
    """unit and/or integration for a command running test runners of ``kinds``: integration
    when its text or script says so; in a lane named for integration, integration; in a job
    that starts a database, a unit runner counts for both and an E2E runner as integration;
    an E2E runner elsewhere is neither."""
    expanded = _expand(text, scripts)
    if _NOT_INTEGRATION.search(expanded):
        return {"unit"} if "unit" in kinds else set()
    if _INTEGRATION_COMMAND.search(expanded) or (lane is not None and
                                                 not lane.startswith(_BACKEND_LANE)):
        return {"integration"}
    if lane is not None:
        return {"unit", "integration"} if "unit" in kinds else {"integration"}
    return {"unit"} if "unit" in kinds else set()


def _command_kinds(command: str, scripts: Scripts, lane: str | None = None) -> set[str]:
    """The kinds of test one shell line runs: a runner matched as a command (``echo unit
    tests`` runs none), classified by :func:`_classify`."""
    kinds: set[str] = set()
    for part in parse_commands(command, errexit=True):
        kinds |= runner_kinds(part.words, scripts or None)
    return _classify(kinds, command, scripts, lane) if kinds else set()


# steps that start a real backend for the tests that follow
_DATABASE_IMAGES = re.compile(r"postgres|mysql|mariadb|mongo|redis|supabase", re.IGNORECASE)
_LANE_NAME = re.compile(r"integration|(^|[^a-z])int[-_ ]?tests?\b", re.IGNORECASE)


_BACKEND_LANE = "job "  # lanes known by what they start read "job X starts/runs ..."
_UNIT_NAME = re.compile(r"(^|[^a-z])unit", re.IGNORECASE)


def _starts_backend(argv: tuple[str, ...]) -> bool:
    words = [w for w in argv if not w.startswith("-")]
    if words[:2] == ["supabase", "start"] or words[:3] == ["supabase", "db", "start"]:
        return True
    if (words[:1] in (["docker-compose"], ["podman-compose"]) and "up" in words) or (
        words[:2] == ["docker", "compose"] and "up" in words
    ):
        return True
    return words[:2] == ["docker", "run"] and any(_DATABASE_IMAGES.search(w) for w in words)


def _job_services_database(job: Located) -> bool:
    services = job.get("services")
    return isinstance(services, dict) and any(
        _DATABASE_IMAGES.search(str(s.get("image", "") if isinstance(s, dict) else s))
        for s in services.values())


def _lane(workflow: Workflow, job_id: str) -> str | None:
    """Why the job is an integration lane by its name (job id, job name, workflow)."""
    job = workflow.jobs[job_id]
    for what, text in (("job", job_id), ("job name", str(job.get("name", "")))):
        if _LANE_NAME.search(text):
            # "unit and integration tests" runs both kinds: read like a database job
            if _UNIT_NAME.search(text):
                return f"job {job_id} is named for unit and integration tests ({what} {text!r})"
            return f"named for integration: {what} {text!r}"
    return None


def step_commands(step: Located) -> list[str]:
    """The shell lines a step runs (its ``run``, or the command an action runs for it)."""
    return [c for script in step_scripts(step) for c in shell_commands(script)]


@dataclass(frozen=True)
class SuiteRun:
    """A workflow step that runs tests of ``kind``."""

    workflow: Workflow
    job_id: str
    step: Located
    kind: str
    command: str
    events: frozenset[str] = frozenset()  # the workflow's, through its callers if reusable
    lane: str | None = None  # why it counts as an integration run, when not by its command
    neutralised: str | None = None  # why the command's failure would not count (shell)

    @property
    def on_pull_requests(self) -> bool:
        return _on_pull_requests(self.workflow, self.job_id, self.step, self.events)

    def ignored(self) -> tuple[Located, str] | None:
        """Where the run's failure is ignored, when it is."""
        holder = self.workflow.continue_on_error(self.job_id, self.step)
        if holder is not None:
            return holder, "continue-on-error: true"
        if self.neutralised is not None or _IGNORED_TAIL.search(self.command):
            why = f" ({self.neutralised})" if self.neutralised else ""
            return self.step, f"'{self.command}' ignores its exit status{why}"
        return None


_SKIPS_PR = re.compile(
    r"event_name\s*==\s*['\"](?!pull_request)|event_name\s*!=\s*['\"]pull_request['\"]"
)


def _on_pull_requests(workflow: Workflow, job_id: str, step: Located,
                      events: frozenset[str] = frozenset()) -> bool:
    """Whether the step runs for pull requests: the workflow is triggered by them (itself,
    or for a reusable workflow through a caller) and no condition of the job or the step
    skips them."""
    if "pull_request" not in (events or set(workflow.triggers)):
        return False
    return not any(
        _SKIPS_PR.search(step_if(holder)) for holder in (workflow.jobs[job_id], step)
    )


def suite_runs(repo: Path, workflows: list[Workflow] | None = None) -> list[SuiteRun]:
    """Every step of every workflow that runs unit or integration tests. Package scripts
    (every workspace) and make targets are resolved; a reusable workflow's steps run on
    its callers' events. A job named for integration, or one that starts a database
    (``supabase start``, ``docker compose up``, a database service) before its tests, is an
    integration lane: its unit and E2E runners count as integration tests."""
    if workflows is None:
        workflows, _ = load_workflows(repo)
    scripts = task_scripts(repo) or {}
    runs = []
    for workflow in workflows:
        events = frozenset(effective_events(repo, workflow))
        for job_id in workflow.jobs:
            lane = _lane(workflow, job_id)
            if lane is None and _job_services_database(workflow.jobs[job_id]):
                lane = f"job {job_id} runs a database service"
            for step in workflow.steps(job_id):
                for part in (p for script in step_scripts(step)
                             for p in parse_commands(script, errexit=True)):
                    if lane is None and _starts_backend(part.words):
                        lane = f"job {job_id} starts a local backend ({' '.join(part.words)})"
                    kinds: set[str] = set(runner_kinds(part.words, scripts or None))
                    if not kinds:
                        continue
                    text = " ".join(part.words)
                    for kind in sorted(_classify(kinds, text, scripts, lane)):
                        runs.append(SuiteRun(
                            workflow, job_id, step, kind, part.text[:160], events,
                            lane if kind == "integration" else None, part.neutralised))
    return runs


def _gate_findings(runs: list[SuiteRun], what: str) -> list[Finding]:
    """Why none of ``runs`` gates pull requests (empty when one does)."""
    if any(r.on_pull_requests and r.ignored() is None for r in runs):
        return []
    found = []
    reported: set[tuple[str, str]] = set()
    for run in runs:
        workflow = run.workflow
        if not run.on_pull_requests:
            key = (workflow.shown, "trigger")
            if key not in reported:
                reported.add(key)
                if "pull_request" in workflow.triggers:
                    message = (f"{workflow.shown} runs the {what} in job {run.job_id} only "
                               "under a condition that skips pull requests")
                    found.append(workflow.finding(message, workflow.jobs[run.job_id], "if"))
                else:
                    found.append(Finding(
                        workflow.shown, workflow.on_line,
                        f"{workflow.shown} runs the {what} only on {workflow.events_text}, not on "
                        "pull_request: a change merges without them",
                    ))
            continue
        ignored = run.ignored()
        if ignored is not None:
            holder, why = ignored
            found.append(workflow.finding(
                f"the {what} in job {run.job_id} cannot fail the pull request ({why})",
                holder, "continue-on-error" if "continue-on-error" in why else "run",
            ))
    return found


def _lane_stands_for_files(runs: list[SuiteRun]) -> bool:
    """An integration lane that gates pull requests runs its own test files (a Playwright
    or jest suite against a started backend): its files need no integration name."""
    return any(r.kind == "integration" and r.on_pull_requests and r.ignored() is None
               for r in runs)


def suite_findings(repo: Path, kind: str) -> list[Finding]:
    """The repository has ``kind`` test files and a pull_request workflow runs them."""
    if kind not in SUITE_KINDS:
        raise ValueError(f"kind must be one of {SUITE_KINDS}, not {kind!r}")
    found: list[Finding] = []
    workflows, broken = load_workflows(repo)
    runs = [r for r in suite_runs(repo, workflows) if r.kind == kind] if workflows else []
    if not suite_files(repo, kind) and not (kind == "integration" and
                                            _lane_stands_for_files(runs)):
        found.append(Finding(
            "(repository)", None,
            f"not found: no {kind} test files anywhere in the repository (looked for "
            f"{_TEST_FILE_PATTERNS[kind]})",
        ))
    if not workflows and not broken:
        return [*found, _no_workflows()]
    if not runs:
        names = ", ".join(w.shown for w in workflows) or "none readable"
        what = (" — with integration in the command, or in a job named integration or one "
                "that starts a database" if kind == "integration" else "")
        found.append(Finding(
            ".github/workflows", None,
            f"no workflow step runs the {kind} tests (a test runner — vitest, jest, pytest, "
            f"npm test, make test, turbo/nx tasks, ...{what}); workflows read: {names}",
        ))
        return found + broken
    return found + _gate_findings(runs, f"{kind} tests")


# --- vulnerability scans ------------------------------------------------------------------

_SCAN_ACTIONS = (
    "github/codeql-action/analyze",
    "actions/dependency-review-action",
    "google/osv-scanner-action",
    "aquasecurity/trivy-action",
    "anchore/scan-action",
    "snyk/actions",
    "zizmorcore/zizmor-action",
    "semgrep/semgrep-action",
    "returntocorp/semgrep-action",
    "pypa/gh-action-pip-audit",
    "bridgecrewio/checkov-action",
    "aquasecurity/tfsec-action",
    "golang/govulncheck-action",
)
_SCAN_COMMAND = re.compile(
    r"\b(npm|pnpm|yarn)\s+audit\b|\baudit-ci\b|\bpip-audit\b|\bbandit\b|\bsemgrep\b|"
    r"\bosv-scanner\b|\btrivy\b|\bgrype\b|\bzizmor\b|\bsnyk\s+test\b|\bgovulncheck\b|"
    r"\bsafety\s+(check|scan)\b|\bcheckov\b|\btfsec\b"
)


@dataclass(frozen=True)
class ScanStep:
    workflow: Workflow
    job_id: str
    holder: Located  # the step, or the job for a reusable workflow
    scanner: str

    @property
    def on_pull_requests(self) -> bool:
        return _on_pull_requests(self.workflow, self.job_id, self.holder)

    def ignored(self) -> tuple[Located, str] | None:
        holder = self.workflow.continue_on_error(self.job_id, self.holder)
        if holder is not None:
            return holder, "continue-on-error: true"
        with_ = self.holder.get("with")
        if isinstance(with_, dict):
            if str(with_.get("warn-only", "")).lower() == "true":
                return self.holder, "warn-only: true"
            if str(with_.get("exit-code", "")).strip() == "0":
                return self.holder, "exit-code: 0"
            # tfsec-action and checkov-action: the step passes whatever the scan finds
            for key in ("soft_fail", "soft-fail"):
                if str(with_.get(key, "")).strip().lower() == "true":
                    return self.holder, f"{key}: true"
        run = step_run(self.holder)
        for command in shell_commands(run):
            if _SCAN_COMMAND.search(command) and (
                _IGNORED_TAIL.search(command) or re.search(r"--exit-code[= ]0\b", command)
            ):
                return self.holder, f"'{command}' ignores its exit status"
        # the shell grammar sees what a tail pattern misses (`|| echo …`, `set +e`)
        for part in parse_commands(run, errexit=True):
            if part.neutralised is not None and _SCAN_COMMAND.search(" ".join(part.words)):
                return self.holder, f"'{part.text[:120]}' ignores its exit status " \
                    f"({part.neutralised})"
        return None


def scan_steps(repo: Path, workflows: list[Workflow] | None = None) -> list[ScanStep]:
    """Every step (or reusable-workflow job) that runs a vulnerability scanner."""
    if workflows is None:
        workflows, _ = load_workflows(repo)
    found = []
    for workflow in workflows:
        for job_id, job in workflow.jobs.items():
            uses = job.get("uses")
            if isinstance(uses, str) and uses.lower().startswith(_SCAN_ACTIONS):
                found.append(ScanStep(workflow, job_id, job, uses.split("@")[0]))
            for step in workflow.steps(job_id):
                uses = step_uses(step)
                if uses.lower().startswith(_SCAN_ACTIONS):
                    found.append(ScanStep(workflow, job_id, step, uses.split("@")[0]))
                    continue
                match = next((m for c in shell_commands(step_run(step))
                              if (m := _SCAN_COMMAND.search(c))), None)
                if match is not None:
                    found.append(ScanStep(workflow, job_id, step, match.group(0)))
    return found


def security_scan_findings(repo: Path) -> list[Finding]:
    """A vulnerability scanner runs on pull requests and its result is not ignored."""
    workflows, broken = load_workflows(repo)
    if not workflows and not broken:
        return [_no_workflows()]
    scans = scan_steps(repo, workflows)
    if not scans:
        return [Finding(
            ".github/workflows", None,
            "no workflow runs a vulnerability scan (looked for CodeQL, dependency review, "
            "OSV-Scanner, Trivy, Grype, Snyk, Semgrep, zizmor, npm/pnpm/yarn audit, pip-audit, "
            "bandit, govulncheck, checkov, tfsec); workflows read: "
            + (", ".join(w.shown for w in workflows) or "none readable"),
        ), *broken]
    if any(s.on_pull_requests and s.ignored() is None for s in scans):
        return []
    found = []
    reported: set[str] = set()
    for scan in scans:
        workflow = scan.workflow
        if not scan.on_pull_requests:
            if workflow.shown not in reported:
                reported.add(workflow.shown)
                found.append(Finding(
                    workflow.shown, workflow.on_line,
                    f"{workflow.shown} runs {scan.scanner} only on {workflow.events_text}, not on "
                    "pull_request: security changes merge unscanned",
                ))
            continue
        ignored = scan.ignored()
        if ignored is not None:
            holder, why = ignored
            key = "continue-on-error" if "continue-on-error" in why else (
                "with" if why.startswith(("warn-only", "exit-code", "soft")) else "run")
            found.append(workflow.finding(
                f"{scan.scanner} in job {scan.job_id} cannot fail the pull request ({why})",
                holder, key,
            ))
    return found


# --- dependency updates -------------------------------------------------------------------

_RENOVATE = ("renovate.json", "renovate.json5", ".renovaterc", ".renovaterc.json",
             ".renovaterc.json5")
_OPENS_PR = re.compile(r"\bgh\s+pr\s+create\b")
_PR_ACTION = "peter-evans/create-pull-request"
_DEFAULT_TOKEN = re.compile(r"secrets\.GITHUB_TOKEN|github\.token", re.IGNORECASE)
_MANIFESTS = re.compile(r"package(-lock)?\.json|pnpm-lock|yarn\.lock|requirements|poetry\.lock|"
                        r"uv\.lock|go\.(mod|sum)|Cargo\.(toml|lock)|\*\*|\*\.json")
_SKIPS_UPDATES = re.compile(r"dependabot|renovate|head_ref", re.IGNORECASE)


@dataclass(frozen=True)
class _Updater:
    """A workflow job that updates dependencies and opens a pull request."""

    workflow: Workflow
    job_id: str
    opener: Located
    default_token: bool


def _updaters(workflows: list[Workflow]) -> list[_Updater]:
    found = []
    for workflow in workflows:
        for job_id in workflow.jobs:
            steps = workflow.steps(job_id)
            if not any(step_updates(s) for s in steps):
                continue
            job_env = workflow.jobs[job_id].get("env")
            for step in steps:
                env = step.get("env")
                if _OPENS_PR.search(step_run(step)):
                    merged = {**(job_env if isinstance(job_env, dict) else {}),
                              **(env if isinstance(env, dict) else {})}
                    tokens = " ".join(str(v) for k, v in merged.items()
                                      if k in ("GH_TOKEN", "GITHUB_TOKEN"))
                    found.append(_Updater(workflow, job_id, step,
                                          not tokens or bool(_DEFAULT_TOKEN.search(tokens))))
                elif step_uses(step).startswith(_PR_ACTION):
                    with_ = step.get("with") if isinstance(step.get("with"), dict) else {}
                    token = str((with_ or {}).get("token", ""))
                    found.append(_Updater(workflow, job_id, step,
                                          not token or bool(_DEFAULT_TOKEN.search(token))))
    return found


def update_sources(repo: Path, workflows: list[Workflow] | None = None) -> list[str]:
    """Where dependency update pull requests come from (config files and workflows)."""
    if workflows is None:
        workflows, _ = load_workflows(repo)
    root = Path(repo)
    sources = []
    for name in ("dependabot.yml", "dependabot.yaml"):
        path = root / ".github" / name
        if path.is_file():
            loaded = load_structured(root, path)
            data = loaded.data if isinstance(loaded, Document) else None
            if isinstance(data, dict) and isinstance(data.get("updates"), list) and data["updates"]:
                sources.append(relative(root, path))
    for name in _RENOVATE:
        renovate = find_deliverable(root, name)
        if renovate is not None:
            sources.append(relative(root, renovate))
    sources += sorted({u.workflow.shown for u in _updaters(workflows)})
    plan = find_workflow(root, "dependency-update.yml")
    if plan is not None and relative(root, plan) not in sources:
        sources.append(relative(root, plan))
    return sources


def _excludes_updates(run: SuiteRun) -> tuple[Located, str, str] | None:
    """Where a pull_request test run skips dependency update pull requests."""
    trigger = run.workflow.triggers.get("pull_request")
    if isinstance(trigger, Located):
        ignored = trigger.get("paths-ignore")
        if isinstance(ignored, list) and any(_MANIFESTS.search(str(p)) for p in ignored):
            return trigger, "paths-ignore", (
                f"pull_request paths-ignore {[str(p) for p in ignored]} skips pull requests "
                "that only change the manifest or lockfile"
            )
    for holder in (run.workflow.jobs[run.job_id], run.step):
        condition = step_if(holder)
        if _SKIPS_UPDATES.search(condition) and re.search(r"!=|!\s*(startsWith|contains)",
                                                          condition):
            return holder, "if", (
                f"the condition '{condition}' skips dependency update pull requests"
            )
    return None


def update_pretest_findings(repo: Path) -> list[Finding]:
    """Dependency update pull requests run the test suite before they can merge."""
    workflows, broken = load_workflows(repo)
    sources = update_sources(repo, workflows)
    if not sources:
        return [Finding(
            ".github/dependabot.yml", None,
            "not found: no source of dependency updates (.github/dependabot.yml, "
            f"{', '.join(_RENOVATE)}, or a workflow that updates dependencies and opens a "
            "pull request)",
        ), *broken]
    found: list[Finding] = []
    runs = suite_runs(repo, workflows)
    untested = f"dependency updates (from {', '.join(sources)}) merge untested: "
    if not runs:
        found.append(Finding(
            ".github/workflows", None,
            f"no workflow step runs the test suite, so nothing tests dependency updates "
            f"(from {', '.join(sources)})",
        ))
    else:
        gating = [r for r in runs if r.on_pull_requests and r.ignored() is None]
        if not gating:
            found += [Finding(f.file, f.line, untested + f.message)
                      for f in _gate_findings(runs, "tests")]
        else:
            excluded = [(r, e) for r in gating if (e := _excludes_updates(r)) is not None]
            if len(excluded) == len(gating):
                for run, (holder, key, message) in excluded:
                    found.append(run.workflow.finding(untested + message, holder, key))
    for updater in _updaters(workflows):
        if not updater.default_token:
            continue
        steps = updater.workflow.steps(updater.job_id)
        before = steps[: steps.index(updater.opener)]
        scripts = task_scripts(repo) or {}
        if not any(
            _command_kinds(c, scripts) for s in before for c in step_commands(s)
            if not _IGNORED_TAIL.search(c)
        ):
            found.append(updater.workflow.finding(
                f"job {updater.job_id} opens the update pull request with GITHUB_TOKEN, which "
                "starts no pull_request workflow, and runs no tests before opening it",
                updater.opener, "run" if "run" in updater.opener else "uses",
            ))
    return found + broken


# --- staged rollout -----------------------------------------------------------------------

_ROLLBACK = re.compile(r"rollback|roll back|rollout\s+undo", re.IGNORECASE)
_PRODUCTION = re.compile(r"^prod(uction)?\b", re.IGNORECASE)
_STAGING = re.compile(r"^(staging|stage|stg|preview|pre-?prod)\b", re.IGNORECASE)
_PROD_WORD = re.compile(r"\bprod(uction)?\b|--prod\b", re.IGNORECASE)
_STAGING_WORD = re.compile(r"\b(staging|stage|stg|preview)\b", re.IGNORECASE)
_AUTOMATIC = frozenset({"push", "workflow_run", "schedule", "merge_group", "deployment"})
_FEEDS_STAGING = frozenset({"pull_request", "pull_request_target", "merge_group"})
_SUCCESS = re.compile(r"conclusion\s*==\s*['\"]success['\"]")


def _deploy_commands(workflow: Workflow, job_id: str) -> list[str]:
    job = workflow.jobs[job_id]
    if isinstance(job.get("uses"), str):
        return [str(job["uses"])]
    commands = [c.text for s in workflow.steps(job_id)
                for c in parse_commands(step_run(s), errexit=True)
                if c.neutralised is None and (deploy_command(c.words) or c.name == "deploy.sh")]
    commands += [step_uses(s) for s in workflow.steps(job_id) if "deploy" in step_uses(s).lower()]
    return commands


def _rolls_back(workflow: Workflow, job_id: str) -> bool:
    job = workflow.jobs[job_id]
    texts = [job_id, str(job.get("name", "")), environment_name(job) or ""]
    texts += [step_run(s) + " " + step_uses(s) for s in workflow.steps(job_id)]
    return any(_ROLLBACK.search(t) for t in texts)


def _stage(workflow: Workflow, job_id: str) -> str | None:
    """production, staging, or None: where the job deploys (None: it does not deploy)."""
    commands = _deploy_commands(workflow, job_id)
    if not commands or _rolls_back(workflow, job_id):
        return None
    environment = environment_name(workflow.jobs[job_id])
    if environment is not None:
        if _PRODUCTION.match(environment):
            return "production"
        if _STAGING.match(environment):
            return "staging"
    words = " ".join([*commands, job_id, str(workflow.jobs[job_id].get("name", ""))])
    if _PROD_WORD.search(words):
        return "production"
    if _STAGING_WORD.search(words):
        return "staging"
    if environment is None:
        words = f"{workflow.path.name} {workflow.data.get('name', '')}"
        if _PROD_WORD.search(words):
            return "production"
        if _STAGING_WORD.search(words):
            return "staging"
        if _ships_on_merge(workflow, job_id):
            return "production"  # a deploy that names no stage goes to the only one there is
    return None


_MERGED = re.compile(r"^(main|master|production|prod|release.*|trunk)$")
_NOT_A_RELEASE = re.compile(r"backup|dump|snapshot|preview|test", re.IGNORECASE)


def _ships_on_merge(workflow: Workflow, job_id: str) -> bool:
    """The workflow runs on a release, a tag or a push to the main branch (never on pull
    requests), and the job runs a deploy command itself and is no backup or test."""
    if _NOT_A_RELEASE.search(f"{job_id} {workflow.jobs[job_id].get('name', '')}") or (
        _FEEDS_STAGING & set(workflow.triggers)
    ) or not any(deploy_command(c.words) for s in workflow.steps(job_id)
                 for c in parse_commands(step_run(s), errexit=True) if c.neutralised is None):
        return False
    push = workflow.triggers.get("push")
    branches = push.get("branches") if isinstance(push, dict) else None
    return "release" in workflow.triggers or (isinstance(push, dict) and "tags" in push) or (
        isinstance(branches, list) and any(_MERGED.match(str(b)) for b in branches))


_EVENT_IS = re.compile(r"github\.event_name\s*==\s*['\"]([\w-]+)['\"]")
_BRANCH_IS = re.compile(r"github\.ref\s*==\s*['\"]refs/heads/([^'\"]+)['\"]")


def _bypassing_events(workflow: Workflow, condition: str = "") -> list[str]:
    """Events that start ``workflow`` for the changes that also feed staging, narrowed by
    the deploying job's ``if:`` (``condition``) when it names the events or branches
    (``github.event_name == 'push'``, ``github.ref == 'refs/heads/main'``)."""
    named = set(_EVENT_IS.findall(condition))
    refs = _BRANCH_IS.findall(condition)
    events = []
    for event, settings in workflow.triggers.items():
        if named and event not in named:
            continue  # the job's if: lets this event start the workflow but not the deploy
        if event in _FEEDS_STAGING:
            events.append(event)
        elif event == "push":
            tags_only = isinstance(settings, dict) and (
                ("tags" in settings or "tags-ignore" in settings)
                and "branches" not in settings and "branches-ignore" not in settings
            )
            if not tags_only:
                branches = settings.get("branches") if isinstance(settings, dict) else None
                branches = refs or branches
                events.append(f"push to {', '.join(map(str, branches))}" if isinstance(
                    branches, list) else "push")
    return events


def _reviewers(repo: Path, name: str) -> Finding | None:
    export = environment_export(repo, name)
    if export is None:
        return None
    loaded = load_structured(repo, export)
    if isinstance(loaded, Finding):
        return loaded
    rule = reviewer_rule(loaded.data)
    if rule is not None:
        if rule.get("reviewers"):
            return None
        return loaded.finding("required_reviewers lists no reviewer", rule, "reviewers")
    return Finding(loaded.shown, line_of(loaded.data, "protection_rules"),
                   f"the {name} environment requires no reviewer: a production deploy starts "
                   "without anyone's approval")


def _all_conditions(workflow: Workflow, job_id: str) -> str:
    return " ".join(step_if(workflow.jobs[j]) for j in {job_id, *workflow.ancestors(job_id)}
                    if j in workflow.jobs)


def _staging_findings(workflows: list[Workflow], staging: list[tuple[Workflow, str]]
                      ) -> list[Finding]:
    """Changes reach a staging deploy automatically."""
    if not staging:
        plan = next((w for w in workflows if w.path.stem == "deploy-staging"), None)
        message = ("no job deploys to a staging environment (environment: staging, or a "
                   "deploy command for staging): changes go nowhere before production")
        return [plan.finding(message, plan.data, "jobs") if plan is not None
                else Finding(".github/workflows", None, message)]
    if any(_AUTOMATIC & set(w.triggers) for w, _ in staging):
        return []
    return [
        Finding(workflow.shown, workflow.on_line,
                f"staging is deployed only on {workflow.events_text}: changes "
                "do not reach staging unless someone remembers")
        for workflow in {w.shown: w for w, _ in staging}.values()
    ]


def _after_staging_findings(workflow: Workflow, job_id: str, staging: list[tuple[Workflow, str]],
                            reported: set[str]) -> list[Finding]:
    """The production job ``job_id`` runs only after staging (same workflow or later)."""
    line = workflow.job_line(job_id)
    same = [j for w, j in staging if w is workflow]
    if same:
        if set(same) & workflow.ancestors(job_id):
            return []
        return [Finding(
            workflow.shown, line,
            f"job {job_id} deploys to production without waiting for the staging job "
            f"({', '.join(same)}): add needs: {same[0]}",
        )]
    found = []
    condition = step_if(workflow.jobs[job_id])  # the job's own if: (not its needs')
    bypass = _bypassing_events(workflow, condition)
    if bypass and workflow.shown not in reported:
        reported.add(workflow.shown)
        shown_if = " ".join(condition.split())
        found.append(Finding(
            workflow.shown, workflow.on_line,
            f"{workflow.shown} deploys to production (job {job_id}"
            + (f", if: {shown_if if len(shown_if) <= 160 else shown_if[:157] + '…'}"
               if shown_if else "")
            + f") on {', '.join(bypass)}: the changes that feed staging reach production "
            "without passing it",
        ))
    if "workflow_run" in workflow.triggers and not _SUCCESS.search(
        _all_conditions(workflow, job_id)
    ):
        found.append(Finding(
            workflow.shown, line,
            f"job {job_id} deploys to production after workflow_run without checking "
            "github.event.workflow_run.conclusion == 'success': a failed staging "
            "deploy still promotes",
        ))
    return found


def staged_rollout_findings(repo: Path) -> list[Finding]:
    """Changes reach staging automatically and production only after staging, approved."""
    workflows, broken = load_workflows(repo)
    if not workflows:
        return [*broken, _no_workflows()]
    stages = {
        (w.shown, job_id): stage
        for w in workflows for job_id in w.jobs
        if (stage := _stage(w, job_id)) is not None
    }
    by_name = {w.shown: w for w in workflows}
    staging = [(by_name[s], j) for (s, j), stage in stages.items() if stage == "staging"]
    production = [(by_name[s], j) for (s, j), stage in stages.items() if stage == "production"]
    found = _staging_findings(workflows, staging)
    if not production:
        names = ", ".join(w.shown for w in workflows)
        by_hand = script_production_deploys(repo)
        found.append(Finding(".github/workflows", None,
                             f"no job deploys to production (workflows read: {names})"
                             if not by_hand else
                             f"no workflow job deploys to production: {by_hand[0][0]}:"
                             f"{by_hand[0][1]} deploys it by hand (`{by_hand[0][2][:60]}`), "
                             "outside any workflow"))
    reported: set[str] = set()
    for workflow, job_id in production:
        found += _after_staging_findings(workflow, job_id, staging, reported)
        if not any(_PRODUCTION.match(environment_name(workflow.jobs[j]) or "")
                   for j in workflow.gated_by(job_id)):
            found.append(Finding(
                workflow.shown, workflow.job_line(job_id),
                f"job {job_id} deploys to production outside environment: production: no "
                "approval gates the step from staging to production",
            ))
    if production:
        missing = _reviewers(repo, "production")
        if missing is not None:
            found.append(missing)
    return found + broken
