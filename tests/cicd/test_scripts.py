"""CI/CD: the automation scripts (Week 1 / Day 3-4 / 自動化スクリプトの整備)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.facts.repo.shellscript import Script, load_script
from golive.rules import runners, shell

# plan deliverable → its criterion
SCRIPT_CRITERIA = {
    "deploy.sh": "cicd.script-deploy",
    "env-check.sh": "cicd.script-env-check",
    "backup.sh": "cicd.script-backup",
    "health-check.sh": "cicd.script-health-check",
    "resource-monitor.sh": "cicd.script-resource-monitor",
    "config-validator.sh": "cicd.script-config-validator",
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.criterion(criterion_id), id=name)
        for name, criterion_id in SCRIPT_CRITERIA.items()
    ],
)
def test_script_sound(name: str, criterion: CriterionContext, repo_path: Path) -> None:
    """Present, shellcheck-clean, set -euo pipefail, and it does what the plan names."""
    criterion.expect_no_findings(shell.script_findings(repo_path, name), what=name)


def _record_deploy_flow(evidence: Evidence, repo: Path, callee: str) -> None:
    """What was read: deploy.sh's commands (sourced files and functions followed), its
    deploy commands and the calls of ``callee`` with why a call would not count."""
    script = load_script(repo, "deploy.sh")
    if not isinstance(script, Script):
        return
    commands = shell.script_commands(repo, script)
    evidence.record(
        "deploy.sh commands examined", len(commands), "commands", file=script.shown,
        deploys=[{"line": n, "runs": d} for n, c in commands
                 if (d := runners.deploy_command(c.words))],
        calls=[{"line": n, "counts": c.neutralised is None, "why not": c.neutralised}
               for n, c in commands if callee in (c.name, *map(_base, c.words[1:3]))],
    )


def _base(word: str) -> str:
    return word.rsplit("/", 1)[-1]


@pytest.mark.criterion("cicd.deploy-env-check")
def test_deploy_checks_environment_first(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    _record_deploy_flow(evidence, repo_path, "env-check.sh")
    criterion.expect_no_findings(
        shell.deploy_env_check_findings(repo_path), what="deploy.sh environment check"
    )


@pytest.mark.criterion("cicd.deploy-backup")
def test_deploy_backs_up_first(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    _record_deploy_flow(evidence, repo_path, "backup.sh")
    criterion.expect_no_findings(
        shell.deploy_backup_findings(repo_path), what="deploy.sh pre-deploy backup"
    )


@pytest.mark.criterion("cicd.backup-schedule")
def test_backup_scheduled(criterion: CriterionContext, evidence: Evidence, repo_path: Path) -> None:
    schedules = shell.backup_schedules(repo_path)
    evidence.record(
        "backup schedules", len(schedules), "schedules",
        schedules=[{"file": s.file, "line": s.line, "cron": s.cron} for s in schedules],
    )
    criterion.expect_no_findings(
        shell.backup_schedule_findings(repo_path), what="backup schedule"
    )


@pytest.mark.criterion("cicd.backup-incremental")
def test_backup_incremental(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        shell.backup_incremental_findings(repo_path), what="backup.sh incremental mode"
    )


@pytest.mark.criterion("cicd.restore-procedure")
def test_restore_procedure(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        shell.restore_procedure_findings(repo_path), what="restore procedure"
    )


@pytest.mark.criterion("cicd.dependency-service-check")
def test_dependency_services_checked(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        shell.dependency_service_findings(repo_path), what="health-check.sh"
    )


@pytest.mark.criterion("cicd.resource-status-check")
def test_resource_status_checked(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        shell.resource_status_findings(repo_path), what="resource-monitor.sh"
    )


@pytest.mark.criterion("cicd.config-validation")
def test_config_values_validated(criterion: CriterionContext, repo_path: Path) -> None:
    criterion.expect_no_findings(
        shell.config_validation_findings(repo_path), what="config-validator.sh"
    )
