"""The load phase end to end: real Locust, real plugin, a local app in a fast and a slow mode."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from golive.facts.load import LoadPlan, run_load

from .conftest import (
    APP_KEYS,
    LOAD_CRITERIA,
    ROOT,
    SHORT_PLAN,
    SuiteRun,
    run_suite,
    start_app,
    stop_app,
    write_config,
)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]


def _evidence(run: SuiteRun, criterion_id: str, name: str) -> dict:
    for check in run.criterion(criterion_id)["checks"]:
        for item in check["evidence"]:
            if item["name"] == name:
                return item
    raise KeyError(name)


@pytest.mark.parametrize("criterion_id", LOAD_CRITERIA)
def test_fast_app_passes(fast_run: SuiteRun, criterion_id: str):
    entry = fast_run.criterion(criterion_id)
    assert entry["status"] == "pass", (entry["reason"], fast_run.output[-3000:])


def test_fast_app_figures_and_artifacts(fast_run: SuiteRun):
    under_load = _evidence(fast_run, "perf.error-rate", "availability under load")
    assert under_load["value"] == 100.0 and under_load["unit"] == "%"
    # availability itself is the monitoring's uptime, never a load run's success ratio
    availability = [c for c in fast_run.results["criteria"] if c["id"] == "perf.availability"]
    assert all(c["status"] != "pass" for c in availability), availability
    avg = fast_run.criterion("perf.avg-response")["measured"]["value"]
    assert 0 < avg <= 200
    run = _evidence(fast_run, "perf.avg-response", "load run")
    assert run["value"] > 50  # requests
    assert Path(run["html_report"]).is_file()
    assert any(p.endswith("_stats_history.csv") for p in run["csv_files"])
    latency = _evidence(fast_run, "perf.avg-response", "latency")
    assert latency["p50_ms"] <= latency["p95_ms"] <= latency["p99_ms"] <= latency["max_ms"]
    series = _evidence(fast_run, "perf.avg-response", "load series")["series"]
    assert series and {"t_s", "rps", "p95_ms", "users"} <= set(series[0])
    artifact = _evidence(fast_run, "perf.error-rate", "locust report")["artifact"]
    assert "Locust HTML report:" in artifact and "Aggregated" in artifact
    # every configured endpoint (the authenticated one and its login too) was exercised
    checks = fast_run.criterion("perf.endpoint-load")["checks"]
    assert len(checks) == len(APP_KEYS) + 1
    assert all(key in json.dumps(checks, ensure_ascii=False) for key in APP_KEYS), checks
    assert {c["status"] for c in checks} == {"pass"}
    # progress lines were printed while Locust ran, and the run happened once
    assert "[golive] load starting" in fast_run.output
    assert fast_run.output.count("[golive] load finished") == 1
    cached = json.loads((fast_run.out_dir / "results.json").read_text())["criteria"]
    assert any(c["id"] == "perf.cache-effect" and c["measured"]["value"] > 1 for c in cached)


@pytest.mark.parametrize("criterion_id", LOAD_CRITERIA)
def test_slow_failing_app_fails(slow_run: SuiteRun, criterion_id: str):
    entry = slow_run.criterion(criterion_id)
    assert entry["status"] == "fail", (entry["reason"], slow_run.output[-3000:])


def test_slow_app_reasons_name_measured_and_required(slow_run: SuiteRun):
    under_load = _evidence(slow_run, "perf.error-rate", "availability under load")["value"]
    assert 90 < under_load < 99.9
    assert "required ≤ 200 ms" in slow_run.criterion("perf.avg-response")["reason"]
    assert "required ≤ 0.1 %" in slow_run.criterion("perf.error-rate")["reason"]
    assert "no response allowed reuse" in slow_run.criterion("perf.cache-effect")["reason"]
    error_rate = slow_run.criterion("perf.error-rate")["measured"]["value"]
    assert 3.0 <= error_rate <= 7.0  # every twentieth answer is a 503
    assert slow_run.returncode == 1  # blocking SLOs failed: NO-GO


def test_not_disruptive_is_not_verified_and_sends_nothing(tmp_path: Path):
    config = write_config(
        tmp_path, "http://127.0.0.1:9", disruptive=False,
        extra='database_url = "env:GOLIVE_SELFTEST_DSN"\n',
    )  # fmt: skip
    run = run_suite(
        tmp_path, config, "tests/performance/test_load.py", "tests/database/test_db_load.py",
        env={**SHORT_PLAN, "GOLIVE_SELFTEST_DSN": "postgresql://golive@127.0.0.1:9/none"},
    )  # fmt: skip
    for criterion_id in (*LOAD_CRITERIA, "perf.db-load", "db.concurrent-connections"):
        entry = run.criterion(criterion_id)
        assert entry["status"] == "not_verified", (criterion_id, entry["reason"])
        assert "disruptive" in entry["reason"]
    assert not (run.out_dir / "load").exists()
    assert "load starting" not in run.output


def test_worker_processes_use_a_free_master_port(tmp_path: Path):
    """--processes: master bind and connect port are the same free port, never 5557."""
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        blocker.bind(("127.0.0.1", 5557))  # the default is taken: a collision would show
        blocker.listen()
    except OSError:
        pass  # already in use by something else: just as good
    proc, url = start_app("fast", tmp_path)
    try:
        plan = LoadPlan(
            model="closed", users=4, spike_users=4, ramp_s=0, steady_s=2, spike_s=0,
            processes=2, wait_min_s=0.05, wait_max_s=0.2, endpoints=({"path": "/health"},),
        )  # fmt: skip
        result = run_load(
            plan, host=url, out_dir=tmp_path / "load",
            locustfiles=[ROOT / "loadtests/locustfile.py", ROOT / "loadtests/shapes.py"],
        )  # fmt: skip
    finally:
        stop_app(proc)
        blocker.close()
    argv = result.argv
    bind = argv[argv.index("--master-bind-port") + 1]
    connect = argv[argv.index("--master-port") + 1]
    assert bind == connect != "5557"
    assert result.requests > 0 and result.failures == 0
    assert len(result.samples_files) == 2  # one file per worker process
    assert result.locust_requests == result.requests


def test_overstaying_locust_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The driver's time bound: past it, Locust's process group is stopped and it says so."""
    import psutil

    from golive.facts.load import LoadError
    from golive.facts.load import driver as _driver

    plan = LoadPlan(ramp_s=0, steady_s=30, spike_s=0, endpoints=({"path": "/"},))
    monkeypatch.setattr(_driver, "STARTUP_GRACE_S", 2 - plan.total_s)  # a 2 s bound
    with pytest.raises(LoadError, match="overstayed its bound"):
        run_load(
            plan, host="http://127.0.0.1:9", out_dir=tmp_path, interval_s=0.5,
            locustfiles=[ROOT / "loadtests/locustfile.py", ROOT / "loadtests/shapes.py"],
        )  # fmt: skip
    def running_locust(process: psutil.Process) -> bool:
        # other tests' exited children may linger as zombies until reaped: not running
        try:
            return process.status() != psutil.STATUS_ZOMBIE and "locust" in " ".join(
                process.cmdline()
            )
        except (psutil.ZombieProcess, psutil.NoSuchProcess):
            return False

    leftovers = [p for p in psutil.Process().children(recursive=True) if running_locust(p)]
    assert leftovers == []
