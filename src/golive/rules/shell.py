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

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.discover import SKIPPED_DIRS, find_deliverable, find_files, repo_files
from golive.facts.repo.structured import line_of, relative
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import Finding
from golive.rules.workflows import WORKFLOW_DIR, Workflow, load_workflow_file

__all__ = [
    "PLAN_SCRIPTS",
    "Schedule",
    "Script",
    "backup_incremental_findings",
    "backup_schedule_findings",
    "backup_schedules",
    "config_validation_findings",
    "dependency_service_findings",
    "deploy_backup_findings",
    "deploy_env_check_findings",
    "find_script",
    "load_script",
    "resource_status_findings",
    "restore_procedure_findings",
    "script_findings",
    "shellcheck_findings",
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
_NOT_A_COMMAND = re.compile(r"^\s*(#|echo\b|printf\b|log\b|:\s*['\"])")
_FUNCTION = re.compile(r"^(\s*)(?:function\s+([\w-]+)\s*(?:\(\s*\))?|([\w-]+)\s*\(\s*\))\s*\{\s*$")
_CRON_LINE = re.compile(r"(?:^|\s|[`\"'])((?:[\d*/,-]+\s+){4}[\d*/,A-Za-z-]+)\s+\S*backup\.sh\b")
_STRICT_SET = re.compile(r"^\s*set\s+(.+)$")


# --- finding and reading scripts ------------------------------------------------------


@dataclass(frozen=True)
class Script:
    name: str
    path: Path
    shown: str
    lines: tuple[str, ...]
    functions: dict[str, tuple[int, int]] = field(default_factory=dict)  # name → (start, end)

    def commands(self, pattern: re.Pattern[str]) -> list[int]:
        """Lines (1-based) that run something matching ``pattern``, comments excluded."""
        return [
            number for number, line in enumerate(self.lines, start=1)
            if not _NOT_A_COMMAND.match(line) and pattern.search(line)
        ]

    def has(self, pattern: re.Pattern[str]) -> bool:
        return bool(self.commands(pattern))

    def function_at(self, line: int) -> str | None:
        for name, (start, end) in self.functions.items():
            if start < line < end:
                return name
        return None

    def effective_line(self, line: int, depth: int = 0) -> int | None:
        """Where the command on ``line`` runs in the main flow: inside a function, the
        line of the first call of that function (None when it is never called)."""
        name = self.function_at(line)
        if name is None:
            return line
        if depth > 5:
            return None
        start, end = self.functions[name]
        call = re.compile(rf"(^|[\s;&|(]){re.escape(name)}($|[\s;&|)])")
        calls = [n for n in self.commands(call) if not start <= n <= end]
        resolved = [r for n in calls if (r := self.effective_line(n, depth + 1)) is not None]
        return min(resolved) if resolved else None

    def first(self, pattern: re.Pattern[str]) -> int | None:
        lines = [r for n in self.commands(pattern) if (r := self.effective_line(n)) is not None]
        return min(lines) if lines else None


def _functions(lines: tuple[str, ...]) -> dict[str, tuple[int, int]]:
    spans: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines, start=1):
        match = _FUNCTION.match(line)
        if not match:
            continue
        indent, name = match.group(1), match.group(2) or match.group(3)
        end = next(
            (n for n in range(number + 1, len(lines) + 1)
             if re.match(rf"^{re.escape(indent)}\}}\s*(;.*)?$", lines[n - 1])),
            len(lines),
        )
        spans.setdefault(name, (number, end))
    return spans


def find_script(repo: Path, name: str) -> Path | None:
    return find_deliverable(repo, name)


def _not_found(name: str) -> Finding:
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    return Finding(name, None, f"not found: {name} anywhere in the repository (skipping {skipped})")


def load_script(repo: Path, name: str) -> Script | Finding:
    path = find_script(repo, name)
    if path is None:
        return _not_found(name)
    shown = relative(repo, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Finding(shown, None, f"cannot read: {exc}")
    lines = tuple(text.splitlines())
    return Script(name, path, shown, lines, _functions(lines))


# --- soundness ------------------------------------------------------------------------


def _json_report(stdout: str, stderr: str) -> Any:
    try:
        return json.loads(stdout)
    except json.JSONDecodeError:
        tail = (stderr or stdout).strip()[-400:]
        raise NotVerified(f"shellcheck gave no JSON report: {tail or 'no output'}") from None


def shellcheck_findings(repo: Path) -> dict[str, list[Finding]]:
    """shellcheck over every ``*.sh``/``*.bash`` of the repository (one run), by file."""
    root = Path(repo).resolve()
    files = [p for p in repo_files(root) if p.suffix in (".sh", ".bash")]
    if not files:
        return {}
    shown = [relative(root, p) for p in files]
    run = run_scanner(
        "shellcheck", ["-f", "json", "-x", "--source-path=SCRIPTDIR", *shown], files, cwd=root
    )
    report = _json_report(run.stdout, run.stderr)
    found: dict[str, list[Finding]] = {}
    for comment in report if isinstance(report, list) else []:
        name = str(comment.get("file", "?"))
        found.setdefault(name, []).append(Finding(
            name, comment.get("line"),
            f"shellcheck SC{comment.get('code')} ({comment.get('level')}): "
            f"{comment.get('message')}",
        ))
    return found


def strict_mode_findings(script: Script) -> list[Finding]:
    """The script sets errexit, nounset and pipefail (``set -euo pipefail``)."""
    wanted = {"errexit", "nounset", "pipefail"}
    seen: set[str] = set()
    first_set: int | None = None
    for number, line in enumerate(script.lines, start=1):
        match = _STRICT_SET.match(line.split("#", 1)[0])
        if not match:
            continue
        first_set = first_set or number
        words = match.group(1).split()
        for index, word in enumerate(words):
            if word == "-o" and index + 1 < len(words):
                seen.add(words[index + 1])
            elif re.fullmatch(r"-[A-Za-z]+", word):
                seen |= {"errexit"} if "e" in word else set()
                seen |= {"nounset"} if "u" in word else set()
                if word.endswith("o") and index + 1 < len(words):
                    seen.add(words[index + 1])
    missing = sorted(wanted - seen)
    if not missing:
        return []
    return [Finding(
        script.shown, first_set or 1,
        f"no strict mode: {', '.join(missing)} not set (use set -euo pipefail), so a failed "
        "step is ignored and the script carries on",
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
