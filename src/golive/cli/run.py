"""`golive run`: one profile through pytest, and the exit code golive decides."""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.console import Console

from golive._errors import ConfigError
from golive._procs import RUN_DIR_ENV, RUN_ID_ENV, STOP_FILE, signal_name, sweep
from golive._redact import install
from golive.catalog import PROFILES
from golive.config import MAX_DEADLINE_MINUTES, Config, load_attestations, load_config, load_waivers
from golive.judging.results import write_json_atomically
from golive.judging.verdict import ExitCode
from golive.preflight import preflight
from golive.resources import suites_dir

__all__ = ["RunInterrupted", "run", "run_profile", "validate_config"]

# pytest's own exit codes, when the plugin did not decide (usage error before the run,
# internal error, interrupted before the end); written out so the command line does not
# import pytest just to start. golive's own code comes through --golive-exit-file, since
# its 4 (UNVERIFIED) is pytest's usage error.
_PYTEST_CODES = {4: ExitCode.USAGE, 3: ExitCode.INCOMPLETE, 2: ExitCode.INCOMPLETE}

_err = Console(stderr=True)
_out = Console()


def _default_suite() -> Path:
    """``./tests`` when run from a project, else the suites golive ships (see resources)."""
    local = Path("tests")
    if (local / "conftest.py").is_file() or any(local.glob("*/test_*.py")):
        return local
    return suites_dir()


def _config_path(config: Path | None) -> Path | None:
    if config is not None:
        return config
    return Path("golive.toml") if Path("golive.toml").is_file() else None


def validate_config(config: Path | None, env: str | None) -> Config:
    """Every config problem, one line each, before any check runs (exit 2): the file's
    fields, then the chosen environment's targets (preflight), waivers and attestations."""
    loaded = load_config(config)
    install(loaded)  # this process's output (the relayed console too) masks its secrets
    problems: list[str] = []
    if loaded.environments or env:
        name, environment = loaded.environment(env)
        label = f"{config.name}: " if config is not None else ""
        problems += [label + line for line in preflight(loaded, name, environment)]
    for load_records in (load_waivers, load_attestations):
        try:
            load_records(loaded)
        except ConfigError as exc:
            problems += exc.problems
    if problems:
        raise ConfigError(problems)
    return loaded


def run_profile(
    profile: str,
    *,
    env: str | None = None,
    config: Path | None = None,
    output: Path = Path("reports"),
    lang: str = "en",
    suite: Path | None = None,
    allow_unverified: bool = False,
    workers: str | None = None,
    note: str | None = None,
    kinds: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
    verbose: bool = False,
    brief: bool = False,
    deadline: float | None = None,
    raise_on_interrupt: bool = False,
) -> int:
    """Run one profile through pytest and return golive's exit code.

    ``verbose`` (or pytest output options in ``extra``) shows pytest's own output; by
    default it goes to ``<output>/pytest.log`` and the terminal gets golive's lines only;
    ``brief`` (a run inside another command, e.g. the demo's routine): the verdict line only.
    ``deadline``: minutes after which the run is stopped like on SIGTERM (default: the
    config's ``deadline_minutes``). A run stopped by a signal or its deadline exits 3
    (INCOMPLETE); with ``raise_on_interrupt`` it raises :class:`RunInterrupted` instead.
    """
    config = _config_path(config)
    try:
        loaded = validate_config(config, env)
    except ConfigError as exc:
        for problem in exc.problems:
            _err.print(f"[red]config error:[/red] {problem}", highlight=False, soft_wrap=True)
        return ExitCode.USAGE
    suite = suite or _default_suite()
    args = [
        str(suite),
        f"--golive-profile={profile}",
        f"--golive-output={output}",
        f"--golive-lang={lang}",
        "-p", "no:cacheprovider",
        # Locust's own pytest plugin imports gevent (and patches the stdlib) at start-up;
        # golive drives Locust as a separate process instead
        "-p", "no:locust",
        "--rootdir", str(suite.resolve().parent),
        # the project's own pytest settings are for its self-tests, not for acceptance runs
        "-o", "addopts=", "-o", "testpaths=", "-o", "filterwarnings=default",
    ]
    if config is not None:
        args.append(f"--golive-config={config}")
    if env:
        args.append(f"--golive-env={env}")
    if workers:
        # checks sharing a stack or a load run are grouped with xdist_group
        args += ["-n", workers, "--dist", "loadgroup"]
    if note:
        args.append(f"--golive-note={note}")
    if allow_unverified:
        args.append("--golive-allow-unverified")
    args += [f"--golive-kind={kind}" for kind in kinds]
    # a fresh interpreter: checks import and cache nothing into the caller's process
    if deadline is None:
        deadline = loaded.deadline_minutes
    with tempfile.TemporaryDirectory(prefix="golive-run-") as folder:
        owner = _Owner(Path(folder), deadline_minutes=deadline)
        exit_file = Path(folder) / "exit-code"
        args.append(f"--golive-exit-file={exit_file}")
        # signals are golive's to handle until the results are written (the salvage too)
        with owner.handling_signals():
            code = _run_child(args, extra, output=output, brief=brief, owner=owner,
                              show_pytest=verbose or shows_pytest_output(extra))
            decided = exit_file.read_text(encoding="utf-8").strip() if exit_file.is_file() else ""
            if decided.isdigit():
                result = int(decided)
            elif _PYTEST_CODES.get(code) is ExitCode.USAGE and owner.stop_reason is None:
                result = ExitCode.USAGE  # pytest's usage error, before any check ran
            else:
                # the child died (a signal, a crash) before golive's verdict: INCOMPLETE,
                # from what it left; a results.json it wrote for this run is kept as it is
                result = _salvage(owner, code, output=output, profile=profile, env=env,
                                  config=config, lang=lang, kinds=kinds, note=note,
                                  allow_unverified=allow_unverified)
    if owner.stop_reason is not None and raise_on_interrupt:
        raise RunInterrupted(result, owner.stop_reason)
    return result


class RunInterrupted(Exception):
    """`run_profile(raise_on_interrupt=True)`: the run was stopped by a signal or its
    deadline; its partial results are written and ``code`` is its exit code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def _salvage(owner: _Owner, code: int, *, output: Path, profile: str, env: str | None,
             config: Path | None, lang: str, kinds: tuple[str, ...], note: str | None,
             allow_unverified: bool) -> int:
    """The exit code of a run whose child gave none; writes INCOMPLETE results unless the
    child wrote this run's results.json already (never overwritten)."""
    from golive.judging.results import load_run_data

    try:
        written = load_run_data(output / "results.json")
    except (OSError, ValueError):
        written = None
    if written is not None and written.run_id == owner.run_id:
        return written.exit_code
    reason = owner.stop_reason or _death(code)
    from golive.harness.salvage import salvage_run  # pytest loads only on this path

    data = salvage_run(owner.folder, run_id=owner.run_id, reason=reason, output=output,
                       profile=profile, env=env, config=config, lang=lang, kinds=kinds,
                       note=note, allow_unverified=allow_unverified)
    _err.print(f"golive: the run is INCOMPLETE ({reason}); partial results written to "
               f"{output / 'results.json'}", highlight=False, soft_wrap=True)
    return data.exit_code


def _death(code: int) -> str:
    if code < 0:
        return f"the pytest process was killed by {signal_name(-code)} before golive's verdict"
    return f"pytest stopped with exit {code} before golive's verdict (a crash)"


# how long the pytest child gets, after a forwarded stop, to write its partial results
# (interrupted drills roll back, Locust is stopped) before its process group is killed
STOP_GRACE_S = 60.0
_POLL_S = 0.2


class _Owner:
    """`golive run`'s side of its pytest child: the run's id and folder (inherited by every
    descendant through the environment), the signals it forwards, the overall deadline."""

    def __init__(self, folder: Path, *, deadline_minutes: float | None) -> None:
        from golive.judging.results import new_run_id

        self.folder = folder
        self.run_id = new_run_id(datetime.now(UTC))
        self.deadline_minutes = deadline_minutes
        self.started = time.monotonic()
        self.stop_reason: str | None = None
        self._pending: tuple[int, str] | None = None  # a signal not yet forwarded
        self._stopped_at: float | None = None
        self._killed = False
        self.child: subprocess.Popen[bytes] | None = None
        self.own_group = True

    def env(self) -> dict[str, str]:
        return {**os.environ, RUN_ID_ENV: self.run_id, RUN_DIR_ENV: str(self.folder)}

    @contextlib.contextmanager
    def handling_signals(self) -> Iterator[None]:
        """SIGINT, SIGTERM and SIGHUP, to golive alone or to its whole group, are forwarded
        to the child's process group once; a second one kills it at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM,
                                                     signal.SIGHUP)}  # fmt: skip

        def handler(signum: int, _frame: object) -> None:
            if self.stop_reason is not None and self._pending is None:
                self._kill()  # a second signal: no more waiting
                return
            self._pending = (signum, f"{signal_name(signum)} to golive")

        for signum in previous:
            signal.signal(signum, handler)
        try:
            yield
        finally:
            for signum, old in previous.items():
                signal.signal(signum, old)

    def tick(self) -> None:
        """Called while the child runs: forward a pending signal, enforce the deadline and
        the grace period after a stop."""
        if self._pending is not None:
            signum, reason = self._pending
            self._pending = None
            self._stop(signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM, reason)
        elif (self.deadline_minutes is not None and self.stop_reason is None
              and time.monotonic() - self.started > self.deadline_minutes * 60):
            self._stop(signal.SIGTERM,
                       f"the run's deadline of {self.deadline_minutes:g} min passed")
        if (self._stopped_at is not None and not self._killed
                and time.monotonic() - self._stopped_at > STOP_GRACE_S):
            self._kill()

    def _stop(self, sig: int, reason: str) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            self._stopped_at = time.monotonic()
            # the child's partial results say why (golive.harness.plugin reads it)
            write_json_atomically(self.folder / STOP_FILE, json.dumps({"reason": reason}))
        if self.child is None or self.child.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.own_group:
                os.killpg(self.child.pid, sig)
            else:
                self.child.send_signal(sig)

    def _kill(self) -> None:
        self._killed = True
        if self.child is not None and self.child.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if self.own_group:
                    os.killpg(self.child.pid, signal.SIGKILL)
                else:
                    self.child.kill()

    def finish(self) -> None:
        """The child is gone: end what its process group and its descendants' recorded
        groups left (a worker, Locust, a scanner)."""
        if self.child is not None and self.own_group:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child.pid, signal.SIGKILL)
        sweep(self.folder, self.run_id)


# pytest options that ask for pytest's own output: `golive run` then shows it as is
_SHOW_PYTEST = frozenset({
    "--verbose", "--tb", "--showlocals", "--full-trace", "--capture", "--pdb", "--trace",
    "--collect-only", "--co", "--fixtures", "--markers", "--help", "-h", "--version",
    "--durations", "--setup-show", "--setup-plan",
})
_SHORT_FLAGS = re.compile(r"-[xvsl]*[vsl][xvsl]*|-r[a-zA-Z]+")
# the console's last line (golive.harness.console.VERDICT_PREFIX; no pytest import here)
_VERDICT_PREFIX = "verdict:"
_ANSI_CODE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LOG_TAIL_LINES = 15
_LOG_WIDTH = 200


def shows_pytest_output(extra: tuple[str, ...]) -> bool:
    """Whether the arguments for pytest ask to see its output (-v, --tb=long, -s, …)."""
    return any(
        arg.split("=", 1)[0] in _SHOW_PYTEST or _SHORT_FLAGS.fullmatch(arg) for arg in extra
    )


def _run_child(args: list[str], extra: tuple[str, ...], *, output: Path, owner: _Owner,
               show_pytest: bool, brief: bool = False) -> int:
    """Run pytest in a fresh interpreter (checks import and cache nothing into this one), in
    a process group of its own that golive forwards signals to and ends.

    By default pytest's output goes to ``<output>/pytest.log`` and golive's console lines
    come through a pipe. An interactive debugger (``--pdb``, ``--trace``) keeps the child
    in golive's group, where the terminal's Ctrl-C reaches it directly.
    """
    base = [sys.executable, "-m", "pytest"]
    owner.own_group = not any(arg.split("=", 1)[0] in _INTERACTIVE for arg in extra)
    group = 0 if owner.own_group else None  # 0: a new group led by the child
    try:
        if show_pytest:
            owner.child = subprocess.Popen([*base, *args, *extra], env=owner.env(),
                                           process_group=group)
            _wait(owner.child, owner)
        else:
            output.mkdir(parents=True, exist_ok=True)
            log_path = output / "pytest.log"
            read_end, write_end = os.pipe()
            # on a terminal a line fits its width (no wrapping); a CI log has no width
            tty = sys.stdout.isatty()
            width = shutil.get_terminal_size().columns if tty else _LOG_WIDTH
            spec = f"fd={write_end},width={width}" + (",tty" if tty else "") + (
                ",brief" if brief else "")
            console = [f"--golive-console={spec}", f"--golive-pytest-log={log_path}"]
            with log_path.open("wb") as log:
                try:
                    owner.child = subprocess.Popen(
                        [*base, *console, *args, *extra], stdout=log,
                        pass_fds=(write_end,), env=owner.env(), process_group=group)
                finally:
                    os.close(write_end)
                tail = _relay(read_end, owner.child, owner)
            code = owner.child.returncode
            if not _ends_with_verdict(tail) and code not in (0, 1, 2, 4) and (
                    owner.stop_reason is None):
                _show_log_tail(log_path, code)
    finally:
        owner.finish()
    assert owner.child is not None
    return owner.child.returncode


_INTERACTIVE = frozenset({"--pdb", "--trace"})


def _wait(child: subprocess.Popen[bytes], owner: _Owner) -> None:
    """Wait for the child, forwarding signals and keeping the deadline meanwhile."""
    while True:
        try:
            child.wait(timeout=_POLL_S)
            return
        except subprocess.TimeoutExpired:
            owner.tick()


def _relay(source: int, child: subprocess.Popen[bytes], owner: _Owner) -> bytes:
    """Copy the console pipe to stdout until the child is done; its last bytes."""
    tail = b""
    sink = getattr(sys.stdout, "buffer", None)  # none behind the redaction: text it is
    # a character cut between two reads ("…", "·", Japanese) is kept whole
    text = codecs.getincrementaldecoder("utf-8")("replace")
    with os.fdopen(source, "rb", buffering=0) as pipe:
        while True:
            owner.tick()
            ready, _, _ = select.select([pipe], [], [], _POLL_S)
            if ready:
                chunk = pipe.read(65536)
                if not chunk:
                    break
                if sink is not None:
                    sink.write(chunk)
                    sink.flush()
                else:
                    sys.stdout.write(text.decode(chunk))
                    sys.stdout.flush()
                tail = (tail + chunk)[-4096:]
            elif child.poll() is not None:
                break  # a grandchild may hold the pipe open: the child is what counts
    _wait(child, owner)
    return tail


def _ends_with_verdict(tail: bytes) -> bool:
    text = _ANSI_CODE.sub("", tail.decode("utf-8", "replace"))
    lines = [line.rsplit("\r", 1)[-1] for line in text.splitlines() if line.strip()]
    return bool(lines) and lines[-1].startswith(_VERDICT_PREFIX)


def _show_log_tail(log_path: Path, code: int) -> None:
    """pytest stopped before golive's verdict (a crash): its last lines say why."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    _err.print(f"pytest stopped (exit {code}) before golive's verdict; the end of {log_path}:",
               highlight=False, soft_wrap=True)
    for line in lines[-_LOG_TAIL_LINES:]:
        _err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)


@click.command()
@click.option("--profile", "-p", type=click.Choice(PROFILES), required=True,
              help="ci: fast gate · weekly: load and SLOs · final: everything · "
                   "daily / monthly: the plan's routines")
@click.option("--env", "-e", default=None, help="environment of golive.toml (default: default_env)")
@click.option("--config", "-c", type=click.Path(path_type=Path), default=None,
              help="golive.toml to use (default: ./golive.toml)")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("reports"),
              show_default=True, help="folder for the reports")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="en", show_default=True)
@click.option("--suite", type=click.Path(path_type=Path, exists=True), default=None,
              help="folder of acceptance suites (default: ./tests)")
@click.option("--allow-unverified", is_flag=True, default=False,
              help="gate only on what could be verified: UNVERIFIED exits 0 (the verdict "
                   "stays UNVERIFIED and every report says so)")
@click.option("-n", "--workers", default=None, help="run checks in parallel (pytest-xdist -n)")
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["static", "live", "drill", "load", "security", "attestation"]),
              help="only criteria of this kind (repeatable), e.g. --kind static")
@click.option("--deadline", type=click.FloatRange(min=0, min_open=True,
                                                 max=MAX_DEADLINE_MINUTES),
              default=None, metavar="MINUTES",
              help="stop the run after this many minutes (like SIGTERM: INCOMPLETE, exit 3,"
                   " partial results written); default: deadline_minutes of golive.toml")
@click.option("-v", "--verbose", is_flag=True, default=False,
              help="show pytest's own output (tracebacks, its summary); by default it goes to"
                   " <output>/pytest.log and the terminal shows golive's lines only")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(profile: str, env: str | None, config: Path | None, output: Path, lang: str,
        suite: Path | None, allow_unverified: bool, workers: str | None,
        kinds: tuple[str, ...], deadline: float | None, verbose: bool,
        pytest_args: tuple[str, ...]) -> None:
    """Run the checks of a profile and decide GO, NO-GO or UNVERIFIED.

    Extra arguments after -- go to pytest (e.g. `golive run -p ci -- -k vercel -x`);
    criteria they leave out are listed as out of scope, never counted as passed.

    \b
    Exit codes:
      0  GO: every blocking criterion in scope passed or is validly waived/attested
      1  NO-GO: a blocking criterion failed or errored (an expired waiver is a failure)
      2  usage or configuration error; a run that executed no check
      3  INCOMPLETE: interrupted or crashed (partial results are written)
      4  UNVERIFIED: nothing blocking failed, a blocking criterion in scope was not
         verified (0 with --allow-unverified)
    """
    try:
        code = run_profile(profile, env=env, config=config, output=output, lang=lang,
                           suite=suite, allow_unverified=allow_unverified, workers=workers,
                           kinds=kinds, extra=pytest_args, verbose=verbose, deadline=deadline)
    except KeyboardInterrupt:  # before any check started (reading the config): nothing ran
        _err.print("golive: interrupted before the run started; nothing judged (exit 3)")
        code = ExitCode.INCOMPLETE
    sys.exit(code)


