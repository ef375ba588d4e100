"""What CI workflows are recognised as doing, on input shaped like real repositories:
test runners behind package scripts, turbo, nx and make; integration lanes known by what
they run against; scheduled dependency updates; the hygiene audit of every workflow and
local action; reusable workflows judged on their callers' events. Each recognition has a
case that must pass and one that must fail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from golive import Finding
from golive.facts.repo import discover
from golive.facts.repo.packagejson import make_targets
from golive.facts.repo.workflow import action_files
from golive.rules import cigates, workflows
from golive.rules.appsec import codescan

from ._helpers import text_of, write

SHA = "11bd71901bbe5b1630ceea73d27597364c9af683"

_PR_WORKFLOW = """\
name: CI
on:
  pull_request:
jobs:
  {job}:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@{sha}
{steps}
"""


def _ci(repo: Path, steps: str, job: str = "test", name: str = "ci.yml") -> None:
    body = "\n".join(f"      - {line}" for line in steps.strip().splitlines())
    write(repo, f".github/workflows/{name}", _PR_WORKFLOW.format(job=job, sha=SHA, steps=body))


def _package(repo: Path, folder: str, scripts: dict[str, str], **extra: object) -> None:
    path = f"{folder}/package.json" if folder else "package.json"
    write(repo, path, json.dumps({"name": folder or "root", "scripts": scripts, **extra}))


def _unit(repo: Path) -> list[str]:
    return [str(f) for f in cigates.suite_findings(repo, "unit")]


def _integration(repo: Path) -> list[str]:
    return [str(f) for f in cigates.suite_findings(repo, "integration")]


# --- runner vocabulary: package scripts, turbo, nx, make ----------------------------------


def _turbo_monorepo(repo: Path, web_test: str) -> None:
    _package(repo, "", {"test": "turbo run test", "lint": "turbo run lint"},
             workspaces=["apps/*"])
    _package(repo, "apps/web", {"test": web_test, "lint": "eslint ."})
    write(repo, "turbo.json", '{"tasks": {"test": {}, "lint": {}}}')
    write(repo, "apps/web/src/sum.test.ts", "test('sum', () => {})\n")
    _ci(repo, "run: pnpm install --frozen-lockfile\nrun: pnpm run test")


def test_turbo_test_task_resolved_to_vitest(tmp_path: Path) -> None:
    """``pnpm run test`` → ``turbo run test`` → the workspace's ``vitest run``."""
    _turbo_monorepo(tmp_path, "vitest run --root src")
    assert _unit(tmp_path) == []


def test_turbo_test_task_that_runs_no_runner_fails(tmp_path: Path) -> None:
    _turbo_monorepo(tmp_path, 'echo "no tests yet"')
    assert any("no workflow step runs the unit tests" in f for f in _unit(tmp_path))


def _nx_monorepo(repo: Path, target: str) -> None:
    _package(repo, "", {"build": "nx run-many -t build"})
    _package(repo, "apps/api", {"test": "jest", "lint": "eslint ."})
    write(repo, "nx.json", "{}")
    write(repo, "apps/api/src/app.spec.ts", "it('works', () => {})\n")
    _ci(repo, f"run: npx nx run-many -t {target} --parallel 3")


def test_nx_run_many_test_counts(tmp_path: Path) -> None:
    _nx_monorepo(tmp_path, "test")
    assert _unit(tmp_path) == []


def test_nx_run_many_lint_is_not_a_test_step(tmp_path: Path) -> None:
    _nx_monorepo(tmp_path, "lint")
    assert any("no workflow step runs the unit tests" in f for f in _unit(tmp_path))


_MAKEFILE = """\
.PHONY: check lint unit
check: lint unit
lint:
\truff check .
unit:
\t@$(MAKE) -s pytest-run
pytest-run:
\tpython -m pytest -q
"""


def test_make_target_resolved_through_its_recipe(tmp_path: Path) -> None:
    """``make check`` runs ``unit`` (a dependency), whose recipe runs ``$(MAKE) pytest-run``."""
    write(tmp_path, "Makefile", _MAKEFILE)
    write(tmp_path, "tests/test_app.py", "def test_app():\n    pass\n")
    _ci(tmp_path, "run: make check")
    assert make_targets(tmp_path)["unit"] == ["make -s pytest-run"]
    assert _unit(tmp_path) == []


def test_make_target_named_test_that_runs_nothing_fails(tmp_path: Path) -> None:
    write(tmp_path, "Makefile", "test:\n\t@echo 'tests are not available yet'\n")
    write(tmp_path, "tests/test_app.py", "def test_app():\n    pass\n")
    _ci(tmp_path, "run: make test")
    assert any("no workflow step runs the unit tests" in f for f in _unit(tmp_path))


@pytest.mark.parametrize(("step", "counts"), [
    ("run: npx ava --verbose", True),
    ('run: echo "unit tests available after the migration"', False),
    ("run: ./scripts/availability-check.sh", False),
])
def test_ava_matched_as_a_command_not_inside_words(tmp_path: Path, step: str,
                                                   counts: bool) -> None:
    write(tmp_path, "test/sum.test.js", "test('sum', t => t.pass())\n")
    _ci(tmp_path, step)
    assert (_unit(tmp_path) == []) is counts, _unit(tmp_path)


@pytest.mark.parametrize(("step", "counts"), [
    ("run: pnpm --filter web exec vitest run", True),
    ("{uses: 'nick-fields/retry@" + SHA + "', with: {max_attempts: 3, command: 'npx jest'}}",
     True),
    ("{uses: 'nick-fields/retry@" + SHA + "', with: {max_attempts: 3, command: 'npx eslint .'}}",
     False),
])
def test_runner_behind_exec_or_an_action_command(tmp_path: Path, step: str,
                                                 counts: bool) -> None:
    write(tmp_path, "src/a.test.ts", "test('a', () => {})\n")
    _ci(tmp_path, step)
    assert (_unit(tmp_path) == []) is counts, _unit(tmp_path)


# --- integration lanes --------------------------------------------------------------------


def _e2e_app(repo: Path) -> None:
    _package(repo, "", {"test:e2e": "playwright test"})
    write(repo, "e2e/login.spec.ts", "test('login', async () => {})\n")


def test_playwright_against_a_started_supabase_is_integration(tmp_path: Path) -> None:
    _e2e_app(tmp_path)
    _ci(tmp_path, "run: supabase start\nrun: pnpm run test:e2e", job="e2e")
    assert _integration(tmp_path) == []
    (run,) = [r for r in cigates.suite_runs(tmp_path) if r.kind == "integration"]
    assert run.lane is not None and "supabase start" in run.lane


def test_playwright_against_nothing_started_is_not_integration(tmp_path: Path) -> None:
    _e2e_app(tmp_path)
    _ci(tmp_path, "run: pnpm run test:e2e", job="e2e")
    found = _integration(tmp_path)
    assert any("no workflow step runs the integration tests" in f for f in found), found


def test_job_named_integration_counts(tmp_path: Path) -> None:
    write(tmp_path, "src/db.test.ts", "test('db', () => {})\n")
    _ci(tmp_path, "run: npx vitest run", job="integration")
    assert _integration(tmp_path) == []


def test_job_with_a_database_service_runs_integration_tests(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_orders.py", "def test_orders():\n    pass\n")
    write(tmp_path, ".github/workflows/ci.yml", (
        "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    services:\n      db:\n        image: postgres:16\n"
        "    steps:\n      - run: python -m pytest\n"))
    assert _integration(tmp_path) == []


def test_job_named_integration_that_runs_no_runner_fails(tmp_path: Path) -> None:
    write(tmp_path, "src/db.test.ts", "test('db', () => {})\n")
    _ci(tmp_path, 'run: echo "integration tests: see the wiki"', job="integration")
    assert any("no workflow step runs the integration tests" in f
               for f in _integration(tmp_path))


# --- scheduled dependency updates ---------------------------------------------------------

_SCHEDULED = """\
on:
  schedule:
    - cron: '0 0 */7 * *'
  workflow_dispatch:
jobs:
  update:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - uses: actions/checkout@{sha}
{steps}
"""


def _scheduled(repo: Path, steps: str) -> None:
    body = "\n".join(f"      - {line}" for line in steps.strip().splitlines())
    write(repo, ".github/workflows/update-dependencies.yml",
          _SCHEDULED.format(sha=SHA, steps=body))


def test_scheduled_update_workflow_counts(tmp_path: Path) -> None:
    _scheduled(tmp_path, (
        "run: pnpm exec npm-check-updates -u\n"
        "run: pnpm install\n"
        "{uses: 'peter-evans/create-pull-request@" + SHA + "', with: {title: deps}}"))
    assert workflows.dependency_update_findings(tmp_path) == []
    (source,) = workflows.dependency_update_sources(tmp_path)
    assert source.startswith(".github/workflows/update-dependencies.yml (on: schedule")


def test_scheduled_workflow_that_updates_nothing_does_not_count(tmp_path: Path) -> None:
    _scheduled(tmp_path, "run: pnpm install --frozen-lockfile\nrun: pnpm run build\n"
                         "run: git push origin HEAD:nightly")
    found = workflows.dependency_update_findings(tmp_path)
    assert "no automated dependency updates" in text_of(found)


def test_update_workflow_without_a_schedule_does_not_count(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/update-dependencies.yml", (
        "on: [workflow_dispatch]\njobs:\n  update:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: npx npm-check-updates -u\n      - run: gh pr create -f\n"))
    assert "no automated dependency updates" in text_of(
        workflows.dependency_update_findings(tmp_path))


# --- the hygiene audit of every workflow and local action ---------------------------------

_COMPOSITE = """\
name: setup
description: install the toolchain
runs:
  using: composite
  steps:
    - uses: {uses}
      with:
        node-version: 22
    - run: pnpm install --frozen-lockfile
      shell: bash
"""


def _with_action(repo: Path, uses: str, folder: str = ".github/actions/setup") -> None:
    write(repo, f"{folder}/action.yml", _COMPOSITE.format(uses=uses))
    _ci(repo, f"uses: ./{folder}\nrun: pnpm run build", job="build")


def _audit(repo: Path) -> list[str]:
    result = workflows.workflow_audit(repo)
    assert result is not None and result.verified
    return [f"{f.where}:{f.line}: [{f.severity}] {f.rule} {f.message}" for f in result.findings
            if f.severity in ("high", "critical")]


def test_composite_action_with_an_unpinned_action_is_reported(tmp_path: Path) -> None:
    _with_action(tmp_path, "actions/setup-node@main")
    found = _audit(tmp_path)
    assert any(f.startswith(".github/actions/setup/action.yml:6: [high]") for f in found), found


def test_composite_action_pinned_to_a_commit_is_clean(tmp_path: Path) -> None:
    _with_action(tmp_path, f"actions/setup-node@{SHA}")
    assert _audit(tmp_path) == []
    result = workflows.workflow_audit(tmp_path)
    assert result is not None
    assert result.checked == [".github/workflows/ci.yml", ".github/actions/setup/action.yml"]


def test_local_action_outside_github_actions_is_followed(tmp_path: Path) -> None:
    _with_action(tmp_path, "actions/setup-node", folder="tools/ci/setup")
    assert [p.relative_to(tmp_path).as_posix() for p in action_files(tmp_path)] == [
        "tools/ci/setup/action.yml"]
    assert any(f.startswith("tools/ci/setup/action.yml:6: [high]") for f in _audit(tmp_path))


def test_every_workflow_is_audited_not_only_the_plan_names(tmp_path: Path) -> None:
    """A workflow named like no plan file still gets the audit, findings naming it."""
    write(tmp_path, ".github/workflows/nightly-report.yml", (
        "on: [workflow_dispatch]\njobs:\n  report:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: some-org/report-action@main\n"))
    found = _audit(tmp_path)
    assert any(f.startswith(".github/workflows/nightly-report.yml:6: [high]") for f in found), \
        found
    result = workflows.workflow_audit(tmp_path)
    assert result is not None
    notes = [f for f in result.findings if f.rule == "workflow.timeout"]
    assert [(f.where, f.severity) for f in notes] == [
        (".github/workflows/nightly-report.yml", "info")]
    # a note: shown in the evidence, never counted against sec.owasp-top10 or sec.infra-scan
    assert not any(f.counts for f in notes)


def test_infra_scan_carries_the_workflow_audit(tmp_path: Path) -> None:
    _with_action(tmp_path, "actions/setup-node@main")
    results, notes = codescan.infra_scan(tmp_path)
    (audit,) = [r for r in results if r.source == workflows.AUDIT_SOURCE]
    assert any(f.severity == "high" for f in audit.findings)
    assert not any(n.startswith("GitHub Actions") for n in notes)


def test_infra_scan_notes_a_repository_without_workflows(tmp_path: Path) -> None:
    write(tmp_path, "README.md", "# nothing to run\n")
    results, notes = codescan.infra_scan(tmp_path)
    assert not any(r.source == workflows.AUDIT_SOURCE for r in results)
    assert "GitHub Actions: no workflow or local action" in notes


# --- reusable workflows: run on their callers' events -------------------------------------

_REUSABLE_TESTS = """\
on: [workflow_call]
jobs:
  unit:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: npx vitest run
"""


@pytest.mark.parametrize(("trigger", "gates"), [
    ("pull_request:", True),
    ("push: {branches: [main]}", False),  # runs after the merge, not on the pull request
    ("workflow_dispatch:", False),
])
def test_reusable_unit_tests_gate_pull_requests_through_their_caller(
    tmp_path: Path, trigger: str, gates: bool
) -> None:
    write(tmp_path, "src/a.test.ts", "test('a', () => {})\n")
    write(tmp_path, ".github/workflows/unit.yml", _REUSABLE_TESTS)
    write(tmp_path, ".github/workflows/ci.yml", (
        f"on:\n  {trigger}\njobs:\n  unit:\n    uses: ./.github/workflows/unit.yml\n"))
    found = _unit(tmp_path)
    assert (found == []) is gates, found


# --- the plan roles test.yml and e2e-test.yml, taken by what a workflow runs ---------------


def test_ci_workflow_running_unit_tests_plays_test_yml(tmp_path: Path) -> None:
    _turbo_monorepo(tmp_path, "vitest run")
    assert workflows.unit_test_findings(tmp_path) == []
    taken = {m.role: m for m in discover.roles_taken(tmp_path)}
    assert taken["test.yml"].path.name == "ci.yml"
    assert taken["test.yml"].how == "content: its jobs run unit tests"


def test_no_workflow_running_unit_tests_leaves_test_yml_missing(tmp_path: Path) -> None:
    _turbo_monorepo(tmp_path, "echo skipped")
    assert "not found: test.yml" in text_of(workflows.unit_test_findings(tmp_path))


@pytest.mark.parametrize(("command", "runs"), [
    ("pnpm run test:e2e", True),
    ("pnpm run build", False),
])
def test_e2e_run_through_a_retry_action(tmp_path: Path, command: str, runs: bool) -> None:
    _e2e_app(tmp_path)
    _ci(tmp_path, "{uses: 'nick-fields/retry@" + SHA + "', with: {max_attempts: 3, command: '"
        + command + "'}}", job="e2e")
    found = workflows.e2e_test_findings(tmp_path)
    assert (found == []) is runs, text_of(found)


def test_unit_role_prefers_the_workflow_gating_pull_requests(tmp_path: Path) -> None:
    write(tmp_path, "src/a.test.ts", "test('a', () => {})\n")
    write(tmp_path, ".github/workflows/a-release.yml", (
        "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: npx vitest run\n"))
    _ci(tmp_path, "run: npx vitest run")
    workflow = workflows.unit_workflow(tmp_path)
    assert not isinstance(workflow, Finding) and workflow.path.name == "ci.yml"


@pytest.mark.parametrize(("tail", "gates"), [
    ("", True),
    (' || echo "tests failed, continuing"', False),
    (" || { echo '::error::tests failed'; exit 1; }", True),
])
def test_database_job_tests_swallowed_by_echo_do_not_gate(tmp_path: Path, tail: str,
                                                            gates: bool) -> None:
    write(tmp_path, "tests/test_orders.py", "def test_orders():\n    pass\n")
    write(tmp_path, ".github/workflows/ci.yml", (
        "on: [pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    services:\n      db:\n        image: postgres:16\n"
        f"    steps:\n      - run: python -m pytest{tail}\n"))
    for found in (_unit(tmp_path), _integration(tmp_path)):
        assert (found == []) is gates, found
        assert gates or any("cannot fail the pull request" in f for f in found)


@pytest.mark.parametrize(("job", "unit", "integration"), [
    ("integration", False, True),
    ("unit-and-integration", True, True),
    ("unit", True, False),
])
def test_job_name_decides_the_kind_of_a_plain_runner(tmp_path: Path, job: str, unit: bool,
                                                      integration: bool) -> None:
    write(tmp_path, "src/a.test.ts", "test('a', () => {})\n")
    write(tmp_path, "src/integration/b.test.ts", "test('b', () => {})\n")
    _ci(tmp_path, "run: npx vitest run", job=job)
    assert (_unit(tmp_path) == [], _integration(tmp_path) == []) == (unit, integration)
