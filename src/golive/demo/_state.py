"""The run directory of a demo stack: ``state.json`` (no secrets) and ``secrets.json``.

``state.json`` is what ``down`` and the ops commands read to find the processes, ports and
cluster of a running stack. Secrets live apart, mode 0600, so the state can be shown.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from golive.demo._proc import DemoError

__all__ = [
    "STATE_SCHEMA",
    "load_secrets",
    "load_state",
    "locked",
    "save_state",
    "write_private",
]

STATE_SCHEMA = "golive.demo.state/1"


def write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by the owner only (created 0600, never world-readable)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, 0o600)


def save_state(run_dir: Path, state: dict[str, Any]) -> None:
    tmp = run_dir / "state.json.tmp"
    tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(run_dir / "state.json")


def load_state(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "state.json"
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoError(f"no demo stack in {run_dir}: {path} not found") from None
    if data.get("schema") != STATE_SCHEMA:
        raise DemoError(f"{path}: not a golive demo state file")
    return data


def load_secrets(run_dir: Path) -> dict[str, str]:
    data: dict[str, str] = json.loads((run_dir / "secrets.json").read_text(encoding="utf-8"))
    return data


@contextlib.contextmanager
def locked(run_dir: Path) -> Iterator[None]:
    """Serialize state changes (deploy, rollback, down) on one run directory."""
    with (run_dir / "state.lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
