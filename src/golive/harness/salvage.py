"""`golive run`'s INCOMPLETE results for a run whose pytest child died before it could
write any: rebuilt from the run's records (golive.harness.records)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

from golive._procs import RUN_DIR_ENV
from golive.harness import plugin
from golive.harness.records import COLLECTION_FILE, interruption, read_journal, read_json
from golive.judging.results import RunData, write_json_atomically

__all__ = ["salvage_run"]


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
            known = read_json(folder / COLLECTION_FILE)
            if isinstance(known, dict):
                golive.collected = known.get("collected")
                golive.selected = known.get("selected")
                golive.narrowed_by = list(known.get("narrowed_by") or [])
            golive.run_id = run_id
            golive.interruption = interruption(
                reason, checks_run=len(golive.phases), selected=golive.selected, written_by="golive"
            )
            data = plugin.build_session_run_data(golive, interrupted=True, note=note)
            return finish_run(
                data,
                catalog=golive.catalog,
                config=golive.config,
                environment=golive.environment,
                output=output,
                notify="no",
            )
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
