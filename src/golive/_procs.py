"""One owner for every child process golive starts: process groups ended on exit and signals.

Every tool golive runs (scanners, Locust and its workers, drill commands) starts in a
process group of its own through :func:`popen` or :func:`run`. The group is recorded here,
in this process, and, under `golive run`, in the run's folder (``$GOLIVE_RUN_DIR``), so
that:

- the process that started it ends it when its call returns, times out or is interrupted
  (a timeout ends the whole group: a scanner's ``multiprocessing`` pool too);
- at this process's exit (``atexit``), every group still running is ended;
- SIGTERM and SIGHUP become :class:`Terminated` (a ``KeyboardInterrupt``) in the processes
  that ask for it (:func:`terminate_as_interrupt`), so ``finally`` blocks and pytest's
  interrupted-session path run instead of a silent death;
- `golive run`, once its pytest child is gone, ends the groups its descendants recorded
  and left (:func:`sweep`): only processes in a recorded group that also carry this run's
  id in their environment, so a recycled group id is never mistaken for ours.

Linux only (``/proc``), like the rest of golive's process handling.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = [
    "RUN_DIR_ENV",
    "RUN_ID_ENV",
    "STOP_FILE",
    "Terminated",
    "carrying",
    "die_with_parent",
    "group_alive",
    "popen",
    "record_left_state",
    "release",
    "run",
    "signal_name",
    "stop_all",
    "stop_group",
    "sweep",
    "terminate_as_interrupt",
]

# set by `golive run` for its pytest child, inherited by everything below it
RUN_ID_ENV = "GOLIVE_RUN_ID"
RUN_DIR_ENV = "GOLIVE_RUN_DIR"
GROUPS_FILE = "groups.jsonl"
STOP_FILE = "stop.json"  # in the run folder: why `golive run` stopped its child

_lock = threading.Lock()
_groups: dict[int, subprocess.Popen[Any]] = {}  # pgid (= leader pid) -> its Popen


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised in the main thread like Ctrl-C's KeyboardInterrupt."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    # once: the process is stopping already, and a second SIGTERM (a CI runner that signals
    # every process of the tree, and golive forwarding the same) must not cut short the
    # writing of its partial results; what does not end in time is killed by its owner
    # (a handler, not SIG_IGN: an ignored signal would stay ignored in the commands started
    # from here on, a rollback among them)
    for other in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(other) is _raise_terminated:
            signal.signal(other, _stopping_already)
    raise Terminated(signum)


def _stopping_already(_signum: int, _frame: FrameType | None) -> None:
    return


def terminate_as_interrupt(*, sigint: bool = False) -> bool:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` in this process (main thread only;
    a handler someone else installed is kept). ``sigint``: also restore Python's own
    SIGINT handler when SIGINT was inherited ignored (a job started with ``&`` by a shell).
    Returns False when not in the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return False
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(signum) in (signal.SIG_DFL, None):
            signal.signal(signum, _raise_terminated)
    if sigint and signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    return True


_PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Ask the kernel for ``sig`` when this process's parent dies (Linux ``prctl``): a
    `golive run` killed with SIGKILL still has its pytest child stop, write its partial
    results and end its children. Returns False where it is not available."""
    import ctypes
    import ctypes.util

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent == 1 or os.getppid() != parent:  # the parent is gone already
        os.kill(os.getpid(), sig)
    return True


def _start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()
    return int(fields[19]) if len(fields) > 19 else None


def _record(proc: subprocess.Popen[Any]) -> None:
    with _lock:
        _groups[proc.pid] = proc
    folder = os.environ.get(RUN_DIR_ENV)
    if not folder:
        return
    entry = {"pgid": proc.pid, "start": _start_time(proc.pid), "owner": os.getpid(),
             "argv0": Path(str(proc.args[0] if isinstance(proc.args, list | tuple)
                                else proc.args)).name}  # fmt: skip
    with contextlib.suppress(OSError):
        fd = os.open(Path(folder) / GROUPS_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (json.dumps(entry) + "\n").encode())  # one write: lines never mix
        finally:
            os.close(fd)


def popen(argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
    """``subprocess.Popen`` in a new session (its own process group), recorded: ended at
    this process's exit unless :func:`release`\\ d or stopped first."""
    kwargs.pop("start_new_session", None)
    proc: subprocess.Popen[Any] = subprocess.Popen(list(argv), start_new_session=True, **kwargs)
    _record(proc)
    return proc


def release(proc: subprocess.Popen[Any]) -> None:
    with _lock:
        _groups.pop(proc.pid, None)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(
    proc: subprocess.Popen[Any],
    *,
    grace: float = 5.0,
    first: int = signal.SIGTERM,
) -> None:
    """End the process group ``proc`` leads: ``first``, then SIGKILL after ``grace``
    seconds; the leader is reaped and the whole group is gone when this returns (or, a
    member in uninterruptible sleep, after a bounded wait)."""
    for sig, wait in ((first, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
            if proc.returncode is not None and not group_alive(proc.pid):
                break
        else:
            continue
        break
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=1.0)
    release(proc)


def stop_all(grace: float = 2.0) -> list[int]:
    """End every group this process started and still holds; their group ids."""
    with _lock:
        held = list(_groups.values())
    for proc in held:
        stop_group(proc, grace=grace)
    return [proc.pid for proc in held]


atexit.register(stop_all)


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    input: str | bytes | None = None,  # subprocess.run's name
    grace: float = 2.0,
    **kwargs: Any,
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` in a process group of its own; on timeout or interrupt the whole
    group is ended (not only the main pid). Raises ``subprocess.TimeoutExpired`` like it."""
    if input is not None:
        kwargs["stdin"] = subprocess.PIPE
    if kwargs.pop("capture_output", False):
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    proc = popen(argv, **kwargs)
    try:
        out, err = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        stop_group(proc, grace=grace)
        with contextlib.suppress(subprocess.TimeoutExpired, ValueError, OSError):
            exc.output, exc.stderr = proc.communicate(timeout=2.0)
        raise
    except BaseException:
        stop_group(proc, grace=grace)
        raise
    if group_alive(proc.pid):  # the tool left members of its group behind
        stop_group(proc, grace=grace)
    release(proc)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


# --- `golive run`: what its descendants recorded --------------------------------------------
def _environ_has(pid: int, marker: bytes) -> bool:
    try:
        return marker in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:
        return None


def carrying(name: str, value: str) -> list[int]:
    """Processes whose environment holds ``name=value`` (this process excluded)."""
    marker = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        pid = int(entry.name) if entry.name.isdigit() else os.getpid()
        if pid != os.getpid() and _environ_has(pid, marker):
            found.append(pid)
    return found


def _recorded_groups(folder: Path) -> set[int]:
    try:
        lines = (folder / GROUPS_FILE).read_text(encoding="utf-8").splitlines()
    except OSError:
        return set()
    groups = set()
    for line in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            groups.add(int(json.loads(line)["pgid"]))
    return groups


def sweep(folder: Path, run_id: str, *, grace: float = 2.0) -> list[int]:
    """End the processes that stayed in groups recorded in ``folder`` and carry ``run_id``:
    SIGTERM, then SIGKILL after ``grace``. Returns the pids that were found."""
    groups = _recorded_groups(folder)
    if not groups:
        return []
    marker = f"{RUN_ID_ENV}={run_id}".encode()

    def left() -> list[int]:
        pids = []
        for pid in carrying(RUN_ID_ENV, run_id):
            if _pgid(pid) in groups and _environ_has(pid, marker):
                pids.append(pid)
        return pids

    found = left()
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        pids = left()
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and left():
            time.sleep(0.05)
    return found


LEFT_STATE_FILE = "left-state.jsonl"


def record_left_state(state: str) -> None:
    """One line for the interrupted run's results: what an interrupted drill did to the
    target (rolled back, or the state it left). Under `golive run` only (its run folder)."""
    folder = os.environ.get(RUN_DIR_ENV)
    if not folder:
        return
    with contextlib.suppress(OSError):
        fd = os.open(Path(folder) / LEFT_STATE_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT,
                     0o600)  # fmt: skip
        try:
            os.write(fd, (json.dumps({"state": state}) + "\n").encode())
        finally:
            os.close(fd)
