"""The script probes: pass on the good sample repo, the expected finding on the broken one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.facts.repo import shellscript
from golive.facts.scans import runner as scanners
from golive.rules import shell

from ._helpers import text_of, write

STRICT = "#!/usr/bin/env bash\nset -euo pipefail\n"




BROKEN_SCRIPTS = {
    "deploy.sh": ["scripts/deploy.sh:37: shellcheck SC2086",
                  "no strict mode: nounset, pipefail not set"],
    "env-check.sh": ["no strict mode: errexit, nounset, pipefail", "never exits non-zero"],
    "backup.sh": ["scripts/backup.sh:13: shellcheck SC2086"],
    "health-check.sh": ["scripts/health-check.sh:26: shellcheck SC2086"],
    "resource-monitor.sh": ["no strict mode"],
    "config-validator.sh": ["scripts/config-validator.sh:1: shellcheck SC2148 (error)"],
}


@pytest.mark.parametrize("name", shell.PLAN_SCRIPTS)
def test_plan_script_sound_on_good(good_repo: Path, name: str) -> None:
    assert shell.script_findings(good_repo, name) == []


@pytest.mark.parametrize(("name", "expected"), BROKEN_SCRIPTS.items())
def test_plan_script_defect_on_broken(broken_repo: Path, name: str, expected: list[str]) -> None:
    messages = text_of(shell.script_findings(broken_repo, name))
    for text in expected:
        assert text in messages


CONTENT: list[tuple[Callable[[Path], list[Finding]], str]] = [
    (shell.deploy_env_check_findings, "deploy.sh never calls env-check.sh"),
    (shell.deploy_backup_findings, "scripts/deploy.sh:49: backup.sh runs at line 49, after the "
                                   "deploy command at line 34"),
    (shell.backup_schedule_findings, "backup.sh is not scheduled"),
    (shell.backup_incremental_findings, "backup.sh has no incremental or differential mode"),
    (shell.restore_procedure_findings, "no restore path"),
    (shell.dependency_service_findings, "checks no database"),
    (shell.resource_status_findings, "reads no disk usage"),
    (shell.config_validation_findings, "checks no value"),
]


@pytest.mark.parametrize(("probe", "expected"), CONTENT, ids=[p.__name__ for p, _ in CONTENT])
def test_content_criteria(
    good_repo: Path, broken_repo: Path, probe: Callable[[Path], list[Finding]], expected: str
) -> None:
    assert probe(good_repo) == []
    assert expected in text_of(probe(broken_repo))


def test_backup_schedules_of_good(good_repo: Path) -> None:
    schedules = [(s.file, s.cron) for s in shell.backup_schedules(good_repo)]
    assert (".github/workflows/backup.yml", "0 18 * * *") in schedules
    assert (".github/workflows/backup.yml", "0 3,9,15 * * *") in schedules


# --- edge cases -----------------------------------------------------------------------


def test_missing_script_says_what_was_searched(tmp_path: Path) -> None:
    (found,) = shell.script_findings(tmp_path, "backup.sh")
    assert (found.file, found.line) == ("backup.sh", None)
    assert found.message.startswith("not found: backup.sh anywhere in the repository")
    for probe in (shell.backup_schedule_findings, shell.restore_procedure_findings,
                  shell.deploy_backup_findings):
        assert probe(tmp_path)[0].message.startswith("not found: ")


@pytest.mark.parametrize(("lines", "missing"), [
    ("set -euo pipefail\n", ""),
    ("set -Eeuo pipefail\n", ""),
    ("set -o errexit -o nounset -o pipefail\n", ""),
    ("set -eu\nset -o pipefail\n", ""),
    ("set -e\n", "nounset, pipefail"),
    ("set -euo pipefail  # strict\n", ""),
    ("# set -euo pipefail\n", "errexit, nounset, pipefail"),
    ("", "errexit, nounset, pipefail"),
])
def test_strict_mode_forms(tmp_path: Path, lines: str, missing: str) -> None:
    write(tmp_path, "scripts/health-check.sh", "#!/usr/bin/env bash\n" + lines + "echo hi\n")
    script = shellscript.load_script(tmp_path, "health-check.sh")
    assert isinstance(script, shellscript.Script)
    found = shell.strict_mode_findings(script)
    if missing:
        assert f"no strict mode: {missing} not set" in found[0].message
    else:
        assert found == []


def test_order_through_functions(tmp_path: Path) -> None:
    # the repository walk is cached per run: each variant gets its own folder
    write(tmp_path / "a", "scripts/deploy.sh", STRICT + (
        'deploy() {\n  npx vercel deploy --prod\n}\n'
        'prepare() {\n  ./scripts/env-check.sh production\n  ./scripts/backup.sh full\n}\n'
        'prepare\n'
        'deploy\n'
    ))
    assert shell.deploy_env_check_findings(tmp_path / "a") == []
    assert shell.deploy_backup_findings(tmp_path / "a") == []
    write(tmp_path / "b", "scripts/deploy.sh", STRICT + (
        'deploy() {\n  npx vercel deploy --prod\n}\n'
        'deploy\n'
        'echo "now run backup.sh"\n'
        './scripts/backup.sh full\n'
    ))
    (found,) = shell.deploy_backup_findings(tmp_path / "b")
    assert found.line == 8
    assert "backup.sh runs at line 8, after the deploy command at line 6" in found.message


def test_cron_line_in_docs_schedules_backup(tmp_path: Path) -> None:
    for variant in ("a", "b"):
        write(tmp_path / variant, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
    assert shell.backup_schedule_findings(tmp_path / "a") != []
    write(tmp_path / "b", "docs/ops.md", "```\n0 3 * * * /opt/app/scripts/backup.sh full\n```\n")
    assert shell.backup_schedule_findings(tmp_path / "b") == []
    assert [(s.file, s.line, s.cron) for s in shell.backup_schedules(tmp_path / "b")] == [
        ("docs/ops.md", 2, "0 3 * * *")
    ]


def test_restore_script_needs_documentation(tmp_path: Path) -> None:
    for variant in ("a", "b"):
        write(tmp_path / variant, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
        write(tmp_path / variant, "scripts/restore-db.sh", STRICT + "pg_restore \"$1\"\n")
    assert "not documented" in text_of(shell.restore_procedure_findings(tmp_path / "a"))
    doc = "# リストア\n\n`scripts/restore-db.sh <file>` を実行する。\n"
    write(tmp_path / "b", "docs/restore.md", doc)
    assert shell.restore_procedure_findings(tmp_path / "b") == []


def test_shellcheck_missing_is_not_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "scripts/deploy.sh", STRICT + "npx vercel deploy --prod\n")
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    with pytest.raises(NotVerified, match="shellcheck is not installed"):
        shell.script_findings(tmp_path, "deploy.sh")
