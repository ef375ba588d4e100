"""Run a piece of work once per test run, even when pytest-xdist spreads its checks.

Several checks, in several test modules and several xdist workers, judge one drill, one
load run or one scan. :class:`RunOnce` keeps each key's outcome (its result, or the
reason it could not run) for the rest of the run: outside xdist in ``config.stash``;
under xdist the first worker to ask runs the work and the others wait on a lock and read
its outcome from the run's private base temp folder (the pattern xdist documents for
once-per-run session fixtures). Every worker re-raises the same outcome.
"""

from __future__ import annotations

import fcntl
import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from golive._errors import CheckOutcome

__all__ = ["RunOnce", "run_folder"]

T = TypeVar("T")
Outcome = tuple[str, Any]
_DONE = pytest.StashKey[dict[str, Outcome]]()


def run_folder(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every process of this run shares (and no other run does).

    Under xdist: one folder beside the workers' base temps, named by the run's
    ``testrunuid``, judged from ``config.workerinput`` (set by xdist on its workers only),
    never from environment variables, which a nested pytest run would inherit. Otherwise
    the session's base temp folder.
    """
    workerinput = getattr(config, "workerinput", None)
    if not isinstance(workerinput, dict):
        return tmp_path_factory.getbasetemp()
    folder = tmp_path_factory.getbasetemp().parent / f"golive-run-{workerinput['testrunuid']}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _attempt(run: Callable[[], Any]) -> Outcome:
    try:
        return ("result", run())
    except CheckOutcome as exc:
        return ("outcome", exc)
    except Exception as exc:  # a broken run is reported to every check, not rerun
        return ("error", exc)


def _file_name(key: str) -> str:
    """A file name for ``key``: keys may hold URLs or a DSN, which stay off the disk."""
    return "golive-once-" + hashlib.sha256(key.encode()).hexdigest()[:32]


class RunOnce:
    """``once(key, run)``: ``run()`` the first time ``key`` is asked for in this test run;
    afterwards its result, or the outcome (not verified, error) it ended with, raised again."""

    def __init__(self, config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._config = config
        self._tmp_path_factory = tmp_path_factory
        self._xdist = isinstance(getattr(config, "workerinput", None), dict)

    def __call__(self, key: str, run: Callable[[], T]) -> T:
        done = self._config.stash.setdefault(_DONE, {})
        if key not in done:
            done[key] = self._across_workers(key, run) if self._xdist else _attempt(run)
        kind, value = done[key]
        if kind == "outcome":
            raise type(value)(value.reason)
        if kind == "error":
            raise value
        return cast(T, value)

    def _across_workers(self, key: str, run: Callable[[], Any]) -> Outcome:
        shared = run_folder(self._config, self._tmp_path_factory)
        name = _file_name(key)
        data = shared / f"{name}.pickle"
        with (shared / f"{name}.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if data.exists():
                # written by a worker of this very run, in pytest's 0700 base temp folder
                return cast(Outcome, pickle.loads(data.read_bytes()))  # noqa: S301
            outcome = _attempt(run)
            try:
                blob = pickle.dumps(outcome)
            except Exception:  # an unpicklable result or error: pass on its text
                outcome = ("error", RuntimeError(f"{key} failed: {outcome[1]!r}"))
                blob = pickle.dumps(outcome)
            data.write_bytes(blob)
            return outcome
