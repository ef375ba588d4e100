"""`golive run`: one profile through pytest, and the exit code golive decides."""

from __future__ import annotations

import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.console import Console

from golive._errors import ConfigError
from golive.catalog import PROFILES
from golive.config import load_attestations, load_config, load_waivers
from golive.judging.verdict import ExitCode
from golive.preflight import preflight
from golive.resources import suites_dir

__all__ = ["run", "run_profile", "validate_config"]

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


def validate_config(config: Path | None, env: str | None) -> None:
    """Every config problem, one line each, before any check runs (exit 2): the file's
    fields, then the chosen environment's targets (preflight), waivers and attestations."""
    loaded = load_config(config)
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
) -> int:
    """Run one profile through pytest and return golive's exit code.

    ``verbose`` (or pytest output options in ``extra``) shows pytest's own output; by
    default it goes to ``<output>/pytest.log`` and the terminal gets golive's lines only;
    ``brief`` (a run inside another command, e.g. the demo's routine): the verdict line only.
    """
    config = _config_path(config)
    try:
        validate_config(config, env)
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
    with tempfile.TemporaryDirectory(prefix="golive-exit-") as folder:
        exit_file = Path(folder) / "exit-code"
        args.append(f"--golive-exit-file={exit_file}")
        try:
            code = _run_child(args, extra, output=output, brief=brief,
                              show_pytest=verbose or shows_pytest_output(extra))
        except KeyboardInterrupt:
            # the child got the same SIGINT and has written its partial results: report 3
            return ExitCode.INCOMPLETE
        decided = exit_file.read_text(encoding="utf-8").strip() if exit_file.is_file() else ""
    if decided.isdigit():
        return int(decided)
    # pytest's own codes that golive's plugin could not translate
    return _PYTEST_CODES.get(code, code)


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


def _run_child(args: list[str], extra: tuple[str, ...], *, output: Path,
               show_pytest: bool, brief: bool = False) -> int:
    """Run pytest in a fresh interpreter (checks import and cache nothing into this one).

    By default pytest's output goes to ``<output>/pytest.log`` and golive's console lines
    come through a pipe; a KeyboardInterrupt is re-raised once the child has finished.
    """
    base = [sys.executable, "-m", "pytest"]
    if show_pytest:
        child = subprocess.Popen([*base, *args, *extra])
        interrupted = _wait(child)
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
                child = subprocess.Popen([*base, *console, *args, *extra], stdout=log,
                                         pass_fds=(write_end,))
            finally:
                os.close(write_end)
            interrupted, tail = _relay(read_end, child)
        if not _ends_with_verdict(tail) and child.returncode not in (0, 1, 2, 4):
            _show_log_tail(log_path, child.returncode)
    if interrupted:
        raise KeyboardInterrupt
    return child.returncode


def _wait(child: subprocess.Popen[bytes]) -> bool:
    """Wait for the child, which gets the same SIGINT as we do; True if one came."""
    interrupted = False
    while True:
        try:
            child.wait()
            return interrupted
        except KeyboardInterrupt:
            interrupted = True


def _relay(source: int, child: subprocess.Popen[bytes]) -> tuple[bool, bytes]:
    """Copy the console pipe to stdout until the child is done; (interrupted, last bytes)."""
    interrupted, tail = False, b""
    sink = getattr(sys.stdout, "buffer", None)
    with os.fdopen(source, "rb", buffering=0) as pipe:
        while True:
            try:
                ready, _, _ = select.select([pipe], [], [], 0.5)
                if ready:
                    chunk = pipe.read(65536)
                    if not chunk:
                        break
                    if sink is not None:
                        sink.write(chunk)
                        sink.flush()
                    else:
                        sys.stdout.write(chunk.decode("utf-8", "replace"))
                        sys.stdout.flush()
                    tail = (tail + chunk)[-4096:]
                elif child.poll() is not None:
                    break  # a grandchild may hold the pipe open: the child is what counts
            except KeyboardInterrupt:
                interrupted = True
    return _wait(child) or interrupted, tail


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
@click.option("-v", "--verbose", is_flag=True, default=False,
              help="show pytest's own output (tracebacks, its summary); by default it goes to"
                   " <output>/pytest.log and the terminal shows golive's lines only")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(profile: str, env: str | None, config: Path | None, output: Path, lang: str,
        suite: Path | None, allow_unverified: bool, workers: str | None,
        kinds: tuple[str, ...], verbose: bool, pytest_args: tuple[str, ...]) -> None:
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
    sys.exit(run_profile(profile, env=env, config=config, output=output, lang=lang,
                         suite=suite, allow_unverified=allow_unverified, workers=workers,
                         kinds=kinds, extra=pytest_args, verbose=verbose))


