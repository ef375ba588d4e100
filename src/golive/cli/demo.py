"""`golive demo`: the final profile against the embedded reference stack, good or broken."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from golive.config import LoadSettings

__all__ = ["demo"]

DEFAULT_RUN_DIR = Path(".golive/demo")
# a short load phase: the demo shows the checks, a weekly review runs the full stages
DEMO_LOAD = LoadSettings(users=10, spike_users=20, ramp_s=2, steady_s=8, spike_s=3)
DEMO_DB_LOAD = {"GOLIVE_DB_LOAD_SECONDS": "3"}
_err = Console(stderr=True, highlight=False)


def _progress(line: str) -> None:
    _err.print(f"[dim]\\[demo][/dim] {line}")


def _up(run_dir: Path, broken: bool) -> Path:
    """Materialize the sample repo, start the stack, write its exports; return golive.toml."""
    from golive.demo.sample_repo import Variant, materialize
    from golive.demo.stack import Stack

    variant: Variant = "broken" if broken else "good"
    repo = materialize(variant, run_dir / "sample-infra")
    _progress(f"sample repository ({variant}) at {repo}")
    info = Stack(_progress).up(run_dir, broken=broken, repo=repo)
    _write_exports(run_dir, broken)
    return info.config_path


def _write_exports(run_dir: Path, broken: bool) -> None:
    try:
        from golive.demo import exports as demo_exports
    except ImportError:  # the SaaS readers are optional for the demo
        return
    demo_exports.write(run_dir / "exports", broken=broken)


def _down(run_dir: Path) -> bool:
    from golive.demo.stack import Stack

    report = Stack(_progress).down(run_dir)
    if not report.clean:
        _err.print(
            f"[red]left over:[/red] pids {report.leftover_pids} ports {report.leftover_ports}"
        )
    return report.clean


@click.group(invoke_without_command=True)
@click.option("--broken", is_flag=True, help="the twin with a deliberate defect per criterion")
@click.option("--keep", is_flag=True, help="leave the stack running after the run")
@click.option("--run-dir", type=click.Path(path_type=Path), default=DEFAULT_RUN_DIR,
              show_default=True, help="state, logs, generated golive.toml")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path("reports"),
              show_default=True)
@click.option("--lang", type=click.Choice(["ja", "en"]), default="en", show_default=True)
@click.option("-n", "--workers", default=None, help="run checks in parallel (pytest-xdist -n)")
@click.pass_context
def demo(ctx: click.Context, broken: bool, keep: bool, run_dir: Path, output: Path, lang: str,
         workers: str | None) -> None:
    """Run the final profile against the embedded reference stack (all on loopback).

    The demo applies the final profile's checks without its rule that a blocking
    "not verified" is NO-GO: the stack cannot stand in for every outside service.
    """
    if ctx.invoked_subcommand is not None:
        return
    from golive.cli.run import run_profile
    from golive.facts.load.plan import override_variables

    run_dir = run_dir.resolve()
    started = time.perf_counter()
    try:
        config = _up(run_dir, broken)
    except Exception as exc:
        _err.print(f"[red]demo stack did not start:[/red] {exc}")
        sys.exit(3)
    _progress(f"stack ready in {time.perf_counter() - started:.1f}s; running the final profile")
    for name, value in (override_variables(DEMO_LOAD) | DEMO_DB_LOAD).items():
        os.environ.setdefault(name, value)  # the caller's own sizes win
    variant = "broken twin" if broken else "reference stack"
    note = (f"Demo on the embedded {variant}: final profile checks, not strict "
            "(blocking 'not verified' does not make NO-GO here).")
    try:
        code = run_profile("final", config=config, output=output, lang=lang, strict="no",
                           workers=workers, note=note)
    finally:
        if not keep:
            _down(run_dir)
        else:
            _progress(f"stack kept running; stop it with: golive demo down --run-dir {run_dir}")
    _err.print(f"report: {(output / 'readiness.html').resolve()}")
    sys.exit(code)


@demo.command("up")
@click.option("--broken", is_flag=True)
@click.option("--run-dir", type=click.Path(path_type=Path), default=DEFAULT_RUN_DIR,
              show_default=True)
def demo_up(broken: bool, run_dir: Path) -> None:
    """Start the stack and leave it running; prints the golive.toml to use."""
    try:
        config = _up(run_dir.resolve(), broken)
    except Exception as exc:
        _err.print(f"[red]demo stack did not start:[/red] {exc}")
        sys.exit(3)
    click.echo(f"golive run --profile final --config {config}")


@demo.command("down")
@click.option("--run-dir", type=click.Path(path_type=Path), default=DEFAULT_RUN_DIR,
              show_default=True)
def demo_down(run_dir: Path) -> None:
    """Stop exactly the processes `demo up` started."""
    sys.exit(0 if _down(run_dir.resolve()) else 1)
