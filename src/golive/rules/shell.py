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
from dataclasses import dataclass, replace
from pathlib import Path

from golive.facts.repo.commands import Command, parse_commands
from golive.facts.repo.discover import find_files
from golive.facts.repo.shellast import Expansion, ShellTree, Step, parse_shell
from golive.facts.repo.shellscript import Script, load_script, read_script
from golive.facts.repo.structured import line_of, relative
from golive.facts.repo.workflow import (
    WORKFLOW_DIR,
    Workflow,
    load_workflow_file,
    step_if,
    step_run,
)
from golive.facts.scans.shellcheck import shellcheck_findings
from golive.judging.findings import Finding
from golive.rules.package_runs import missing_script_findings
from golive.rules.runners import deploy_command

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
    "script_commands",
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


# commands whose failure stops nothing worth stopping, or that are themselves the check
_QUIET = frozenset({
    "echo", "printf", "log", "info", "warn", "debug", ":", "exit", "return", "[", "[[", "test",
    "true", "false", "set", "shift", "local", "export", "readonly", "declare", "typeset",
    "source", ".", "trap", "unset", "read", "sleep", "wait", "usage", "break", "continue",
    "shopt", "tput", "clear",
})
_INSTALL = re.compile(r"^(npm|pnpm|yarn|bun)\s+(i|install|add)\b.*\s-g\b|^(npm|pnpm|yarn|bun)\s+"
                      r"(i|install|add)\s+(-g|--global)\b|^(sudo\s+)?(apt-get|apt|brew|pip3?|pipx|"
                      r"apk)\s+(install|add)\b")
_STATUS_READ = re.compile(r"\$\?|\$\{\?\}|PIPESTATUS")
# variables the shell itself always sets
_SHELL_SET = frozenset({
    "HOME", "PATH", "PWD", "OLDPWD", "SECONDS", "RANDOM", "LINENO", "UID", "EUID", "PPID",
    "BASH_SOURCE", "BASH_VERSION", "BASHPID", "FUNCNAME", "PIPESTATUS", "IFS", "HOSTNAME",
    "OSTYPE", "SHELL", "SHLVL", "USER", "BASH", "BASH_LINENO", "HOSTTYPE", "MACHTYPE", "OPTIND",
    "OPTARG", "EPOCHSECONDS", "EPOCHREALTIME", "REPLY", "GROUPS", "BASH_REMATCH",
})


def _next_code_line(script: Script, line: int) -> str:
    for text in script.lines[line:]:
        if text.strip() and not text.strip().startswith("#"):
            return text
    return ""


def _unchecked(script: Script, tree: ShellTree) -> list[Step]:
    """Commands whose failure nothing notices when errexit is off: not a condition, not in
    an ``&&``/``||`` list, no ``$?`` read on the next line. Installing a tool counts as
    checked when the tool runs later and that run is checked."""
    last_of: dict[str, Step] = {s.function: s for s in tree.steps if s.function}
    # a function fails when its last command can: that status is what its caller gets
    quiet = _QUIET | {"cd", "pushd", "popd", "mkdir"} | {
        name for name, last in last_of.items() if last.name in _QUIET}
    unchecked = [
        s for s in tree.steps
        if not s.status_read and not s.pipe_left and s.name not in quiet
        and not (s.function and last_of.get(s.function) is s)
        and not _STATUS_READ.search(_next_code_line(script, s.line))
    ]
    checked = {s.name for s in tree.steps if s not in unchecked}
    return [
        s for s in unchecked
        if not (_INSTALL.match(" ".join(s.words))
                and any(w.split("@")[0] in checked for w in s.words[2:]))
    ]


def _pipelines(script: Script, tree: ShellTree) -> list[Step]:
    """Left sides of pipelines that can fail (not echo/printf/cat), PIPESTATUS unread."""
    return [s for s in tree.steps
            if s.pipe_left and s.name not in {"echo", "printf", "cat", "yes", "true"}
            and "PIPESTATUS" not in _next_code_line(script, s.line)]  # $? is the last's


def _unset_inputs(tree: ShellTree) -> list[Expansion]:
    """Variables expanded without being set by the script or given a default: unset, they
    expand to nothing unnoticed without nounset."""
    found: dict[str, Expansion] = {}
    for expansion in tree.expansions:
        name = expansion.name
        if (expansion.defaulted or name in tree.assigned or name in _SHELL_SET
                or name.startswith("BASH_") or name.isdigit()):
            continue
        found.setdefault(name, expansion)
    return list(found.values())


def _sourced_options(repo: Path, script: Script) -> frozenset[str]:
    """Shell options the files ``script`` sources set at their top level (a shared
    ``lib/common.sh`` with ``set -euo pipefail``)."""
    options: set[str] = set()
    for command in parse_commands(script.text):
        if command.name in {"source", "."} and len(command.words) > 1 and not command.in_function:
            sourced = _sourced(repo, command.words[1])
            if sourced is not None:
                options |= sourced.strict_mode().options
    return frozenset(options)


def strict_mode_findings(script: Script, inherited: frozenset[str] = frozenset()
                         ) -> list[Finding]:
    """Strict mode (``set -euo pipefail``, here or in a sourced file: ``inherited``) where
    its absence lets a failure pass unnoticed: errexit when a command's failure is checked
    by nothing, pipefail when a pipeline's left side can fail, nounset when the script
    expands a variable it never sets. A script that checks every exit code needs none."""
    strict = script.strict_mode()
    missing = [option for option in strict.missing if option not in inherited]
    if not missing:
        return []
    tree = parse_shell(script.text)
    why: dict[str, str] = {}
    if "errexit" in missing and (unchecked := _unchecked(script, tree)):
        shown = ", ".join(f"`{c.text[:60]}` (line {c.line})" for c in unchecked[:3])
        why["errexit"] = f"the failure of {shown} goes unchecked and the script carries on"
    if "pipefail" in missing and (pipes := _pipelines(script, tree)):
        why["pipefail"] = (f"the pipeline at line {pipes[0].line} hides a failure of "
                           f"`{pipes[0].text[:60]}`")
    if "nounset" in missing and (inputs := _unset_inputs(tree)):
        shown = ", ".join(f"${e.name} (line {e.line})" for e in inputs[:3])
        why["nounset"] = f"an unset {shown} expands to nothing unnoticed"
    if not why:
        return []
    return [Finding(
        script.shown, strict.first_set or 1,
        f"no strict mode: {', '.join(sorted(why))} not set (use set -euo pipefail): "
        + "; ".join(why[k] for k in sorted(why)),
    )]


def _swallowed_deploys(repo: Path, script: Script) -> list[tuple[int, Command]]:
    """Deploy commands whose failure is thrown away: ``|| true``, ``&``, or ``set +e`` in a
    script that otherwise sets errexit, with no ``$?`` read after it (a script that never
    sets errexit is the strict-mode finding's)."""
    switched_off = "errexit" in script.strict_mode().options
    return [
        (line, c) for line, c in script_commands(repo, script)
        if deploy_command(c.words) and c.neutralised
        and not c.neutralised.startswith(_NEVER_RUNS)
        and (not c.neutralised.startswith("errexit is off") or (
            switched_off and not _STATUS_READ.search(_next_code_line(script, c.line))))
    ]


def _purpose_findings(repo: Path, script: Script) -> list[Finding]:
    if script.name == "deploy.sh" and not _deploy_lines(repo, script):
        return [Finding(script.shown, None,
                        "runs no deploy command (vercel deploy/--prod, supabase db push, "
                        "railway up, flyctl deploy, helm upgrade, kubectl apply, terraform "
                        "apply, aws ecs update-service, gcloud run deploy, ...)")]
    if script.name == "deploy.sh":
        return [Finding(script.shown, line,
                        f"the deploy command `{c.text[:60]}` cannot fail the script, "
                        f"{c.neutralised}: a failed deploy reports success")
                for line, c in _swallowed_deploys(repo, script)]
    if script.name == "env-check.sh":
        found = []
        dead = _dead_lines(script)
        if not script.has(_ENV_CHECK):
            found.append(Finding(script.shown, None, "checks no required environment variable "
                                 "(-z \"${VAR}\", ${!name}, ${VAR:?})"))
        elif all(n in dead for n in script.commands(_ENV_CHECK)):
            found.append(Finding(script.shown, min(dead),
                                 f"its variable checks never run: {next(iter(dead.values()))}"))
        if not script.has(_FAILS):
            found.append(Finding(script.shown, None,
                                 "never exits non-zero: a failed check does not stop the deploy"))
        elif all(n in dead for n in script.commands(_FAILS)):
            found.append(Finding(
                script.shown, None,
                "never exits non-zero: every failing exit sits after an unconditional exit or "
                "inside an always-false condition, so a failed check does not stop the deploy"))
        return found
    if script.name == "backup.sh" and not script.has(_BACKUP_COMMAND):
        return [Finding(script.shown, None,
                        "runs no backup tool (pg_dump, pg_basebackup, supabase db dump, ...)")]
    return []


def script_findings(repo: Path, name: str) -> list[Finding]:
    """Script ``name`` is present, shellcheck-clean, in strict mode, does its job, and every
    package script it runs (``npm run X``) exists."""
    script = load_script(repo, name)
    if isinstance(script, Finding):
        return [script]
    # style notes (SC2181 `$?` checks, ...) are advice on form, not defects
    found = [f for f in shellcheck_findings(repo).get(script.shown, [])
             if "(style):" not in f.message]
    found += strict_mode_findings(script, _sourced_options(repo, script))
    found += _purpose_findings(repo, script)
    # ``npm run test`` with no such script in package.json fails every time
    found += missing_script_findings(repo, script.path, script.shown,
                                     script_commands(repo, script))
    return found


# --- deploy.sh: environment check and backup before the deploy ------------------------


_NEVER_RUNS = "never runs"
_MESSAGES = frozenset({"echo", "printf", "log", "info", "warn", "debug", ":"})


def _dead_lines(script: Script) -> dict[int, str]:
    """Lines whose commands never run, with the reason."""
    return {c.line: c.neutralised for c in parse_commands(script.text)
            if c.neutralised and c.neutralised.startswith(_NEVER_RUNS)}


def _sourced(repo: Path, word: str) -> Script | None:
    name = word.rsplit("/", 1)[-1]
    if not name or "$" in name:
        return None
    path = _shallowest_named(repo, name)
    if path is None:
        return None
    loaded = read_script(repo, path)
    return loaded if isinstance(loaded, Script) else None


def _shallowest_named(repo: Path, name: str) -> Path | None:
    hits = find_files(repo, name)
    return min(hits, key=lambda p: (len(p.parts), str(p))) if hits else None


def script_commands(repo: Path, script: Script, depth: int = 0) -> list[tuple[int, Command]]:
    """(line in the main flow, command) of every command ``script`` runs: a function's body
    at the line of its first call (never-called functions left out), a sourced file's
    commands at the ``source`` line."""
    out: list[tuple[int, Command]] = []
    for command in parse_commands(script.text):
        line = script.effective_line(command.line) if command.in_function else command.line
        if line is None:
            continue
        if command.name in {"source", "."} and len(command.words) > 1:
            sourced = _sourced(repo, command.words[1]) if depth < 3 else None
            if sourced is not None:
                out += _sourced_commands(repo, script, sourced, line, command, depth)
            continue
        out.append((line, command))
    return out


def _sourced_commands(repo: Path, script: Script, sourced: Script, line: int,
                      source: Command, depth: int) -> list[tuple[int, Command]]:
    """A sourced file's commands: its top level at the ``source`` line, a function it
    defines at the first call of that function in ``script``."""
    out: list[tuple[int, Command]] = []
    for command in parse_commands(sourced.text):
        at: int | None = line
        name = sourced.function_at(command.line) if command.in_function else None
        if name is not None:
            called = script.first(re.compile(rf"(^|[\s;&|(]){re.escape(name)}($|[\s;&|)])"))
            at = called if called is not None and called > line else None
        if at is None:
            continue
        if command.name in {"source", "."} and depth < 2:
            continue  # nested libraries: their top level only
        out.append((at, replace(command, neutralised=source.neutralised or command.neutralised)))
    return out


def _deploy_lines(repo: Path, script: Script) -> list[int]:
    return sorted(line for line, c in script_commands(repo, script)
                  if deploy_command(c.words) and not (c.neutralised or "").startswith(_NEVER_RUNS))


def _calls(command: Command, callee: str) -> bool:
    if command.name == callee:
        return True
    if command.name in _MESSAGES:
        return False
    return any(w.rsplit("/", 1)[-1] == callee for w in command.words[1:3])


def _before_deploy(repo: Path, callee: str, what: str) -> list[Finding]:
    script = load_script(repo, "deploy.sh")
    if isinstance(script, Finding):
        return [script]
    commands = script_commands(repo, script)
    deploys = _deploy_lines(repo, script)
    deploy = deploys[0] if deploys else None
    calls = [(line, c) for line, c in commands if _calls(c, callee)]
    if not calls:
        return [Finding(script.shown, deploy, f"deploy.sh never calls {callee}: {what}")]
    live = [line for line, c in calls if c.neutralised is None]
    if not live:
        return [Finding(script.shown, line,
                        f"the call of {callee} cannot stop the deploy, {c.neutralised}: {what}")
                for line, c in calls]
    call = min(live)
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


def _runs_backup(text: str) -> bool:
    """Whether shell ``text`` runs backup.sh as a command that is not switched off."""
    return any(
        _calls(c, "backup.sh") and not (c.neutralised or "").startswith(_NEVER_RUNS)
        for c in parse_commands(text, errexit=True)
    )


# files a scheduler reads: a cron table, and a script only when it installs one
_CRONTABS = ("crontab", "crontab*", "*.crontab", "*.cron", "cron.d/*", "cron/*")
_SCHEDULED_CONFIGS = ("*.yml", "*.yaml", "*.json", "*.tf", "*.sql", "*.toml", "*.timer")
_PG_CRON = re.compile(r"cron\.schedule\s*\(\s*(?:'[^']*'\s*,\s*)?'([^']+)'\s*,\s*([^)]*)",
                      re.IGNORECASE | re.DOTALL)
_SCHEDULE_EXPRESSION = re.compile(
    r"(?:ScheduleExpression|schedule_expression)[\"']?\s*[:=]\s*[\"']?((?:cron|rate|at)\([^)]*\))"
)
_K8S_CRONJOB = re.compile(r"^kind:\s*CronJob\b", re.MULTILINE)
_K8S_SCHEDULE = re.compile(r"^\s*schedule:\s*[\"']?([^\"'\n]+)", re.MULTILINE)
_ON_CALENDAR = re.compile(r"^OnCalendar\s*=\s*(.+)$", re.MULTILINE)
_BACKUP_WORD = re.compile(r"backup", re.IGNORECASE)
_NEVER_IF = re.compile(r"^\s*(\$\{\{\s*)?(false|0|''|null)(\s*\}\})?\s*$", re.IGNORECASE)


def _config_schedules(root: Path, path: Path, text: str) -> Iterator[Schedule]:
    """Schedules of a scheduler's own configuration that run a backup: pg_cron
    (``cron.schedule``), EventBridge/CloudWatch Events rules and EventBridge Scheduler
    (CloudFormation, SAM, Terraform, JSON), Kubernetes CronJobs, systemd timers."""
    shown = relative(root, path)

    def line(index: int) -> int:
        return text.count("\n", 0, index) + 1

    for match in _PG_CRON.finditer(text):
        if _BACKUP_WORD.search(match.group(0)):
            yield Schedule(shown, line(match.start()), match.group(1))
    expressions = list(_SCHEDULE_EXPRESSION.finditer(text))
    if expressions and _BACKUP_WORD.search(text):
        for match in expressions:
            yield Schedule(shown, line(match.start()), match.group(1))
    if _K8S_CRONJOB.search(text) and _BACKUP_WORD.search(text):
        for match in _K8S_SCHEDULE.finditer(text):
            yield Schedule(shown, line(match.start()), match.group(1).strip())
    if path.suffix == ".timer" and _BACKUP_WORD.search(path.name + text):
        for match in _ON_CALENDAR.finditer(text):
            yield Schedule(shown, line(match.start()), match.group(1).strip())


def backup_schedules(repo: Path) -> list[Schedule]:
    """Every schedule a real scheduler keeps for the backup: a workflow with ``on: schedule``
    whose steps run backup.sh, a cron table (or a script that installs one with
    ``crontab``) naming backup.sh, and the scheduler configurations of
    :func:`_config_schedules`. A cron line in a document schedules nothing."""
    root = Path(repo)
    schedules = []
    for workflow in _scheduled_workflows(root):
        entries = workflow.triggers.get("schedule")
        if not isinstance(entries, list) or not any(
            _runs_backup(step_run(step)) and not _NEVER_IF.match(step_if(step))
            and not _NEVER_IF.match(step_if(workflow.jobs[job_id]))
            for job_id, step in workflow.all_steps()
        ):
            continue
        for entry in entries:
            if isinstance(entry, dict) and entry.get("cron"):
                schedules.append(Schedule(workflow.shown, line_of(entry), str(entry["cron"])))
    candidates = find_files(root, *_CRONTABS)
    candidates += [p for p in find_files(root, "*.sh") if p not in candidates]
    for path in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if path.suffix == ".sh" and not re.search(r"\bcrontab\b", text):
            continue  # a cron line in a script that installs no crontab schedules nothing
        for number, line in enumerate(text.splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            match = _CRON_LINE.search(line)
            if match:
                schedules.append(Schedule(relative(root, path), number, match.group(1)))
    for path in find_files(root, *_SCHEDULED_CONFIGS):
        if WORKFLOW_DIR in path.as_posix():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        schedules += _config_schedules(root, path, text)
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
        "backup.sh is not scheduled: no workflow with on: schedule runs it, no crontab names "
        "it, and no scheduler configuration (pg_cron, EventBridge rule, Kubernetes CronJob, "
        "systemd timer) runs a backup; a cron line in a document schedules nothing",
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
