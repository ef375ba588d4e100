"""Database: the local Supabase stack on Docker (Week 1 / Day 1-2 / Supabase環境の安定化:
ローカル環境の問題解決, Docker設定の見直し)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.rules import docker


def _record_compose(evidence: Evidence, repo_path: Path) -> None:
    """What the compose checks read: the files (include: followed) and their services."""
    files, services = docker.compose_examined(repo_path)
    evidence.record("compose files read", len(files), "files", names=files)
    evidence.record("compose services examined", len(services), "services", names=services)


@pytest.mark.criterion("db.docker-compose")
def test_docker_compose_sound(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """Compose spec valid; every service health-checked, pinned, started after healthy deps."""
    _record_compose(evidence, repo_path)
    criterion.expect_no_findings(
        docker.docker_compose_findings(repo_path), what="docker-compose.yml"
    )


@pytest.mark.criterion("db.docker-compose-override")
def test_docker_compose_override_sound(criterion: CriterionContext, repo_path: Path) -> None:
    """Overrides only; no healthcheck switched off, nothing privileged, loopback ports."""
    criterion.expect_no_findings(
        docker.compose_override_findings(repo_path), what="docker-compose.override.yml"
    )


@pytest.mark.criterion("db.docker-resources")
def test_container_resources_bounded(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """Every service has a memory and a CPU limit."""
    _record_compose(evidence, repo_path)
    criterion.expect_no_findings(
        docker.docker_resources_findings(repo_path), what="container resource limits"
    )


@pytest.mark.criterion("db.volume-persistence")
def test_database_volume_persisted(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """The database's data directory is on a declared named volume."""
    _record_compose(evidence, repo_path)
    criterion.expect_no_findings(
        docker.volume_persistence_findings(repo_path), what="database volume"
    )


@pytest.mark.criterion("db.docker-network")
def test_container_network(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """Declared networks, every service on one, ports published on loopback only."""
    _record_compose(evidence, repo_path)
    criterion.expect_no_findings(
        docker.docker_network_findings(repo_path), what="container networks"
    )


@pytest.mark.criterion("db.resource-limits-conf")
def test_resource_limits_conf(criterion: CriterionContext, repo_path: Path) -> None:
    """Memory and connection budget set, fits the container, mounted into it."""
    criterion.expect_no_findings(
        docker.resource_limits_findings(repo_path), what="resource-limits.conf"
    )


@pytest.mark.criterion("db.dockerfile")
def test_dockerfile_optimised(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """hadolint clean; pinned base, multi-stage, non-root, no secrets, .dockerignore; every
    Dockerfile judged, listed per app."""
    for app, files in sorted(docker.dockerfiles_by_app(repo_path).items()):
        evidence.record(f"Dockerfiles of {app}", len(files), "files", names=files)
    criterion.expect_no_findings(docker.dockerfile_findings(repo_path), what="Dockerfile")


@pytest.mark.criterion("db.script-init-local-db")
def test_init_local_db_script(criterion: CriterionContext, repo_path: Path) -> None:
    """Strict mode, waits for the database, runs migrations and seed, stops on SQL errors."""
    criterion.expect_no_findings(
        docker.init_local_db_findings(repo_path), what="init-local-db.sh"
    )


@pytest.mark.criterion("db.script-migration-check")
def test_migration_check_script(criterion: CriterionContext, repo_path: Path) -> None:
    """Strict mode, checks the migrations, exits non-zero on a problem."""
    criterion.expect_no_findings(
        docker.migration_check_findings(repo_path), what="migration-check.sh"
    )
