"""``down`` stops exactly what the stack started, deploys included, and frees every port."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psutil
import pytest

from golive.demo._proc import ProcRecord, is_alive
from golive.demo._state import load_state
from golive.demo.stack import Stack

pytestmark = pytest.mark.slow


def test_down_leaves_no_process_and_no_port(tmp_path: Path) -> None:
    stack = Stack()
    info = stack.up(tmp_path / "run")
    deploy = subprocess.run(
        [*_ops(info.run_dir), "deploy", "v2"], capture_output=True, text=True, timeout=60
    )
    assert deploy.returncode == 0, deploy.stderr
    assert json.loads(deploy.stdout)["old"]["alive"] is False
    state = load_state(info.run_dir)
    records = [ProcRecord.from_json(r) for r in state["processes"].values()]
    ports = set(state["ports"].values()) | {r.port for r in records if r.port}
    pg_root = Path(state["postgres"]["root"])
    assert all(is_alive(r) for r in records)

    report = stack.down(info.run_dir)

    assert report.clean, report
    for rec in records:
        if psutil.pid_exists(rec.pid):
            proc = psutil.Process(rec.pid)
            # gone, or an unreaped zombie (this machine's init does not reap orphans)
            assert proc.create_time() != rec.create_time or proc.status() == psutil.STATUS_ZOMBIE
    listening = {
        c.laddr.port for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    }
    assert not ports & listening
    assert not pg_root.exists()
    assert load_state(info.run_dir)["status"] == "down"


def _ops(run_dir: Path) -> list[str]:
    import sys

    return [sys.executable, "-m", "golive.demo.ops", "--state", str(run_dir)]


def test_failed_start_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from golive.demo import postgres

    def boom(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("seed exploded")

    monkeypatch.setattr(postgres, "apply_seed", boom)
    progress: list[str] = []
    with pytest.raises(RuntimeError, match="seed exploded"):
        Stack(progress.append).up(tmp_path / "run")
    state = load_state(tmp_path / "run")
    assert state["status"] == "down"
    assert {"moto", "webhook", "postgres"} <= set(state["processes"])
    assert not any(is_alive(ProcRecord.from_json(r)) for r in state["processes"].values())
    assert not Path(state["postgres"]["root"]).exists()
    assert "start-up failed; stopping what was started" in progress
