"""Host fixtures: the hosts golive.toml names ([environments.NAME.hosts]), read once per run
through testinfra (golive.facts.live.hosts).

No host configured ends a host check as not verified, with the reason naming the table
to fill in; the machine golive runs on is judged only when it is named (``local://``).
Loaded by the plugin (``pytest_plugins``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

import golive
from golive.config import Config, Environment, HostTarget
from golive.facts.live.hosts import (
    HostConnection,
    HostFacts,
    UsageSampler,
    UsageSeries,
    collect,
    collect_all,
)
from golive.facts.load import LoadResult
from golive.harness.once import RunOnce
from golive.harness.plugin import ThresholdOf, session_of
from golive.rules.hosts import UsageLimits, no_hosts

__all__ = [
    "LOAD_USAGE_KEY",
    "connection_of",
    "golive_hosts",
    "host_facts",
    "hosts_under_load",
    "load_sampler",
    "usage_limits",
]

LOAD_USAGE_KEY = "hosts-under-load"  # RunOnce key of the hosts' usage during the load run


def connection_of(config: Config, name: str, target: HostTarget) -> HostConnection:
    """How testinfra reaches ``target``: its ssh files resolved against golive.toml."""

    def path(value: str | None) -> str | None:
        return str(config.path(os.path.expanduser(value))) if value else None

    return HostConnection(
        name,
        target.backend,
        ssh_config=path(target.ssh_config),
        ssh_identity_file=path(target.ssh_identity_file),
        sudo=target.sudo,
        timeout_s=target.connect_timeout_s,
    )


def _collector(config: Config, name: str, target: HostTarget) -> Callable[[], HostFacts]:
    connection = connection_of(config, name, target)
    return lambda: collect(
        connection,
        services=target.services,
        processes=target.processes,
        ports=target.ports,
        disk_paths=target.disk_paths,
        cpu_sample_s=target.cpu_sample_s,
    )


@pytest.fixture(scope="session")
def golive_hosts(golive_env: Environment, request: pytest.FixtureRequest) -> dict[str, HostTarget]:
    """The environment's hosts; not verified when it names none."""
    if not golive_env.hosts:
        golive.not_verified(no_hosts(session_of(request.config).env_name))
    return dict(golive_env.hosts)


@pytest.fixture(scope="session")
def host_facts(
    golive_hosts: dict[str, HostTarget], golive_config: Config, run_once: RunOnce
) -> list[HostFacts]:
    """Every configured host read once per run (side by side): services, processes, ports,
    disks, CPU and memory, a container's state and limits."""
    jobs = [_collector(golive_config, name, target) for name, target in golive_hosts.items()]
    return run_once("hosts", lambda: collect_all(jobs))


@pytest.fixture(scope="session")
def usage_limits(golive_hosts: dict[str, HostTarget], threshold_of: ThresholdOf) -> UsageLimits:
    """The daily CPU and memory alert levels (the environment's overrides included), each
    host's disk level, and which hosts' usage is judged."""
    return UsageLimits(
        cpu=threshold_of("routine.alert-cpu"),
        memory=threshold_of("routine.alert-memory"),
        disk_percent={name: t.max_disk_percent for name, t in golive_hosts.items()},
        judged=frozenset(name for name, t in golive_hosts.items() if t.judge_usage),
    )


@pytest.fixture(scope="session")
def hosts_under_load(
    golive_hosts: dict[str, HostTarget], load_result: LoadResult, run_once: RunOnce
) -> list[UsageSeries]:
    """The configured hosts' CPU and memory, sampled while the load run ran."""

    def unsampled() -> list[UsageSeries]:
        golive.not_verified("the hosts were not sampled during the load run")

    return run_once(LOAD_USAGE_KEY, unsampled)


def load_sampler(config: pytest.Config) -> UsageSampler | None:
    """A sampler of the configured hosts' usage for the load run (None: no host)."""
    golive_session = session_of(config)
    if golive_session.env_name is None or not golive_session.environment.hosts:
        return None
    hosts = golive_session.environment.hosts
    connections = [connection_of(golive_session.config, name, target)
                   for name, target in hosts.items()]  # fmt: skip
    every = min(t.cpu_sample_s for t in hosts.values())
    return UsageSampler(connections, every_s=every)
