"""The CI gate probes (test suites and scans on pull requests, tests on dependency updates,
staging before production): good passes, broken fails where planted, edge cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding
from golive.rules import cigates

from ._helpers import text_of, write

PROBES: dict[str, Callable[[Path], list[Finding]]] = {
    "unit": lambda repo: cigates.suite_findings(repo, "unit"),
    "integration": lambda repo: cigates.suite_findings(repo, "integration"),
    "scan": cigates.security_scan_findings,
    "pretest": cigates.update_pretest_findings,
    "staged": cigates.staged_rollout_findings,
}

# probe → a planted defect: (file, line, part of the message)
BROKEN = {
    "unit": (".github/workflows/test.yml", 4,
             "runs the unit tests only on workflow_dispatch, not on pull_request"),
    "integration": (".github/workflows/integration-test.yml", 5,
                    "runs the integration tests only on schedule, workflow_dispatch"),
    "scan": (".github/workflows/security-scan.yml", 4,
             "runs npm audit only on schedule, workflow_dispatch, not on pull_request"),
    "pretest": (".github/workflows/test.yml", 4,
                "dependency updates (from .github/workflows/dependency-update.yml) merge "
                "untested"),
    "staged": (".github/workflows/deploy-staging.yml", 5,
               "deploys to production (job deploy) on push to main, pull_request_target"),
}


@pytest.mark.parametrize("name", PROBES)
def test_good_repo_passes(good_repo: Path, name: str) -> None:
    assert PROBES[name](good_repo) == []


@pytest.mark.parametrize("name", PROBES)
def test_broken_repo_fails_where_planted(broken_repo: Path, name: str) -> None:
    found = PROBES[name](broken_repo)
    file, line, message = BROKEN[name]
    assert any(f.file == file and f.line == line and message in f.message for f in found), \
        text_of(found)
    assert all(f.line for f in found)


def test_broken_staged_rollout_names_every_gap(broken_repo: Path) -> None:
    found = text_of(cigates.staged_rollout_findings(broken_repo))
    assert "deploy-staging.yml:19: no job deploys to a staging environment" in found
    assert "deploy-production.yml:36: job deploy deploys to production outside environment: " \
           "production" in found
    assert ".github/environments/production.json:10: the production environment requires no " \
           "reviewer" in found


def test_good_repo_facts(good_repo: Path) -> None:
    assert "src/lib/env-validation.test.ts" in cigates.suite_files(good_repo, "unit")
    assert cigates.suite_files(good_repo, "integration") == [
        "tests/integration/sessions-rls.test.ts"]
    scanners = {s.scanner for s in cigates.scan_steps(good_repo) if s.on_pull_requests}
    assert {"actions/dependency-review-action", "npm audit", "zizmor"} <= scanners
    assert cigates.update_sources(good_repo) == [
        ".github/dependabot.yml", ".github/workflows/dependency-update.yml"]


# --- edge cases -----------------------------------------------------------------------------

JOB = "    runs-on: ubuntu-latest\n    timeout-minutes: 5\n"


def _workflow(on: str, *steps: str, job: str = "") -> str:
    body = "".join(f"      - {s}\n" for s in steps)
    return f"name: w\non: {on}\njobs:\n  t:\n{JOB}{job}    steps:\n{body}"


def test_no_workflow_and_no_test_files(tmp_path: Path) -> None:
    found = cigates.suite_findings(tmp_path, "unit")
    assert [f.message.split(":")[0] for f in found] == ["not found", "not found"]
    assert "*.test.ts" in found[0].message and "no workflow in .github/workflows/" in \
        found[1].message


@pytest.mark.parametrize(("path", "kind"), [
    ("src/a.test.ts", "unit"),
    ("lib/__tests__/b.js", "unit"),
    ("tests/test_app.py", "unit"),
    ("pkg/x_test.go", "unit"),
    ("tests/integration/db.test.ts", "integration"),
    ("src/db.integration.test.ts", "integration"),
    ("tests/test_integration_db.py", "integration"),
    ("e2e/login.spec.ts", "e2e"),
    ("src/a.ts", None),
])
def test_test_file_kinds(tmp_path: Path, path: str, kind: str | None) -> None:
    write(tmp_path, path, "x\n")
    assert {k: cigates.suite_files(tmp_path, k) for k in ("unit", "integration", "e2e")} == {
        k: [path] if k == kind else [] for k in ("unit", "integration", "e2e")}


def test_npm_scripts_are_expanded(tmp_path: Path) -> None:
    write(tmp_path, "package.json", '{"scripts": {"test": "vitest run", '
                                    '"test:int": "vitest run -c vitest.integration.config.ts"}}')
    write(tmp_path, "src/a.test.ts", "x\n")
    write(tmp_path, "tests/integration/b.test.ts", "x\n")
    write(tmp_path, ".github/workflows/ci.yml",
          _workflow("[pull_request]", "run: npm test", "run: npm run test:int"))
    assert cigates.suite_findings(tmp_path, "unit") == []
    assert cigates.suite_findings(tmp_path, "integration") == []


def test_excluding_integration_is_a_unit_run(tmp_path: Path) -> None:
    write(tmp_path, "tests/test_a.py", "x\n")
    write(tmp_path, "tests/integration/test_b.py", "x\n")
    write(tmp_path, ".github/workflows/ci.yml",
          _workflow("[pull_request]", 'run: pytest -m "not integration"'))
    assert cigates.suite_findings(tmp_path, "unit") == []
    assert "no workflow step runs the integration tests" in text_of(
        cigates.suite_findings(tmp_path, "integration"))


@pytest.mark.parametrize(("step", "job", "expected"), [
    ("run: npm test || true", "", "cannot fail the pull request ('npm test || true' ignores"),
    ("run: npx vitest run\n        continue-on-error: true", "",
     ".github/workflows/ci.yml:9: the unit tests in job t cannot fail the pull request "
     "(continue-on-error: true)"),
    ("run: npx vitest run", "    if: github.event_name == 'push'\n",
     ".github/workflows/ci.yml:7: .github/workflows/ci.yml runs the unit tests in job t only "
     "under a condition that skips pull requests"),
])
def test_unit_run_that_does_not_gate(tmp_path: Path, step: str, job: str, expected: str) -> None:
    write(tmp_path, "src/a.test.ts", "x\n")
    write(tmp_path, ".github/workflows/ci.yml", _workflow("[pull_request]", step, job=job))
    assert expected in text_of(cigates.suite_findings(tmp_path, "unit"))


def test_e2e_runs_are_not_unit_runs(tmp_path: Path) -> None:
    write(tmp_path, "src/a.test.ts", "x\n")
    write(tmp_path, ".github/workflows/e2e.yml",
          _workflow("[pull_request]", "run: npx playwright test"))
    assert "no workflow step runs the unit tests" in text_of(
        cigates.suite_findings(tmp_path, "unit"))


# --- vulnerability scans --------------------------------------------------------------------


def test_no_scan(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/ci.yml",
          _workflow("[pull_request]", "run: npm install --no-audit"))
    (found,) = cigates.security_scan_findings(tmp_path)
    assert found.message.startswith("no workflow runs a vulnerability scan")


@pytest.mark.parametrize(("step", "expected"), [
    ("uses: actions/dependency-review-action@v4\n        with:\n          warn-only: true",
     "actions/dependency-review-action in job t cannot fail the pull request (warn-only: true)"),
    ("uses: aquasecurity/trivy-action@0.28.0\n        with:\n          exit-code: '0'",
     "cannot fail the pull request (exit-code: 0)"),
    ("run: trivy fs --exit-code 0 .", "'trivy fs --exit-code 0 .' ignores its exit status"),
    ("run: pip-audit || true", "'pip-audit || true' ignores its exit status"),
])
def test_ignored_scan(tmp_path: Path, step: str, expected: str) -> None:
    write(tmp_path, ".github/workflows/scan.yml", _workflow("[pull_request]", step))
    assert expected in text_of(cigates.security_scan_findings(tmp_path))


@pytest.mark.parametrize("step", [
    "run: npm audit --audit-level=high",
    "uses: github/codeql-action/analyze@v3",
    "run: bandit -r src",
    "run: osv-scanner --lockfile package-lock.json",
])
def test_scan_on_pull_requests(tmp_path: Path, step: str) -> None:
    write(tmp_path, ".github/workflows/scan.yml", _workflow("{pull_request: {}}", step))
    assert cigates.security_scan_findings(tmp_path) == []


# --- dependency updates ---------------------------------------------------------------------

DEPENDABOT = "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n" \
             "    schedule:\n      interval: weekly\n"


def test_no_update_source_is_not_found(tmp_path: Path) -> None:
    (found,) = cigates.update_pretest_findings(tmp_path)
    assert found.message.startswith("not found: no source of dependency updates")


def test_tests_on_every_update_pull_request(tmp_path: Path) -> None:
    write(tmp_path, ".github/dependabot.yml", DEPENDABOT)
    write(tmp_path, ".github/workflows/test.yml", _workflow("[pull_request]", "run: npm test"))
    assert cigates.update_pretest_findings(tmp_path) == []


def test_paths_ignore_of_the_lockfile_skips_updates(tmp_path: Path) -> None:
    write(tmp_path, ".github/dependabot.yml", DEPENDABOT)
    write(tmp_path, ".github/workflows/test.yml", _workflow(
        "\n  pull_request:\n    paths-ignore: [package-lock.json, '**.md']", "run: npm test"))
    (found,) = cigates.update_pretest_findings(tmp_path)
    assert (found.file, found.line) == (".github/workflows/test.yml", 4)
    assert "paths-ignore" in found.message and "merge untested" in found.message


def test_a_job_condition_skipping_dependabot(tmp_path: Path) -> None:
    write(tmp_path, "renovate.json", "{}\n")
    write(tmp_path, ".github/workflows/test.yml", _workflow(
        "[pull_request]", "run: npx vitest run",
        job="    if: github.actor != 'dependabot[bot]'\n"))
    (found,) = cigates.update_pretest_findings(tmp_path)
    assert "skips dependency update pull requests" in found.message
    assert found.line == 7


UPDATER = (
    "name: deps\non:\n  schedule:\n    - cron: '0 0 * * 1'\njobs:\n  update:\n{job}"
    "    steps:\n      - run: npx npm-check-updates -u && npm install\n{tests}"
    "      - env:\n          GH_TOKEN: ${{{{ {token} }}}}\n        run: gh pr create --fill\n"
)


@pytest.mark.parametrize(("tests", "token", "failing"), [
    ("", "secrets.GITHUB_TOKEN", True),
    ("      - run: npm test\n", "secrets.GITHUB_TOKEN", False),
    ("", "secrets.DEPS_BOT_TOKEN", False),  # its pull request starts test.yml
])
def test_updater_with_the_default_token_tests_first(
    tmp_path: Path, tests: str, token: str, failing: bool
) -> None:
    write(tmp_path, ".github/workflows/test.yml", _workflow("[pull_request]", "run: npm test"))
    write(tmp_path, ".github/workflows/deps.yml",
          UPDATER.format(job=JOB, tests=tests, token=token))
    found = cigates.update_pretest_findings(tmp_path)
    assert cigates.update_sources(tmp_path) == [".github/workflows/deps.yml"]
    if failing:
        (finding,) = found
        assert (finding.file, finding.line) == (".github/workflows/deps.yml", 13)
        assert "opens the update pull request with GITHUB_TOKEN" in finding.message
    else:
        assert found == []


# --- staged rollout -------------------------------------------------------------------------

EXPORT = ('{"name": "production", "protection_rules": [{"type": "required_reviewers", '
          '"reviewers": [{"type": "Team"}]}]}\n')


def _deploy(environment: str, command: str, extra: str = "") -> str:
    return (f"{JOB}    environment: {environment}\n{extra}"
            f"    steps:\n      - run: {command}\n")


def test_one_pipeline_staging_then_production(tmp_path: Path) -> None:
    write(tmp_path, ".github/environments/production.json", EXPORT)
    write(tmp_path, ".github/workflows/deploy.yml", (
        "on:\n  push:\n    branches: [main]\njobs:\n"
        "  staging:\n" + _deploy("staging", "./scripts/deploy.sh staging") +
        "  production:\n" + _deploy("production", "./scripts/deploy.sh production",
                                    "    needs: staging\n")
    ))
    assert cigates.staged_rollout_findings(tmp_path) == []


def test_production_not_waiting_for_staging(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/deploy.yml", (
        "on:\n  push:\n    branches: [main]\njobs:\n"
        "  staging:\n" + _deploy("staging", "vercel deploy") +
        "  production:\n" + _deploy("production", "vercel deploy --prod")
    ))
    (found,) = cigates.staged_rollout_findings(tmp_path)
    assert (found.line, found.message) == (
        11, "job production deploys to production without waiting for the staging job "
            "(staging): add needs: staging")


@pytest.mark.parametrize(("condition", "failing"), [
    ("", True),
    ("    if: github.event.workflow_run.conclusion == 'success'\n", False),
])
def test_promotion_after_workflow_run(tmp_path: Path, condition: str, failing: bool) -> None:
    write(tmp_path, ".github/environments/production.json", EXPORT)
    write(tmp_path, ".github/workflows/deploy-staging.yml", (
        "on:\n  push:\n    branches: [main]\njobs:\n  deploy:\n" +
        _deploy("staging", "./scripts/deploy.sh staging")))
    write(tmp_path, ".github/workflows/deploy-production.yml", (
        "on:\n  workflow_run:\n    workflows: [deploy-staging]\n    types: [completed]\njobs:\n"
        "  deploy:\n" + _deploy("production", "./scripts/deploy.sh production", condition)))
    found = cigates.staged_rollout_findings(tmp_path)
    if failing:
        (finding,) = found
        assert "without checking github.event.workflow_run.conclusion == 'success'" in \
            finding.message
    else:
        assert found == []


def test_staging_by_hand_only(tmp_path: Path) -> None:
    write(tmp_path, ".github/environments/production.json", EXPORT)
    write(tmp_path, ".github/workflows/deploy-staging.yml", (
        "on: [workflow_dispatch]\njobs:\n  deploy:\n" + _deploy("staging", "vercel deploy")))
    write(tmp_path, ".github/workflows/deploy-production.yml", (
        "on:\n  release:\n    types: [published]\njobs:\n  deploy:\n"
        + _deploy("production", "vercel deploy --prod")))
    (found,) = cigates.staged_rollout_findings(tmp_path)
    assert (found.file, found.line) == (".github/workflows/deploy-staging.yml", 1)
    assert "staging is deployed only on workflow_dispatch" in found.message


def test_rollback_jobs_are_not_deploys_and_production_is_required(tmp_path: Path) -> None:
    write(tmp_path, ".github/workflows/deploy-staging.yml", (
        "on: [push]\njobs:\n  deploy:\n" + _deploy("staging", "vercel deploy")))
    write(tmp_path, ".github/workflows/rollback.yml", (
        "on: [workflow_dispatch]\njobs:\n  rollback:\n"
        + _deploy("production-rollback", "npx vercel rollback --yes")))
    (found,) = cigates.staged_rollout_findings(tmp_path)
    assert found.message.startswith("no job deploys to production")
