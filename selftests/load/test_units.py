"""The load engine's pure parts: plan bounds, target guard, argv, HdrHistogram statistics."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from golive.config import MAX_SECONDS, MAX_USERS, LoadSettings
from golive.facts.load import (
    PLAN_VARIABLE,
    LoadError,
    LoadPlan,
    check_target,
    configured_plan,
    free_port,
    is_loopback,
    locust_argv,
    received_plan,
    run_load,
)
from golive.facts.load.locust_csv import latest_progress, locust_totals
from golive.facts.load.samples import summarise


def test_plan_from_env_defaults_and_overrides():
    plan = configured_plan(None, {})
    assert (plan.users, plan.spike_users, plan.total_s) == (20, 40, 60)
    assert plan.login is None
    plan = configured_plan(None, {
        "GOLIVE_LOAD_USERS": "5", "GOLIVE_LOAD_STEADY_S": "3", "GOLIVE_LOAD_PROCESSES": "2",
        "GOLIVE_LOAD_LOGIN_EMAIL": "a@example.com", "GOLIVE_LOAD_LOGIN_PASSWORD": "pw",
    })  # fmt: skip
    assert (plan.users, plan.spike_users, plan.steady_s, plan.processes) == (5, 10, 3, 2)
    env = plan.to_locust_env()
    assert list(env) == [PLAN_VARIABLE]  # the Locust process gets the plan in one variable
    handed = received_plan({**env, "GOLIVE_LOAD_USERS": "7"})  # the handed plan wins
    assert handed == plan and handed.login == ("a@example.com", "pw")
    assert plan.describe()["login"] is True and "pw" not in repr(plan)


def test_plan_from_load_table_then_variables(monkeypatch):
    monkeypatch.setenv("GOLIVE_TEST_LOAD_PW", "s3cret")
    table = LoadSettings(users=5, steady_s=12.5, login_email="qa@example.com",
                         login_password="env:GOLIVE_TEST_LOAD_PW")  # fmt: skip
    plan = configured_plan(table, {})
    assert (plan.users, plan.spike_users, plan.steady_s) == (5, 10, 12.5)
    assert plan.login == ("qa@example.com", "s3cret")
    plan = configured_plan(table, {"GOLIVE_LOAD_USERS": "3", "GOLIVE_LOAD_WAIT_MAX": "0.5"})
    assert (plan.users, plan.spike_users, plan.steady_s, plan.wait_max_s) == (3, 6, 12.5, 0.5)
    assert received_plan({}) == configured_plan(None, {})  # a bare Locust run: the defaults


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GOLIVE_LOAD_USERS": str(MAX_USERS + 1)}, "users="),
        ({"GOLIVE_LOAD_USERS": "0"}, "users="),
        ({"GOLIVE_LOAD_STEADY_S": str(MAX_SECONDS)}, "more than"),
        ({"GOLIVE_LOAD_RAMP_S": "-1"}, "ramp_s=.*greater than or equal to 0"),
        ({"GOLIVE_LOAD_PROCESSES": "100"}, "processes="),
        ({"GOLIVE_LOAD_USERS": "many"}, "users=.*valid integer"),
        ({"GOLIVE_LOAD_STEADY_S": "inf"}, "steady_s=.*finite number"),
    ],
)
def test_plan_is_bounded(env, message):
    with pytest.raises(LoadError, match=message):
        configured_plan(None, env)


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://localhost:8000/x", True),
        ("http://[::1]:8000", True),
        ("http://127.8.9.10", True),
        ("https://example.com", False),
        ("http://10.0.0.5:8000", False),
        ("http://127.0.0.1.nip.io", False),
    ],
)
def test_loopback(url, loopback):
    assert is_loopback(url) is loopback


def test_non_loopback_target_refused_unless_allowed(tmp_path: Path):
    with pytest.raises(LoadError, match="not loopback"):
        check_target("https://shop.example.com", allow_remote=False)
    check_target("https://shop.example.com", allow_remote=True)
    with pytest.raises(LoadError, match="not an http"):
        check_target("file:///etc/passwd", allow_remote=True)
    with pytest.raises(LoadError, match="not loopback"):  # refused before anything starts
        run_load(LoadPlan(), host="http://192.0.2.1", locustfiles=[], out_dir=tmp_path)
    assert not any(tmp_path.iterdir())


def test_argv_sets_both_master_ports_with_worker_processes(tmp_path: Path):
    common = {
        "host": "http://127.0.0.1:1",
        "locustfiles": [tmp_path / "l.py"],
        "csv_prefix": tmp_path / "p",
        "html": tmp_path / "r.html",
    }
    single = locust_argv(LoadPlan(), **common)
    assert "--processes" not in single and "--master-port" not in single
    assert {"--headless", "--csv-full-history", "--exit-code-on-error"} <= set(single)
    port = free_port()
    assert port != 5557
    multi = locust_argv(LoadPlan(processes=3), master_port=port, **common)
    assert multi[multi.index("--master-bind-port") + 1] == str(port)
    assert multi[multi.index("--master-port") + 1] == str(port)
    assert multi[multi.index("--master-bind-host") + 1] == "127.0.0.1"
    with pytest.raises(LoadError):
        locust_argv(LoadPlan(processes=2), **common)


def _write(path: Path, rows: list[tuple[int, str, int, int, str]]) -> Path:
    path.write_text("".join("\t".join(map(str, r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_summary_percentiles_availability_and_cache(tmp_path: Path):
    t0 = 1_700_000_000_000
    # worker 1: 100 /a requests 1..100 ms; worker 2: 10 /b requests, 2 failed, hits and misses
    one = _write(
        tmp_path / "samples-1.tsv",
        [(t0 + i * 10, "GET /a", (i + 1) * 1000, 1, "-") for i in range(100)],
    )
    two = _write(tmp_path / "samples-2.tsv",
                 [(t0 + 2000 + i, "GET /b", 5000 if i < 6 else 50_000, int(i not in (8, 9)),
                   "H" if i < 6 else "M") for i in range(10)])  # fmt: skip
    with two.open("a", encoding="utf-8") as handle:
        handle.write("17000000\tGET /torn")  # a torn last line
    summary = summarise([one, two], users=[(t0 / 1000, 3), (t0 / 1000 + 1, 5)])
    assert (summary.requests, summary.failures) == (110, 2)
    a = summary.endpoints["GET /a"].latency
    assert a.count == 100 and a.max_ms == 100.0 and a.avg_ms == 50.5
    assert a.p50_ms == pytest.approx(50, rel=0.01)
    assert a.p95_ms == pytest.approx(95, rel=0.01)
    assert a.p99_ms == pytest.approx(99, rel=0.01)
    b = summary.endpoints["GET /b"]
    assert b.error_rate_pct == 20.0
    assert (b.cache.cacheable, b.cache.hits) == (10, 6)
    assert b.cache.hit_p50_ms == pytest.approx(5, rel=0.01)
    assert b.cache.miss_p50_ms == pytest.approx(50, rel=0.01)
    assert summary.endpoints["GET /a"].cache.cacheable == 0
    assert summary.duration_s == pytest.approx(2.009)
    assert [p.users for p in summary.series][:2] == [3, 5]
    assert sum(p.rps * summary.bucket_s for p in summary.series) == 110


def test_summary_of_nothing(tmp_path: Path):
    summary = summarise([])
    assert summary.requests == 0 and summary.latency is None and summary.series == []


def test_locust_csv_progress_and_totals(tmp_path: Path):
    header = (
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,"
        "Total Request Count,Total Failure Count\n"
    )
    history = tmp_path / "p_stats_history.csv"
    history.write_text(header + "1700000000,4,,Aggregated,12.5,0.5,3,9,40,2\n")
    progress = latest_progress(history)
    assert progress is not None
    assert (progress.users, progress.requests, progress.failures, progress.p95_ms) == (4, 40, 2, 9)
    assert "users    4" in progress.line(3.0) and "(5.00%)" in progress.line(3.0)
    assert latest_progress(tmp_path / "missing.csv") is None
    stats = tmp_path / "p_stats.csv"
    stats.write_text("Type,Name,Request Count,Failure Count\nGET,/a,7,1\n,Aggregated,7,1\n")
    assert locust_totals(stats) == (7, 1)


def test_nan_rates_when_nothing_was_sent():
    from golive.facts.load import LoadResult

    empty = LoadResult(
        target="http://127.0.0.1:1", plan={}, started_at=0, duration_s=0, requests=0,
        failures=0, latency=None, endpoints={}, bucket_s=1, series=[], peak_users=0,
        locust_requests=0, locust_failures=0, exit_code=0, argv=[], html_report="",
        csv_files=[], samples_files=[], log_tail="", wall_s=0,
    )  # fmt: skip
    assert math.isnan(empty.availability_pct) and math.isnan(empty.error_rate_pct)
