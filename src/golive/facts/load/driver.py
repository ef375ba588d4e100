"""Run Locust headless as a subprocess, bounded in users and time, and summarise the run.

Locust (and gevent) never load into the calling process: the driver starts
``python -m locust`` with the locustfile, the shape and golive's recorder, prints a
progress line every few seconds from the stats history CSV, and stops the process group
it started when the run overstays its bound.
"""

from __future__ import annotations

import dataclasses
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from golive.facts.load.locust_csv import Progress as LocustProgress
from golive.facts.load.locust_csv import history_users, latest_progress, locust_totals
from golive.facts.load.plan import LoadError, LoadPlan, check_target
from golive.facts.load.result import LoadResult
from golive.facts.load.samples import summarise

__all__ = ["RECORDER", "free_port", "locust_argv", "run_load"]

RECORDER = Path(__file__).with_name("recorder.py")
STARTUP_GRACE_S = 60.0  # Locust start-up and shutdown on top of the staged run
_LOG_TAIL = 4000

Progress = Callable[[str], None]


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
) -> list[str]:
    """The Locust command line; with worker processes, master bind and connect ports match."""
    argv = [
        sys.executable, "-m", "locust",
        "-f", ",".join(str(p) for p in locustfiles),
        "--headless", "--only-summary",
        "--host", host,
        "--csv", str(csv_prefix), "--csv-full-history",
        "--html", str(html),
        "--run-time", f"{math.ceil(plan.total_s) + 2}s",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    if plan.processes:
        if master_port is None:
            raise LoadError("worker processes need a master port")
        argv += [
            "--processes", str(plan.processes),
            "--master-bind-host", "127.0.0.1", "--master-bind-port", str(master_port),
            "--master-host", "127.0.0.1", "--master-port", str(master_port),
        ]  # fmt: skip
    return argv


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


def run_load(
    plan: LoadPlan,
    *,
    host: str,
    locustfiles: Sequence[Path],
    out_dir: Path,
    allow_remote: bool = False,
    progress: Progress | None = None,
    interval_s: float = 5.0,
) -> LoadResult:
    """Run the staged load against ``host`` and return what it measured.

    ``locustfiles``: the users/tasks file(s) and the shape; golive's recorder is added.
    """
    check_target(host, allow_remote=allow_remote)
    for path in locustfiles:
        if not Path(path).is_file():
            raise LoadError(f"locustfile {path} not found")
    out_dir = Path(out_dir).resolve()
    samples_dir = out_dir / "samples"
    samples_dir.mkdir(parents=True, exist_ok=True)
    for old in samples_dir.glob("samples-*.tsv"):
        old.unlink()
    prefix, html, log = out_dir / "locust", out_dir / "locust.html", out_dir / "locust.log"
    files = [*(Path(p).resolve() for p in locustfiles), RECORDER]
    argv = locust_argv(
        plan, host=host, locustfiles=files, csv_prefix=prefix, html=html,
        master_port=free_port() if plan.processes else None,
    )  # fmt: skip
    env = {**os.environ, **plan.to_locust_env(), "GOLIVE_LOAD_SAMPLES_DIR": str(samples_dir)}
    say = progress or (lambda _line: None)
    say(
        f"load starting: {plan.users} users (spike {plan.spike_users}) for {plan.total_s:g}s"
        f" against {host}" + (f" with {plan.processes} worker processes" if plan.processes else "")
    )
    deadline = plan.total_s + STARTUP_GRACE_S
    started = time.monotonic()
    last: LocustProgress | None = None
    with log.open("wb") as log_file:
        proc = subprocess.Popen(
            argv, cwd=out_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
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
                _stop_group(proc)
            raise
    wall_s = time.monotonic() - started
    if proc.returncode != 0:
        raise LoadError(f"Locust exited with {proc.returncode}; log {log}:\n{_tail(log)}")
    history = Path(f"{prefix}_stats_history.csv")
    samples = sorted(samples_dir.glob("samples-*.tsv"))
    summary = summarise(samples, history_users(history))
    totals = locust_totals(Path(f"{prefix}_stats.csv"))
    result = LoadResult(
        target=host,
        plan=plan.describe(),
        started_at=summary.started_at,
        duration_s=summary.duration_s,
        requests=summary.requests,
        failures=summary.failures,
        latency=summary.latency,
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
    return result
