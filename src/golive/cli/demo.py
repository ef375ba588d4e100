"""`golive demo`: the plan's routine, then the final profile, against the embedded
reference stack, good or broken. Its sample attestations and waivers are marked as such."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from golive._procs import terminate_as_interrupt
from golive.config import LoadSettings

__all__ = ["demo"]

DEFAULT_RUN_DIR = Path(".golive/demo")
# a short load phase: the demo shows the checks, a weekly review runs the full stages
# (open model at 15 arrivals/s; the endpoints are the demo's golive.toml's)
DEMO_LOAD = LoadSettings(users=10, spike_users=20, rate=15, ramp_s=2, steady_s=8, spike_s=3)
DEMO_DB_LOAD = {"GOLIVE_DB_LOAD_SECONDS": "3"}
# the plan's routine, whose runs the final review's reviews judge: daily, weekly, monthly
ROUTINE = ("daily", "weekly", "monthly")
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
    try:
        _write_exports(run_dir, broken)
    except BaseException:  # an interrupt between the stack and the run: nothing stays up
        Stack(lambda line: None).down(run_dir)
        raise
    return info.config_path


def _write_exports(run_dir: Path, broken: bool) -> None:
    try:
        from golive.demo import exports as demo_exports
    except ImportError:  # the SaaS readers are optional for the demo
        return
    demo_exports.write(run_dir / "exports", broken=broken)


def _down(run_dir: Path) -> bool:
    from golive.demo.stack import Stack

    # one line for the whole stop: the verdict, printed after it, stays the last line
    report = Stack(lambda line: None).down(run_dir)
    _progress("stack stopped" if report.clean else "stack stopped with leftovers")
    if not report.clean:
        _err.print(
            f"[red]left over:[/red] pids {report.leftover_pids} ports {report.leftover_ports}"
        )
    return report.clean


def _routine(run_dir: Path, config: Path, lang: str, workers: str | None, broken: bool) -> None:
    """The plan's routine before the final review, into the demo's own history (a fresh
    one per demo): the reviews of the final profile judge these runs.

    The broken twin's team keeps its routine badly: only the daily check runs, and its
    incident record is not kept (deleted after the run), so those reviews fail there."""
    from golive.cli.run import run_profile
    from golive.demo.stack import HISTORY_DIR
    from golive.history.incidents import INCIDENT_DIR

    variant = "broken twin" if broken else "reference stack"
    shutil.rmtree(run_dir / HISTORY_DIR, ignore_errors=True)
    for profile in ROUTINE[:1] if broken else ROUTINE:
        _progress(f"{profile} routine ({profile} profile) into {run_dir / HISTORY_DIR}")
        step = time.perf_counter()
        code = run_profile(profile, config=config, output=run_dir / "routine" / profile,
                           lang=lang, workers=workers, brief=True,  # its verdict line only
                           raise_on_interrupt=True,
                           note=f"Demo on the embedded {variant}: the {profile} routine.")
        verdict = _verdict(run_dir / "routine" / profile)
        _progress(f"{profile} routine: {verdict or f'exit {code}'} in "
                  f"{time.perf_counter() - step:.1f}s")
    if broken:
        shutil.rmtree(run_dir / HISTORY_DIR / INCIDENT_DIR, ignore_errors=True)
        _progress(f"broken twin's routine: {', '.join(ROUTINE[1:])} not run, incident "
                  "record not kept")


def _verdict(output: Path) -> str | None:
    try:
        data = json.loads((output / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    verdict = data.get("verdict")
    return str(verdict) if verdict else None


def _sign_off(run_dir: Path, output: Path, code: int) -> int:
    """The board's step after reading the report, done by the demo with its sample records
    and throwaway key (golive.demo.records.sign_run); returns the recomputed exit code."""
    if code not in (0, 1, 4) or not (output / "results.json").is_file():
        return code  # an interrupted or failed run is not signed off
    from golive.demo.records import sign_run

    try:
        data = sign_run(run_dir, output)
    except Exception as exc:  # the run's own reports stay as they were
        _err.print(f"[red]demo sign-off failed:[/red] {exc}")
        return code
    signed = sum(bool(c.attestation and c.attestation.get("counts")) for c in data.criteria)
    _progress(f"signed off run {data.run_id}: {signed} sample records (throwaway key),"
              f" verdict recomputed: {data.verdict.value}")  # fmt: skip
    return data.exit_code


def _explain(output: Path, seconds: float) -> None:
    """The demo's verdict in one line, and why when it is not GO: the blocking criteria
    that were not verified (or that failed), each with its reason."""
    try:
        data = json.loads((output / "results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    blocking = [c for c in data.get("criteria", []) if c.get("severity") == "blocking"]
    # a NO-GO's failures are in the console's attention list already (one screen)
    why = {"UNVERIFIED": ("not_verified",)}.get(str(data.get("verdict")), ())
    _progress(f"demo verdict: {data.get('verdict')} after {seconds:.0f}s")
    for item in (c for c in blocking if c.get("status") in why):
        reason = next(iter((item.get("reason") or "-").splitlines()), "-")
        _err.print(f"  {item['id']} ({item['status']}): {reason}",
                   highlight=False, soft_wrap=True)


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
    """Run the plan's routine (daily, weekly, monthly) into the demo's own history, then the
    final profile, against the embedded reference stack (all on loopback).

    The demo is judged like any run: what the stack cannot verify makes it UNVERIFIED.
    """
    # SIGTERM and SIGHUP unwind like Ctrl-C: the stack is stopped on the way out
    terminate_as_interrupt()
    if ctx.invoked_subcommand is not None:
        return
    from golive.cli.run import RunInterrupted

    started = time.perf_counter()
    try:
        code = _demo_run(run_dir.resolve(), broken=broken, keep=keep, output=output, lang=lang,
                         workers=workers, started=started)
    except (KeyboardInterrupt, RunInterrupted) as exc:
        why = exc.reason if isinstance(exc, RunInterrupted) else (str(exc) or "SIGINT")
        _progress(f"demo interrupted ({why}): INCOMPLETE, exit 3")
        if isinstance(exc, RunInterrupted) and (output / "results.json").is_file():
            _err.print(f"report: {(output / 'readiness.html').resolve()}")
        sys.exit(3)
    code = _sign_off(run_dir.resolve(), output, code)
    _err.print(f"report: {(output / 'readiness.html').resolve()}")
    _explain(output, time.perf_counter() - started)  # the verdict last
    sys.exit(code)


def _demo_run(run_dir: Path, *, broken: bool, keep: bool, output: Path, lang: str,
              workers: str | None, started: float) -> int:
    """The stack up, the routine, the final review, the stack down (also when interrupted:
    a signal or an interrupted run unwinds through here)."""
    from golive.cli.run import run_profile
    from golive.facts.load.plan import override_variables

    try:
        config = _up(run_dir, broken)
    except Exception as exc:
        _err.print(f"[red]demo stack did not start:[/red] {exc}")
        sys.exit(3)
    _progress(f"stack ready in {time.perf_counter() - started:.1f}s")
    for name, value in (override_variables(DEMO_LOAD) | DEMO_DB_LOAD).items():
        os.environ.setdefault(name, value)  # the caller's own sizes win
    variant = "broken twin" if broken else "reference stack"
    note = f"Demo on the embedded {variant}: final profile checks."
    try:
        _routine(run_dir, config, lang, workers, broken)
        _progress("final review (final profile)")
        code = run_profile("final", config=config, output=output, lang=lang,
                           workers=workers, note=note, raise_on_interrupt=True)
    finally:
        if not keep:
            _down(run_dir)
        else:
            _progress(f"stack kept running; stop it with: golive demo down --run-dir {run_dir}")
    return code


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
    except KeyboardInterrupt as exc:  # what was started is stopped (golive.demo.stack)
        _progress(f"interrupted ({str(exc) or 'SIGINT'}) while starting; stack stopped")
        sys.exit(3)
    click.echo(f"golive run --profile final --config {config}")


@demo.command("down")
@click.option("--run-dir", type=click.Path(path_type=Path), default=DEFAULT_RUN_DIR,
              show_default=True)
def demo_down(run_dir: Path) -> None:
    """Stop exactly the processes `demo up` started."""
    sys.exit(0 if _down(run_dir.resolve()) else 1)
