"""Process plumbing for the demo stack: free ports, detached children, stopping by pid.

Every process the stack starts gets its own session (so its process group id is its pid)
and is recorded with its start time: ``down`` then signals exactly that group, and a
recycled pid is never mistaken for ours.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from golive._errors import GoliveError

__all__ = [
    "DemoError",
    "ProcRecord",
    "as_postgres_user",
    "free_port",
    "is_alive",
    "log_tail",
    "port_listening",
    "reap_children",
    "spawn",
    "stop",
    "wait_for",
    "wait_http",
]

# Popen handles of children started by this interpreter. Holding them lets us reap the
# children (this machine's init does not reap orphans) and keeps Popen.__del__ from
# warning "subprocess is still running", which is an error under filterwarnings=error.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class DemoError(GoliveError):
    """The embedded reference stack could not be started, driven or stopped."""


@dataclass(frozen=True)
class ProcRecord:
    """One process the stack started, as written to ``state.json``."""

    name: str
    pid: int
    pgid: int
    create_time: float
    argv: list[str]
    port: int | None = None
    log: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pid": self.pid,
            "pgid": self.pgid,
            "create_time": self.create_time,
            "argv": self.argv,
            "port": self.port,
            "log": self.log,
            **({"extra": self.extra} if self.extra else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProcRecord:
        return cls(
            name=str(data["name"]),
            pid=int(data["pid"]),
            pgid=int(data["pgid"]),
            create_time=float(data["create_time"]),
            argv=[str(a) for a in data.get("argv", [])],
            port=int(data["port"]) if data.get("port") is not None else None,
            log=str(data["log"]) if data.get("log") else None,
            extra=dict(data.get("extra", {})),
        )


def free_port() -> int:
    """A port free on 127.0.0.1 right now (the kernel picks it; the race window is tiny)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def as_postgres_user(argv: list[str]) -> list[str]:
    """``postgres`` refuses to run as root: run server-side tools as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def spawn(
    name: str,
    argv: list[str],
    *,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    port: int | None = None,
    extra: dict[str, Any] | None = None,
) -> ProcRecord:
    """Start ``argv`` detached in its own session, output appended to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
            close_fds=True,
        )
    _CHILDREN[proc.pid] = proc
    try:
        created = psutil.Process(proc.pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0
    return ProcRecord(
        name=name,
        pid=proc.pid,
        pgid=proc.pid,
        create_time=created,
        argv=argv,
        port=port,
        log=str(log_path),
        extra=extra or {},
    )


def is_alive(rec: ProcRecord) -> bool:
    """True while the recorded process runs; a zombie or a recycled pid counts as gone."""
    try:
        proc = psutil.Process(rec.pid)
        if rec.create_time and abs(proc.create_time() - rec.create_time) > 1.0:
            return False
        return bool(proc.status() != psutil.STATUS_ZOMBIE)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _reap(pid: int) -> None:
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]


def reap_children() -> None:
    """Collect exit statuses of our children that have ended (no zombies left behind)."""
    for pid in list(_CHILDREN):
        _reap(pid)


def stop(rec: ProcRecord, *, timeout: float = 10.0, sig: int = signal.SIGTERM) -> bool:
    """Signal the record's process group, wait for exit, escalate to SIGKILL.

    Returns True when the process is gone. Only a group whose leader is still the
    recorded process is signalled.
    """
    if is_alive(rec):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rec.pgid, sig)
        if not wait_for(lambda: not is_alive(rec), timeout):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(rec.pgid, signal.SIGKILL)
            wait_for(lambda: not is_alive(rec), 5.0)
    _reap(rec.pid)
    return not is_alive(rec)


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def log_tail(path: str | Path | None, lines: int = 15) -> str:
    if not path:
        return ""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_http(
    url: str,
    *,
    timeout: float,
    proc: ProcRecord | None = None,
    accept: Callable[[httpx.Response], bool] | None = None,
) -> httpx.Response:
    """Poll ``url`` until it answers (and ``accept`` agrees); fail fast if ``proc`` dies."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc is not None and not is_alive(proc):
                raise DemoError(
                    f"{proc.name} (pid {proc.pid}) exited before {url} answered:\n"
                    + log_tail(proc.log)
                )
            try:
                resp = client.get(url)
                if accept is None or accept(resp):
                    return resp
                last = f"HTTP {resp.status_code}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.05)
    tail = log_tail(proc.log) if proc is not None else ""
    raise DemoError(
        f"{url} not ready after {timeout:.0f}s ({last})" + (f":\n{tail}" if tail else "")
    )
