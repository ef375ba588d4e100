"""Driving `golive run` (and `golive demo`) from outside, as a CI job or a person would, and
counting what an interrupted run leaves: processes carrying the test's own id in their
environment, and ports they listened on."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from golive._procs import carrying
from golive.catalog import load_catalog

MARK = "GOLIVE_SELFTEST_RUN"  # set for golive; inherited by everything it starts


def static_ids(n: int) -> list[str]:
    """Real blocking static criteria of the ci profile (tests never invent ids)."""
    found = [
        c.id
        for c in load_catalog().in_profile("ci")
        if c.automated and c.kind.value == "static" and c.severity.value == "blocking"
    ]
    return found[:n]


@dataclass
class Started:
    proc: subprocess.Popen[str]
    mark: str
    folder: Path
    output: Path
    ports: set[int] = field(default_factory=set)  # seen listening by marked processes
    log: Path | None = None

    def marked(self) -> list[int]:
        return carrying(MARK, self.mark)

    def watch_ports(self) -> set[int]:
        for pid in self.marked():
            with contextlib.suppress(psutil.Error):
                for conn in psutil.Process(pid).net_connections(kind="inet"):
                    if conn.status == psutil.CONN_LISTEN:
                        self.ports.add(conn.laddr.port)
        return self.ports

    def signal(self, sig: int, *, group: bool) -> None:
        if group:
            os.killpg(self.proc.pid, sig)  # golive leads its own group, like a CI job's
        else:
            os.kill(self.proc.pid, sig)

    def wait(self, timeout: float) -> tuple[int, float]:
        started = time.monotonic()
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise AssertionError(f"golive did not end within {timeout} s: {self.text()}") from None
        return code, time.monotonic() - started

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log else ""

    def results(self) -> dict[str, Any]:
        return dict(json.loads((self.output / "results.json").read_text(encoding="utf-8")))

    def leftovers(self, settle: float = 5.0) -> tuple[list[int], list[int]]:
        """(marked processes still running, ports seen during the run still listening),
        after up to ``settle`` seconds for processes that are on their way out."""
        deadline = time.monotonic() + settle
        while True:
            pids = [p for p in self.marked() if _running(p)]
            ports = sorted(p for p in self.ports if _listening(p))
            if (not pids and not ports) or time.monotonic() > deadline:
                return pids, ports
            time.sleep(0.1)

    def cleanup(self) -> None:
        """Whatever a failing test left is ended here (never a stray process)."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid in self.marked():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start(
    folder: Path, argv: list[str], *, env: dict[str, str] | None = None, output: Path | None = None
) -> Started:
    """``python -m golive ARGV`` in ``folder``, in a session of its own, marked."""
    mark = uuid.uuid4().hex
    log = folder / f"golive-{mark[:8]}.log"
    environ = {**os.environ, MARK: mark, **(env or {})}
    environ.pop("GOLIVE_RUN_ID", None)  # a self-test inside a golive run starts afresh
    environ.pop("GOLIVE_RUN_DIR", None)
    with log.open("w", encoding="utf-8") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "golive", *argv],
            cwd=folder,
            env=environ,
            stdout=sink,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
        )
    return Started(proc, mark, folder, output or folder / "out", log=log)


def wait_until(
    predicate: Callable[[], bool], timeout: float, what: str, run: Started | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if run is not None:
            run.watch_ports()
            if run.proc.poll() is not None:
                raise AssertionError(f"golive ended before {what}: {run.text()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(
                f"not within {timeout} s: {what}" + (f"\n{run.text()[-3000:]}" if run else "")
            )
        time.sleep(0.1)
