"""Resource usage of a target that runs on this machine: CPU, memory, disk.

Only for a target whose URLs are loopback: psutil reads the local kernel's counters.
A remote host's usage comes from its monitoring instead (the CloudWatch metrics behind
its alarms); golive has no shell on remote hosts.

A loopback target usually shares the machine (a developer's laptop, a CI runner): the
machine's CPU then belongs to whatever else runs there. :func:`target_usage` measures
the target's own processes, found as the listeners of its ports and their children, as
a share of the machine; :func:`sample` gives the machine as a whole, for context.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

import psutil

from golive._net import is_loopback

__all__ = ["HostUsage", "TargetUsage", "is_local", "local_port", "sample", "target_usage"]


def is_local(url: str | None) -> bool:
    """True when ``url`` points at this machine (loopback or localhost)."""
    return is_loopback(url)


def local_port(url: str | None) -> int | None:
    """The port of a loopback URL (default port by scheme); None for a remote URL."""
    if not url or not is_local(url):
        return None
    parts = urlsplit(url)
    defaults = {"http": 80, "https": 443, "postgresql": 5432, "postgres": 5432}
    return parts.port or defaults.get(parts.scheme)


@dataclass(frozen=True)
class HostUsage:
    cpu_percent: float  # busy share of all CPUs over the sample
    memory_percent: float  # used share of physical memory (total - available)
    disk_percent: float  # used share of the file system holding ``disk_path``
    disk_path: str
    load_1m: float
    cpus: int
    sample_s: float

    def as_dict(self) -> dict[str, float | int | str]:
        return asdict(self)


def sample(*, interval_s: float = 2.0, disk_path: str = "/") -> HostUsage:
    """This machine: CPU busy over ``interval_s`` seconds, memory and disk now."""
    started = time.perf_counter()
    cpu = psutil.cpu_percent(interval=interval_s)
    return HostUsage(
        cpu_percent=float(cpu),
        memory_percent=float(psutil.virtual_memory().percent),
        disk_percent=float(psutil.disk_usage(disk_path).percent),
        disk_path=disk_path,
        load_1m=float(os.getloadavg()[0]),
        cpus=psutil.cpu_count() or 1,
        sample_s=round(time.perf_counter() - started, 3),
    )


@dataclass
class TargetUsage:
    cpu_percent: float  # the processes' CPU time over the sample, as a share of all CPUs
    memory_percent: float  # their proportional set size, as a share of physical memory
    processes: list[dict[str, object]] = field(default_factory=list)  # pid, name, port
    ports_without_listener: list[int] = field(default_factory=list)


def _listeners(ports: set[int]) -> dict[int, int]:
    """pid of the process listening on each port (that this user may see)."""
    found: dict[int, int] = {}
    for conn in psutil.net_connections(kind="inet"):
        port = conn.laddr.port if conn.laddr else None
        if conn.status == psutil.CONN_LISTEN and conn.pid and port in ports:
            found.setdefault(port, conn.pid)
    return found


def _cpu_seconds(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0.0
    return float(times.user + times.system)


def _memory_bytes(proc: psutil.Process) -> int:
    try:
        info = proc.memory_full_info()
        return int(getattr(info, "pss", info.rss))
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


def target_usage(ports: Iterable[int], *, interval_s: float = 2.0) -> TargetUsage | None:
    """CPU and memory of the processes listening on ``ports`` and their children, over
    ``interval_s`` seconds; None when no listener of these ports can be seen."""
    wanted = set(ports)
    listeners = _listeners(wanted)
    if not listeners:
        return None
    procs: dict[int, psutil.Process] = {}
    usage = TargetUsage(0.0, 0.0, ports_without_listener=sorted(wanted - set(listeners)))
    for port, pid in sorted(listeners.items()):
        try:
            root = psutil.Process(pid)
            family = [root, *root.children(recursive=True)]
            usage.processes.append({"pid": pid, "name": root.name(), "port": port,
                                    "children": len(family) - 1})  # fmt: skip
        except psutil.NoSuchProcess:
            continue
        procs.update({p.pid: p for p in family})
    before = {pid: _cpu_seconds(p) for pid, p in procs.items()}
    started = time.perf_counter()
    time.sleep(interval_s)
    elapsed = time.perf_counter() - started
    busy = sum(max(_cpu_seconds(p) - before[pid], 0.0) for pid, p in procs.items())
    cpus = psutil.cpu_count() or 1
    usage.cpu_percent = round(100.0 * busy / (elapsed * cpus), 2)
    total = psutil.virtual_memory().total
    usage.memory_percent = round(100.0 * sum(_memory_bytes(p) for p in procs.values()) / total, 2)
    return usage
