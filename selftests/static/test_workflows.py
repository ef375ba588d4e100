"""The workflow probes: pass on the good sample repo, the expected finding on the broken one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.facts.repo import discover
from golive.facts.repo import workflow as workflow_model
from golive.facts.scans import runner as scanners
from golive.facts.scans.runner import ToolRun
from golive.rules import workflows

from ._helpers import text_of, write

SOUND = "name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n" \
        "    timeout-minutes: 5\n    steps:\n      - run: echo ok\n"




# --- one per plan workflow ------------------------------------------------------------

BROKEN_WORKFLOWS = {
    "build.yml": "zizmor template-injection (high)",
    "cache-config.yml": "'timeout_minutes' was unexpected",
    "dependency-update.yml": "peter-evans/create-pull-request@main is not pinned",
    "test.yml": "job unit sets no timeout-minutes",
    "e2e-test.yml": "zizmor unpinned-uses (high)",
    "coverage-report.yml": "'pull-request' is not one of",
    "deploy-staging.yml": "zizmor dangerous-triggers (high)",
    "deploy-production.yml": "job deploy sets no timeout-minutes",
    "rollback.yml": "schema (vendor.github-workflows): $.on",
}


@pytest.mark.parametrize("name", workflow_model.PLAN_WORKFLOWS)
def test_plan_workflow_sound_on_good(good_repo: Path, name: str) -> None:
    assert workflows.workflow_findings(good_repo, name) == []
    assert workflows.workflow_notes(good_repo, name) == []


@pytest.mark.parametrize(("name", "expected"), BROKEN_WORKFLOWS.items())
def test_plan_workflow_defect_on_broken(broken_repo: Path, name: str, expected: str) -> None:
    findings = workflows.workflow_findings(broken_repo, name)
    assert expected in text_of(findings)
    assert all(f.file == f".github/workflows/{name}" and f.line for f in findings)


# --- content criteria -----------------------------------------------------------------

CONTENT: list[tuple[Callable[[Path], list[Finding]], str]] = [
    (workflows.parallel_build_findings, "no parallel build: 3 job(s) (lint, typecheck, build)"),
    (workflows.cache_findings, "build.yml:16: no cache configured"),
    (workflows.cache_findings, "cache key 'nextjs-build-cache' does not include hashFiles"),
    (workflows.dependency_update_findings, "dependency-update.yml has no schedule"),
    (workflows.unit_test_findings, "unit tests run only on workflow_dispatch"),
    # the twin's E2E step is `echo "e2e tests are disabled ..."`: no runner runs
    (workflows.e2e_test_findings, "no step runs E2E tests"),
    (workflows.coverage_report_findings, "the coverage report is not published"),
    (workflows.env_deploy_findings, "job deploy of the staging workflow deploys to environment "
                                    "production"),
    (workflows.approval_findings, "job deploy deploys to production without environment"),
    (workflows.approval_findings, "production.json:10: the production environment has no "
                                  "required_reviewers"),
    (workflows.rollback_trigger_findings, "rollback.yml runs only on push, workflow-dispatch"),
]


@pytest.mark.parametrize(("probe", "expected"), CONTENT, ids=[p.__name__ for p, _ in CONTENT])
def test_content_criteria(
    good_repo: Path, broken_repo: Path, probe: Callable[[Path], list[Finding]], expected: str
) -> None:
    assert probe(good_repo) == []
    assert expected in text_of(probe(broken_repo))


def test_coverage_gate(good_repo: Path, broken_repo: Path) -> None:
    assert workflows.coverage_gate_findings(good_repo, 80) == []
    assert min(g.value for g in workflows.coverage_gates(good_repo)) == 80
    found = workflows.coverage_gate_findings(broken_repo, 80)
    assert [(f.file, f.line) for f in found] == [(".github/workflows/coverage-report.yml", 28)]
    assert "coverage gate 60 %" in found[0].message
    # the threshold is the caller's (the catalog's), not the probe's
    assert workflows.coverage_gate_findings(good_repo, 85) != []


def test_dependency_update_sources(good_repo: Path, broken_repo: Path) -> None:
    assert workflows.dependency_update_sources(good_repo) == [
        ".github/dependabot.yml", ".github/workflows/dependency-update.yml (on: schedule)"
    ]
    assert workflows.dependency_update_sources(broken_repo) == []


def test_environment_export(good_repo: Path, tmp_path: Path) -> None:
    assert workflows.environment_export(good_repo) == (
        good_repo / ".github/environments/production.json"
    )
    assert workflows.environment_export(tmp_path) is None


# --- edge cases -----------------------------------------------------------------------


def test_missing_workflow_says_what_was_searched(tmp_path: Path) -> None:
    (found,) = workflows.workflow_findings(tmp_path, "rollback.yml")
    assert found.file == "rollback.yml"
    assert found.message.startswith("not found: rollback.yml (searched .github/workflows/")
    assert "node_modules" in found.message
    (found,) = workflows.rollback_trigger_findings(tmp_path)
    assert found.message.startswith("not found: rollback.yml")


def test_unparsable_workflow_has_a_line(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/build.yml", "name: build\non: [push\njobs: {}\n")
    (found,) = workflows.workflow_findings(tmp_path, "build.yml")
    assert found.file == ".github/workflows/build.yml"
    assert found.line == 3
    assert found.message.startswith("invalid YAML")


def test_not_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/test.yml", "- just\n- a list\n")
    (found,) = workflows.workflow_findings(tmp_path, "test.yml")
    assert "not a workflow" in found.message


def test_workflow_found_anywhere_and_as_yaml(tmp_path: Path) -> None:
    write(tmp_path, "ci/pipelines/build.yaml", SOUND)
    found = workflow_model.find_workflow(tmp_path, "build.yml")
    assert found == tmp_path / "ci/pipelines/build.yaml"
    assert workflows.workflow_findings(tmp_path, "build.yml") == []


def test_conventional_folder_wins(tmp_path: Path) -> None:
    write(tmp_path, "build.yml", "not: a workflow\n")
    write(tmp_path, ".github/workflows/build.yaml", SOUND)
    assert workflow_model.find_workflow(tmp_path, "build.yml") == (
        tmp_path / ".github/workflows/build.yaml"
    )


def test_timeouts_skip_reusable_workflow_calls(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND + (
        "  caches:\n    uses: ./.github/workflows/cache-config.yml\n"
        "  slow:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n"
    ))
    workflow = workflow_model.load_workflow(tmp_path, "build.yml")
    assert isinstance(workflow, workflow_model.Workflow)
    (found,) = workflows.timeout_findings(workflow)
    assert (found.line, found.message.split(":")[0]) == (11, "job slow sets no timeout-minutes")


@pytest.mark.parametrize(("uses", "pinned"), [
    ("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", True),
    ("actions/checkout@v4", True),
    ("actions/checkout@v4.2.2", True),
    ("actions/checkout@main", False),
    ("actions/checkout@feature/x", False),
    ("actions/checkout", False),
    ("./.github/actions/setup", True),
    ("docker://alpine:3.20", True),
    ("docker://alpine@sha256:" + "a" * 64, True),
    ("docker://alpine", False),
    ("docker://alpine:latest", False),
])
def test_pinning(tmp_path: Path, uses: str, pinned: bool) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND + f"      - uses: {uses}\n")
    workflow = workflow_model.load_workflow(tmp_path, "build.yml")
    assert isinstance(workflow, workflow_model.Workflow)
    found = workflows.pinning_findings(workflow)
    assert (found == []) is pinned
    assert all(f.line == 9 for f in found)


def test_matrix_counts_as_parallel(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND.replace(
        "    timeout-minutes: 5\n",
        "    timeout-minutes: 5\n    strategy:\n      matrix:\n        node: [20, 22]\n",
    ))
    assert workflows.parallel_build_findings(tmp_path) == []
    write(tmp_path, ".github/workflows/build.yml", SOUND)
    assert "no parallel build: 1 job(s) (build)" in text_of(
        workflows.parallel_build_findings(tmp_path)
    )


@pytest.mark.parametrize(("relative", "text", "value"), [
    ("jest.config.js",
     "module.exports = {\n  coverageThreshold: {\n"
     "    global: { lines: 85, branches: 80 },\n  },\n};\n",
     80),
    ("pyproject.toml", "[tool.coverage.report]\nfail_under = 90\n", 90),
    (".github/workflows/coverage-report.yml",
     "jobs:\n  c:\n    steps:\n      - run: ./gate --coverage-threshold 80\n", 80),
    (".github/workflows/test.yml", "      - run: pytest --cov=app --cov-fail-under=75\n", 75),
    ("package.json", '{"scripts": {"cov": "c8 --check-coverage --lines 82 vitest"}}\n', 82),
    ("codecov.yml",
     "coverage:\n  status:\n    project:\n      default:\n        target: 81%\n", 81),
])
def test_coverage_gate_forms(tmp_path: Path, relative: str, text: str, value: float) -> None:
    write(tmp_path, relative, text)
    gates = workflows.coverage_gates(tmp_path)
    assert gates and min(g.value for g in gates) == value
    assert all(g.file == relative and g.line >= 1 for g in gates)


def test_commented_gate_is_no_gate(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/coverage-report.yml", "# --coverage-threshold 80\n")
    (found,) = workflows.coverage_gate_findings(tmp_path, 80)
    assert found.message.startswith("no coverage gate")


def test_approval_through_a_gate_job(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/deploy-production.yml", (
        "on: [workflow_dispatch]\njobs:\n"
        "  approve:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    environment: production\n    steps:\n      - run: echo approved\n"
        "  deploy:\n    needs: approve\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"
        "    steps:\n      - run: ./scripts/deploy.sh production\n"
    ))
    assert workflows.approval_findings(tmp_path) == []
    write(tmp_path, ".github/environments/production.json",
           '{"name": "production", "protection_rules": [\n'
           '  {"type": "required_reviewers", "reviewers": []}\n]}\n')
    (found,) = workflows.approval_findings(tmp_path)
    assert (found.line, found.message) == (2, "required_reviewers lists no reviewer")


def test_rollback_by_workflow_run(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/rollback.yml", (
        "on:\n  workflow_run:\n    workflows: [deploy-production]\n    types: [completed]\n"
        "jobs:\n  rollback:\n    if: github.event.workflow_run.conclusion == 'failure'\n"
        "    runs-on: ubuntu-latest\n    timeout-minutes: 10\n"
        "    steps:\n      - run: npx vercel rollback --yes\n"
    ))
    assert workflows.rollback_trigger_findings(tmp_path) == []


def test_scanner_missing_is_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND)
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    with pytest.raises(NotVerified, match="check-jsonschema is not installed"):
        workflows.workflow_findings(tmp_path, "build.yml")
    with pytest.raises(NotVerified, match="zizmor is not installed"):
        workflows.zizmor_findings(tmp_path)


def test_scanner_without_report_is_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND)

    def crashed(name: str, args: list[str], inputs: list[Path], **_: object) -> ToolRun:
        return ToolRun(name, [name, *args], 2, "", "boom: cannot load schema", 0.1)

    monkeypatch.setattr(workflows, "run_scanner", crashed)
    with pytest.raises(NotVerified, match="check-jsonschema gave no JSON report: boom"):
        workflows.schema_findings(tmp_path)


def test_no_workflows_no_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    assert workflows.schema_findings(tmp_path) == {}
    assert workflows.zizmor_findings(tmp_path) == {}


def test_only_invalid_workflows_still_judged(tmp_path: Path) -> None:
    # zizmor refuses to run when no input fits its schema; the schema finding still fails it
    write(tmp_path, ".github/workflows/build.yml", SOUND.replace("steps:", "stepz:"))
    found = workflows.workflow_findings(tmp_path, "build.yml")
    assert "Additional properties are not allowed ('stepz' was unexpected)" in text_of(found)
    assert found[0].line == 4


def test_workflow_zizmor_skipped_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, ".github/workflows/build.yml", SOUND)
    def scanner(name: str, args: list[str], inputs: list[Path], **kw: object) -> ToolRun:
        if name != "zizmor":
            return scanners.run_scanner(name, args, inputs, **kw)  # type: ignore[arg-type]
        stderr = (" WARN collect_inputs: failed to validate file://.github/workflows/build.yml"
                  " as workflow: input does not match expected validation schema\n"
                  "error: no inputs collected\n")
        return ToolRun(name, [name, *args], 3, "", stderr, 0.1)

    monkeypatch.setattr(workflows, "run_scanner", scanner)
    (found,) = workflows.workflow_findings(tmp_path, "build.yml")
    assert found.message == (
        "zizmor could not audit it: input does not match expected validation schema"
    )


# --- tests matched as commands ------------------------------------------------------------

_TESTS = """\
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - {step}
"""


@pytest.mark.parametrize(("step", "runs"), [
    ("run: npx playwright test", True),
    ("uses: cypress-io/github-action@v6", True),
    ("run: pnpm --filter web test:e2e", True),
    ("run: npx nx run-many -t e2e", True),
    ("run: make e2e", True),
    ('run: echo "e2e tests are disabled"', False),
    ("run: echo playwright test skipped", False),
    ("run: npx playwright install --with-deps", False),
    ("run: npx playwright test || true", False),
    ("run: npx playwright test || :", False),
    ("{if: false, run: npx playwright test}", False),
    ("{if: '${{ false }}', run: npx playwright test}", False),
    ("{uses: cypress-io/github-action@v6, with: {runTests: false}}", False),
    ('run: "if false; then\\n  npx playwright test\\nfi"', False),
    ('run: "exit 0\\nnpx playwright test"', False),
    ('run: "set +e\\nnpx playwright test\\necho done"', False),
])
def test_e2e_step_is_a_runner_that_counts(tmp_path: Path, step: str, runs: bool) -> None:
    write(tmp_path, ".github/workflows/e2e-test.yml", _TESTS.format(step=step))
    found = workflows.e2e_test_findings(tmp_path)
    assert (found == []) is runs, text_of(found)


@pytest.mark.parametrize(("step", "scripts", "runs"), [
    ("run: npm test", '{"test": "vitest run"}', False),  # a unit runner is no E2E
    ("run: npm test", '{"test": "echo \\"Error: no test specified\\" && exit 1"}', False),
    ("run: npm run test:e2e", '{"test:e2e": "echo skipped"}', False),
    ("run: pnpm test:e2e", '{"test:e2e": "playwright test"}', True),
    ("run: yarn e2e", '{"e2e": "start-server-and-test start 3000 \'cypress run\'"}', False),
    ("run: npm run e2e:ci", '{"e2e:ci": "npm run e2e", "e2e": "cypress run"}', True),
])
def test_e2e_resolved_through_package_json(
    tmp_path: Path, step: str, scripts: str, runs: bool
) -> None:
    write(tmp_path, "package.json", f'{{"scripts": {scripts}}}')
    write(tmp_path, ".github/workflows/e2e-test.yml", _TESTS.format(step=step))
    found = workflows.e2e_test_findings(tmp_path)
    assert (found == []) is runs, text_of(found)


@pytest.mark.parametrize(("step", "runs"), [
    ("run: npx vitest run", True),
    ("run: npx turbo run test --filter=...[origin/main]", True),
    ("run: pnpm nx affected -t test", True),
    ("run: make test", True),
    ("run: go test ./...", True),
    ("run: python -m pytest -q", True),
    ('run: echo "tests available after the migration"', False),  # `ava` inside "available"
    ("run: make lint", False),
    ("run: npx turbo run build", False),
    ("run: npx vitest run || true", False),
])
def test_unit_step_is_a_runner(tmp_path: Path, step: str, runs: bool) -> None:
    write(tmp_path, ".github/workflows/test.yml", _TESTS.format(step=step))
    found = workflows.unit_test_findings(tmp_path)
    assert (found == []) is runs, text_of(found)


_REUSABLE = """\
on: [workflow_call]
jobs:
  e2e:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    steps:
      - run: npx playwright test
"""
_CALLER = """\
on:
  {trigger}
jobs:
  e2e:
    uses: ./.github/workflows/reusable-e2e.yml
"""


@pytest.mark.parametrize(("trigger", "gates"), [
    ("push: {branches: [main]}", True),
    ("pull_request:", True),
    ("workflow_dispatch:", False),
])
def test_reusable_e2e_gates_through_its_callers(
    tmp_path: Path, trigger: str, gates: bool
) -> None:
    write(tmp_path, ".github/workflows/reusable-e2e.yml", _REUSABLE)
    write(tmp_path, ".github/workflows/ci.yml", _CALLER.format(trigger=trigger))
    found = workflows.e2e_test_findings(tmp_path)
    assert (found == []) is gates, text_of(found)
    taken = {m.role: m for m in discover.roles_taken(tmp_path)}
    assert taken["e2e-test.yml"].how == "content: its jobs run E2E tests"


def test_e2e_role_by_equivalent_name(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/playwright.yml", _TESTS.format(
        step="run: npx playwright test"))
    assert workflows.e2e_test_findings(tmp_path) == []
    assert workflows.workflow_findings(tmp_path, "e2e-test.yml") == []
    (match,) = discover.roles_taken(tmp_path)
    assert (match.role, match.path.name, match.renamed) == ("e2e-test.yml", "playwright.yml", True)


def test_ignored_e2e_failures_still_found(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/e2e-test.yml", _TESTS.format(
        step="{continue-on-error: true, run: npx playwright test}"))
    assert "E2E test failures are ignored" in text_of(workflows.e2e_test_findings(tmp_path))


def test_remote_reusable_tests_are_not_verified(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/test.yml", (
        "on: [push]\njobs:\n  test:\n"
        "    uses: acme/shared/.github/workflows/node-test.yml@v3\n"))
    with pytest.raises(NotVerified, match=r"calls acme/shared/\.github/workflows/node-test"):
        workflows.unit_test_findings(tmp_path)
