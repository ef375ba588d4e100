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
    # strict mode is asked for only where its absence lets a failure pass (issue 9):
    # deploy.sh has set -e and no pipeline, so only nounset matters
    "deploy.sh": ["scripts/deploy.sh:37: shellcheck SC2086",
                  "no strict mode: nounset not set", "an unset $DATABASE_URL (line 34)"],
    "env-check.sh": ["no strict mode: nounset not set", "never exits non-zero"],
    "backup.sh": ["scripts/backup.sh:13: shellcheck SC2086"],
    "health-check.sh": ["scripts/health-check.sh:26: shellcheck SC2086"],
    "resource-monitor.sh": ["no strict mode: errexit not set", "the failure of `memory_usage` "
                            "(line 41) goes unchecked"],
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
    # the twin calls it as `env-check.sh "$ENVIRONMENT" || true`
    (shell.deploy_env_check_findings, "scripts/deploy.sh:31: the call of env-check.sh cannot "
                                      "stop the deploy, its failure is swallowed by '|| true'"),
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
    # a command, a pipeline and an outside variable: each option has something to protect
    write(tmp_path, "scripts/health-check.sh", "#!/usr/bin/env bash\n" + lines +
          'curl -fsS "$API_URL/health" | jq -e .ok\nnpm run build\necho hi\n')
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


def test_cron_line_in_docs_schedules_nothing(tmp_path: Path) -> None:
    # a cron line in a document is a plan, not a schedule (the broken twin carries one too)
    write(tmp_path, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
    write(tmp_path, "docs/ops.md", "```\n0 3 * * * /opt/app/scripts/backup.sh full\n```\n")
    write(tmp_path, "notes.txt", "0 3 * * * /opt/app/scripts/backup.sh full\n")
    assert shell.backup_schedules(tmp_path) == []
    assert "a cron line in a document schedules nothing" in text_of(
        shell.backup_schedule_findings(tmp_path))


SCHEDULERS = {
    "crontab": ("deploy/crontab", "0 3 * * * /opt/app/scripts/backup.sh full\n", "0 3 * * *"),
    "installer": ("scripts/install-cron.sh",
                  STRICT + "echo '15 2 * * * /srv/scripts/backup.sh' | crontab -\n",
                  "15 2 * * *"),
    "pg_cron": ("supabase/migrations/20240101_backup.sql",
                "select cron.schedule('nightly-backup', '30 1 * * *', "
                "$$ select net.http_post('https://ops.example/backup') $$);\n", "30 1 * * *"),
    "eventbridge": ("infra/backup-schedule.yml",
                    "Resources:\n  BackupRule:\n    Type: AWS::Events::Rule\n    Properties:\n"
                    "      ScheduleExpression: cron(0 18 * * ? *)\n", "cron(0 18 * * ? *)"),
    "terraform": ("infra/backup.tf",
                  'resource "aws_cloudwatch_event_rule" "backup" {\n'
                  '  schedule_expression = "rate(6 hours)"\n}\n', "rate(6 hours)"),
    "cronjob": ("k8s/backup-cronjob.yaml",
                "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: db-backup\nspec:\n"
                "  schedule: \"0 4 * * *\"\n", "0 4 * * *"),
}


@pytest.mark.parametrize("variant", SCHEDULERS)
def test_real_schedulers_schedule_the_backup(tmp_path: Path, variant: str) -> None:
    relative, text, cron = SCHEDULERS[variant]
    write(tmp_path, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
    write(tmp_path, relative, text)
    assert shell.backup_schedule_findings(tmp_path) == []
    assert [s.cron for s in shell.backup_schedules(tmp_path)] == [cron]


@pytest.mark.parametrize("text", [
    "# 0 3 * * * /opt/app/scripts/backup.sh full\n",  # commented out in the crontab
    "0 3 * * * /opt/app/scripts/cleanup.sh\n",  # another job
])
def test_crontab_without_the_backup(tmp_path: Path, text: str) -> None:
    write(tmp_path, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
    write(tmp_path, "crontab", text)
    assert shell.backup_schedules(tmp_path) == []


_SCHEDULED = """\
on:
  schedule:
    - cron: "0 18 * * *"
jobs:
  backup:
    runs-on: ubuntu-latest
    steps:
      - {step}
"""


@pytest.mark.parametrize(("step", "scheduled"), [
    ("run: ./scripts/backup.sh full", True),
    ("run: echo 'TODO: run ./scripts/backup.sh here'", False),
    ("{if: false, run: ./scripts/backup.sh full}", False),
    ("run: 'true  # ./scripts/backup.sh full'", False),
])
def test_scheduled_workflow_must_run_the_backup(
    tmp_path: Path, step: str, scheduled: bool
) -> None:
    write(tmp_path, "scripts/backup.sh", STRICT + "pg_dump \"$DATABASE_URL\"\n")
    write(tmp_path, ".github/workflows/nightly.yml", _SCHEDULED.format(step=step))
    assert bool(shell.backup_schedules(tmp_path)) is scheduled


ENV_CHECK_BYPASSES = {
    "or-colon": ('./scripts/env-check.sh production || :\n', "swallowed by '|| :'"),
    "or-echo": ('./scripts/env-check.sh production || echo "env check failed, continuing"\n',
                "swallowed by '|| echo"),
    "or-exit-0": ('./scripts/env-check.sh production || exit 0\n', "swallowed by '|| exit 0'"),
    "set-plus-e": ('set +e\n./scripts/env-check.sh production\nset -e\n', "errexit is off"),
    "if-false": ('if false; then\n  ./scripts/env-check.sh production\nfi\n',
                 "never runs: it sits inside a condition that is always false"),
    "background": ('./scripts/env-check.sh production &\n', "runs in the background"),
    "bash-or-true": ('bash scripts/env-check.sh production || true\n', "swallowed by '|| true'"),
}


@pytest.mark.parametrize("variant", ENV_CHECK_BYPASSES)
def test_neutralised_env_check_cannot_stop_the_deploy(tmp_path: Path, variant: str) -> None:
    call, expected = ENV_CHECK_BYPASSES[variant]
    write(tmp_path, "scripts/deploy.sh", STRICT + call + "npx vercel deploy --prod\n")
    found = text_of(shell.deploy_env_check_findings(tmp_path))
    assert "cannot stop the deploy" in found
    assert expected in found


@pytest.mark.parametrize("call", [
    './scripts/env-check.sh production || { echo "env check failed" >&2; exit 1; }\n',
    'if ! ./scripts/env-check.sh production; then\n  exit 1\nfi\n',
    './scripts/env-check.sh production || die "environment not ready"\n',
    'check_env() {\n  "$SCRIPT_DIR/env-check.sh" "$1"\n}\ncheck_env production\n',
])
def test_env_check_that_stops_the_deploy(tmp_path: Path, call: str) -> None:
    write(tmp_path, "scripts/deploy.sh", STRICT + call + "npx vercel deploy --prod\n")
    assert shell.deploy_env_check_findings(tmp_path) == []


def test_env_check_that_exits_0_first(tmp_path: Path) -> None:
    write(tmp_path, "scripts/env-check.sh", STRICT + (
        'exit 0  # checks disabled for the demo\n'
        'for name in DATABASE_URL VERCEL_TOKEN; do\n'
        '  if [[ -z "${!name:-}" ]]; then echo "missing $name" >&2; exit 1; fi\n'
        'done\n'))
    found = text_of(shell._purpose_findings(tmp_path, shellscript.load_script(
        tmp_path, "env-check.sh")))  # type: ignore[arg-type]
    assert "its variable checks never run" in found
    assert "every failing exit sits after an unconditional exit" in found


@pytest.mark.parametrize(("lines", "deploys"), [
    ('railway up --service web\n', True),
    ('helmfile -e production apply\n', True),
    ('flyctl deploy --remote-only\n', True),
    ('kubectl -n prod apply -f k8s/\n', True),
    ('terraform -chdir=infra apply -auto-approve\n', True),
    ('gcloud run deploy web --image "$IMAGE"\n', True),
    ('aws ecs update-service --cluster c --service s --force-new-deployment\n', True),
    ('VERCEL="npx vercel@39"\n$VERCEL deploy --prebuilt --prod\n', True),
    ('npx vercel build --prod\nnpx vercel pull --environment=production\n', False),
    ('terraform plan\nhelm lint chart/\n', False),
    ('echo "run vercel deploy --prod by hand"\n', False),
])
def test_deploy_commands(tmp_path: Path, lines: str, deploys: bool) -> None:
    write(tmp_path, "scripts/deploy.sh", STRICT + lines)
    found = text_of(shell._purpose_findings(tmp_path, shellscript.load_script(
        tmp_path, "deploy.sh")))  # type: ignore[arg-type]
    assert ("runs no deploy command" not in found) is deploys


def test_deploy_through_a_function_of_a_sourced_file(tmp_path: Path) -> None:
    write(tmp_path, "scripts/lib/vercel.sh", (
        'vercel_deploy() {\n  local url\n  url="$(npx vercel deploy --prod --token "$T")"\n'
        '  echo "$url"\n}\n'))
    write(tmp_path, "scripts/deploy.sh", STRICT + (
        'source "$(dirname "$0")/lib/vercel.sh"\n'
        '"$(dirname "$0")/env-check.sh" production\n'
        'vercel_deploy\n'))
    script = shellscript.load_script(tmp_path, "deploy.sh")
    assert isinstance(script, shellscript.Script)
    assert shell._purpose_findings(tmp_path, script) == []
    assert shell.deploy_env_check_findings(tmp_path) == []


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
