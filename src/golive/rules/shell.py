"""Automation scripts: deploy.sh, env-check.sh, backup.sh, health-check.sh,
resource-monitor.sh and config-validator.sh, checked with shellcheck and read for their steps.

Soundness of one script (:func:`script_findings`): found by name anywhere in the
repository, no shellcheck finding (``shellcheck -f json``, one run over every ``*.sh`` of
the repository), strict mode (``set -euo pipefail`` or the long option names), and the
step that makes it the script the plan names (deploy.sh runs a deploy command,
env-check.sh checks required variables and fails, backup.sh runs a backup tool).

The content criteria read the lines that run commands (comments and ``echo``/``printf``
lines are not commands):

- deploy.sh calls env-check.sh and backup.sh before its first deploy command. A call
  made inside a shell function counts at the line where that function is first called.
- backup.sh is scheduled: a workflow with ``on: schedule`` runs it, or a cron line
  (``m h dom mon dow ... backup.sh``) in a crontab, ``*.cron``, script or Markdown file
  names it;
- backup.sh has an incremental/differential mode backed by a real mechanism
  (``pg_basebackup --incremental``, pgBackRest diff/incr, WAL-G, ``tar
  --listed-incremental``, ``rsync --link-dest``, restic/borg, WAL archiving);
- restore is established: backup.sh has a ``restore`` command or a restore*.sh exists,
  and a Markdown document describes it;
- health-check.sh checks the database and the application API over HTTP;
- resource-monitor.sh reads CPU, memory and disk usage and compares them with limits;
- config-validator.sh validates file structure (jq, yq, check-jsonschema, ...), checks
  values (regex or numeric comparison) and exits non-zero on an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from golive.facts.repo.discover import find_files
from golive.facts.repo.shellscript import Script, load_script
from golive.facts.repo.structured import line_of, relative
from golive.facts.repo.workflow import WORKFLOW_DIR, Workflow, load_workflow_file
from golive.facts.scans.shellcheck import shellcheck_findings
from golive.judging.findings import Finding

__all__ = [
    "PLAN_SCRIPTS",
    "Schedule",
    "backup_incremental_findings",
    "backup_schedule_findings",
    "backup_schedules",
    "config_validation_findings",
    "dependency_service_findings",
    "deploy_backup_findings",
    "deploy_env_check_findings",
    "resource_status_findings",
    "restore_procedure_findings",
    "script_findings",
    "strict_mode_findings",
]

PLAN_SCRIPTS = (
    "deploy.sh",
    "env-check.sh",
    "backup.sh",
    "health-check.sh",
    "resource-monitor.sh",
    "config-validator.sh",
)

_DEPLOY_COMMAND = re.compile(
    r"\bvercel(@[\w.-]+)?\b.*\b(deploy|promote)\b|\bvercel(@[\w.-]+)?\b.*--prod\b|"
    r"\bsupabase(@[\w.-]+)?\s+(db\s+push|migration\s+up)\b|\bnetlify\s+deploy\b|"
    r"\bflyctl\s+deploy\b|\bkubectl\s+(apply|rollout)\b|\bhelm\s+upgrade\b|"
    r"\baws\s+ecs\s+update-service\b|\bdocker\s+compose\b.*\bup\b",
    re.IGNORECASE,
)
_BACKUP_COMMAND = re.compile(
    r"\bpg_dump(all)?\b|\bpg_basebackup\b|\bsupabase(@[\w.-]+)?\s+db\s+dump\b|\bpgbackrest\b|"
    r"\bwal-g\s+backup-push\b|\bbarman\b|\baws\s+rds\s+create-db-snapshot\b|\brestic\s+backup\b|"
    r"\bborg\s+create\b"
)
_INCREMENTAL_MODE = re.compile(r"\b(incremental|differential|incr|diff)\b", re.IGNORECASE)
_INCREMENTAL_MECHANISM = re.compile(
    r"--incremental\b|\bpg_combinebackup\b|\bpgbackrest\b.*--type[= ](diff|incr)|"
    r"\bwal-g\s+backup-push\b|--listed-incremental|\brsync\b.*--link-dest|\bpg_receivewal\b|"
    r"\barchive_command\b|\brestic\s+backup\b|\bborg\s+create\b"
)
_RESTORE_COMMAND = re.compile(r"^\s*\(?\s*[\"']?restore[\"']?\s*(\||\))")
_DB_CHECK = re.compile(
    r"\bpg_isready\b|\bpsql\b|\bmysqladmin\b.*\bping\b|\bmongosh\b|\bredis-cli\b.*\bping\b"
)
_HTTP_CHECK = re.compile(r"\bcurl\b|\bwget\b|\bhttp(ie)?\s+(GET|get)\b")
_CPU = re.compile(r"/proc/stat\b|/proc/loadavg\b|\bmpstat\b|\btop\s+-b|\bvmstat\b|\buptime\b|"
                  r"\bsar\b|\bdocker\s+stats\b")
_MEMORY = re.compile(r"/proc/meminfo\b|\bfree\s+-|\bvmstat\b|\bdocker\s+stats\b")
_DISK = re.compile(r"\bdf\b|/proc/diskstats\b|\biostat\b|\bdu\s+-")
_COMPARISON = re.compile(r"-(ge|gt|le|lt)\b|\(\(.*(>=|<=|>|<).*\)\)|\bawk\b.*(>=|>)")
_STRUCTURE_CHECK = re.compile(
    r"\bjq\b|\byq\b|check-jsonschema|\bajv\b|json\.tool|\byamllint\b|JSON\.parse|"
    r"\bpython3?\b.*\b(json|yaml)\b"
)
_VALUE_CHECK = re.compile(r"=~|-(lt|le|gt|ge|eq|ne)\b|\(\(.*[<>].*\)\)|\bjq\s+-e\b")
_FAILS = re.compile(r"\bexit\s+[1-9$]|\breturn\s+[1-9]|\$\{[A-Za-z_]\w*:\?")
_ENV_CHECK = re.compile(r"-z\s+\"?\$\{?!?\w|\$\{!\w+|\$\{\w+:\?|\[\[\s+-v\s+\w|:\s+\"\$\{\w+:\?")
_CRON_LINE = re.compile(r"(?:^|\s|[`\"'])((?:[\d*/,-]+\s+){4}[\d*/,A-Za-z-]+)\s+\S*backup\.sh\b")


# --- finding and reading scripts ------------------------------------------------------


# --- soundness ------------------------------------------------------------------------


def strict_mode_findings(script: Script) -> list[Finding]:
    """The script sets errexit, nounset and pipefail (``set -euo pipefail``)."""
    strict = script.strict_mode()
    if not strict.missing:
        return []
    return [Finding(
        script.shown, strict.first_set or 1,
        f"no strict mode: {', '.join(strict.missing)} not set (use set -euo pipefail), so a "
        "failed step is ignored and the script carries on",
    )]


def _purpose_findings(script: Script) -> list[Finding]:
    if script.name == "deploy.sh" and not script.has(_DEPLOY_COMMAND):
        return [Finding(script.shown, None,
                        "runs no deploy command (vercel deploy/--prod, supabase db push, ...)")]
    if script.name == "env-check.sh":
        found = []
        if not script.has(_ENV_CHECK):
            found.append(Finding(script.shown, None, "checks no required environment variable "
                                 "(-z \"${VAR}\", ${!name}, ${VAR:?})"))
        if not script.has(_FAILS):
            found.append(Finding(script.shown, None,
                                 "never exits non-zero: a failed check does not stop the deploy"))
        return found
    if script.name == "backup.sh" and not script.has(_BACKUP_COMMAND):
        return [Finding(script.shown, None,
                        "runs no backup tool (pg_dump, pg_basebackup, supabase db dump, ...)")]
    return []


def script_findings(repo: Path, name: str) -> list[Finding]:
    """Script ``name`` is present, shellcheck-clean, in strict mode, and does its job."""
    script = load_script(repo, name)
    if isinstance(script, Finding):
        return [script]
    found = list(shellcheck_findings(repo).get(script.shown, []))
    found += strict_mode_findings(script)
    found += _purpose_findings(script)
    return found


# --- deploy.sh: environment check and backup before the deploy ------------------------


def _before_deploy(repo: Path, callee: str, what: str) -> list[Finding]:
    script = load_script(repo, "deploy.sh")
    if isinstance(script, Finding):
        return [script]
    deploy = script.first(_DEPLOY_COMMAND)
    call = script.first(re.compile(rf"(^|[/\s\"']){re.escape(callee)}\b"))
    if call is None:
        return [Finding(script.shown, deploy, f"deploy.sh never calls {callee}: {what}")]
    if deploy is not None and call > deploy:
        return [Finding(
            script.shown, call,
            f"{callee} runs at line {call}, after the deploy command at line {deploy}: {what}",
        )]
    return []


def deploy_env_check_findings(repo: Path) -> list[Finding]:
    """deploy.sh runs env-check.sh before its first deploy command."""
    return _before_deploy(
        repo, "env-check.sh", "a deploy into a misconfigured environment is not stopped"
    )


def deploy_backup_findings(repo: Path) -> list[Finding]:
    """deploy.sh runs backup.sh before its first deploy command (migrations included)."""
    return _before_deploy(repo, "backup.sh", "no backup exists to recover from a bad release")


# --- backup.sh: schedule, incremental mode, restore -----------------------------------


@dataclass(frozen=True)
class Schedule:
    file: str
    line: int | None
    cron: str


def _scheduled_workflows(repo: Path) -> Iterator[Workflow]:
    root = Path(repo)
    for path in find_files(root, f"{WORKFLOW_DIR}/*.yml", f"{WORKFLOW_DIR}/*.yaml"):
        loaded = load_workflow_file(root, path)
        if isinstance(loaded, Workflow):
            yield loaded


def backup_schedules(repo: Path) -> list[Schedule]:
    """Every schedule that runs backup.sh: scheduled workflows and cron lines."""
    root = Path(repo)
    schedules = []
    for workflow in _scheduled_workflows(root):
        entries = workflow.triggers.get("schedule")
        if not isinstance(entries, list) or "backup.sh" not in "".join(
            str(step.get("run", "")) for _, step in workflow.all_steps()
        ):
            continue
        for entry in entries:
            if isinstance(entry, dict) and entry.get("cron"):
                schedules.append(Schedule(workflow.shown, line_of(entry), str(entry["cron"])))
    candidates = find_files(root, "crontab", "crontab*", "*.cron", "cron.d/*", "*.md", "*.txt",
                            "*.sh")
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = _CRON_LINE.search(line)
            if match:
                schedules.append(Schedule(relative(root, path), number, match.group(1)))
    return schedules


def backup_schedule_findings(repo: Path) -> list[Finding]:
    """backup.sh runs on a schedule (a scheduled workflow or a cron entry calls it)."""
    script = load_script(repo, "backup.sh")
    if isinstance(script, Finding):
        return [script]
    if backup_schedules(repo):
        return []
    return [Finding(
        script.shown, None,
        "backup.sh is not scheduled: no workflow with on: schedule runs it and no cron line "
        "(crontab, *.cron, scripts, Markdown) names it",
    )]


def backup_incremental_findings(repo: Path) -> list[Finding]:
    """backup.sh offers an incremental/differential mode that a real mechanism implements."""
    script = load_script(repo, "backup.sh")
    if isinstance(script, Finding):
        return [script]
    found = []
    if not script.has(_INCREMENTAL_MODE):
        found.append(Finding(script.shown, None,
                             "backup.sh has no incremental or differential mode: every run is a "
                             "full backup"))
    if not script.has(_INCREMENTAL_MECHANISM):
        found.append(Finding(
            script.shown, None,
            "nothing takes an incremental backup (pg_basebackup --incremental, pgBackRest "
            "--type=diff|incr, WAL-G, tar --listed-incremental, rsync --link-dest, restic, borg)",
        ))
    return found


def restore_procedure_findings(repo: Path) -> list[Finding]:
    """A restore command exists (``backup.sh restore`` or a restore*.sh script) and a
    Markdown document describes how to run it."""
    root = Path(repo)
    script = load_script(root, "backup.sh")
    if isinstance(script, Finding):
        return [script]
    entries = []
    if script.has(_RESTORE_COMMAND):
        entries.append(re.compile(r"backup\.sh\s+restore\b"))
    restore_scripts = find_files(root, "restore*.sh", "*-restore.sh")
    entries += [re.compile(re.escape(p.name)) for p in restore_scripts]
    if not entries:
        return [Finding(
            script.shown, None,
            "no restore path: backup.sh has no restore command and no restore*.sh script exists",
        )]
    for path in find_files(root, "*.md"):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if re.search(r"restore|リストア|復元", text, re.IGNORECASE) and any(
            e.search(text) for e in entries
        ):
            return []
    names = ", ".join(e.pattern.replace("\\", "").replace("s+", " ") for e in entries)
    return [Finding(
        script.shown, None,
        f"the restore procedure is not documented: no Markdown file describes {names}",
    )]


# --- environment check scripts --------------------------------------------------------


def _markers(repo: Path, name: str, wanted: list[tuple[re.Pattern[str], str]]) -> list[Finding]:
    script = load_script(repo, name)
    if isinstance(script, Finding):
        return [script]
    return [Finding(script.shown, None, message)
            for pattern, message in wanted if not script.has(pattern)]


def dependency_service_findings(repo: Path) -> list[Finding]:
    """health-check.sh checks the database and the application API."""
    return _markers(repo, "health-check.sh", [
        (_DB_CHECK, "checks no database (pg_isready, psql, ...): a database outage goes unseen"),
        (_HTTP_CHECK, "checks no HTTP API (curl, wget): the application itself is not checked"),
    ])


def resource_status_findings(repo: Path) -> list[Finding]:
    """resource-monitor.sh reads CPU, memory and disk and compares them with limits."""
    return _markers(repo, "resource-monitor.sh", [
        (_CPU, "reads no CPU usage (/proc/stat, /proc/loadavg, mpstat, vmstat, top -b)"),
        (_MEMORY, "reads no memory usage (/proc/meminfo, free -m, vmstat)"),
        (_DISK, "reads no disk usage (df, iostat, du -s)"),
        (_COMPARISON, "compares no usage with a limit: it reports but never alerts"),
    ])


def config_validation_findings(repo: Path) -> list[Finding]:
    """config-validator.sh validates structure and values and fails on an error."""
    return _markers(repo, "config-validator.sh", [
        (_STRUCTURE_CHECK, "validates no file structure (jq, yq, check-jsonschema, ...)"),
        (_VALUE_CHECK, "checks no value (no pattern match =~ and no numeric comparison)"),
        (_FAILS, "never exits non-zero: an invalid configuration passes"),
    ])
