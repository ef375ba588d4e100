"""Deploy and rollback through the front switch, with a poller counting failures."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter

import httpx
import pytest

from .conftest import RunningStack

pytestmark = pytest.mark.slow


class Poller:
    """Requests /api/projects in a loop from a few threads; counts outcomes by release."""

    def __init__(self, base_url: str, threads: int = 2) -> None:
        self.base_url = base_url
        self.outcomes: Counter[str] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(threads)]

    def _run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=5.0) as client:
            while not self._stop.is_set():
                try:
                    resp = client.get("/api/projects")
                    outcome = (
                        resp.headers.get("x-release", "?")
                        if resp.status_code == 200
                        else f"HTTP {resp.status_code}"
                    )
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                with self._lock:
                    self.outcomes[outcome] += 1
                time.sleep(0.005)  # steady traffic without starving the deploy of CPU

    @property
    def failures(self) -> int:
        return sum(n for k, n in self.outcomes.items() if not k.startswith("v"))

    def __enter__(self) -> Poller:
        for thread in self._threads:
            thread.start()
        time.sleep(0.2)
        return self

    def __exit__(self, *_exc: object) -> None:
        time.sleep(0.2)
        self._stop.set()
        for thread in self._threads:
            thread.join()


def _ops(stack: RunningStack, name: str, code: int = 0) -> dict[str, object]:
    out = subprocess.run(stack.command(name), capture_output=True, text=True, timeout=120)
    assert out.returncode == code, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_zero_downtime_deploy_and_rollback(good: RunningStack) -> None:
    old_pid = good.state["processes"]["webapp"]["pid"]
    with Poller(good.info.base_url) as poller:
        deployed = _ops(good, "deploy")
        time.sleep(0.2)
        rolled_back = _ops(good, "rollback")
    assert deployed["release"] == "v2" and rolled_back["release"] == "v1"
    assert poller.failures == 0, poller.outcomes
    assert poller.outcomes["v1"] > 0 and poller.outcomes["v2"] > 0, poller.outcomes
    state = good.state
    assert state["release"] == "v1" and state["previous_release"] == "v2"
    assert state["processes"]["webapp"]["pid"] != old_pid
    assert [d["command"] for d in state["deploys"]] == ["deploy", "rollback"]
    with good.http() as client:
        assert client.get("/health").json()["release"] == "v1"


def test_broken_deploy_has_downtime_and_fails(broken: RunningStack) -> None:
    """Stop, start, a fixed warm-up wait (slower than the demo's limit), then a smoke test
    of a path the app does not serve: exit 1 with the new release live. The rollback then
    redeploys the current release instead of the previous one."""
    with Poller(broken.info.base_url) as poller:
        deployed = _ops(broken, "deploy", code=1)
    assert deployed["strategy"] == "stop-then-start" and deployed["release"] == "v2"
    assert deployed["ok"] is False and "smoke test failed" in str(deployed["error"])
    assert float(str(deployed["seconds"])) > 12.0  # the demo's deploy limit is 0.2 min
    assert poller.failures > 0, poller.outcomes
    assert poller.outcomes["HTTP 502"] > 0
    rolled_back = _ops(broken, "rollback", code=1)
    assert rolled_back["release"] == "v2"  # not v1
    with broken.http() as client:
        assert client.get("/health").json()["release"] == "v2"
