"""Hosts through testinfra: what is so on each host golive.toml names.

Each host of ``[environments.NAME.hosts]`` is reached with a testinfra backend
(``local://``, ``ssh://``, ``docker://``, ``kubectl://``) and read with testinfra's modules:
``host.service`` (running, enabled), ``host.process`` (present), ``host.socket``
(listening), and ``host.run`` for ``df``, ``/proc/stat`` and ``/proc/meminfo`` (CPU,
memory, disk). A container (docker, kubectl) is also read from outside, through the engine
on this machine (``host.docker(...).inspect()``, ``kubectl get pod -o json``): running,
health, restarts and its CPU and memory limits; its usage comes from its own cgroup, as a
share of its limit.

Facts only: nothing here judges. Every failure to read a fact is kept as the reason it is
missing (``error``), never raised: an unreachable host is a host with ``reachable`` False
and the reason, named by its name.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ContainerState",
    "DiskUsage",
    "HostConnection",
    "HostFacts",
    "HostUsage",
    "PortState",
    "ProcessState",
    "ServiceState",
    "UsageSampler",
    "UsageSeries",
    "collect",
    "collect_all",
    "cpu_busy_percent",
    "docker_state",
    "memory_used_percent",
    "parse_df",
    "parse_meminfo",
    "parse_proc_stat",
    "pod_state",
]

_SSH_OPTIONS = (
    # never wait for a password or a host-key prompt: a host that asks is not reachable
    "-o BatchMode=yes -o ServerAliveInterval=5 -o ServerAliveCountMax=3"
)
_ERROR_CHARS = 300  # of a command's stderr kept as the reason a fact is missing
_STDERR_IN_REPR = re.compile(r"_stderr=b?['\"](.*?)['\"]\)")


@dataclass(frozen=True)
class HostConnection:
    """How to reach one host: its name in golive.toml and testinfra's backend URL, with
    the ssh files as paths already resolved against golive.toml's folder."""

    name: str
    backend: str
    ssh_config: str | None = None
    ssh_identity_file: str | None = None
    sudo: bool = False
    timeout_s: int = 10

    @property
    def scheme(self) -> str:
        return self.backend.partition("://")[0]

    @property
    def container(self) -> bool:
        return self.scheme in ("docker", "kubectl")

    @property
    def shown(self) -> str:
        """The backend as reports show it (the query, which may name a kubeconfig, left out)."""
        return self.backend.partition("?")[0]

    def host(self) -> Any:
        """testinfra's Host for this connection (testinfra caches one per spec). Over ssh,
        one multiplexed connection carries every command (a master that :meth:`close`
        ends, and that exits by itself when idle for a while)."""
        import testinfra

        options: dict[str, Any] = {"sudo": self.sudo}
        if self.scheme == "ssh":
            options |= {"timeout": self.timeout_s, "ssh_extra_args": _SSH_OPTIONS,
                        "controlpersist": _CONTROL_PERSIST_S,
                        # testinfra %-formats its ssh command: %% reaches ssh as %
                        "controlpath": str(_control_folder() / "%%C")}  # fmt: skip
            if self.ssh_config:
                options["ssh_config"] = self.ssh_config
            if self.ssh_identity_file:
                options["ssh_identity_file"] = self.ssh_identity_file
        return testinfra.get_host(self.backend, **options)

    def close(self) -> None:
        """End the ssh master connection, if one is open (nothing to do for others)."""
        if self.scheme != "ssh" or not _control:
            return
        try:
            spec = self.host().backend.host  # testinfra's parsed user, host and port
        except Exception:  # no host was made, so no master was opened
            return
        argv = ["ssh", "-o", "BatchMode=yes", "-o", f"ControlPath={_control[0] / '%C'}"]
        if self.ssh_config:
            argv += ["-F", self.ssh_config]
        if spec.user:
            argv += ["-o", f"User={spec.user}"]
        if spec.port:
            argv += ["-o", f"Port={spec.port}"]
        argv += ["-O", "exit", spec.name]
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            subprocess.run(argv, capture_output=True, timeout=10, check=False)


_CONTROL_PERSIST_S = 30  # an ssh master left by a run that was killed exits when idle this long
_control: list[Path] = []


def _control_folder() -> Path:
    """A private folder for this process's ssh control sockets (removed at exit)."""
    if not _control:
        folder = Path(tempfile.mkdtemp(prefix="golive-ssh-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _control.append(folder)
    return _control[0]


# --- what is read ------------------------------------------------------------------------
@dataclass(frozen=True)
class ServiceState:
    name: str
    running: bool | None  # None: could not be told (error says why)
    enabled: bool | None = None
    error: str | None = None


@dataclass(frozen=True)
class ProcessState:
    name: str
    count: int | None
    pids: list[int] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class PortState:
    port: int
    listening: bool | None
    addresses: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(frozen=True)
class DiskUsage:
    path: str
    used_percent: float | None
    size_kib: int | None = None
    available_kib: int | None = None
    mounted_on: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class HostUsage:
    """CPU busy over a sample and memory used, as shares of what the host (or the
    container's limit) has; ``source`` says which counters were read."""

    cpu_percent: float | None
    memory_percent: float | None
    cpus: float | None = None
    sample_s: float | None = None
    source: str = "/proc"
    error: str | None = None


@dataclass(frozen=True)
class ContainerState:
    """A container seen from its engine (docker inspect, kubectl get pod)."""

    kind: str  # docker or kubectl
    running: bool | None
    status: str | None = None  # docker State.Status, pod phase
    health: str | None = None  # healthy/unhealthy/starting; None: no health check defined
    restarting: bool = False
    restarts: int | None = None
    memory_limit_bytes: int | None = None  # None: no limit set
    cpu_limit: float | None = None  # CPUs; None: no limit set
    not_ready: list[str] = field(default_factory=list)  # kubectl: containers not ready
    unlimited: list[str] = field(default_factory=list)  # kubectl: containers without limits
    error: str | None = None


@dataclass
class HostFacts:
    name: str
    backend: str
    reachable: bool
    error: str | None = None
    os: str | None = None
    services: list[ServiceState] = field(default_factory=list)
    processes: list[ProcessState] = field(default_factory=list)
    ports: list[PortState] = field(default_factory=list)
    disks: list[DiskUsage] = field(default_factory=list)
    usage: HostUsage | None = None
    container: ContainerState | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- errors -----------------------------------------------------------------------------
def _why(exc: BaseException) -> str:
    """One line saying why a command failed: ssh's or the engine's own words where
    testinfra carries them (a RuntimeError holding the CommandResult)."""
    result = exc.args[0] if exc.args else None
    stderr = getattr(result, "stderr", None)
    if isinstance(stderr, str):
        text = stderr.strip() or f"exit status {getattr(result, 'rc', '?')}"
    elif (found := _STDERR_IN_REPR.search(str(exc))) and found.group(1).strip():
        # testinfra's check_output: "Unexpected exit code 1 for CommandResult(..., _stderr=b'...')"
        text = found.group(1).encode().decode("unicode_escape", errors="replace")
    else:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return " ".join(text.split())[:_ERROR_CHARS]


def _output(host: Any, command: str, *args: str) -> str:
    """stdout of a command that must succeed; RuntimeError with its stderr otherwise."""
    result = host.run(command, *args)
    if result.rc != 0:
        raise RuntimeError(result)
    return str(result.stdout)


# --- parsers (pure) ---------------------------------------------------------------------
def parse_proc_stat(text: str) -> tuple[int, int, int]:
    """(total, idle) jiffies of the aggregate ``cpu`` line of /proc/stat, and the number of
    CPUs (its ``cpuN`` lines); idle counts iowait, total leaves out guest time (already
    inside user and nice)."""
    found: tuple[int, int] | None = None
    cpus = 0
    for line in text.splitlines():
        parts = line.split()
        if parts and parts[0] == "cpu":
            values = [int(v) for v in parts[1:]]
            values += [0] * (8 - len(values))
            found = sum(values[:8]), values[3] + values[4]
        elif parts and parts[0].startswith("cpu") and parts[0][3:].isdigit():
            cpus += 1
    if found is None:
        raise ValueError("no aggregate cpu line in /proc/stat")
    return found[0], found[1], cpus


def cpu_busy_percent(before: tuple[int, ...], after: tuple[int, ...]) -> float:
    total = after[0] - before[0]
    idle = after[1] - before[1]
    if total <= 0:
        raise ValueError("no CPU time passed between the two readings of /proc/stat")
    return round(100.0 * max(total - idle, 0) / total, 2)


def parse_meminfo(text: str) -> dict[str, int]:
    """/proc/meminfo in kiB by key."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        words = rest.split()
        if sep and words and words[0].isdigit():
            found[key.strip()] = int(words[0])
    return found


def memory_used_percent(meminfo: dict[str, int]) -> float:
    """Used share of physical memory: total less what is available without swapping."""
    total = meminfo.get("MemTotal")
    if not total:
        raise ValueError("no MemTotal in /proc/meminfo")
    available = meminfo.get("MemAvailable")
    if available is None:  # kernels before 3.14
        available = sum(meminfo.get(k, 0) for k in ("MemFree", "Buffers", "Cached"))
    return round(100.0 * (total - available) / total, 2)


def parse_df(text: str, path: str) -> DiskUsage:
    """``df -P -k`` output: used share as df computes it (used / (used + available))."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise ValueError(f"df printed no line for {path}")
    words = lines[-1].split()
    if len(words) < 6:
        raise ValueError(f"df line not understood: {lines[-1][:120]}")
    size, used, available = int(words[1]), int(words[2]), int(words[3])
    mounted_on = " ".join(words[5:])
    percent = 100.0 * used / (used + available) if used + available else 0.0
    return DiskUsage(path, round(percent, 2), size, available, mounted_on)


def _uptime_s(text: str) -> float:
    return float(text.split()[0])


def _cgroup_cpus(cpu_max: str, nproc: int) -> float:
    quota, _, period = cpu_max.strip().partition(" ")
    if quota == "max" or not period:
        return float(nproc)
    return int(quota) / int(period)


def _cgroup_memory_used(current: int, stat: str) -> int:
    """memory.current less inactive page cache, as docker stats counts it."""
    inactive = 0
    for line in stat.splitlines():
        key, _, value = line.partition(" ")
        if key == "inactive_file" and value.strip().isdigit():
            inactive = int(value)
    return max(current - inactive, 0)


# --- readers ----------------------------------------------------------------------------
def _services(host: Any, names: Sequence[str]) -> list[ServiceState]:
    found = []
    for name in names:
        try:
            service = host.service(name)
            running = bool(service.is_running)
        except Exception as exc:  # testinfra raises anything a command can do
            found.append(ServiceState(name, None, error=_why(exc)))
            continue
        found.append(ServiceState(name, running))
    return found


def _processes(host: Any, names: Sequence[str]) -> list[ProcessState]:
    found = []
    for name in names:
        try:
            # ps shows a command name cut to 15 characters (the kernel's TASK_COMM_LEN)
            procs = host.process.filter(comm=name[:15])
        except Exception as exc:
            found.append(ProcessState(name, None, error=_why(exc)))
            continue
        found.append(ProcessState(name, len(procs), sorted(int(p.pid) for p in procs)[:20]))
    return found


def _listening(host: Any) -> dict[int, list[str]]:
    """Listening TCP sockets by port, with their addresses (testinfra's socket module)."""
    by_port: dict[int, list[str]] = {}
    for spec in host.socket.get_listening_sockets():
        protocol, _, address = str(spec).partition("://")
        if protocol != "tcp":
            continue
        where, _, port = address.rpartition(":")
        if port.isdigit():
            by_port.setdefault(int(port), []).append(where)
    return by_port


def _ports(host: Any, ports: Sequence[int]) -> list[PortState]:
    if not ports:
        return []
    try:
        listening = _listening(host)
    except Exception as exc:
        reason = _why(exc)
        return [PortState(port, None, error=reason) for port in ports]
    return [PortState(port, port in listening, sorted(set(listening.get(port, []))))
            for port in ports]  # fmt: skip


# df of a hung network mount never returns: bounded where the host has timeout(1)
_DF = (
    "if command -v timeout >/dev/null 2>&1; then timeout 20 df -P -k -- %s;"
    " else df -P -k -- %s; fi"
)


def _disks(host: Any, paths: Sequence[str]) -> list[DiskUsage]:
    found = []
    for path in paths:
        try:
            found.append(parse_df(_output(host, _DF, path, path), path))
        except Exception as exc:
            found.append(DiskUsage(path, None, error=_why(exc)))
    return found


def _proc_reading(host: Any) -> tuple[tuple[int, int, int], dict[str, int]]:
    text = _output(host, "cat /proc/stat /proc/meminfo")
    return parse_proc_stat(text), parse_meminfo(text)


def _proc_usage(host: Any, interval_s: float) -> HostUsage:
    """The host's CPU busy over ``interval_s`` (two readings of /proc/stat) and memory."""
    started = time.perf_counter()
    before, _ = _proc_reading(host)
    time.sleep(interval_s)
    after, meminfo = _proc_reading(host)
    return HostUsage(
        cpu_busy_percent(before, after),
        memory_used_percent(meminfo),
        cpus=float(after[2]) or None,
        sample_s=round(time.perf_counter() - started, 3),
        source="/proc/stat, /proc/meminfo",
    )


_CGROUP_READ = (
    "cat /proc/uptime /sys/fs/cgroup/cpu.stat && echo @@ && cat /sys/fs/cgroup/cpu.max"
    " && echo @@ && cat /sys/fs/cgroup/memory.current && echo @@ && cat /sys/fs/cgroup/memory.max"
    " && echo @@ && cat /sys/fs/cgroup/memory.stat && echo @@ && nproc"
    " && echo @@ && cat /proc/meminfo"
)


def _cgroup_reading(host: Any) -> dict[str, Any]:
    parts = _output(host, _CGROUP_READ).split("@@")
    if len(parts) != 7:
        raise ValueError("cgroup v2 files not readable")
    stat_lines = parts[0].strip().splitlines()
    usage_usec = next(int(line.split()[1]) for line in stat_lines
                      if line.startswith("usage_usec"))  # fmt: skip
    return {
        "uptime": _uptime_s(stat_lines[0]),
        "usage_usec": usage_usec,
        "cpu_max": parts[1].strip(),
        "memory_current": int(parts[2].strip()),
        "memory_max": parts[3].strip(),
        "memory_stat": parts[4],
        "nproc": int(parts[5].strip()),
        "meminfo": parse_meminfo(parts[6]),
    }


def _cgroup_usage(host: Any, interval_s: float) -> HostUsage:
    """A container's CPU and memory from its own cgroup (v2), as shares of its limits (or
    of the machine's CPUs and memory where no limit is set)."""
    started = time.perf_counter()
    before = _cgroup_reading(host)
    time.sleep(interval_s)
    after = _cgroup_reading(host)
    cpus = _cgroup_cpus(after["cpu_max"], after["nproc"])
    elapsed_us = (after["uptime"] - before["uptime"]) * 1_000_000
    if elapsed_us <= 0:
        raise ValueError("no time passed between the two readings of the cgroup")
    busy = (after["usage_usec"] - before["usage_usec"]) / (elapsed_us * cpus)
    limit = after["memory_max"]
    total = int(limit) if limit.isdigit() else 1024 * after["meminfo"].get("MemTotal", 0)
    if total <= 0:
        raise ValueError("neither memory.max nor MemTotal says how much memory there is")
    used = _cgroup_memory_used(after["memory_current"], after["memory_stat"])
    return HostUsage(
        round(100.0 * max(busy, 0.0), 2),
        round(100.0 * used / total, 2),
        cpus=round(cpus, 3),
        sample_s=round(time.perf_counter() - started, 3),
        source="cgroup v2 (share of the container's limits)",
    )


def _usage(host: Any, connection: HostConnection, interval_s: float) -> HostUsage:
    try:
        if connection.container:
            try:
                return _cgroup_usage(host, interval_s)
            except Exception:  # cgroup v1 or no such files: the machine's counters
                usage = _proc_usage(host, interval_s)
                return HostUsage(**{**asdict(usage), "source": usage.source + " (seen from "
                                    "the container: the machine's, no cgroup v2)"})  # fmt: skip
        return _proc_usage(host, interval_s)
    except Exception as exc:
        return HostUsage(None, None, error=_why(exc))


# --- containers, seen from the engine ---------------------------------------------------
def _docker_state(connection: HostConnection) -> ContainerState:
    import testinfra

    name = connection.backend.partition("://")[2].partition("?")[0].rpartition("@")[2]
    try:
        info = testinfra.get_host("local://").docker(name).inspect()
    except Exception as exc:
        return ContainerState("docker", None, error=_why(exc))
    return docker_state(info)


def docker_state(info: dict[str, Any]) -> ContainerState:
    """The parts of ``docker inspect`` golive judges."""
    state = info.get("State") or {}
    config = info.get("HostConfig") or {}
    health = (state.get("Health") or {}).get("Status")
    memory = int(config.get("Memory") or 0)
    nano = int(config.get("NanoCpus") or 0)
    quota, period = int(config.get("CpuQuota") or 0), int(config.get("CpuPeriod") or 0)
    cpus = nano / 1e9 if nano else (quota / period if quota > 0 and period > 0 else None)
    return ContainerState(
        "docker",
        bool(state.get("Running")),
        status=state.get("Status"),
        health=health,
        restarting=bool(state.get("Restarting")),
        restarts=info.get("RestartCount"),
        memory_limit_bytes=memory or None,
        cpu_limit=cpus,
    )


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)([A-Za-z]*)$")
_SUFFIX = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 1024, "Mi": 1024**2,
           "Gi": 1024**3, "Ti": 1024**4, "m": 1e-3}  # fmt: skip


def _quantity(value: str | None) -> float | None:
    match = _QUANTITY.match(str(value or "").strip())
    if not match or match.group(2) not in _SUFFIX:
        return None
    return float(match.group(1)) * _SUFFIX[match.group(2)]


def pod_state(pod: dict[str, Any], container: str | None = None) -> ContainerState:
    """The parts of ``kubectl get pod -o json`` golive judges (``container``: the one the
    backend execs into; every container of the pod otherwise)."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    containers = [c for c in spec.get("containers") or []
                  if container is None or c.get("name") == container]  # fmt: skip
    statuses = [s for s in status.get("containerStatuses") or []
                if container is None or s.get("name") == container]  # fmt: skip
    unlimited = [
        str(c.get("name"))
        for c in containers
        if not {"cpu", "memory"} <= set((c.get("resources") or {}).get("limits") or {})
    ]
    limits = [(c.get("resources") or {}).get("limits") or {} for c in containers]
    memory = [_quantity(lim.get("memory")) for lim in limits]
    cpus = [_quantity(lim.get("cpu")) for lim in limits]
    phase = status.get("phase")
    return ContainerState(
        "kubectl",
        phase == "Running" and all("running" in (s.get("state") or {}) for s in statuses),
        status=phase,
        restarts=sum(int(s.get("restartCount") or 0) for s in statuses),
        memory_limit_bytes=int(sum(m for m in memory if m)) if memory and all(memory) else None,
        cpu_limit=sum(c for c in cpus if c) if cpus and all(cpus) else None,
        not_ready=[str(s.get("name")) for s in statuses if not s.get("ready")],
        unlimited=unlimited,
    )


def _kubectl_state(connection: HostConnection) -> ContainerState:
    import testinfra
    from testinfra.backend import parse_hostspec

    pod, options = parse_hostspec(connection.backend)
    argv, args = "kubectl", []
    for flag, key in (("--kubeconfig", "kubeconfig"), ("--context", "context"),
                      ("-n", "namespace")):  # fmt: skip
        if options.get(key):
            argv += f" {flag} %s"
            args.append(str(options[key]))
    try:
        text = _output(testinfra.get_host("local://"), argv + " get pod %s -o json", *args, pod)
        data = json.loads(text)
    except Exception as exc:
        return ContainerState("kubectl", None, error=_why(exc))
    return pod_state(data, options.get("container"))


# --- one host, all hosts ------------------------------------------------------------------
def _collect(
    connection: HostConnection,
    *,
    services: Sequence[str] = (),
    processes: Sequence[str] = (),
    ports: Sequence[int] = (),
    disk_paths: Sequence[str] = ("/",),
    cpu_sample_s: float | None = 2.0,
) -> HostFacts:
    """Everything golive reads on one host; ``cpu_sample_s`` None leaves usage unread."""
    started = time.perf_counter()
    facts = HostFacts(connection.name, connection.shown, reachable=False)
    if connection.scheme == "docker":
        facts.container = _docker_state(connection)
    elif connection.scheme == "kubectl":
        facts.container = _kubectl_state(connection)
    try:
        host = connection.host()
        facts.os = _output(host, "uname -s").strip()  # fails with ssh's or the engine's words
    except Exception as exc:
        facts.error = _why(exc)
        facts.seconds = round(time.perf_counter() - started, 3)
        return facts
    facts.reachable = True
    if facts.os != "Linux":  # /proc, ps, ss and df as Linux has them
        facts.error = f"{facts.os or 'unknown'} host: golive reads Linux hosts only"
        return facts
    facts.services = _services(host, services)
    facts.processes = _processes(host, processes)
    facts.ports = _ports(host, ports)
    facts.disks = _disks(host, disk_paths)
    if cpu_sample_s is not None:
        facts.usage = _usage(host, connection, cpu_sample_s)
    facts.seconds = round(time.perf_counter() - started, 3)
    return facts


def collect(connection: HostConnection, **asked: Any) -> HostFacts:
    """Everything golive reads on one host (see :func:`_collect` for what can be asked);
    the ssh connection is closed afterwards."""
    try:
        return _collect(connection, **asked)
    finally:
        connection.close()


def collect_all(jobs: Iterable[Callable[[], HostFacts]], *, workers: int = 8) -> list[HostFacts]:
    """Several hosts side by side (each host's readings stay in order)."""
    listed = list(jobs)
    if not listed:
        return []
    with ThreadPoolExecutor(max_workers=min(workers, len(listed)),
                            thread_name_prefix="golive-host") as pool:  # fmt: skip
        return list(pool.map(lambda job: job(), listed))


# --- usage over a span of time (the load run) ---------------------------------------------
@dataclass
class UsageSeries:
    name: str
    backend: str
    cpu: list[float] = field(default_factory=list)
    memory: list[float] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class UsageSampler:
    """Samples the hosts' CPU and memory every ``every_s`` seconds from ``start()`` to
    ``stop()`` (one thread per host), e.g. while the load phase runs."""

    def __init__(self, connections: Sequence[HostConnection], every_s: float = 2.0) -> None:
        self.connections = list(connections)
        self.every_s = every_s
        self.series = {c.name: UsageSeries(c.name, c.shown) for c in self.connections}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def _run(self, connection: HostConnection) -> None:
        series = self.series[connection.name]
        try:
            host = connection.host()
            before, _ = _proc_reading(host)
            while not self._stop.wait(self.every_s):
                after, meminfo = _proc_reading(host)
                series.cpu.append(cpu_busy_percent(before, after))
                series.memory.append(memory_used_percent(meminfo))
                before = after
        except Exception as exc:
            series.error = _why(exc)
        finally:
            connection.close()

    def start(self) -> UsageSampler:
        for connection in self.connections:
            thread = threading.Thread(target=self._run, args=(connection,), daemon=True,
                                      name=f"golive-usage-{connection.name}")  # fmt: skip
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> list[UsageSeries]:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        return list(self.series.values())
