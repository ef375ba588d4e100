"""Compose stacks as teams split them: ``include:`` and ``extends:`` followed, a stack that
defines no service (or no database) not verified instead of passed or failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import NotVerified
from golive.facts.repo.compose import MAX_INCLUDE_DEPTH, load_stack
from golive.judging.findings import Finding
from golive.rules import docker, limits

from ._helpers import text_of, write

# the root file only points at the real one, as eipp/maily's does
ROOT_INCLUDE = """\
# local development stack: see docker/compose/docker-compose.yml
include:
  - path: ./docker/compose/docker-compose.yml
"""

SOUND_STACK = """\
services:
  db:
    image: postgres:16.4-alpine
    environment:
      POSTGRES_PASSWORD: postgres
    ports:
      - "127.0.0.1:54322:5432"
    volumes:
      - db-data:/var/lib/postgresql/data
    networks: [backend]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      retries: 10
    deploy:
      resources:
        limits: {memory: 1g, cpus: "1.0"}
  api:
    build:
      context: ../..
      dockerfile: docker/api.Dockerfile
    depends_on:
      db:
        condition: service_healthy
    ports:
      - "127.0.0.1:8000:8000"
    networks: [backend]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8000/health"]
    mem_limit: 512m
    cpus: 0.5

networks:
  backend:
    driver: bridge

volumes:
  db-data:
"""


def _included(tmp_path: Path, stack: str, root: str = ROOT_INCLUDE) -> Path:
    write(tmp_path, "docker-compose.yml", root)
    write(tmp_path, "docker/compose/docker-compose.yml", stack)
    return tmp_path


# --- include: -------------------------------------------------------------------------


def test_included_stack_is_judged_and_passes(tmp_path: Path) -> None:
    repo = _included(tmp_path, SOUND_STACK)
    stack = load_stack(repo, Finding("docker-compose.yml", None, "missing"))
    assert [f.name for f in stack.files] == [
        "docker/compose/docker-compose.yml", "docker-compose.yml"]
    assert sorted(stack.merged_services()) == ["api", "db"]
    for probe in (docker.docker_compose_findings, docker.docker_resources_findings,
                  docker.volume_persistence_findings, docker.docker_network_findings):
        assert probe(repo) == [], probe.__name__
    assert limits.containers_examined(repo) == 2


def test_included_stack_defects_are_reported_in_the_included_file(tmp_path: Path) -> None:
    broken = (SOUND_STACK
              .replace("      - db-data:/var/lib/postgresql/data\n",
                       "      - /var/lib/postgresql/data\n")
              .replace("    mem_limit: 512m\n    cpus: 0.5\n", "")
              .replace('      - "127.0.0.1:8000:8000"', '      - "8000:8000"'))
    repo = _included(tmp_path, broken)
    name = "docker/compose/docker-compose.yml"
    assert f"{name}:8: service db: /var/lib/postgresql/data is an anonymous volume" in text_of(
        docker.volume_persistence_findings(repo))
    resources = text_of(docker.docker_resources_findings(repo))
    assert f"{name}:18: service api: no memory limit" in resources
    assert "service db" not in resources
    assert f"{name}:26: service api publishes 8000:8000 on all interfaces" in text_of(
        docker.docker_network_findings(repo))


def test_include_short_form_nested_and_listed_paths(tmp_path: Path) -> None:
    # string form at the root, a list of paths one level down, relative to each file
    write(tmp_path, "compose.yaml", "include: infra/compose.yaml\n")
    write(tmp_path, "infra/compose.yaml",
          "include:\n  - path:\n      - db.yaml\n      - app.yaml\n")
    write(tmp_path, "infra/db.yaml", SOUND_STACK.split("  api:\n")[0]
          + "networks:\n  backend: {}\nvolumes:\n  db-data: {}\n")
    write(tmp_path, "infra/app.yaml", """\
services:
  web:
    image: ghcr.io/acme/web:1.4.2
    networks: [backend]
""")
    found = text_of(docker.docker_compose_findings(tmp_path))
    assert "infra/app.yaml:2: service web: no healthcheck" in found
    assert "service db" not in found
    assert "no services" not in found


def test_include_of_a_missing_file_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", "include:\n  - ./compose/missing.yml\n")
    found = text_of(docker.docker_compose_findings(tmp_path))
    assert "docker-compose.yml:2: include ./compose/missing.yml: no such file" in found


def test_include_outside_the_repository_is_not_followed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(tmp_path, "shared/compose.yml", SOUND_STACK)  # exists, but not in the repository
    write(repo, "docker-compose.yml", "include:\n  - ../shared/compose.yml\n")
    assert load_stack(repo, Finding("x", None, "missing")).merged_services() == {}
    with pytest.raises(NotVerified, match=r"include \.\./shared/compose\.yml is outside the "
                                          r"repository: not followed"):
        docker.docker_compose_findings(repo)
    with pytest.raises(NotVerified, match=r"no service is defined in docker-compose\.yml"):
        docker.docker_resources_findings(repo)


def test_include_cycle_and_depth_are_bounded(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", "include:\n  - a.yml\n")
    write(tmp_path, "a.yml", "include:\n  - docker-compose.yml\n  - a.yml\n" + SOUND_STACK)
    stack = load_stack(tmp_path, Finding("x", None, "missing"))
    assert [f.name for f in stack.files] == ["a.yml", "docker-compose.yml"]
    # a chain deeper than the bound stops, and says so
    deep = tmp_path / "deep"
    for level in range(MAX_INCLUDE_DEPTH + 2):
        write(deep, f"c{level}.yml", f"include:\n  - c{level + 1}.yml\n")
    write(deep, "docker-compose.yml", "include:\n  - c0.yml\n")
    stack = load_stack(deep, Finding("x", None, "missing"))
    assert any("nested deeper than" in u for u in stack.unfollowed)


# --- extends: -------------------------------------------------------------------------


def test_extends_inherits_from_another_file(tmp_path: Path) -> None:
    write(tmp_path, "common.yml", """\
services:
  base-node:
    image: node:20.11-alpine
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://localhost:3000/health"]
    mem_limit: 256m
    cpus: 0.25
""")
    write(tmp_path, "docker-compose.yml", """\
services:
  worker:
    extends:
      file: common.yml
      service: base-node
    command: node worker.js
  cron:
    extends: worker
    command: node cron.js
""")
    assert docker.docker_compose_findings(tmp_path) == []
    assert docker.docker_resources_findings(tmp_path) == []
    # the parent without a healthcheck: every child lacks one
    write(tmp_path, "common.yml", "services:\n  base-node:\n    image: node:20.11-alpine\n")
    found = text_of(docker.docker_compose_findings(tmp_path))
    assert "docker-compose.yml:2: service worker: no healthcheck" in found
    assert "docker-compose.yml:7: service cron: no healthcheck" in found


def test_extends_of_an_undefined_service_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", """\
services:
  app:
    extends: {service: basse}
    image: node:20.11-alpine
""")
    assert "docker-compose.yml:3: service app extends basse, which docker-compose.yml does " \
           "not define" in text_of(docker.docker_compose_findings(tmp_path))


# --- zero examined ---------------------------------------------------------------------


def test_no_service_is_not_verified_never_a_pass(tmp_path: Path) -> None:
    # declares networks and volumes (which would pass every per-service rule) but no service
    write(tmp_path, "docker-compose.yml",
          "networks:\n  backend: {}\nvolumes:\n  db-data: {}\n")
    for probe in (docker.docker_resources_findings, docker.volume_persistence_findings,
                  docker.docker_network_findings):
        with pytest.raises(NotVerified, match=r"no service is defined in docker-compose\.yml"):
            probe(tmp_path)
    # the compose deliverable itself defines nothing: that is its defect
    assert "docker-compose.yml: no services" in text_of(docker.docker_compose_findings(tmp_path))
    # the perf criterion counts the containers itself (0) and is not made to raise here
    assert limits.containers_examined(tmp_path) == 0
    assert limits.resource_limit_findings(tmp_path) == []


def test_override_without_services_is_not_verified(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", SOUND_STACK)
    write(tmp_path, "docker-compose.override.yml", "volumes:\n  db-data:\n    name: dev-db\n")
    with pytest.raises(NotVerified, match="overrides no service"):
        docker.compose_override_findings(tmp_path)
    write(tmp_path, "docker-compose.override.yml",
          "services:\n  db:\n    ports:\n      - \"5432:5432\"\n")
    assert "service db publishes 5432:5432 on all interfaces" in text_of(
        docker.compose_override_findings(tmp_path))


# --- which services are databases ---------------------------------------------------------

STREAMING = """\
services:
  zookeeper:
    image: confluentinc/cp-zookeeper:7.5.0
  kafka:
    image: confluentinc/cp-kafka:7.5.0
    depends_on: [zookeeper]
  backend:
    build: ./backend
  cache:
    image: redis:7.2-alpine
"""


def test_stack_without_a_database_is_not_verified(tmp_path: Path) -> None:
    # Kafka, an app and a cache-only redis: no database data to persist
    write(tmp_path, "docker-compose.yml", STREAMING)
    with pytest.raises(NotVerified, match=r"no database service in the stack \(services: "
                                          r"backend, cache, kafka, zookeeper;"):
        docker.volume_persistence_findings(tmp_path)


def test_redis_told_to_persist_is_a_database(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", STREAMING.replace(
        "    image: redis:7.2-alpine\n",
        "    image: redis:7.2-alpine\n"
        "    command: [\"redis-server\", \"--appendonly\", \"yes\"]\n"))
    assert "service cache: data directory /data lives in the container layer" in text_of(
        docker.volume_persistence_findings(tmp_path))
    write(tmp_path, "docker-compose.yml", STREAMING.replace(
        "    image: redis:7.2-alpine\n",
        "    image: redis:7.2-alpine\n    command: redis-server --appendonly yes\n"
        "    volumes:\n      - redis-data:/data\n") + "volumes:\n  redis-data:\n")
    assert docker.volume_persistence_findings(tmp_path) == []


@pytest.mark.parametrize(("image", "mount", "problem"), [
    ("mysql:8.4", "./data/mysql:/var/lib/mysql", "/var/lib/mysql is a bind mount of ./data/mysql"),
    ("mariadb:11.4", "/var/lib/mysql", "/var/lib/mysql is an anonymous volume"),
    ("mongo:7.0", "mongo-data:/data/db", None),
    ("bitnami/postgresql:16.4.0", "pg:/var/lib/postgresql/data",
     "data directory /bitnami/postgresql lives in the container layer"),
    ("docker.io/library/postgres:16", "pg:/var/lib/postgresql/data", None),
])
def test_each_engine_keeps_its_own_data_directory(
    tmp_path: Path, image: str, mount: str, problem: str | None
) -> None:
    write(tmp_path, "docker-compose.yml", f"""\
services:
  store:
    image: {image}
    volumes:
      - {mount}
volumes:
  mongo-data:
  pg:
""")
    found = docker.volume_persistence_findings(tmp_path)
    if problem is None:
        assert found == []
    else:
        assert f"service store: {problem}" in text_of(found)
