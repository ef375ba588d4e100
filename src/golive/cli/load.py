"""`golive load`: the load phase alone, against one environment, into load.json.

The same run the weekly and final profiles judge (``golive.facts.load.run_load`` with the
environment's ``[load]`` scenario), without pytest: it writes ``load.json`` (corrected and
uncorrected latency side by side, intended vs achieved rate, the generator's account,
per-endpoint figures) next to Locust's own HTML and CSV, and judges the load SLOs with the
catalog's thresholds. Exit: 0 all met, 1 one failed, 2 usage or configuration error,
4 not verified (target unreachable, or the generator could not hold the intended rate).
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path

import click
import httpx
from rich.console import Console

from golive._errors import ConfigError
from golive.catalog import load_catalog
from golive.config import Environment, load_config, resolve_secret
from golive.facts.load import LoadError, LoadPlan, LoadResult, configured_plan, run_load
from golive.facts.load.driver import write_load_json
from golive.judging.verdict import ExitCode
from golive.resources import loadtests_dir

__all__ = ["load"]

_err = Console(stderr=True, highlight=False, soft_wrap=True)
# the SLOs a load run alone can judge, with the figure each one reads (availability is the
# monitoring's uptime over a month, not a load run's success ratio)
_JUDGED = ("perf.avg-response", "perf.error-rate")


def _figure(criterion_id: str, result: LoadResult) -> float:
    if criterion_id == "perf.avg-response":
        return result.latency.avg_ms if result.latency else math.nan
    return result.error_rate_pct


def _plan(
    environment: Environment,
    base_dir: Path,
    rate: float | None,
    duration: float | None,
    model: str | None,
) -> LoadPlan:
    overrides = {
        "GOLIVE_LOAD_RATE": f"{rate:g}" if rate is not None else None,
        "GOLIVE_LOAD_STEADY_S": f"{duration:g}" if duration is not None else None,
        "GOLIVE_LOAD_MODEL": model,
    }
    env = {**os.environ, **{k: v for k, v in overrides.items() if v is not None}}
    return configured_plan(environment.load, env, base_dir=base_dir,
                           base_url=resolve_secret(environment.base_url))  # fmt: skip


def _judge(result: LoadResult, environment: Environment) -> int:
    catalog = load_catalog()
    failed = False
    for criterion_id in _JUDGED:
        base = catalog.get(criterion_id).threshold
        if base is None:
            continue
        override = environment.thresholds.get(criterion_id)
        threshold = base.with_value(override) if override is not None else base
        value = _figure(criterion_id, result)
        ok = threshold.met_by(value)
        failed = failed or not ok
        mark = "[green]pass[/green]" if ok else "[red]FAIL[/red]"
        _err.print(f"{mark} {criterion_id}: {value:.4g}, required {threshold}")
    return ExitCode.NO_GO if failed else ExitCode.GO


@click.command("load")
@click.option(
    "--config",
    "-c",
    type=click.Path(path_type=Path),
    default=None,
    help="golive.toml (default: ./golive.toml)",
)
@click.option("--env", "-e", default=None, help="environment of golive.toml (default: default_env)")
@click.option(
    "--rate",
    type=float,
    default=None,
    help="intended arrivals per second in the steady stage (open model)",
)
@click.option("--duration", type=float, default=None, help="seconds of the steady stage")
@click.option(
    "--model",
    type=click.Choice(["open", "closed"]),
    default=None,
    help="open: arrival rate (default); closed: users with think time",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("reports/load"),
    show_default=True,
    help="folder for load.json and Locust's HTML and CSV",
)
def load(
    config: Path | None,
    env: str | None,
    rate: float | None,
    duration: float | None,
    model: str | None,
    output: Path,
) -> None:
    """Run the load phase alone and write load.json (needs disruptive = true)."""
    if config is None and Path("golive.toml").is_file():
        config = Path("golive.toml")
    try:
        loaded = load_config(config)
        name, environment = loaded.environment(env)
        plan = _plan(environment, loaded.base_dir, rate, duration, model)
    except (ConfigError, LoadError) as exc:
        problems = exc.problems if isinstance(exc, ConfigError) else [str(exc)]
        for problem in problems:
            _err.print(f"[red]config error:[/red] {problem}")
        sys.exit(ExitCode.USAGE)
    if not environment.base_url:
        _err.print(f"[red]config error:[/red] environments.{name}.base_url: not set")
        sys.exit(ExitCode.USAGE)
    if not environment.disruptive:
        _err.print(
            f"[red]config error:[/red] environments.{name}.disruptive: load traffic goes"
            " only to an environment marked disruptive = true"
        )
        sys.exit(ExitCode.USAGE)
    if not plan.endpoints:
        _err.print(f"[red]config error:[/red] environments.{name}.load.endpoints: none listed")
        sys.exit(ExitCode.USAGE)
    try:
        httpx.get(environment.base_url, timeout=10.0)
    except httpx.TransportError as exc:
        _err.print(
            f"[yellow]not verified:[/yellow] {environment.base_url} is not reachable:"
            f" {type(exc).__name__}"
        )
        sys.exit(ExitCode.UNVERIFIED)
    folder = loadtests_dir()
    try:
        result = run_load(
            plan, host=environment.base_url, out_dir=output,
            locustfiles=[folder / "locustfile.py", folder / "shapes.py"],
            allow_remote=environment.disruptive, progress=lambda line: _err.print(line),
        )  # fmt: skip
    except LoadError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        _err.print(f"[yellow]not verified:[/yellow] {first}")
        sys.exit(ExitCode.UNVERIFIED)
    path = output / "load.json"
    write_load_json(result, path)
    _err.print(f"load.json: {path.resolve()}")
    if result.requests == 0:
        _err.print("[yellow]not verified:[/yellow] the load run made no requests")
        sys.exit(ExitCode.UNVERIFIED)
    if result.unverified_reason:
        _err.print(f"[yellow]not verified:[/yellow] {result.unverified_reason}")
        sys.exit(ExitCode.UNVERIFIED)
    sys.exit(_judge(result, environment))
