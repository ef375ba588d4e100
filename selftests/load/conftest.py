"""Targets and runs for the load self-tests: a local app under uvicorn, the real plugin.

Each run is ``pytest tests/performance/test_load.py --golive-profile weekly`` in a
subprocess against a tmp golive.toml, with a short load plan (a few seconds).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from selftests.load.app import EMAIL, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
APP = Path(__file__).with_name("app.py")
LOAD_CRITERIA = (
    "perf.avg-response",
    "perf.error-rate",
    "perf.endpoint-load",
    "perf.cache-effect",
)
# The self-test app's scenario, as a team would list it in golive.toml.
APP_ENDPOINTS = """
[[environments.x.load.endpoints]]
path = "/api/projects"
weight = 4
[[environments.x.load.endpoints]]
path = "/static/app.js"
weight = 3
[[environments.x.load.endpoints]]
path = "/health"
[[environments.x.load.endpoints]]
path = "/api/me"
auth = "login"
"""
APP_KEYS = ("POST /api/login", "GET /api/projects", "GET /static/app.js", "GET /health",
            "GET /api/me")  # fmt: skip
# A short staged run: ~6 s of load on a shared, possibly busy machine (open model, 30/s).
SHORT_PLAN = {
    "GOLIVE_LOAD_RATE": "30",
    "GOLIVE_LOAD_SPIKE_RATE": "45",
    "GOLIVE_LOAD_USERS": "6",
    "GOLIVE_LOAD_SPIKE_USERS": "12",
    "GOLIVE_LOAD_RAMP_S": "1",
    "GOLIVE_LOAD_STEADY_S": "3",
    "GOLIVE_LOAD_SPIKE_S": "2",
    "GOLIVE_LOAD_WAIT_MIN": "0.05",
    "GOLIVE_LOAD_WAIT_MAX": "0.2",
    "GOLIVE_LOAD_LOGIN_EMAIL": EMAIL,
    "GOLIVE_LOAD_LOGIN_PASSWORD": PASSWORD,
}


def start_app(mode: str, folder: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the self-test app on 127.0.0.1 (kernel-chosen port); wait until it answers.
    ``options``: more of app.py's options (``--stall-s 1 --period-s 5``)."""
    port_file = folder / f"{mode}.port"
    log = (folder / f"{mode}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, str(APP), "--mode", mode, "--port-file", str(port_file), *options],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    log.close()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"test app exited: {(folder / f'{mode}.log').read_text()}")
        if port_file.is_file():
            scheme = "https" if "--tls-cert" in options else "http"
            url = f"{scheme}://127.0.0.1:{port_file.read_text().strip()}"
            try:  # a --tls-cert certificate is self-signed
                httpx.get(f"{url}/static/app.js", timeout=5, verify=False)
                return proc, url
            except httpx.TransportError:
                pass
        time.sleep(0.1)
    stop_app(proc)
    raise RuntimeError("test app did not answer within 20 s")


def stop_app(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class SuiteRun:
    returncode: int
    output: str
    results: dict[str, Any]
    out_dir: Path

    def criterion(self, criterion_id: str) -> dict[str, Any]:
        return next(c for c in self.results["criteria"] if c["id"] == criterion_id)

    def status(self, criterion_id: str) -> str:
        return str(self.criterion(criterion_id)["status"])


def write_config(
    folder: Path, base_url: str, *, disruptive: bool, extra: str = "",
    endpoints: str = APP_ENDPOINTS,
) -> Path:  # fmt: skip
    """golive.toml with environment ``x``; ``extra`` goes into [environments.x] (before the
    endpoints: a [environments.x.load] table goes there too)."""
    path = folder / "golive.toml"
    path.write_text(
        'default_env = "x"\n\n[environments.x]\n'
        f'base_url = "{base_url}"\ndisruptive = {str(disruptive).lower()}\n{extra}\n{endpoints}',
        encoding="utf-8",
    )
    return path


def start_suite(
    folder: Path, config: Path, *suites: str, env: dict[str, str]
) -> subprocess.Popen[str]:
    """pytest on the acceptance suite(s) through the real plugin, in a subprocess."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "GOLIVE_LOAD_", "GOLIVE_DB_", "GOLIVE_DEMO_"))
    }
    argv = [
        sys.executable, "-m", "pytest", *(suites or ("tests/performance/test_load.py",)),
        "-p", "no:cacheprovider", "-q", f"--basetemp={folder / 'tmp'}",
        f"--golive-config={config}", "--golive-profile=weekly",
        f"--golive-output={folder / 'out'}",
    ]  # fmt: skip
    return subprocess.Popen(
        argv, cwd=ROOT, env={**clean, **env}, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def finish_suite(proc: subprocess.Popen[str], folder: Path) -> SuiteRun:
    try:
        output, _ = proc.communicate(timeout=180)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    results_file = folder / "out" / "results.json"
    assert results_file.is_file(), output
    results = json.loads(results_file.read_text(encoding="utf-8"))
    return SuiteRun(int(proc.returncode), output, results, folder / "out")


def run_suite(folder: Path, config: Path, *suites: str, env: dict[str, str]) -> SuiteRun:
    return finish_suite(start_suite(folder, config, *suites, env=env), folder)


@dataclass(frozen=True)
class AppRuns:
    fast: SuiteRun
    slow: SuiteRun


@pytest.fixture(scope="session")
def app_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppRuns]:
    """The load suite against the fast and the slow app, both runs at the same time."""
    folders = {mode: tmp_path_factory.mktemp(f"load-{mode}") for mode in ("fast", "slow")}
    apps: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        for mode, folder in folders.items():
            apps[mode] = start_app(mode, folder)
        for mode, folder in folders.items():
            config = write_config(folder, apps[mode][1], disruptive=True)
            procs[mode] = start_suite(folder, config, env=SHORT_PLAN)
        runs = {mode: finish_suite(proc, folders[mode]) for mode, proc in procs.items()}
        yield AppRuns(fast=runs["fast"], slow=runs["slow"])
    finally:
        for suite in procs.values():
            if suite.poll() is None:
                suite.kill()
                suite.communicate()
        for app, _url in apps.values():
            stop_app(app)


@pytest.fixture(scope="session")
def fast_run(app_runs: AppRuns) -> SuiteRun:
    return app_runs.fast


@pytest.fixture(scope="session")
def slow_run(app_runs: AppRuns) -> SuiteRun:
    return app_runs.slow
