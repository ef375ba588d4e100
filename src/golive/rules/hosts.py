"""Judging what testinfra read on the configured hosts (golive.facts.live.hosts).

Three reviews, each a list of findings (what is wrong) and of gaps (what could not be
told: an unreachable host, a command that failed); a check fails on a finding, else ends
not verified on a gap, else passes:

- :func:`host_state`: the services running, the processes present, the ports listening,
  a container running and healthy (routine.service-status);
- :func:`host_usage`: CPU and memory under the daily alert levels, disk under the host's
  ``max_disk_percent`` (routine.resource-usage, perf.resource-usage);
- :func:`container_limits`: a container's CPU and memory limits set (perf.resource-limits).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive.catalog import Threshold
from golive.facts.live.hosts import HostFacts, UsageSeries
from golive.judging.findings import Finding

__all__ = [
    "NO_HOSTS",
    "HostReview",
    "UsageLimits",
    "container_limits",
    "host_state",
    "host_usage",
    "no_hosts",
    "peak",
    "usage_under_load",
]

NO_HOSTS = "no hosts configured ([environments.{env}.hosts])"


def no_hosts(env: str | None) -> str:
    """The reason a host criterion is not verified when golive.toml names no host."""
    return NO_HOSTS.format(env=env or "NAME")


@dataclass
class HostReview:
    findings: list[Finding] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checked: int = 0  # facts judged (a service, a port, a usage figure, ...)
    values: list[dict[str, Any]] = field(default_factory=list)  # figures for the evidence

    def fail(self, host: str, message: str) -> None:
        self.findings.append(Finding(f"host:{host}", None, message))

    @property
    def reason(self) -> str:
        """Why nothing failed but the review is not complete (the gaps, or that nothing
        was checked)."""
        if self.gaps:
            return "; ".join(self.gaps)
        return "nothing was judged on the hosts" + (f" ({'; '.join(self.notes)})"
                                                    if self.notes else "")  # fmt: skip


def _where(facts: HostFacts) -> str:
    return f"host {facts.name} ({facts.backend})"


def _reached(facts: HostFacts, review: HostReview) -> bool:
    if not facts.reachable:
        review.gaps.append(f"{_where(facts)} not reachable: {facts.error or 'no answer'}")
        return False
    if facts.error:
        review.gaps.append(f"{_where(facts)}: {facts.error}")
        return False
    return True


def _container_state(facts: HostFacts, review: HostReview) -> None:
    box = facts.container
    if box is None:
        return
    if box.error:
        review.gaps.append(f"{_where(facts)}: {box.kind} state not read: {box.error}")
        return
    review.checked += 1
    if not box.running:
        review.fail(facts.name, f"{box.kind} container not running (status {box.status})")
    if box.restarting:
        review.fail(facts.name, f"container restarting (restarts so far: {box.restarts})")
    if box.health not in (None, "healthy"):
        review.fail(facts.name, f"container health is {box.health}")
    if box.not_ready:
        review.fail(facts.name, f"containers not ready: {', '.join(box.not_ready)}")
    if box.kind == "docker" and box.health is None:
        review.notes.append(f"{_where(facts)}: no health check defined; running is judged")


def _observed(review: HostReview, facts: HostFacts, what: str, error: str | None,
              observed: dict[str, object] | None, problem: str | None) -> None:  # fmt: skip
    """One thing asked of a host: a gap when it could not be read (``observed`` None), else
    its value, and a failure when ``problem`` says what is wrong."""
    if observed is None:
        review.gaps.append(f"{_where(facts)}: {what}: {error}")
        return
    review.checked += 1
    review.values.append({"host": facts.name, **observed})
    if problem:
        review.fail(facts.name, problem)


def host_state(hosts: Sequence[HostFacts]) -> HostReview:
    """Every configured service running, process present, port listening; a container
    running and healthy."""
    review = HostReview()
    for facts in hosts:
        _container_state(facts, review)
        if not _reached(facts, review):
            continue
        asked = len(facts.services) + len(facts.processes) + len(facts.ports)
        if not asked and facts.container is None:
            review.notes.append(f"{_where(facts)} names no services, processes or ports")
        for service in facts.services:
            _observed(review, facts, f"service {service.name}", service.error,
                      None if service.running is None else
                      {"service": service.name, "running": service.running,
                       "enabled": service.enabled},
                      None if service.running is not False
                      else f"service {service.name} is not running")  # fmt: skip
        for proc in facts.processes:
            _observed(review, facts, f"process {proc.name}", proc.error,
                      None if proc.count is None else
                      {"process": proc.name, "count": proc.count, "pids": proc.pids},
                      None if proc.count != 0
                      else f"no process {proc.name} is running")  # fmt: skip
        for port in facts.ports:
            _observed(review, facts, f"port {port.port}", port.error,
                      None if port.listening is None else
                      {"port": port.port, "listening": port.listening,
                       "addresses": port.addresses},
                      None if port.listening is not False
                      else f"nothing listens on tcp port {port.port}")  # fmt: skip
    return review


@dataclass(frozen=True)
class UsageLimits:
    """The levels usage is judged against: the daily CPU and memory alert levels, each
    host's disk level; hosts left out of ``judged`` are recorded, not judged."""

    cpu: Threshold | None
    memory: Threshold | None
    disk_percent: Mapping[str, float]
    judged: frozenset[str]


def _judge(review: HostReview, host: str, what: str, value: float,
           limit: Threshold | None, judged: bool) -> None:  # fmt: skip
    ok = limit.met_by(value) if limit is not None else None
    review.values.append({"host": host, "resource": what, "value": round(value, 2), "unit": "%",
                          "expected": str(limit) if limit else None,
                          "ok": ok if judged else None,
                          "judged": judged and limit is not None})  # fmt: skip
    if not judged or limit is None:
        return
    review.checked += 1
    if not ok:
        review.fail(host, f"{what} usage {value:.1f} %, alert level {limit}")


def host_usage(hosts: Sequence[HostFacts], limits: UsageLimits) -> HostReview:
    """CPU and memory under the alert levels, every disk under the host's level."""
    review = HostReview()
    for facts in hosts:
        if not _reached(facts, review):
            continue
        judged = facts.name in limits.judged
        if not judged:
            review.notes.append(f"{_where(facts)}: usage recorded, not judged (judge_usage "
                                "= false)")  # fmt: skip
        usage = facts.usage
        if usage is None or usage.error:
            review.gaps.append(f"{_where(facts)}: CPU and memory not read: "
                               f"{usage.error if usage else 'not sampled'}")  # fmt: skip
        else:
            if usage.cpu_percent is not None:
                _judge(review, facts.name, "cpu", usage.cpu_percent, limits.cpu, judged)
            if usage.memory_percent is not None:
                _judge(review, facts.name, "memory", usage.memory_percent, limits.memory,
                       judged)  # fmt: skip
        disk_level = Threshold(op="<=", value=limits.disk_percent.get(facts.name, 90.0),
                               unit="%")  # fmt: skip
        for disk in facts.disks:
            if disk.used_percent is None:
                review.gaps.append(f"{_where(facts)}: disk {disk.path}: {disk.error}")
                continue
            _judge(review, facts.name, f"disk {disk.path}", disk.used_percent, disk_level,
                   judged)  # fmt: skip
    return review


def peak(review: HostReview, resources: tuple[str, ...] = ("cpu", "memory")) -> float | None:
    """The highest judged figure of these resources (the run's usage figure)."""
    values = [float(v["value"]) for v in review.values
              if v.get("resource") in resources and v.get("judged")]  # fmt: skip
    return max(values) if values else None


def usage_under_load(series: Sequence[UsageSeries], limits: UsageLimits) -> HostReview:
    """The hosts' CPU and memory sampled during the load run: the peak of each against
    the alert levels, and which resource came closest to its level first."""
    review = HostReview()
    for one in series:
        where = f"host {one.name} ({one.backend})"
        if one.error and not one.cpu:
            review.gaps.append(f"{where} not sampled during the load run: {one.error}")
            continue
        if not one.cpu:
            review.gaps.append(f"{where}: no sample during the load run (shorter than one "
                               "sampling interval)")  # fmt: skip
            continue
        judged = one.name in limits.judged
        if not judged:
            review.notes.append(f"{where}: usage recorded, not judged (judge_usage = false)")
        for what, values, limit in (("cpu", one.cpu, limits.cpu),
                                    ("memory", one.memory, limits.memory)):  # fmt: skip
            _judge(review, one.name, what, max(values), limit, judged)
            review.values[-1] |= {"samples": len(values),
                                  "mean": round(sum(values) / len(values), 2)}  # fmt: skip
    return review


def container_limits(hosts: Sequence[HostFacts]) -> HostReview:
    """Every docker or kubectl host's container runs with a CPU and a memory limit."""
    review = HostReview()
    for facts in hosts:
        box = facts.container
        if box is None:
            continue
        if box.error:
            review.gaps.append(f"{_where(facts)}: {box.kind} limits not read: {box.error}")
            continue
        review.checked += 1
        review.values.append({"host": facts.name, "memory_limit_bytes": box.memory_limit_bytes,
                              "cpu_limit": box.cpu_limit})  # fmt: skip
        missing = [what for what, value in (("memory", box.memory_limit_bytes),
                                            ("CPU", box.cpu_limit)) if not value]  # fmt: skip
        if box.unlimited:
            review.fail(facts.name, f"containers without CPU and memory limits: "
                                    f"{', '.join(box.unlimited)}")  # fmt: skip
        elif missing:
            review.fail(facts.name, f"no {' and no '.join(missing)} limit set")
    return review
