"""Database: the local container stack (Week 1 Day 1-2 ローカル環境の問題解決: Docker環境の
安定動作, コンテナ起動時間3分以内).

The repository's compose file is started under a real Docker engine with
``docker compose up -d --wait`` (timed: db.container-startup-time); after a settling pause,
every service must still be running, healthy where it has a health check, and never
restarted (db.docker-stable). The project is removed afterwards (``down -v``). Starting
containers is disruptive work: only on an environment marked ``disruptive = true``.
Without a reachable Docker engine both criteria are not verified, with the reason.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.config import Environment
from golive.facts.live import docker
from golive.facts.live.commands import CommandResult
from golive.harness import ThresholdOf

pytestmark = pytest.mark.xdist_group("golive-compose")
SETTLE_S = 10  # a crash-looping service shows itself within this pause after "up"


@dataclass
class ComposeRun:
    file: Path
    engine: str
    up: CommandResult
    services: list[docker.ServiceState]


@pytest.fixture(scope="module")
def compose_run(
    disruptive: Environment, repo_path: Path, threshold_of: ThresholdOf
) -> Iterator[ComposeRun]:
    found = docker.compose_file(repo_path)
    if found is None:
        golive.not_verified(f"no compose file ({', '.join(docker.COMPOSE_FILES)}) in {repo_path}")
    engine = docker.engine()
    if engine.version is None:
        golive.not_verified(engine.why_not or "no Docker engine")
    limit = threshold_of("db.container-startup-time")
    timeout_s = (limit.value * 60 if limit is not None else 180) * 2  # room to measure a miss
    project = f"golive-check-{os.getpid()}"
    up = docker.compose_up(found, project, timeout_s)
    try:
        if up.ok:
            time.sleep(SETTLE_S)
        yield ComposeRun(found, engine.version, up, docker.compose_ps(found, project))
    finally:
        docker.compose_down(found, project)


@pytest.mark.criterion("db.container-startup-time")
def test_containers_start_in_time(
    criterion: CriterionContext, evidence: Evidence, compose_run: ComposeRun
) -> None:
    """``docker compose up -d --wait`` of the repository's compose file, in minutes."""
    evidence.record("compose up", round(compose_run.up.seconds, 1), "s",
                    file=compose_run.file.name, engine=compose_run.engine)  # fmt: skip
    evidence.artifact("compose up", compose_run.up.transcript())
    if not compose_run.up.ok:
        raise AssertionError(f"docker compose up --wait did not succeed: "
                             f"{compose_run.up.summary()}")  # fmt: skip
    criterion.expect(compose_run.up.seconds / 60, name="containers up and healthy", unit="min")


@pytest.mark.criterion("db.docker-stable")
def test_containers_stay_up(
    criterion: CriterionContext, evidence: Evidence, compose_run: ComposeRun
) -> None:
    """After the settling pause: every service running, healthy (if it has a health check),
    with no restart."""
    services = compose_run.services
    evidence.record("services", len(services), "services",
                    states=[s.__dict__ for s in services])  # fmt: skip
    if not services:
        golive.not_verified("docker compose ps listed no container of the project")
    findings = []
    for s in services:
        if s.state != "running":
            findings.append(Finding(s.service, None, f"{s.state} ({s.facts.get('status')})"))
        elif s.health not in ("", "healthy"):
            findings.append(Finding(s.service, None, f"health {s.health}"))
        if s.restarts:
            findings.append(Finding(s.service, None, f"restarted {s.restarts} times"))
    criterion.expect_no_findings(findings, what="container stack")
