"""Run golive's acceptance modules through the real plugin in a subprocess."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

DATABASE = "tests/database/test_live.py"
PLATFORM = "tests/platform/test_drills.py"
CICD = "tests/cicd/test_drills.py"
OPERATIONS = "tests/operations/test_drills.py"
ROUTINE = "tests/routine/test_backup.py"
ALL_MODULES = (DATABASE, PLATFORM, CICD, OPERATIONS, ROUTINE)


def suite_argv(config: Path, output: Path, *modules: str, extra: tuple[str, ...] = ()) -> list[str]:
    return [
        sys.executable, "-m", "pytest", *modules,
        f"--golive-config={config}", "--golive-profile=final", "--golive-allow-unverified",
        f"--golive-output={output}", "-p", "no:cacheprovider", "-o", "testpaths=",
        "--rootdir", str(ROOT), "-q", *extra,
    ]  # fmt: skip


def clean_env() -> dict[str, str]:
    """The caller's environment without the demo's secrets (the config's env_file has them)
    and without what an outer pytest (xdist worker) would hand down."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("GOLIVE_", "PYTEST_"))}


def start_suite(config: Path, output: Path, *modules: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        suite_argv(config, output, *modules),
        cwd=ROOT, env=clean_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip


def finish_suite(proc: subprocess.Popen[str], output: Path, timeout: float = 240) -> Results:
    out, _ = proc.communicate(timeout=timeout)
    results = output / "results.json"
    assert results.is_file(), out[-4000:]
    return Results(json.loads(results.read_text(encoding="utf-8")), results.read_text("utf-8"), out)


def run_suite(config: Path, output: Path, *modules: str, extra: tuple[str, ...] = ()) -> Results:
    proc = subprocess.Popen(
        suite_argv(config, output, *modules, extra=extra),
        cwd=ROOT, env=clean_env(), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    return finish_suite(proc, output)


class Results:
    """results.json of one run, by criterion id."""

    def __init__(self, data: dict[str, Any], text: str, output: str) -> None:
        self.data = data
        self.text = text
        self.output = output
        self.by_id: dict[str, dict[str, Any]] = {c["id"]: c for c in data["criteria"]}

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


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """``handler`` served on a free loopback port in a thread; its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def python_command(code: str, *args: str) -> str:
    """A command line (as golive.toml's commands take it) running ``code`` in this Python."""
    return shlex.join([sys.executable, "-c", code, *args])
