"""`golive load`: the load phase alone, against one environment, into load.json.

The same run the weekly and final profiles judge (``golive.facts.load.run_load`` with the
environment's ``[load]`` scenario), without pytest: it writes ``load.json`` (corrected and
uncorrected latency side by side, intended vs achieved rate, the generator's account,
per-endpoint figures) next to Locust's own HTML and CSV, and judges the load SLOs with the
catalog's thresholds. Exit: 0 all met, 1 one failed, 2 usage or configuration error,
4 not verified (target unreachable, or the generator could not hold the intended rate).

Distributed, on Locust's own master/worker protocol: ``golive load --master
--expect-workers N --bind HOST:PORT`` runs the master (it applies no load itself) and
``golive load-worker --master HOST:PORT`` each worker; the master ships the plan and each
worker's share of the arrivals, the workers send back their HdrHistograms (encoded) and
the master merges them exactly (docs/load-distributed.md).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import click
import httpx
from rich.console import Console

from golive import _http, _procs
from golive._errors import ConfigError
from golive._net import is_loopback
from golive._redact import install
from golive.catalog import load_catalog
from golive.config import Environment, load_config, resolve_secret
from golive.facts.load import LoadError, LoadPlan, LoadResult, configured_plan, run_load
from golive.facts.load.driver import RECORDER, Distributed, write_load_json
from golive.judging.verdict import ExitCode
from golive.resources import loadtests_dir

__all__ = ["load", "load_worker"]

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


def _host_port(value: str, what: str) -> tuple[str, int]:
    """``HOST:PORT`` (an IPv6 host in brackets) as (host, port); a usage error otherwise."""
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"{value!r} is not HOST:PORT", param_hint=what)
    return host, int(port)


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
@click.option(
    "--master",
    "as_master",
    is_flag=True,
    help="run Locust's master only; the load comes from `golive load-worker` processes",
)
@click.option(
    "--expect-workers",
    type=click.IntRange(1, 1000),
    default=None,
    help="with --master: start once this many workers are connected",
)
@click.option(
    "--bind",
    default="127.0.0.1:5557",
    show_default=True,
    help="with --master: HOST:PORT the master listens on for workers",
)
@click.option(
    "--allow-remote-workers",
    is_flag=True,
    help="with --master: allow --bind on a non-loopback address (workers on other machines)",
)
@click.option(
    "--wait-workers",
    type=click.FloatRange(1, 600),
    default=60.0,
    show_default=True,
    help="with --master: seconds to wait for the workers to connect",
)
def load(
    config: Path | None,
    env: str | None,
    rate: float | None,
    duration: float | None,
    model: str | None,
    output: Path,
    as_master: bool,
    expect_workers: int | None,
    bind: str,
    allow_remote_workers: bool,
    wait_workers: float,
) -> None:
    """Run the load phase alone and write load.json (needs disruptive = true).

    \b
    Distributed (open model), on Locust's master/worker protocol:
      golive load --master --expect-workers 2 --bind 127.0.0.1:5557
      golive load-worker --master 127.0.0.1:5557      (once per worker)
    The master applies no load: each worker sends its share of the arrival rate and its
    HdrHistograms back; a worker that drops out makes the run not verified (exit 4).
    """
    distributed = None
    if as_master:
        if expect_workers is None:
            raise click.UsageError("--master needs --expect-workers N")
        bind_host, bind_port = _host_port(bind, "--bind")
        if not allow_remote_workers and not is_loopback(f"http://{bind}"):
            raise click.UsageError(
                f"--bind {bind} is not a loopback address: workers on other machines need"
                " --allow-remote-workers (the master's port then takes connections from the"
                " network: keep it inside a private network)"
            )
        distributed = Distributed(expect_workers, bind_host, bind_port, wait_workers)
    elif expect_workers is not None or allow_remote_workers:
        raise click.UsageError("--expect-workers and --allow-remote-workers go with --master")
    if config is None and Path("golive.toml").is_file():
        config = Path("golive.toml")
    try:
        loaded = load_config(config)
        install(loaded)
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
    if distributed is not None and plan.model != "open":
        _err.print(
            f"[red]config error:[/red] environments.{name}.load.model: a distributed run uses"
            " the open model (an arrival rate)"
        )
        sys.exit(ExitCode.USAGE)
    try:
        _http.request("GET", environment.base_url, timeout_s=environment.request_timeout_s)
    except httpx.TransportError as exc:
        _err.print(
            f"[yellow]not verified:[/yellow] {_http.origin(environment.base_url)} is not"
            f" reachable: {_http.describe(exc)}"
        )
        sys.exit(ExitCode.UNVERIFIED)
    folder = loadtests_dir()
    try:
        result = run_load(
            plan, host=environment.base_url, out_dir=output,
            locustfiles=[folder / "locustfile.py", folder / "shapes.py"],
            allow_remote=environment.disruptive, progress=lambda line: _err.print(line),
            distributed=distributed,
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


_WORKER_LOG_TAIL = 2000


@click.command("load-worker")
@click.option(
    "--master",
    "master",
    required=True,
    help="HOST:PORT of the `golive load --master` to take a share of the load from",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path),
    default=Path("reports/load-worker"),
    show_default=True,
    help="folder for this worker's samples, its log and a copy of the figures it sent",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="allow a non-loopback master and target (workers on other machines, e.g. Kubernetes)",
)
def load_worker(master: str, output: Path, allow_remote: bool) -> None:
    """Run one Locust worker of a distributed load run (needs no golive.toml).

    \b
    The master sends the plan (endpoints, rate, stages) and this worker's share of the
    arrivals; the worker sends its HdrHistograms (encoded) back when its arrivals are
    answered, then exits. Loopback only unless --allow-remote: the master's address and
    the target it names must both be on this machine otherwise.
    Exit: 0 done, 2 usage error, 4 the worker failed (see its log).
    """
    host, port = _host_port(master, "--master")
    if not allow_remote and not is_loopback(f"http://{master}"):
        raise click.UsageError(
            f"--master {master} is not a loopback address: pass --allow-remote for a master"
            " on another machine"
        )
    folder = loadtests_dir()
    output = output.resolve()
    samples = output / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    for pattern in ("samples-*.tsv", "generator-*.json", "sent-*.json"):
        for old in samples.glob(pattern):
            old.unlink()
    # the plan comes from the master; a GOLIVE_LOAD_* override here would only confuse
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_LOAD_")}
    env.update(GOLIVE_LOAD_ROLE="worker", GOLIVE_LOAD_SAMPLES_DIR=str(samples),
               GOLIVE_LOAD_ALLOW_REMOTE="1" if allow_remote else "0")  # fmt: skip
    files = [folder / "locustfile.py", folder / "shapes.py", RECORDER]
    argv = [
        sys.executable, "-m", "locust", "--worker", "--master-host", host,
        "--master-port", str(port), "-f", ",".join(str(p) for p in files),
    ]  # fmt: skip
    log = output / "locust-worker.log"
    _err.print(f"load worker: connecting to {host}:{port}; log {log}")
    with log.open("wb") as log_file:
        proc = _procs.popen(argv, cwd=output, env=env, stdin=subprocess.DEVNULL,
                            stdout=log_file, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            code = proc.wait()
        finally:
            if proc.returncode is None:
                _procs.stop_group(proc, grace=3.0)
            elif not _procs.group_alive(proc.pid):
                _procs.release(proc)
    sent = sorted(samples.glob("sent-*.json"))
    if code != 0 or not sent:
        tail = log.read_text(encoding="utf-8", errors="replace")[-_WORKER_LOG_TAIL:]
        _err.print(f"[yellow]load worker failed[/yellow] (exit {code}); log {log}:\n{tail}")
        sys.exit(ExitCode.UNVERIFIED)
    _err.print(f"load worker done: figures sent ({sent[-1]})")
    sys.exit(0)
