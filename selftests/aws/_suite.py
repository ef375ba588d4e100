"""Run the AWS, notification and daily-routine acceptance modules through the real plugin
in a subprocess, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

MODULES = (
    "tests/security/test_aws.py",
    "tests/monitoring/test_aws_live.py",
    "tests/monitoring/test_notify_drill.py",
    "tests/routine/test_daily.py",
    "tests/routine/test_security_logs.py",
    "tests/performance/test_availability.py",
)


def _argv(
    config: Path, output: Path, modules: tuple[str, ...], extra: tuple[str, ...]
) -> list[str]:
    return [
        sys.executable, "-m", "pytest", *modules,
        f"--golive-config={config}", "--golive-profile=final", "--golive-allow-unverified",
        f"--golive-output={output}", "-p", "no:cacheprovider", "-o", "testpaths=",
        "--rootdir", str(ROOT), "-q", *extra,
    ]  # fmt: skip


def start(
    config: Path, output: Path, modules: tuple[str, ...] = MODULES, extra: tuple[str, ...] = ()
) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    return subprocess.Popen(
        _argv(config, output, modules, extra), cwd=ROOT, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


class Results:
    """results.json of one run, by criterion id."""

    def __init__(self, output: Path, log: str) -> None:
        path = output / "results.json"
        assert path.is_file(), log[-4000:]
        self.text = path.read_text(encoding="utf-8")
        self.data: dict[str, Any] = json.loads(self.text)
        self.log = log
        self.by_id = {c["id"]: c for c in self.data["criteria"]}

    def status(self, cid: str) -> str:
        return str(self.by_id[cid]["status"])

    def explain(self, cid: str) -> str:
        c = self.by_id[cid]
        return f"{cid}: {c['status']} ({c.get('reason')}) measured={c.get('measured')}"

    def evidence(self, cid: str, name: str) -> dict[str, Any]:
        for item in self.by_id[cid]["evidence"]:
            if item.get("name") == name:
                return dict(item)
        raise KeyError(f"{cid} has no evidence named {name!r}")


def finish(proc: subprocess.Popen[str], output: Path, timeout: float = 240) -> Results:
    try:
        log, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Results(output, log)


def run(
    config: Path, output: Path, modules: tuple[str, ...] = MODULES, extra: tuple[str, ...] = ()
) -> Results:
    return finish(start(config, output, modules, extra), output)
