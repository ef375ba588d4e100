"""Distributed load on Locust's own master/worker protocol, over TCP on 127.0.0.1.

Four runs at once against one self-test app, each a `golive load --master` and its
`golive load-worker` processes (separate processes, their own process groups):

- complete: the master's merged histogram equals, bucket by bucket, the HdrHistogram of
  the union of the two workers' own samples (each worker keeps its samples file), and the
  intended arrivals are the plan's, split exactly between the workers;
- a worker's Locust process killed mid-run: the run is not verified, naming that worker;
- no worker connects within --wait-workers: not verified, saying so;
- a worker without --allow-remote refuses a target off loopback: not verified.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hdrh.histogram import HdrHistogram

from golive import _procs
from golive.cli.load import load, load_worker
from golive.facts.load.driver import free_port
from golive.facts.load.locust_csv import latest_progress
from golive.facts.load.plan import LoadPlan
from golive.facts.load.samples import HIGHEST_US, LOWEST_US, Partial, read_samples

from .conftest import ROOT, start_app, stop_app

# ramp 1 s + steady 5 s + spike 1 s at 40/s (spike 80/s): 300 arrivals, 150 per worker
LOAD = "rate = 40\nspike_rate = 80\nramp_s = 1\nsteady_s = 5\nspike_s = 1\n"
ENDPOINTS = """
[[environments.x.load.endpoints]]
path = "/api/projects"
weight = 3
[[environments.x.load.endpoints]]
path = "/static/app.js"
"""


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_LOAD_", "PYTEST_"))}


def _golive(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """golive in a process group of its own (ended by the fixture, whatever happens)."""
    with log.open("wb") as out:
        return _procs.popen(
            [sys.executable, "-m", "golive", *args], cwd=ROOT, env=_clean_env(),
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.is_file() else []


@dataclass
class Run:
    code: int
    output: str
    data: dict[str, Any]
    workers: list[Path]  # each worker's --output folder
    killed: int | None = None  # the pid of the Locust worker process killed mid-run


def _samples(folder: Path) -> list[Path]:
    return sorted((folder / "samples").glob("samples-*.tsv"))


@pytest.fixture(scope="session")
def distributed_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    folder = tmp_path_factory.mktemp("distributed")
    app, url = start_app("fast", folder)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        masters: dict[str, tuple[subprocess.Popen[bytes], Path, list[Path]]] = {}
        workers: dict[str, list[subprocess.Popen[bytes]]] = {}
        # name: (target, workers). "absent": a master whose workers never come. "refused":
        # the target as 127.1, loopback in fact but not to golive's literal check, so a
        # worker without --allow-remote refuses it (the master's environment is disruptive)
        for name, (target, count) in {
            "complete": (url, 2), "killed": (url, 2), "absent": (url, 0),
            "refused": (url.replace("127.0.0.1", "127.1"), 1),
        }.items():  # fmt: skip
            base = folder / name
            base.mkdir()
            config = base / "golive.toml"
            config.write_text(
                f'default_env = "x"\n[environments.x]\nbase_url = "{target}"\n'
                f"disruptive = true\n[environments.x.load]\n{LOAD}{ENDPOINTS}",
                encoding="utf-8",
            )
            bind = f"127.0.0.1:{free_port()}"
            wait = "2" if name == "absent" else "60"
            master = _golive("load", "-c", str(config), "-o", str(base / "out"), "--master",
                             "--expect-workers", str(count or 2),
                             "--bind", bind, "--wait-workers", wait,
                             log=base / "master.log")  # fmt: skip
            procs.append(master)
            outs = [base / f"worker{i}" for i in range(1, count + 1)]
            workers[name] = [
                _golive("load-worker", "--master", bind, "-o", str(out),
                        log=base / f"{out.name}.log")
                for out in outs
            ]  # fmt: skip
            procs += workers[name]
            masters[name] = (master, base, outs)
        # kill the second worker's Locust process mid-run: once the master's own history
        # (workers report every 3 s) shows requests, a few seconds before the 7 s plan ends
        victim = workers["killed"][1]
        history = masters["killed"][1] / "out" / "locust_stats_history.csv"
        killed = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and victim.poll() is None:
            progress = latest_progress(history) if history.is_file() else None
            if progress is not None and progress.requests > 0:
                killed = _children(victim.pid)[0]
                os.killpg(killed, signal.SIGKILL)  # the Locust worker and its group
                break
            time.sleep(0.1)
        runs = {}
        for name, (master, base, outs) in masters.items():
            master.wait(timeout=180)
            for worker in workers[name]:
                worker.wait(timeout=60)
            out = base / "out" / "load.json"
            runs[name] = Run(
                master.returncode, (base / "master.log").read_text(),
                json.loads(out.read_text()) if out.is_file() else {}, outs,
                killed if name == "killed" else None,
            )  # fmt: skip
        yield runs
    finally:
        for proc in procs:
            _procs.stop_group(proc, grace=15)  # golive stops what it started, then SIGKILL
        stop_app(app)


def _histogram_of_samples(paths: list[Path]) -> HdrHistogram:
    """Straight from the workers' sample lines (not through golive's Partial)."""
    histogram = HdrHistogram(LOWEST_US, HIGHEST_US, 3)
    for sample in read_samples(paths):
        histogram.record_value(min(max(sample.corrected_us, LOWEST_US), HIGHEST_US))
    return histogram


@pytest.mark.slow
def test_merged_histogram_equals_the_union_of_the_workers_samples(
    distributed_runs: dict[str, Run],
):
    run = distributed_runs["complete"]
    assert run.code == 0, run.output[-3000:]
    data = run.data
    assert data["verified"] is True and data["unverified_reason"] is None
    samples = [p for folder in run.workers for p in _samples(folder)]
    assert len(samples) == 2  # one file per worker, each on its own machine in real life
    union = _histogram_of_samples(samples)
    merged = HdrHistogram.decode(data["histogram"].encode("ascii"))
    # exactly: every bucket's count, hence count, min, max, mean and every percentile
    assert merged.get_total_count() == union.get_total_count() == data["requests"] > 0
    assert merged.equals(union)
    assert [merged.get_count_at_index(i) for i in range(merged.counts_len)] == [
        union.get_count_at_index(i) for i in range(union.counts_len)
    ]
    for pct in (50, 95, 99, 99.9, 100):
        assert merged.get_value_at_percentile(pct) == union.get_value_at_percentile(pct)
    assert (merged.get_min_value(), merged.get_max_value()) == (
        union.get_min_value(), union.get_max_value()
    )  # fmt: skip
    # the figures judged are those of the union of the samples
    whole = Partial.of_samples(samples)
    assert data["latency_ms"]["max"] == round(whole.overall.max_us / 1000, 3)
    mean_us = whole.overall.total_us / whole.overall.count
    assert data["latency_ms"]["mean"] == round(mean_us / 1000, 3)
    for name, endpoint in data["endpoints"].items():
        assert endpoint["requests"] == whole.endpoints[name].all.count
    # each worker took its share of the one schedule; together exactly the plan's arrivals
    plan = LoadPlan.model_validate(
        {"rate": 40, "spike_rate": 80, "ramp_s": 1, "steady_s": 5, "spike_s": 1}
    )
    scheduled = sum(1 for _ in plan.arrival_offsets())
    assert data["generator"]["intended_arrivals"] == scheduled == 300
    shares = sorted((w["index"], w["intended_arrivals"], w["requests"]) for w in data["workers"])
    assert shares == [(0, 150, 150), (1, 150, 150)]
    assert data["achieved_rate"] == pytest.approx(data["intended_rate"], rel=0.02)
    assert data["intended_rate"] == pytest.approx(scheduled / plan.total_s, rel=0.001)


@pytest.mark.slow
def test_a_worker_killed_mid_run_makes_the_run_not_verified(distributed_runs: dict[str, Run]):
    run = distributed_runs["killed"]
    assert run.killed is not None, "the worker finished before it could be killed"
    # it was killed before it could send its figures: the other worker's alone arrived
    assert run.code == 4, run.output[-3000:]
    data = run.data
    assert data["verified"] is False
    reason = data["unverified_reason"]
    survivor = {w["index"] for w in data["workers"]}
    assert len(survivor) == 1
    dropped = ({0, 1} - survivor).pop()
    assert f"worker {dropped} (" in reason and "dropped out at" in reason, reason
    # the dropped worker is named by its Locust client id too, not the survivor's
    worker_id = reason.split("(", 1)[1].split(")", 1)[0]
    assert worker_id and worker_id not in {w["worker"] for w in data["workers"]}
    assert "not verified" in run.output and "Traceback" not in run.output
    # the intended arrivals stay the plan's: the dropped share is missing, not forgotten
    assert data["generator"]["intended_arrivals"] == 300 > data["requests"]
    assert data["requests"] == data["workers"][0]["requests"] == 150  # the survivor's share


@pytest.mark.slow
def test_workers_that_never_connect_make_the_run_not_verified(distributed_runs: dict[str, Run]):
    run = distributed_runs["absent"]
    assert run.code == 4, run.output[-3000:]
    assert "not verified: fewer than 2 workers connected" in run.output
    assert "Traceback" not in run.output and run.data == {}


@pytest.mark.slow
def test_a_worker_refuses_a_target_off_loopback(distributed_runs: dict[str, Run]):
    """Without --allow-remote a worker sends nothing to a target golive does not see as
    loopback, and the run is not verified, saying why."""
    run = distributed_runs["refused"]
    assert run.code == 4, run.output[-3000:]
    data = run.data
    assert data["verified"] is False and data["requests"] == 0
    assert "worker 0: worker refused the target" in data["unverified_reason"]
    assert "--allow-remote" in data["unverified_reason"]
    assert len(data["workers"]) == 1 and data["workers"][0]["intended_arrivals"] == 0


def test_refusals_before_anything_starts(tmp_path: Path):
    """A master bound off loopback needs --allow-remote-workers; a worker pointed at a
    master off loopback needs --allow-remote; --master needs --expect-workers and the open
    model."""
    runner = CliRunner()
    config = tmp_path / "golive.toml"
    config.write_text('[environments.x]\nbase_url = "http://127.0.0.1:9"\n', encoding="utf-8")
    for args, needle in (
        (["--master", "--expect-workers", "2", "--bind", "0.0.0.0:5557"], "--allow-remote-workers"),
        (["--master", "--bind", "127.0.0.1:5557"], "--expect-workers"),
        (["--master", "--expect-workers", "1", "--bind", "127.0.0.1"], "HOST:PORT"),
        (["--expect-workers", "2"], "go with --master"),
    ):
        result = runner.invoke(load, ["-c", str(config), *args])
        assert result.exit_code == 2 and needle in result.output, (args, result.output)
    closed = tmp_path / "closed.toml"
    closed.write_text(
        '[environments.x]\nbase_url = "http://127.0.0.1:9"\ndisruptive = true\n'
        f'[environments.x.load]\nmodel = "closed"\n{ENDPOINTS}',
        encoding="utf-8",
    )
    result = runner.invoke(
        load, ["-c", str(closed), "-e", "x", "--master", "--expect-workers", "2"]
    )
    assert result.exit_code == 2 and "uses the open model" in result.output, result.output
    result = runner.invoke(load_worker, ["--master", "192.0.2.1:5557", "-o", str(tmp_path)])
    assert result.exit_code == 2 and "--allow-remote" in result.output
    assert not (tmp_path / "samples").exists()  # refused before anything was started
