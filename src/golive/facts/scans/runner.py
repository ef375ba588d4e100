"""Run an external scanner once per run: results are cached by the content of its inputs.

Under pytest-xdist several workers may ask for the same scan; the cache lives on disk so
the second asker reads the first one's result instead of running the tool again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from golive import _procs
from golive._errors import NotVerified
from golive._redact import redact

__all__ = ["ToolRun", "cache_dir", "run_scanner", "tool_path"]


@dataclass(frozen=True)
class ToolRun:
    tool: str
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float
    cached: bool = False


def tool_path(name: str) -> str | None:
    """The tool's executable: next to this Python first (the venv), then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which(name)


def cache_dir() -> Path:
    root = os.environ.get("GOLIVE_CACHE_DIR") or Path.home() / ".cache" / "golive"
    path = Path(root) / "scans"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _key(executable: str, args: Sequence[str], inputs: Sequence[Path]) -> str:
    # the tool's own mtime is part of the key: an upgraded scanner scans again
    stamp = Path(executable).stat().st_mtime_ns
    digest = hashlib.sha256(json.dumps([executable, stamp, list(args)]).encode())
    for path in sorted(inputs, key=str):
        digest.update(str(path).encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest() if path.is_file() else b"-")
    return digest.hexdigest()


_lock = threading.Lock()
_running: dict[str, threading.Event] = {}
# scans that ran out of time in this process: a second asker gets the same answer at once
# instead of paying the whole timeout again (the prewarm thread and the check share a key)
_timed_out: dict[str, str] = {}


def _claim(key: str, cached: Path) -> ToolRun | None:
    """The cached run, or None once this thread owns the scan (others wait for it)."""
    while True:
        with _lock:
            if key in _timed_out:
                raise NotVerified(_timed_out[key])
            if cached.is_file():
                data = json.loads(cached.read_text(encoding="utf-8"))
                return ToolRun(**{**data, "cached": True})
            running = _running.get(key)
            if running is None:
                _running[key] = threading.Event()
                return None
        running.wait()  # the same scan is under way in another thread (prewarm)


def run_scanner(
    name: str,
    args: Sequence[str],
    inputs: Sequence[Path],
    *,
    timeout: float = 180,
    cwd: Path | None = None,
) -> ToolRun:
    """Run ``name args`` (argv, no shell) or return the cached result for the same inputs.

    A missing tool raises NotVerified: its criteria can't be judged, never pass.
    """
    executable = tool_path(name)
    if executable is None:
        raise NotVerified(f"{name} is not installed")
    key = _key(executable, args, inputs)
    cached = cache_dir() / f"{key}.json"
    found = _claim(key, cached)
    if found is not None:
        return found
    try:
        return _run_and_cache(name, executable, args, cached, timeout=timeout, cwd=cwd)
    except NotVerified as exc:
        with _lock:
            _timed_out[key] = exc.reason
        raise
    finally:
        with _lock:
            _running.pop(key).set()


def _run_and_cache(
    name: str,
    executable: str,
    args: Sequence[str],
    cached: Path,
    *,
    timeout: float,
    cwd: Path | None,
) -> ToolRun:
    argv = [executable, *args]
    started = time.perf_counter()
    try:
        # its own process group: a timeout or an interrupt ends the whole tree (a
        # detect-secrets multiprocessing pool too), not only the main pid
        done = _procs.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        raise NotVerified(f"{name} did not finish within {timeout:.0f} s") from exc
    run = ToolRun(
        tool=name,
        argv=[name, *args],
        returncode=done.returncode,
        # kept as evidence and cached on disk: a secret a scanner echoes stays out of both
        stdout=redact(done.stdout),
        stderr=redact(done.stderr),
        duration_s=time.perf_counter() - started,
    )
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(asdict(run)), encoding="utf-8")
    partial.replace(cached)  # atomic: a concurrent reader sees all or nothing
    return run
