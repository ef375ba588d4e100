"""`golive run`: one profile through pytest, and the exit code golive decides."""

from __future__ import annotations

import subprocess
import sys
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

# pytest's own exit codes the plugin could not translate (usage error, internal error);
# written out so the command line does not import pytest just to start
_PYTEST_CODES = {4: ExitCode.USAGE, 3: ExitCode.INCOMPLETE}

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
    strict: str = "auto",
    workers: str | None = None,
    note: str | None = None,
    kinds: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
) -> int:
    """Run one profile through pytest and return golive's exit code."""
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
        f"--golive-strict={strict}",
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
    args += [f"--golive-kind={kind}" for kind in kinds]
    # a fresh interpreter: checks import and cache nothing into the caller's process
    child = subprocess.Popen([sys.executable, "-m", "pytest", *args, *extra])
    try:
        code = child.wait()
    except KeyboardInterrupt:
        # the child got the same SIGINT: let it write its partial results, then report 3
        child.wait()
        return ExitCode.INCOMPLETE
    # pytest's own codes that golive's plugin could not translate
    return _PYTEST_CODES.get(code, code)


@click.command()
@click.option("--profile", "-p", type=click.Choice(PROFILES), required=True,
              help="ci: fast gate · weekly: load and SLOs · final: everything, strict · "
                   "daily / monthly: the plan's routines")
@click.option("--env", "-e", default=None, help="environment of golive.toml (default: default_env)")
@click.option("--config", "-c", type=click.Path(path_type=Path), default=None,
              help="golive.toml to use (default: ./golive.toml)")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("reports"),
              show_default=True, help="folder for the reports")
@click.option("--lang", type=click.Choice(["ja", "en"]), default="en", show_default=True)
@click.option("--suite", type=click.Path(path_type=Path, exists=True), default=None,
              help="folder of acceptance suites (default: ./tests)")
@click.option("--strict/--no-strict", "strict", default=None,
              help="blocking 'not verified' is NO-GO (default: as the profile says)")
@click.option("-n", "--workers", default=None, help="run checks in parallel (pytest-xdist -n)")
@click.option("--kind", "kinds", multiple=True,
              type=click.Choice(["static", "live", "drill", "load", "security", "attestation"]),
              help="only criteria of this kind (repeatable), e.g. --kind static")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def run(profile: str, env: str | None, config: Path | None, output: Path, lang: str,
        suite: Path | None, strict: bool | None, workers: str | None, kinds: tuple[str, ...],
        pytest_args: tuple[str, ...]) -> None:
    """Run the checks of a profile and decide GO / NO-GO.

    Extra arguments after -- go to pytest (e.g. `golive run -p ci -- -k vercel -x`).
    """
    strict_option = "auto" if strict is None else ("yes" if strict else "no")
    sys.exit(run_profile(profile, env=env, config=config, output=output, lang=lang,
                         suite=suite, strict=strict_option, workers=workers,
                         kinds=kinds, extra=pytest_args))


