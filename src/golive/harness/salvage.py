"""An interrupted run's record: why it stopped, how far it got, what it left behind.

Under `golive run` the run has a folder of its own (``$GOLIVE_RUN_DIR``, see
golive._procs). The controller keeps a journal there of every check report as it comes in
(``journal.jsonl``) and what its selection holds (``collection.json``); golive writes why it
stopped the run (``stop.json``); an interrupted drill writes what state it left the target
in (``left-state.jsonl``). The plugin reads these when the run ends interrupted, and `golive
run` reads them when its pytest child died before it could write anything
(:func:`salvage_run`): the results are INCOMPLETE either way, never lost.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, cast

from golive._procs import LEFT_STATE_FILE, RUN_DIR_ENV, STOP_FILE
from golive.judging.results import Interruption, RunData, write_json_atomically

__all__ = [
    "COLLECTION_FILE",
    "JOURNAL_FILE",
    "STOP_FILE",
    "interruption",
    "journal",
    "read_journal",
    "run_folder",
    "salvage_run",
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


def write_collection(collected: dict[str, list[str]] | None,
                     selected: dict[str, list[str]] | None, narrowed_by: list[str]) -> None:
    folder = run_folder()
    if folder is None:
        return
    body = {"collected": collected, "selected": selected, "narrowed_by": narrowed_by}
    with contextlib.suppress(OSError):
        write_json_atomically(folder / COLLECTION_FILE, json.dumps(body))


def _read_json(path: Path) -> Any:
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


def interruption(reason: str, *, checks_run: int, selected: dict[str, list[str]] | None,
                 written_by: str = "pytest") -> Interruption:
    """The run's interruption: golive's own reason (stop.json) comes first."""
    folder = run_folder()
    stop = _read_json(folder / STOP_FILE) if folder is not None else None
    if isinstance(stop, dict) and stop.get("reason"):
        reason = str(stop["reason"])
    return Interruption(
        reason=reason,
        checks_run=checks_run,
        checks_selected=sum(map(len, selected.values())) if selected is not None else None,
        left_state=_left_state(folder),
        written_by=written_by,
    )


class _Options:
    """What the plugin's session builder reads of pytest's options."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    def getoption(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


def salvage_run(
    folder: Path,
    *,
    run_id: str,
    reason: str,
    output: Path,
    profile: str,
    env: str | None,
    config: Path | None,
    lang: str,
    kinds: tuple[str, ...],
    note: str | None,
    allow_unverified: bool,
) -> RunData:
    """The INCOMPLETE results of a run whose pytest child died, from its journal: every
    check it reported is kept, every other criterion in scope is not verified. Written
    like a finished run's (reports, history); if that fails, a bare results.json."""
    from golive.finish.run import finish_run
    from golive.harness import plugin
    from golive.judging.results import build_run_data

    previous = os.environ.get(RUN_DIR_ENV)
    os.environ[RUN_DIR_ENV] = str(folder)  # interruption() reads the folder's records
    try:
        options = _Options(golive_config=config, golive_env=env, golive_profile=profile,
                           golive_allow_unverified=allow_unverified, golive_lang=lang,
                           golive_output=output, golive_kind=list(kinds))  # fmt: skip
        try:
            golive = plugin._build_session(cast(Any, options))
            golive.phases = read_journal(folder)
            known = _read_json(folder / COLLECTION_FILE)
            if isinstance(known, dict):
                golive.collected = known.get("collected")
                golive.selected = known.get("selected")
                golive.narrowed_by = list(known.get("narrowed_by") or [])
            golive.run_id = run_id
            golive.interruption = interruption(reason, checks_run=len(golive.phases),
                                               selected=golive.selected, written_by="golive")
            data = plugin.build_session_run_data(golive, interrupted=True, note=note)
            return finish_run(data, catalog=golive.catalog, config=golive.config,
                              environment=golive.environment, output=output, notify="no")
        except Exception as exc:  # the bare record below still says what happened
            from datetime import UTC, datetime

            from golive import __version__

            now = datetime.now(UTC)
            data = build_run_data(
                version=__version__, profile=profile, env=env, lang=lang, started_at=now,
                finished_at=now, criteria=[], interrupted=True, run_id=run_id, note=note,
                interruption=interruption(
                    f"{reason}; the partial results could not be rebuilt"
                    f" ({type(exc).__name__}: {exc})",
                    checks_run=len(read_journal(folder)), selected=None, written_by="golive"),
            )  # fmt: skip
            write_json_atomically(output / "results.json", data.to_json())
            return data
    finally:
        if previous is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = previous
