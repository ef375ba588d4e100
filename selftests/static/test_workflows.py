"""The workflow probes: pass on the good sample repo, the expected finding on the broken one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
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
    (workflows.e2e_test_findings, "E2E test failures are ignored"),
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
