"""Run Locust headless as a subprocess, bounded in users and time, and summarise the run.

Locust (and gevent) never load into the calling process: the driver starts
``python -m locust`` with the locustfile, the shape and golive's recorder, prints a
progress line every few seconds from the stats history CSV, and stops the process group
it started when the run overstays its bound.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from golive import __version__, _procs
from golive._redact import redact, redact_file
from golive.facts.load.locust_csv import Progress as LocustProgress
from golive.facts.load.locust_csv import history_users, latest_progress, locust_totals
from golive.facts.load.plan import (
    CPU_SATURATED,
    LATE_MS,
    LATE_SHARE,
    MAX_LATE_MS,
    LoadError,
    LoadPlan,
    check_target,
)
from golive.facts.load.result import Generator, Latency, LoadResult, WorkerAccount
from golive.facts.load.samples import Partial, Summary, finish, summarise

__all__ = [
    "RECORDER",
    "Distributed",
    "free_port",
    "locust_argv",
    "run_load",
    "write_load_json",
]

RECORDER = Path(__file__).with_name("recorder.py")
STARTUP_GRACE_S = 60.0  # Locust start-up and shutdown on top of the staged run
_LOG_TAIL = 4000

Progress = Callable[[str], None]


@dataclasses.dataclass(frozen=True)
class Distributed:
    """A distributed run's master: Locust's master/worker protocol on ``bind_host:port``,
    waiting up to ``wait_s`` for ``workers`` ``golive load-worker`` processes."""

    workers: int
    bind_host: str = "127.0.0.1"
    port: int = 5557
    wait_s: float = 60.0


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now (never Locust's default 5557)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port != 5557:
            return port


def locust_argv(
    plan: LoadPlan,
    *,
    host: str,
    locustfiles: Sequence[Path],
    csv_prefix: Path,
    html: Path,
    master_port: int | None = None,
    distributed: Distributed | None = None,
) -> list[str]:
    """The Locust command line; with worker processes, master bind and connect ports match;
    ``distributed``: Locust's master, for workers on other processes or machines."""
    argv = [
        sys.executable, "-m", "locust",
        "-f", ",".join(str(p) for p in locustfiles),
        "--headless", "--only-summary",
        "--host", host,
        "--csv", str(csv_prefix), "--csv-full-history",
        "--html", str(html),
        "--run-time", f"{math.ceil(_bound_s(plan)) + 2}s",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    if distributed is not None:
        argv += [
            "--master", "--expect-workers", str(distributed.workers),
            "--expect-workers-max-wait", f"{distributed.wait_s:g}",
            "--master-bind-host", distributed.bind_host,
            "--master-bind-port", str(distributed.port),
        ]  # fmt: skip
    elif plan.processes and plan.model == "closed":  # the open model: one generator process
        if master_port is None:
            raise LoadError("worker processes need a master port")
        argv += [
            "--processes", str(plan.processes),
            "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
            "--master-host", "127.0.0.1", "--master-port", str(master_port),
        ]  # fmt: skip
    return argv


def _bound_s(plan: LoadPlan) -> float:
    """The staged run, plus (open model) the answers of the last arrivals."""
    return plan.total_s + (plan.timeout_s + 5 if plan.model == "open" else 0.0)


def _tail(path: Path) -> str:
    if not path.is_file():
        return ""
    text = path.read_text(encoding="utf-8", errors="replace")
    return text if len(text) <= _LOG_TAIL else "…" + text[-_LOG_TAIL:]


def _with_window_rps(now: LocustProgress, last: LocustProgress | None) -> LocustProgress:
    """Throughput since the previous line (Locust's current rps lags with worker processes)."""
    if last is None or now.timestamp <= last.timestamp:
        return now
    rps = (now.requests - last.requests) / (now.timestamp - last.timestamp)
    return dataclasses.replace(now, rps=max(rps, 0.0))


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    """Stop the process group this driver started (Locust and its worker processes)."""
    for sig, wait in ((signal.SIGINT, 10.0), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    proc.wait()
    _procs.release(proc)


# an interrupted run (Ctrl-C, SIGTERM, golive's deadline) stops the load at once: Locust
# gets this long to write its reports before its group is killed
INTERRUPT_GRACE_S = 3.0


def run_load(
    plan: LoadPlan,
    *,
    host: str,
    locustfiles: Sequence[Path],
    out_dir: Path,
    allow_remote: bool = False,
    progress: Progress | None = None,
    interval_s: float = 5.0,
    distributed: Distributed | None = None,
) -> LoadResult:
    """Run the staged load against ``host`` and return what it measured.

    ``locustfiles``: the users/tasks file(s) and the shape; golive's recorder is added.
    ``distributed``: run Locust's master only; the load comes from ``golive load-worker``
    processes, whose figures (HdrHistogram's encoding) are merged here exactly.
    """
    check_target(host, allow_remote=allow_remote)
    if distributed is not None and plan.model != "open":
        raise LoadError("a distributed run uses the open model (an arrival rate)")
    if not plan.endpoints:
        raise LoadError(
            "no endpoints to load: list them under [[environments.NAME.load.endpoints]]"
            " (method, path, weight)"
        )
    for path in locustfiles:
        if not Path(path).is_file():
            raise LoadError(f"locustfile {path} not found")
    out_dir = Path(out_dir).resolve()
    samples_dir = out_dir / "samples"
    samples_dir.mkdir(parents=True, exist_ok=True)
    for pattern in ("samples-*.tsv", "generator-*.json", "partial-*.json", "dropouts.json"):
        for old in samples_dir.glob(pattern):
            old.unlink()
    prefix, html, log = out_dir / "locust", out_dir / "locust.html", out_dir / "locust.log"
    files = [*(Path(p).resolve() for p in locustfiles), RECORDER]
    argv = locust_argv(
        plan, host=host, locustfiles=files, csv_prefix=prefix, html=html,
        master_port=free_port() if plan.processes and plan.model == "closed" else None,
        distributed=distributed,
    )  # fmt: skip
    env = {**os.environ, **plan.to_locust_env(), "GOLIVE_LOAD_SAMPLES_DIR": str(samples_dir)}
    env.pop("GOLIVE_LOAD_ROLE", None)
    if distributed is not None:
        env["GOLIVE_LOAD_ROLE"] = "master"
    say = progress or (lambda _line: None)
    shape = (
        f"open model, {plan.rate:g}/s (spike {plan.spike_rate:g}/s)" if plan.model == "open"
        else f"closed model, {plan.users} users (spike {plan.spike_users})"
    )  # fmt: skip
    workers = plan.processes if plan.model == "closed" else 0
    say(
        f"load starting: {shape} for {plan.total_s:g}s against {host}"
        + (f" with {workers} worker processes" if workers else "")
        + (
            f" from {distributed.workers} workers (master on"
            f" {distributed.bind_host}:{distributed.port})"
            if distributed
            else ""
        )
    )
    deadline = _bound_s(plan) + STARTUP_GRACE_S + (distributed.wait_s if distributed else 0)
    started = time.monotonic()
    last: LocustProgress | None = None
    with log.open("wb") as log_file:
        # a process group of its own (Locust and its worker processes), ended here, at this
        # process's exit, or by `golive run` once its pytest child is gone: the load never
        # outlives the run
        proc = _procs.popen(
            argv, cwd=out_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            while True:
                try:
                    proc.wait(timeout=interval_s)
                    break
                except subprocess.TimeoutExpired:
                    elapsed = time.monotonic() - started
                    if elapsed > deadline:
                        _stop_group(proc)
                        raise LoadError(
                            f"Locust overstayed its bound of {deadline:g}s and was stopped;"
                            f" log {log}:\n{_tail(log)}"
                        ) from None
                    now = latest_progress(Path(f"{prefix}_stats_history.csv"))
                    if now is not None:
                        say(_with_window_rps(now, last).line(elapsed))
                        last = now
        except BaseException:
            if proc.returncode is None:
                _procs.stop_group(proc, grace=INTERRUPT_GRACE_S)
            raise
        finally:
            if proc.returncode is not None and not _procs.group_alive(proc.pid):
                _procs.release(proc)
    wall_s = time.monotonic() - started
    for artifact in (html, log, *out_dir.glob("locust_*.csv")):  # kept beside the reports
        redact_file(artifact)
    if distributed is not None and "Gave up waiting for workers" in _tail(log):
        raise LoadError(
            f"fewer than {distributed.workers} workers connected to"
            f" {distributed.bind_host}:{distributed.port} within {distributed.wait_s:g}s;"
            f" log {log}"
        )
    if proc.returncode != 0:
        raise LoadError(f"Locust exited with {proc.returncode}; log {log}:\n{_tail(log)}")
    history = Path(f"{prefix}_stats_history.csv")
    samples = sorted(samples_dir.glob("samples-*.tsv"))
    accounts: list[dict[str, float]] = []
    workers_seen: list[WorkerAccount] = []
    merged: Partial | None = None
    unverified: list[str] = []
    scheduled = 0
    if distributed is not None:
        merged, accounts, workers_seen, unverified = _merge_workers(samples_dir, distributed)
        # the one schedule the workers shared: its count is the run's intended arrivals
        scheduled = sum(1 for _ in plan.arrival_offsets()) if plan.endpoints else 0
        summary = finish(merged, history_users(history))
        samples = sorted(samples_dir.glob("partial-*.json"))
    else:
        summary = summarise(
            samples, history_users(history),
            think_s=(plan.wait_min_s + max(plan.wait_min_s, plan.wait_max_s)) / 2,
            late_ms=LATE_MS,
        )  # fmt: skip
        accounts = [
            json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(samples_dir.glob("generator-*.json"))
        ]
    totals = locust_totals(Path(f"{prefix}_stats.csv"))
    generator = _generator(plan, summary, accounts)
    if distributed is not None:
        accounted = generator.intended_arrivals or 0
        if not unverified and accounted != scheduled:
            unverified.append(f"the workers scheduled {accounted} arrivals, the plan {scheduled}")
        generator = generator.model_copy(update={"intended_arrivals": scheduled})
    reason = "; ".join(unverified) if unverified else _unverified(generator)
    for kept in sorted(samples_dir.iterdir()):  # read above; kept beside the reports too
        redact_file(kept)
    result = LoadResult(
        target=host,
        plan=plan.describe(),
        started_at=summary.started_at,
        duration_s=summary.duration_s,
        requests=summary.requests,
        failures=summary.failures,
        latency=summary.latency,
        uncorrected_latency=summary.uncorrected,
        correction=summary.correction,
        model=plan.model,
        intended_rate=_rate(generator.intended_arrivals, plan) if plan.model == "open" else None,
        achieved_rate=_rate(summary.arrivals, plan) if plan.model == "open" else None,
        generator=generator,
        unverified_reason=reason,
        workers=workers_seen,
        histogram=merged.overall.encode()["h"] if merged is not None else None,
        endpoints=summary.endpoints,
        bucket_s=summary.bucket_s,
        series=summary.series,
        peak_users=max((n for _t, n in history_users(history)), default=0),
        locust_requests=totals[0] if totals else None,
        locust_failures=totals[1] if totals else None,
        exit_code=proc.returncode,
        argv=argv,
        html_report=str(html),
        csv_files=sorted(str(p) for p in out_dir.glob("locust_*.csv")),
        samples_files=[str(p) for p in samples],
        log_tail=_tail(log),
        wall_s=round(wall_s, 3),
    )
    say(
        f"load finished in {wall_s:.1f}s: {result.requests} requests, {result.failures} failed,"
        f" peak {result.peak_users} users; report {html}"
    )
    if result.unverified_reason:
        say(f"load not verified: {result.unverified_reason}")
    return result


def _rate(arrivals: int | None, plan: LoadPlan) -> float | None:
    """Arrivals per second over the stages (ramp, steady and spike together)."""
    return round(arrivals / plan.total_s, 3) if arrivals is not None and plan.total_s else None


def _merge_workers(
    folder: Path, distributed: Distributed
) -> tuple[Partial, list[dict[str, float]], list[WorkerAccount], list[str]]:
    """The workers' figures as the master received them, merged exactly; their generator
    accounts; why the run is not verified (a worker dropped out, refused, never reported)."""
    merged = Partial()
    accounts: list[dict[str, float]] = []
    seen: list[WorkerAccount] = []
    reasons: list[str] = []
    dropouts = folder / "dropouts.json"
    if dropouts.is_file():
        reasons += [str(r) for r in json.loads(dropouts.read_text(encoding="utf-8"))]
    for path in sorted(folder.glob("partial-*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("golive") != __version__:  # the encoding is golive's own
            reasons.append(
                f"worker {document.get('index')} runs golive {document.get('golive')},"
                f" the master {__version__}"
            )
            continue
        try:
            partial = Partial.decode(document["partial"])
        except (KeyError, ValueError) as exc:
            reasons.append(f"worker {document.get('index')} sent unreadable figures: {exc}")
            continue
        merged.merge(partial)
        account = dict(document.get("generator") or {})
        if document.get("refused"):
            reasons.append(f"worker {document.get('index')}: {document['refused']}")
        accounts.append({k: float(v) for k, v in account.items() if isinstance(v, int | float)})
        seen.append(WorkerAccount(
            index=int(document["index"]), worker=str(document.get("worker")),
            host=str(document.get("host")), requests=partial.overall.count,
            intended_arrivals=int(account.get("intended_arrivals", 0)),
            cpu=round(account["cpu_s"] / account["wall_s"], 3)
            if account.get("wall_s") else None,
        ))  # fmt: skip
    if len(seen) + len(reasons) < distributed.workers and not reasons:
        reasons.append(
            f"{len(seen)} of {distributed.workers} workers sent their figures (see the Locust"
            " log: a worker never connected, or the run overstayed its bound)"
        )
    return merged, accounts, seen, reasons


def _generator(plan: LoadPlan, summary: Summary, accounts: list[dict[str, float]]) -> Generator:
    """The generators' account (open model: each writes its own, a distributed run's come
    with their figures) and the late starts they recorded."""
    if plan.model == "closed":
        return Generator(model="closed")
    totals: dict[str, float] = {}
    for account in accounts:
        for key, value in account.items():
            totals[key] = totals.get(key, 0.0) + float(value)
    # the busiest generator: one saturated worker is enough to distort its timings
    busiest = max(
        (a["cpu_s"] / a["wall_s"] for a in accounts if a.get("wall_s") and "cpu_s" in a),
        default=None,
    )
    wall = max((a.get("wall_s", 0.0) for a in accounts), default=None)
    return Generator(
        model="open",
        intended_arrivals=int(totals["intended_arrivals"]) if accounts else None,
        sent=summary.arrivals,
        late=summary.late,
        late_bound_ms=LATE_MS,
        max_late_ms=summary.max_late_ms,
        queued=int(totals.get("queued", 0)),
        cpu=round(busiest, 3) if busiest is not None else None,
        cpu_s=totals.get("cpu_s"),
        wall_s=wall,
    )


def _unverified(gen: Generator) -> str | None:
    """Why the generator did not apply the intended load (then nothing may pass), or None."""
    if gen.model == "closed":
        return None
    if gen.intended_arrivals is None:
        return "the open-model generator left no account of its arrivals (see the Locust log)"
    if gen.intended_arrivals == 0:
        return "the open-model generator scheduled no arrival (no usable endpoint)"
    sent = gen.sent or 0
    if gen.late > LATE_SHARE * gen.intended_arrivals or gen.max_late_ms > MAX_LATE_MS:
        return (
            f"{gen.late} of {gen.intended_arrivals} arrivals started more than {LATE_MS:g} ms"
            f" late, the worst {gen.max_late_ms:g} ms (allowed: {LATE_SHARE:.0%} of them, none"
            f" over {MAX_LATE_MS:g} ms): the generator could not hold the intended rate"
        )
    if gen.queued:
        return f"{gen.queued} arrivals found every pooled connection busy and queued"
    if gen.cpu is not None and gen.cpu >= CPU_SATURATED:
        return (
            f"the generator used {gen.cpu:.0%} of a core (saturated at {CPU_SATURATED:.0%}):"
            " its timings include its own queueing"
        )
    if sent < gen.intended_arrivals:
        return f"{gen.intended_arrivals - sent} of {gen.intended_arrivals} arrivals never completed"
    return None


def write_load_json(result: LoadResult, path: Path) -> None:
    """``load.json``: the run's figures (corrected and uncorrected side by side), the
    generator's account and where Locust's own HTML and CSV are."""

    def figures(latency: Latency | None) -> dict[str, float] | None:
        if latency is None:
            return None
        return {
            "mean": latency.avg_ms, "p50": latency.p50_ms, "p95": latency.p95_ms,
            "p99": latency.p99_ms, "p999": latency.p999_ms, "max": latency.max_ms,
        }  # fmt: skip

    document = {
        "target": result.target,
        "model": result.model,
        "verified": result.unverified_reason is None,
        "unverified_reason": result.unverified_reason,
        "intended_rate": result.intended_rate,
        "achieved_rate": result.achieved_rate,
        "requests": result.requests,
        "errors": result.failures,
        "duration_s": result.duration_s,
        "latency_ms": figures(result.latency),
        "uncorrected_latency_ms": figures(result.uncorrected_latency),
        "correction": result.correction,
        "generator_cpu": result.generator.cpu if result.generator else None,
        "generator": result.generator.model_dump() if result.generator else None,
        "endpoints": {
            name: {
                "requests": e.requests,
                "errors": e.failures,
                "rps": e.rps,
                "latency_ms": figures(e.latency),
                "uncorrected_latency_ms": figures(e.uncorrected_latency),
            }
            for name, e in result.endpoints.items()
        },
        "plan": result.plan,
        "workers": [w.model_dump() for w in result.workers],
        # the merged corrected histogram in HdrHistogram's own encoding (distributed runs)
        "histogram": result.histogram,
        "locust": {"html": result.html_report, "csv": result.csv_files},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    text = redact(json.dumps(document, indent=2, ensure_ascii=False))  # an output: no secret
    path.write_text(text + "\n", encoding="utf-8")
