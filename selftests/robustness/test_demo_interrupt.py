"""`golive demo` stopped by SIGTERM (a CI timeout) while its routine runs: the run is
INCOMPLETE (exit 3) and the whole stack goes with it: PostgreSQL, moto, the app, the proxy,
the webhook sink. Counted by the test's id in every process's environment, and by the
processes and ports the stack recorded."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import psutil
import pytest

from golive.demo._proc import port_listening
from selftests.robustness._runs import start, wait_until


@pytest.mark.slow
def test_sigterm_to_golive_demo_stops_its_stack(tmp_path: Path):
    run_dir = tmp_path / "run"
    run = start(tmp_path, ["demo", "--run-dir", str(run_dir), "--output", str(tmp_path / "out")])
    try:
        wait_until(lambda: "daily routine" in run.text(), 300, "the demo's routine", run)
        state = json.loads((run_dir / "state.json").read_text(encoding="utf-8"))
        recorded = {name: int(p["pid"]) for name, p in state["processes"].items()}
        assert {"postgres", "moto", "webapp", "proxy", "webhook"} <= set(recorded)
        ports = {int(p) for p in state["ports"].values()}
        assert all(port_listening(p) for p in (state["ports"]["proxy"], state["ports"]["postgres"]))
        run.watch_ports()
        run.signal(signal.SIGTERM, group=True)
        code, seconds = run.wait(120)
        assert code == 3, run.text()[-3000:]
        assert "demo interrupted" in run.text()
        pids, seen_ports = run.leftovers()
        assert pids == [] and seen_ports == []
        alive = [
            name
            for name, pid in recorded.items()
            if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        ]
        assert alive == []
        assert sorted(p for p in ports if port_listening(p)) == []
        assert seconds < 60
    finally:
        run.cleanup()
        if (run_dir / "state.json").is_file():  # a failing test still leaves nothing up
            from golive.demo.stack import Stack

            Stack().down(run_dir)
