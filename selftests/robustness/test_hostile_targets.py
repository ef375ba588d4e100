"""Hostile targets: every request golive sends ends within its deadline with a bounded body,
and a health answer counts only when it says healthy.

Against :class:`HostileServer` (one thread, modes by path, a silent port, invalid TLS):
each mode read through the bounded client and through the service-status probe (fact +
rule) must end within the deadline plus slack as a failure naming the target; the ``ok``
mode is the pass case. Timed against a deadline of ``DEADLINE_S``; ``drip`` sends one byte
every 10 s as the issue describes, so an unbounded read would hang for hours.

Slow: peak memory of a client on 50 MB bodies (VmHWM of a child process), and one
`golive run` against the hostile server with a PostgreSQL cluster and a moto_server of its
own that are stopped after the run's first check.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from pydantic import ValidationError

from golive._http import BodyTooLarge, BoundedClient, DeadlineExceeded, OffOriginRedirect
from golive.config import Environment
from golive.demo import aws as demo_aws
from golive.demo import postgres as demo_pg
from golive.demo._proc import free_port, stop, wait_http
from golive.facts.live.health import read_health
from golive.resources import suites_dir
from golive.rules import health
from selftests.robustness.hostile_server import MODES, HostileServer

DEADLINE_S = 0.5
SLACK_S = 1.0  # scheduling on a shared 2-core machine
ROOT = Path(__file__).resolve().parents[2]

# what each mode must end as when read through the bounded client (None: an answer)
EXPECTED: dict[str, type[Exception] | None] = {
    "ok": None,
    "hang": DeadlineExceeded,
    "drip": DeadlineExceeded,
    "drip-body": DeadlineExceeded,
    "reset": httpx.ReadError,
    "garbage": httpx.RemoteProtocolError,
    "truncated": httpx.RemoteProtocolError,
    "big": BodyTooLarge,
    "big-chunked": BodyTooLarge,
    "gzip-bomb": BodyTooLarge,
    "redirect-host": OffOriginRedirect,
    "redirect-scheme": OffOriginRedirect,
    "redirect-https": OffOriginRedirect,
    "health-garbage": None,  # a 200: the health rule judges it
    "health-down": None,
    "flap": None,
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    with HostileServer(tmp_path_factory.mktemp("hostile")) as server:
        yield server


def test_every_mode_is_listed() -> None:
    assert set(EXPECTED) == set(MODES)


@pytest.mark.parametrize("mode", MODES)
def test_bounded_client_ends_each_mode(hostile: HostileServer, mode: str) -> None:
    """Each mode ends within the deadline, as an answer or as the error its bound names."""
    started = time.monotonic()
    with BoundedClient(timeout_s=DEADLINE_S, follow_redirects=True) as client:
        try:
            outcome: httpx.Response | Exception = client.get(hostile.url(mode, "/health"))
        except httpx.TransportError as exc:
            outcome = exc
    took = time.monotonic() - started
    assert took < DEADLINE_S + SLACK_S, f"{mode}: {took:.2f} s"
    expected = EXPECTED[mode]
    if expected is None:
        assert isinstance(outcome, httpx.Response), f"{mode}: {outcome!r}"
    else:
        assert isinstance(outcome, expected), f"{mode}: {outcome!r}"
        if not isinstance(outcome, httpx.ReadError | httpx.RemoteProtocolError):
            assert f"127.0.0.1:{hostile.port}" in str(outcome)  # golive's bounds name it


@pytest.mark.parametrize("mode", MODES)
def test_service_status_probe_fails_every_hostile_mode(hostile: HostileServer, mode: str) -> None:
    """routine.service-status's web probe (fact + rule): only ``ok`` is up; every other
    mode is down with a line naming the target, within the deadline."""
    started = time.monotonic()
    up, detail = health.web_up(read_health(hostile.url(mode), timeout_s=DEADLINE_S))
    took = time.monotonic() - started
    assert took < DEADLINE_S + SLACK_S, f"{mode}: {took:.2f} s"
    assert f"127.0.0.1:{hostile.port}" in detail
    if mode in ("ok", "flap"):
        return  # flap: judged on two reads below
    assert not up, f"{mode} passed: {detail}"


def test_flapping_health_is_down_every_other_read(hostile: HostileServer) -> None:
    reads = [health.web_up(read_health(hostile.url("flap"), timeout_s=DEADLINE_S))
             for _ in range(4)]  # fmt: skip
    assert sorted(up for up, _ in reads) == [False, False, True, True], reads
    assert any("answered 500" in detail for _, detail in reads)


@pytest.mark.parametrize("url", ["silent_url", "tls_url"])
def test_silent_port_and_invalid_tls(hostile: HostileServer, url: str) -> None:
    """A port that accepts and never speaks is cut at the deadline; a self-signed
    certificate is refused (the probe is down, naming the target)."""
    started = time.monotonic()
    up, detail = health.web_up(read_health(getattr(hostile, url), timeout_s=DEADLINE_S))
    assert time.monotonic() - started < DEADLINE_S + SLACK_S
    assert not up
    assert "127.0.0.1:" in detail
    if url == "tls_url":
        assert "ConnectError" in detail


@pytest.mark.parametrize(
    ("status", "body", "healthy"),
    [
        (200, b'{"status": "ok", "release": "r1"}', True),
        (200, b'{"status": "UP"}', True),
        (200, b"OK\n", True),
        (200, b"\x89\xfe\x00garbage", False),
        (200, b'{"status": "down"}', False),
        (200, b'{"ok": true}', False),
        (200, b"<html>" + b"x" * 100 + b"</html>", False),
        (200, b"", False),
        (503, b'{"status": "degraded"}', False),
    ],
)
def test_health_shape(status: int, body: bytes, healthy: bool) -> None:
    assert (health.health_problem(status, body) is None) is healthy


# --- memory on the largest hostile input ------------------------------------------------

_PEAK = textwrap.dedent(
    """
    import re, sys, httpx
    from golive._http import BoundedClient
    def peak_mb():  # VmHWM: this process's own peak (ru_maxrss keeps the forking parent's)
        status = open("/proc/self/status").read()
        return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) // 1024
    url, bounded = sys.argv[1], sys.argv[2] == "bounded"
    before = peak_mb()
    try:
        if bounded:
            with BoundedClient(timeout_s=30) as client:
                client.get(url)
        else:
            httpx.get(url, timeout=30)
    except httpx.HTTPError as exc:
        print(type(exc).__name__, file=sys.stderr)
    print(before, peak_mb())
    """
)


def _peak_mb(url: str, how: str) -> tuple[int, int]:
    done = subprocess.run([sys.executable, "-c", _PEAK, url, how], capture_output=True,
                          text=True, timeout=120, cwd=ROOT, check=True)  # fmt: skip
    before, after = (int(n) for n in done.stdout.split())
    return before, after


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["big", "gzip-bomb"])
def test_peak_memory_on_50_mb_bodies(hostile: HostileServer, mode: str) -> None:
    """The bounded client stays within a few MB of its start on a 50 MB body (and on 50 MB
    of gzip-compressed zeros); plain httpx, measured beside it on the first, holds it all."""
    before, bounded = _peak_mb(hostile.url(mode), "bounded")
    print(f"peak RSS on {mode}: bounded {bounded} MB (start {before} MB)")
    assert bounded - before < 40, (before, bounded)
    if mode == "big":  # the input really is that large
        _, plain = _peak_mb(hostile.url(mode), "plain")
        print(f"peak RSS on {mode}: httpx {plain} MB")
        assert plain - before > 50, (before, plain)


# --- a whole run against hostile parts ------------------------------------------------------

_RUSAGE = textwrap.dedent(
    """
    import resource, subprocess, sys
    code = subprocess.run(sys.argv[1:]).returncode
    # the largest process of the run (golive or its pytest child), in MB
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024, file=sys.stderr)
    sys.exit(code)
    """
)
RUN_TIMEOUT_S = 2  # request_timeout_s of the environment under test
# the checks of the run, in collection order: the first one meets the database and moto up
# (hostile_cut stops both after it), every later one meets them gone
RUN_CHECKS = ("test_connect_time or test_session_timeouts or test_key_metrics_have_alarms"
              " or test_environment_loaded or test_every_service_answers"
              " or test_service_after_updates")  # fmt: skip


@dataclass
class _Parts:
    dsn: str
    aws_url: str
    stop: Callable[[], None]


@pytest.fixture(scope="module")
def doomed_parts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Parts]:
    """A bare PostgreSQL cluster and a moto_server of their own, which the test stops."""
    tmp = tmp_path_factory.mktemp("doomed")
    cluster = demo_pg.PgCluster(demo_pg.PgCluster.choose_root(tmp), free_port(),
                                demo_pg.pg_bindir())  # fmt: skip
    password = secrets.token_urlsafe(12)
    cluster.create()
    pg = cluster.start()
    moto_port = free_port()
    moto = demo_aws.start_moto(moto_port, tmp / "moto.log")
    stopped: list[bool] = []

    def stop_both() -> None:
        if not stopped:
            stopped.append(True)
            cluster.stop(pg)
            stop(moto)

    try:
        demo_pg.bootstrap(cluster, password)
        wait_http(f"http://127.0.0.1:{moto_port}/moto-api/", timeout=30)
        dsn = psycopg.conninfo.make_conninfo(
            host="127.0.0.1", port=cluster.port, user=demo_pg.APP_ROLE, dbname=demo_pg.APP_DB,
            password=password, sslmode="require")  # fmt: skip
        yield _Parts(dsn, f"http://127.0.0.1:{moto_port}", stop_both)
    finally:
        stop_both()
        cluster.remove()


@pytest.mark.slow
def test_run_against_hostile_parts(
    hostile: HostileServer, doomed_parts: _Parts, tmp_path: Path
) -> None:
    """`golive run` with base_url on the 50 MB body, the webhook on the one-byte drip, and a
    database and AWS endpoint stopped after the first check: bounded in time and memory,
    every later check fail or not verified naming its target (no error), reports written."""
    config = tmp_path / "golive.toml"
    config.write_text(
        'default_env = "hostile"\n\n[environments.hostile]\n'
        f'base_url = "{hostile.url("big")}"\nwebhook_url = "{hostile.url("drip", "/hook")}"\n'
        f'database_url = "env:HOSTILE_DATABASE_URL"\naws_endpoint_url = "{doomed_parts.aws_url}"\n'
        f"request_timeout_s = {RUN_TIMEOUT_S}\n", encoding="utf-8")  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env |= {"HOSTILE_DATABASE_URL": doomed_parts.dsn, "HOSTILE_CUT_DIR": str(tmp_path),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))}
    out = tmp_path / "out"
    argv = [sys.executable, "-c", _RUSAGE, sys.executable, "-m", "golive", "run",
            "--profile", "final", "--config", str(config), "--output", str(out),
            "--suite", str(suites_dir()), "--", "-p", "selftests.robustness.hostile_cut",
            "-k", RUN_CHECKS, "--durations=8"]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not (tmp_path / "cut").exists() and proc.poll() is None:
            assert time.monotonic() < deadline, "the run never finished its first check"
            time.sleep(0.05)
        first = (tmp_path / "cut").read_text(encoding="utf-8")
        doomed_parts.stop()
        (tmp_path / "stopped").touch()
        stdout, stderr = proc.communicate(timeout=180)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    took = time.monotonic() - started
    peak_mb = int(stderr.strip().splitlines()[-1])
    print(f"hostile run: {took:.1f} s, exit {proc.returncode}, peak RSS {peak_mb} MB")
    assert "test_connect_time" in first, first
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert {p.name for p in out.iterdir()} >= {"results.json", "junit.xml", "summary.md",
                                                "readiness.html"}  # fmt: skip
    assert proc.returncode == 1 and results["verdict"] == "NO-GO", stdout[-3000:]
    judged = {c["id"]: c for c in results["criteria"] if c["status"] != "out_of_scope"}
    for c in judged.values():
        print(f"  {c['id']}: {c['status']}: {(c['reason'] or '')[:300]}")
    web = f"127.0.0.1:{hostile.port}"
    expected = {
        "db.connect-time": ("pass", "fail"),  # measured while the database was up
        "db.timeouts": ("not_verified",),
        "routine.metric-thresholds": ("not_verified",),
        "platform.env-loading": ("not_verified",),
        "routine.service-status": ("fail",),
        "routine.update-verification": ("not_verified",),
    }
    for cid, statuses in expected.items():
        assert judged[cid]["status"] in statuses, (cid, judged[cid]["reason"])
    reasons = {cid: judged[cid]["reason"] or "" for cid in expected}
    assert "database not reachable" in reasons["db.timeouts"]
    assert "@127.0.0.1:" in reasons["db.timeouts"]  # user@host:port/db, no password
    assert doomed_parts.aws_url in reasons["routine.metric-thresholds"]
    for cid in ("platform.env-loading", "routine.update-verification"):
        assert f"http://{web} is not reachable: BodyTooLarge" in reasons[cid], reasons[cid]
    status = reasons["routine.service-status"]
    assert "4 of 4 services down" in status, status
    assert f"GET http://{web}/health: BodyTooLarge" in status
    assert "DeadlineExceeded" in status  # the webhook's drip
    assert "database (connect" in status and "aws (sts" in status
    assert not [c for c in judged.values() if c["status"] == "error"], judged
    # bounded: each request within RUN_TIMEOUT_S; a 50 MB body never held
    assert took < 150
    assert peak_mb < 400, peak_mb


@pytest.mark.parametrize(("mode", "error"), [("big-chunked", BodyTooLarge),
                                             ("drip-body", DeadlineExceeded)])  # fmt: skip
def test_streamed_reads_keep_the_bounds(
    hostile: HostileServer, mode: str, error: type[Exception]
) -> None:
    """``client.stream()`` returns at the head; reading the body later is bounded too."""
    started = time.monotonic()
    with (
        BoundedClient(timeout_s=DEADLINE_S) as client,
        pytest.raises(error),
        client.stream("GET", hostile.url(mode)) as response,
    ):
        for _chunk in response.iter_bytes():
            pass
    assert time.monotonic() - started < DEADLINE_S + SLACK_S


def test_tls_handshake_that_never_ends(hostile: HostileServer) -> None:
    """https to a port that accepts and never speaks: the handshake is cut at the deadline."""
    started = time.monotonic()
    with BoundedClient(timeout_s=DEADLINE_S) as client, pytest.raises(DeadlineExceeded):
        client.get(f"https://127.0.0.1:{hostile.silent_port}/")
    assert time.monotonic() - started < DEADLINE_S + SLACK_S


@pytest.mark.parametrize("value", ["5", True, 0, -1, float("inf"), float("nan"), 121])
def test_request_timeout_is_strict(value: object) -> None:
    with pytest.raises(ValidationError, match="request_timeout_s"):
        Environment.model_validate({"request_timeout_s": value})
    assert Environment.model_validate({"request_timeout_s": 5}).request_timeout_s == 5.0
