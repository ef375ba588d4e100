"""The load engine's pure parts: plan bounds, target guard, argv, HdrHistogram statistics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hdrh.histogram import HdrHistogram

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
    assert (plan.model, plan.rate, plan.spike_rate) == ("open", 20, 40)
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
    assert "--processes" not in locust_argv(LoadPlan(processes=3), **common)  # open: one process
    multi = locust_argv(LoadPlan(model="closed", processes=3), master_port=port, **common)
    assert multi[multi.index("--master-bind-port") + 1] == str(port)
    assert multi[multi.index("--master-port") + 1] == str(port)
    assert multi[multi.index("--master-bind-host") + 1] == "127.0.0.1"
    with pytest.raises(LoadError):
        locust_argv(LoadPlan(model="closed", processes=2), **common)


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
    # closed-model samples: the exact figures are the uncorrected ones (the corrected ones
    # add HdrHistogram's synthetic requests: see test_closed_model_correction_*)
    a = summary.endpoints["GET /a"].uncorrected_latency
    assert a is not None
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


def _open_rows(t0: int, rts_ms: list[int], lates_ms: list[int]) -> list[tuple[object, ...]]:
    return [
        (t0 + i * 10, "GET /a", rt * 1000, 1, "-", late * 1000)
        for i, (rt, late) in enumerate(zip(rts_ms, lates_ms, strict=True))
    ]


def test_open_model_corrected_from_intended_start(tmp_path: Path):
    """Corrected = response time + how late the request left; the uncorrected figures are
    the response times alone; late starts beyond the bound are counted."""
    rts = [10] * 90 + [100] * 10
    lates = [0] * 90 + [900] * 10  # ten arrivals left 900 ms late (a queued generator)
    path = _write(tmp_path / "samples-1.tsv", _open_rows(1_700_000_000_000, rts, lates))
    summary = summarise([path], late_ms=20)
    assert summary.uncorrected is not None and summary.latency is not None
    assert summary.uncorrected.avg_ms == 19.0 and summary.uncorrected.max_ms == 100.0
    assert summary.latency.avg_ms == 109.0 and summary.latency.max_ms == 1000.0
    assert summary.latency.p99_ms == pytest.approx(1000, rel=0.01)
    assert summary.uncorrected.p99_ms == pytest.approx(100, rel=0.01)
    assert (summary.arrivals, summary.late, summary.max_late_ms) == (100, 10, 900.0)
    assert summary.correction == "intended start (open model)"


def test_closed_model_correction_catches_a_stall_the_raw_times_miss(tmp_path: Path):
    """A closed-model user stuck 1 s in a stall sends one slow request where it would have
    sent about a hundred: the raw p99 misses it, HdrHistogram's correction does not."""
    rts = [10] * 990 + [1000] * 10
    rows = [(1_700_000_000_000 + i, "GET /a", rt * 1000, 1, "-") for i, rt in enumerate(rts)]
    path = _write(tmp_path / "samples-1.tsv", rows)
    summary = summarise([path], think_s=0)
    assert summary.uncorrected is not None and summary.latency is not None
    assert summary.uncorrected.p99_ms == pytest.approx(10, rel=0.01)
    assert summary.latency.p99_ms > 500
    assert summary.latency.avg_ms > 3 * summary.uncorrected.avg_ms
    assert summary.correction.startswith("HdrHistogram coordinated-omission correction")
    assert summary.late == 0 and summary.arrivals == 0
    # a uniformly slow server is not "corrected" into a slower one (no false alarm)
    even = _write(tmp_path / "samples-2.tsv", [(r[0], "GET /a", 250_000, 1, "-") for r in rows])
    flat = summarise([even], think_s=0.1)
    assert flat.latency is not None and flat.latency.avg_ms == 250.0


def test_arrivals_follow_the_stages():
    plan = LoadPlan(rate=10, spike_rate=20, ramp_s=2, steady_s=3, spike_s=1)
    offsets = list(plan.arrival_offsets())
    assert len(offsets) == 10 + 30 + 20  # ramp: half the steady rate on average
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert offsets[-1] == pytest.approx(plan.total_s)
    steady = [t for t in offsets if 2 < t <= 5]
    assert len(steady) == 30 and steady[1] - steady[0] == pytest.approx(0.1)


def test_scenario_from_config_names_fields_and_hides_secrets(tmp_path: Path, monkeypatch):
    from golive._errors import ConfigError
    from golive.config import load_config

    monkeypatch.setenv("GOLIVE_TEST_API_KEY", "k-123-secret")
    monkeypatch.setenv("GOLIVE_TEST_BEARER", "b-456-secret")
    good = tmp_path / "golive.toml"
    good.write_text(
        '[environments.x]\nbase_url = "http://127.0.0.1:1"\n[environments.x.load]\nrate = 7\n'
        'bearer_token = "env:GOLIVE_TEST_BEARER"\n'
        '[[environments.x.load.endpoints]]\nmethod = "post"\npath = "/v1/orders"\n'
        'body = {item = "a"}\nexpect_status = [201]\n'
        'headers = {x-api-key = "env:GOLIVE_TEST_API_KEY"}\n'
        '[[environments.x.load.endpoints]]\npath = "/v1/account"\nauth = "bearer"\nweight = 2\n',
        encoding="utf-8",
    )
    settings = load_config(good).environments["x"].load
    plan = configured_plan(settings, {})
    assert plan.rate == 7 and plan.spike_rate == 14
    assert plan.key_endpoints() == ("POST /v1/orders", "GET /v1/account")
    assert plan.endpoints[0].headers == {"x-api-key": "k-123-secret"}
    assert plan.bearer_token == "b-456-secret"
    assert plan.missing_credential("GET /v1/account") is None
    shown = repr(plan.describe()) + repr(plan)
    assert "secret" not in shown and plan.describe()["bearer_token"] is True
    assert configured_plan(settings, {"GOLIVE_LOAD_RATE": "3"}).rate == 3
    no_token = settings.model_copy(update={"bearer_token": None})
    assert "bearer" in (configured_plan(no_token, {}).missing_credential("GET /v1/account") or "")
    for field, line in (
        ("endpoints.0.method", 'method = "FETCH"\npath = "/a"'),
        ("endpoints.0.path", 'path = "v1/a"'),
        ("endpoints.0.weight", 'path = "/a"\nweight = 0'),
        ("endpoints.0.colour", 'path = "/a"\ncolour = "red"'),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(
            f'[environments.x]\n[[environments.x.load.endpoints]]\n{line}\n', encoding="utf-8"
        )
        with pytest.raises(ConfigError) as caught:
            load_config(bad)
        assert any(f"environments.x.load.{field}" in p for p in caught.value.problems), field
    rate = tmp_path / "rate.toml"
    rate.write_text("[environments.x.load]\nrate = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"environments\.x\.load\.rate"):
        load_config(rate)


@pytest.mark.parametrize(
    ("generator", "reason"),
    [
        ({"intended_arrivals": 100, "sent": 100}, None),
        ({"intended_arrivals": 100, "sent": 100, "late": 5, "max_late_ms": 80}, None),
        ({"intended_arrivals": 100, "sent": 100, "late": 6, "max_late_ms": 80}, "6 of 100"),
        ({"intended_arrivals": 100, "sent": 100, "late": 1, "max_late_ms": 300}, "worst 300"),
        ({"intended_arrivals": 100, "sent": 100, "cpu": 0.97}, "of a core"),
        ({"intended_arrivals": 100, "sent": 100, "queued": 3}, "pooled connection"),
        ({"intended_arrivals": 100, "sent": 90}, "never completed"),
        ({"intended_arrivals": None}, "no account"),
        ({"intended_arrivals": 0}, "no arrival"),
    ],
)
def test_a_generator_that_did_not_hold_the_rate_is_not_verified(generator, reason):
    from golive.facts.load.driver import _unverified
    from golive.facts.load.result import Generator

    found = _unverified(Generator(model="open", **generator))
    assert found is None if reason is None else reason in (found or "")
    assert _unverified(Generator(model="closed")) is None


def test_load_json_shape(tmp_path: Path):
    from golive.facts.load import LoadResult, write_load_json
    from golive.facts.load.result import Generator, Latency

    latency = Latency(count=3, avg_ms=2, p50_ms=2, p95_ms=3, p99_ms=3, p999_ms=3, max_ms=3)
    result = LoadResult(
        target="http://127.0.0.1:1", plan={}, started_at=0, duration_s=1, requests=3,
        failures=1, latency=latency, uncorrected_latency=latency, endpoints={}, bucket_s=1,
        series=[], peak_users=1, locust_requests=3, locust_failures=1, exit_code=0, argv=[],
        html_report="r.html", csv_files=["p_stats.csv"], samples_files=[], log_tail="",
        wall_s=1, model="open", intended_rate=3, achieved_rate=3,
        generator=Generator(model="open", intended_arrivals=3, sent=3, cpu=0.1),
    )  # fmt: skip
    write_load_json(result, tmp_path / "load.json")
    import json

    data = json.loads((tmp_path / "load.json").read_text())
    assert {"intended_rate", "achieved_rate", "requests", "errors", "latency_ms",
            "uncorrected_latency_ms", "generator_cpu", "endpoints"} <= set(data)  # fmt: skip
    assert set(data["latency_ms"]) == {"mean", "p50", "p95", "p99", "p999", "max"}
    assert data["verified"] is True and data["generator_cpu"] == 0.1
    assert data["locust"] == {"html": "r.html", "csv": ["p_stats.csv"]}


def _worker_rows(t0: int, n: int, offset: int) -> list[tuple[int, str, int, int, str, int]]:
    """Open-model sample lines: varied response times and lateness over a few seconds."""
    return [
        (t0 + i * 37, f"GET /{'ab'[i % 2]}", 1000 + (i * 7919 + offset) % 400_000,
         int(i % 13 != 0), "-", (i * 104_729) % 30_000)
        for i in range(n)
    ]  # fmt: skip


def test_partials_merge_exactly(tmp_path: Path):
    """Two workers' figures, encoded (HdrHistogram's form, through JSON as Locust's
    messages carry them) and merged, are the figures of the union of their samples."""
    from golive.facts.load.samples import Partial, finish

    t0 = 1_700_000_000_250  # not on a whole second: the workers' buckets still line up
    one = _write(tmp_path / "samples-1.tsv", _worker_rows(t0, 400, 0))  # type: ignore[arg-type]
    two = _write(tmp_path / "samples-2.tsv", _worker_rows(t0 + 5, 300, 13))  # type: ignore[arg-type]
    merged = Partial()
    for path in (one, two):
        wire = json.loads(json.dumps(Partial.of_samples([path], late_ms=20).encode()))
        merged.merge(Partial.decode(wire))
    union = Partial.of_samples([one, two], late_ms=20)
    assert merged.overall.histogram.equals(union.overall.histogram)
    assert merged.encode() == union.encode()
    assert finish(merged) == finish(union) == summarise([one, two], late_ms=20)
    # a planted defect of each kind is seen: a lost worker, a histogram of other bounds
    lonely = Partial.decode(Partial.of_samples([one], late_ms=20).encode())
    assert not lonely.overall.histogram.equals(union.overall.histogram)
    foreign = Partial.of_samples([one]).encode()
    foreign["overall"]["h"] = HdrHistogram(1, 60_000_000, 3).encode().decode("ascii")
    with pytest.raises(ValueError, match="other bounds"):
        Partial.decode(foreign)
    with pytest.raises(ValueError, match="not an encoded partial"):
        Partial.decode({"overall": {}})


def test_max_users_is_a_configured_bound():
    """[load] max_users replaces the constant: more users only when it is raised, and it
    is itself bounded."""
    from golive.config import USERS_CEILING

    # written in golive.toml: refused there, naming the field
    with pytest.raises(ValueError, match=f"users: 1500 is above max_users={MAX_USERS}"):
        LoadSettings(users=1500)
    # given for one run (GOLIVE_LOAD_*): refused by the plan
    with pytest.raises(LoadError, match=f"users=1500 above max_users={MAX_USERS}"):
        configured_plan(LoadSettings(), {"GOLIVE_LOAD_USERS": "1500"})
    plan = configured_plan(LoadSettings(users=1500, max_users=4000), {})
    assert (plan.users, plan.spike_users, plan.max_users) == (1500, 3000, 4000)
    # the spike's default never exceeds the bound
    assert configured_plan(LoadSettings(users=800), {}).spike_users == MAX_USERS
    with pytest.raises(LoadError, match="spike_users=1200 above"):
        configured_plan(LoadSettings(users=10), {"GOLIVE_LOAD_SPIKE_USERS": "1200"})
    with pytest.raises(ValueError, match="max_users"):
        LoadSettings(max_users=USERS_CEILING + 1)
    with pytest.raises(LoadError, match="users=2001 above max_users=2000"):
        configured_plan(None, {"GOLIVE_LOAD_MAX_USERS": "2000", "GOLIVE_LOAD_USERS": "2001"})
