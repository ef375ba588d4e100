"""Hostile targets: every request golive sends ends within its deadline with a bounded body,
and a health answer counts only when it says healthy.

Against :class:`HostileServer` (one thread, modes by path): each mode read through the
bounded client and through the service-status probe (fact + rule) must end within the
deadline plus slack as a failure naming the target; the ``ok`` mode is the pass case.
Timed against a deadline of ``DEADLINE_S``; ``drip`` sends one byte every 10 s as the issue
describes, so an unbounded read would hang for hours.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from golive._http import BodyTooLarge, BoundedClient, DeadlineExceeded, OffOriginRedirect
from golive.facts.live.health import read_health
from golive.rules import health
from selftests.robustness.hostile_server import MODES, HostileServer

DEADLINE_S = 1.0
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
    of gzip-compressed zeros); plain httpx, measured beside it, holds the whole body."""
    before, bounded = _peak_mb(hostile.url(mode), "bounded")
    _, plain = _peak_mb(hostile.url(mode), "plain")
    print(f"peak RSS on {mode}: bounded {bounded} MB (start {before} MB), httpx {plain} MB")
    assert bounded - before < 40, (before, bounded)
    assert plain - before > 50, (before, plain)  # the input really is that large
