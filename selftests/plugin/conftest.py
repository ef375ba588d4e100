"""Helpers for running the golive plugin inside pytester sessions."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from golive.catalog import Criterion, load_catalog


def pick(*, op: str | None = None, profile: str = "ci", severity: str | None = None,
         automated: bool = True, exclude: tuple[str, ...] = ()) -> Criterion:
    """A real catalog criterion with the wanted traits (tests never invent ids)."""
    for entry in load_catalog():
        if entry.id in exclude or profile not in entry.profiles:
            continue
        if entry.automated is not automated:
            continue
        if severity and entry.severity.value != severity:
            continue
        if op and (entry.threshold is None or entry.threshold.op != op):
            continue
        if op is None and entry.threshold is not None:
            continue
        return entry
    raise LookupError(f"no criterion with op={op} profile={profile} severity={severity}")


@dataclass
class Run:
    ret: int
    output: str
    results: dict[str, Any] | None

    def status(self, criterion_id: str) -> str:
        assert self.results is not None, self.output
        for entry in self.results["criteria"]:
            if entry["id"] == criterion_id:
                return str(entry["status"])
        raise KeyError(criterion_id)

    def entry(self, criterion_id: str) -> dict[str, Any]:
        assert self.results is not None
        return next(e for e in self.results["criteria"] if e["id"] == criterion_id)


@pytest.fixture
def golive_run(pytester: pytest.Pytester):
    """Run pytest with the golive options in the pytester folder; read results.json."""

    def run(*args: str, subprocess: bool = False) -> Run:
        out = pytester.path / "out"
        argv = ["-p", "no:cacheprovider", f"--golive-output={out}", *args]
        result = (pytester.runpytest_subprocess if subprocess else pytester.runpytest)(*argv)
        path = Path(out) / "results.json"
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        return Run(int(result.ret), result.stdout.str() + "\n" + result.stderr.str(), data)

    return run
