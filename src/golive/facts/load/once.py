"""Run the load phase once per test session, even when xdist spreads its checks.

The first process to take the lock runs the load and writes the result as JSON; every
other check (in the same or another worker of the same run) reads it. A failed load is
remembered too, so it is not retried by each check.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path

from golive.facts.load.plan import LoadError
from golive.facts.load.result import LoadResult

__all__ = ["run_once"]


def run_once(folder: Path, run: Callable[[], LoadResult]) -> LoadResult:
    """``run()`` the first time for ``folder``; its cached result (or error) afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    result_file, error_file = folder / "load-result.json", folder / "load-error.txt"
    with (folder / "load.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if result_file.is_file():
            return LoadResult.model_validate_json(result_file.read_text(encoding="utf-8"))
        if error_file.is_file():
            raise LoadError(error_file.read_text(encoding="utf-8"))
        try:
            result = run()
        except LoadError as exc:
            error_file.write_text(str(exc), encoding="utf-8")
            raise
        result_file.write_text(result.model_dump_json(indent=1), encoding="utf-8")
        return result
