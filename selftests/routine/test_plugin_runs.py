"""tests/routine/test_reviews.py through the real plugin, in a subprocess, against
synthetic run histories: a healthy routine passes every review, a lapsed one fails every
review, a current but regressing one fails the analyses only, and without a history of the
environment nothing is verified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from selftests.routine import _history

ROOT = Path(__file__).resolve().parents[2]

REPORTS = (
    "routine.daily-report",
    "routine.incident-record",
    "routine.weekly-performance-report",
    "routine.security-report",
    "routine.capacity-report",
)
ANALYSES = (
    "routine.response-time-analysis",
    "routine.resource-usage-trend",
    "routine.bottleneck-identification",
    "routine.usage-forecast",
    "perf.metrics-analysis",
)
ALL = REPORTS + ANALYSES

Scenario = Callable[[Path, datetime], None]
SCENARIOS: dict[str, Scenario | None] = {
    "healthy": _history.healthy,
    "lapsed": _history.lapsed,
    "regressing": _history.regressing,
    "other-env": _history.other_env_only,
    "missing": None,  # no history_dir; <output>/history does not exist yet
}


def _start(folder: Path, scenario: Scenario | None) -> subprocess.Popen[str]:
    history_line = ""
    if scenario is not None:
        history = folder / "history"
        history.mkdir(parents=True)
        scenario(history, _history.utc_now())
        history_line = f'history_dir = "{history}"\n'
    config = folder / "golive.toml"
    config.write_text(
        f'default_env = "demo"\n{history_line}\n[environments.demo]\ndisruptive = false\n',
        encoding="utf-8",
    )
    argv = [
        sys.executable,
        "-m",
        "pytest",
        "tests/routine/test_reviews.py",
        f"--golive-config={config}",
        "--golive-profile=final",
        f"--golive-output={folder / 'out'}",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "-q",
        f"--basetemp={folder / 'tmp'}",
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "PYTEST_"))}
    return subprocess.Popen(
        argv, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """results.json criteria by id, per scenario; the scenarios run side by side."""
    started = {}
    for name, scenario in SCENARIOS.items():
        folder = tmp_path_factory.mktemp(f"routine-{name}")
        started[name] = (folder, _start(folder, scenario))
    results = {}
    for name, (folder, proc) in started.items():
        try:
            log, _ = proc.communicate(timeout=180)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        path = folder / "out" / "results.json"
        assert path.is_file(), log[-4000:]
        data = json.loads(path.read_text(encoding="utf-8"))
        results[name] = {c["id"]: c for c in data["criteria"]} | {"_log": log}
    return results


def _statuses(run: dict[str, Any], ids: tuple[str, ...]) -> dict[str, str]:
    return {cid: run[cid]["status"] for cid in ids}


def _explain(run: dict[str, Any], ids: tuple[str, ...]) -> str:
    return "\n".join(f"{cid}: {run[cid]['status']} — {run[cid]['reason']}" for cid in ids)


def test_healthy_routine_passes_every_review(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["healthy"]
    assert _statuses(run, ALL) == dict.fromkeys(ALL, "pass"), _explain(run, ALL)
    assert run["routine.bottleneck-identification"]["measured"]["name"] == "perf.avg-response"
    assert run["routine.incident-record"]["measured"]["value"] == 2  # two NO-GO days recorded


def test_lapsed_routine_fails_every_review(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["lapsed"]
    assert _statuses(run, ALL) == dict.fromkeys(ALL, "fail"), _explain(run, ALL)
    assert "last daily run: " in run["routine.daily-report"]["reason"]
    assert "last weekly run: " in run["routine.weekly-performance-report"]["reason"]
    assert "last monthly run: " in run["routine.security-report"]["reason"]
    assert "lack a complete incident record" in run["routine.incident-record"]["reason"]
    assert "regressed" in run["routine.resource-usage-trend"]["reason"]
    assert "trends to breach" in run["routine.resource-usage-trend"]["reason"]
    assert "projected" in run["routine.usage-forecast"]["reason"]


def test_regressing_routine_fails_the_analyses_only(runs: dict[str, dict[str, Any]]) -> None:
    run = runs["regressing"]
    assert _statuses(run, REPORTS) == dict.fromkeys(REPORTS, "pass"), _explain(run, REPORTS)
    assert _statuses(run, ANALYSES) == dict.fromkeys(ANALYSES, "fail"), _explain(run, ANALYSES)
    reason = run["routine.response-time-analysis"]["reason"]
    assert "perf.avg-response regressed" in reason and "db.connect-time" not in reason
    assert "perf.avg-response" in run["perf.metrics-analysis"]["reason"]
    bottleneck = run["routine.bottleneck-identification"]
    assert bottleneck["measured"] == {
        "value": 7.5,
        "unit": "% headroom",
        "name": "perf.avg-response",
    }


@pytest.mark.parametrize("scenario", ["other-env", "missing"])
def test_without_history_nothing_is_verified(
    runs: dict[str, dict[str, Any]], scenario: str
) -> None:
    run = runs[scenario]
    assert _statuses(run, ALL) == dict.fromkeys(ALL, "not_verified"), _explain(run, ALL)
    expected = "no run of environment demo" if scenario == "other-env" else "no run history at"
    assert all(expected in run[cid]["reason"] for cid in ALL), _explain(run, ALL)
