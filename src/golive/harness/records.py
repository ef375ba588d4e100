"""An interrupted run's record: why it stopped, how far it got, what it left behind.

Under `golive run` the run has a folder of its own (``$GOLIVE_RUN_DIR``, see
golive._procs). The controller keeps a journal there of every check report as it comes in
(``journal.jsonl``) and what its selection holds (``collection.json``); golive writes why it
stopped the run (``stop.json``); an interrupted drill writes what state it left the target
in (``left-state.jsonl``). The plugin reads these when the run ends interrupted, and `golive
run` reads them when its pytest child died before it could write anything
(golive.harness.salvage): the results are INCOMPLETE either way, never lost.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from golive._procs import LEFT_STATE_FILE, RUN_DIR_ENV, STOP_FILE
from golive.judging.results import Interruption, write_json_atomically

__all__ = [
    "COLLECTION_FILE",
    "JOURNAL_FILE",
    "interruption",
    "journal",
    "read_journal",
    "read_json",
    "run_folder",
    "write_collection",
]

JOURNAL_FILE = "journal.jsonl"
COLLECTION_FILE = "collection.json"


def run_folder() -> Path | None:
    folder = os.environ.get(RUN_DIR_ENV)
    return Path(folder) if folder and Path(folder).is_dir() else None


def journal(nodeid: str, payload: dict[str, Any]) -> None:
    """Append one check report (the controller's copy) to the run's journal."""
    folder = run_folder()
    if folder is None:
        return
    line = json.dumps({"nodeid": nodeid, "payload": payload}, default=str) + "\n"
    with contextlib.suppress(OSError):
        fd = os.open(folder / JOURNAL_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def read_journal(folder: Path) -> dict[str, list[dict[str, Any]]]:
    phases: dict[str, list[dict[str, Any]]] = {}
    with contextlib.suppress(OSError):
        for line in (folder / JOURNAL_FILE).read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut by the kill
            phases.setdefault(str(entry["nodeid"]), []).append(entry["payload"])
    return phases


def write_collection(
    collected: dict[str, list[str]] | None,
    selected: dict[str, list[str]] | None,
    narrowed_by: list[str],
) -> None:
    folder = run_folder()
    if folder is None:
        return
    body = {"collected": collected, "selected": selected, "narrowed_by": narrowed_by}
    with contextlib.suppress(OSError):
        write_json_atomically(folder / COLLECTION_FILE, json.dumps(body))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _left_state(folder: Path | None) -> list[str]:
    if folder is None:
        return []
    lines: list[str] = []
    with contextlib.suppress(OSError):
        for line in (folder / LEFT_STATE_FILE).read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError, TypeError, KeyError):
                lines.append(str(json.loads(line)["state"]))
    return lines


def interruption(
    reason: str,
    *,
    checks_run: int,
    selected: dict[str, list[str]] | None,
    written_by: str = "pytest",
) -> Interruption:
    """The run's interruption: golive's own reason (stop.json) comes first."""
    folder = run_folder()
    stop = read_json(folder / STOP_FILE) if folder is not None else None
    if isinstance(stop, dict) and stop.get("reason"):
        reason = str(stop["reason"])
    return Interruption(
        reason=reason,
        checks_run=checks_run,
        checks_selected=sum(map(len, selected.values())) if selected is not None else None,
        left_state=_left_state(folder),
        written_by=written_by,
    )
