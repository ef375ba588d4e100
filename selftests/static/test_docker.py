"""The local-stack probes: pass on the good sample repo, the expected finding on the broken one."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.facts.repo import compose, dockerfile
from golive.facts.scans import runner as scanners
from golive.rules import docker

from ._helpers import text_of, write

PROBES: list[tuple[Callable[[Path], list[Finding]], list[str]]] = [
    (docker.docker_compose_findings, [
        "docker-compose.yml:18: compose spec: $.services.db: Unevaluated properties are not "
        "allowed ('healtcheck' was unexpected)",
        "service db: no healthcheck",
        "service auth starts before db is healthy",
        "image postgrest/postgrest:latest uses the moving tag latest",
    ]),
    (docker.compose_override_findings, [
        "service web runs privileged",
        "service db: healthcheck switched off",
        "docker-compose.override.yml:15: service db publishes 5432:5432 on all interfaces",
        "service studio is not in the base compose file and has no image or build",
    ]),
    (docker.docker_resources_findings, [
        "service auth: no memory limit",
        "service auth: no CPU limit",
    ]),
    (docker.volume_persistence_findings, [
        "service db: /var/lib/postgresql/data is an anonymous volume",
    ]),
    (docker.docker_network_findings, [
        "no networks declared",
        "service db is on no declared network",
        "docker-compose.yml:32: service db publishes 54322:5432 on all interfaces",
    ]),
    (docker.resource_limits_findings, [
        "effective_cache_size is not set",
        "docker/postgres/resource-limits.conf:3: shared_buffers 1536 MiB is over 40% of db's "
        "memory limit (2048 MiB)",
        "shared_buffers + max_connections × work_mem = 14336 MiB",
    ]),
    (docker.dockerfile_findings, [
        "Dockerfile:2: hadolint DL3007 (warning)",
        "Dockerfile:2: base image node:latest uses the moving tag latest",
        "single-stage build",
        "the final stage runs as root (no USER)",
        "Dockerfile:4: ARG SUPABASE_SERVICE_ROLE_KEY: a secret in a build argument",
        "no .dockerignore next to it",
    ]),
    (docker.init_local_db_findings, [
        "scripts/init-local-db.sh:4: no strict mode before the first command",
        "psql runs without -v ON_ERROR_STOP=1",
        "does not wait for the database to be ready (only a fixed sleep)",
        "does not load the seed data",
    ]),
    (docker.migration_check_findings, [
        "scripts/migration-check.sh:4: no strict mode",
        "scripts/migration-check.sh:6: a failing check is swallowed (|| true)",
        "never exits non-zero",
    ]),
]


@pytest.mark.parametrize("probe", [p for p, _ in PROBES], ids=lambda p: p.__name__)
def test_sound_on_good(good_repo: Path, probe: Callable[[Path], list[Finding]]) -> None:
    assert probe(good_repo) == []


@pytest.mark.parametrize(("probe", "expected"), PROBES, ids=[p.__name__ for p, _ in PROBES])
def test_defect_on_broken(
    broken_repo: Path, probe: Callable[[Path], list[Finding]], expected: list[str]
) -> None:
    messages = text_of(probe(broken_repo))
    for text in expected:
        assert text in messages


@pytest.mark.parametrize(
    ("probe", "name"),
    [
        (docker.docker_compose_findings, "docker-compose.yml"),
        (docker.docker_resources_findings, "docker-compose.yml"),
        (docker.volume_persistence_findings, "docker-compose.yml"),
        (docker.docker_network_findings, "docker-compose.yml"),
        (docker.compose_override_findings, "docker-compose.override.yml"),
        (docker.resource_limits_findings, "resource-limits.conf"),
        (docker.dockerfile_findings, "Dockerfile"),
        (docker.init_local_db_findings, "init-local-db.sh"),
        (docker.migration_check_findings, "migration-check.sh"),
    ],
)
def test_missing_deliverable_names_what_was_searched(
    tmp_path: Path, probe: Callable[[Path], list[Finding]], name: str
) -> None:
    (finding,) = probe(tmp_path)
    assert finding.message.startswith(f"not found: {name}")
    assert str(tmp_path) in finding.message


def test_unparsable_compose_reports_line(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml", "services:\n  db:\n    image: [postgres\n")
    (finding,) = docker.docker_compose_findings(tmp_path)
    assert finding.file == "docker-compose.yml"
    assert finding.line == 4
    assert "not valid YAML" in finding.message


def test_compose_scanner_missing_is_not_verified(
    good_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    with pytest.raises(NotVerified, match="check-jsonschema is not installed"):
        docker.docker_compose_findings(good_repo)


def test_hadolint_missing_is_not_verified(good_repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    with pytest.raises(NotVerified, match="hadolint is not installed"):
        docker.dockerfile_findings(good_repo)


def test_dockerfile_rules_resolve_args_and_digests(tmp_path: Path) -> None:
    write(tmp_path, ".dockerignore", "**/.env*\n.git/\n")
    write(tmp_path, "Dockerfile", (
        "ARG BASE=node:20.18.1-slim\n"
        "FROM ${BASE} AS build\n"
        "RUN echo build\n"
        "FROM build AS test\n"
        "FROM gcr.io/distroless/nodejs20@sha256:" + "a" * 64 + "\n"
        "USER 65532:65532\n"
    ))
    messages = text_of(docker._dockerfile_rules(tmp_path / "Dockerfile", "Dockerfile"))
    assert messages == ""


def test_dockerfile_user_root_at_the_end(tmp_path: Path) -> None:
    write(tmp_path, ".dockerignore", ".env.local\n.git\n")
    write(tmp_path, "Dockerfile", (
        "FROM node:20 AS a\nUSER node\nFROM node\nUSER node\nUSER root\n"
    ))
    messages = text_of(docker._dockerfile_rules(tmp_path / "Dockerfile", "Dockerfile"))
    assert "Dockerfile:3: base image node has no tag" in messages
    assert "Dockerfile:5: the final stage runs as root" in messages


def test_parse_dockerfile_continuations_and_comments() -> None:
    instructions = dockerfile.parse_dockerfile(
        "# syntax=docker/dockerfile:1\nFROM a:1\nRUN one \\\n  # inner comment\n  two\nUSER x\n"
    )
    assert [(i.keyword, i.arguments, i.line) for i in instructions] == [
        ("FROM", "a:1", 2), ("RUN", "one  two", 3), ("USER", "x", 6)
    ]


@pytest.mark.parametrize(
    ("value", "size"),
    [("2g", 2 * 1024**3), ("512m", 512 * 1024**2), ("1GiB", 1024**3), (1048576, 1048576),
     ("1.5G", int(1.5 * 1024**3)), ("lots", None)],
)
def test_parse_size(value: object, size: int | None) -> None:
    assert compose.parse_size(value) == size


@pytest.mark.parametrize(
    ("script", "problem_line"),
    [
        ("#!/bin/bash\nset -euo pipefail\necho hi\n", None),
        ("#!/bin/bash\nset -o errexit -o nounset -o pipefail\necho hi\n", None),
        ("#!/bin/bash\n# doc\nreadonly X=1\nset -Eeuo pipefail\necho hi\n", None),
        ("#!/bin/bash\nset -eu\necho hi\nset -o pipefail\n", 3),
        ("#!/bin/bash\necho hi\nset -euo pipefail\n", 2),
    ],
)
def test_strict_mode(script: str, problem_line: int | None) -> None:
    problem = docker._strict_mode_problem(script)
    assert (problem is None) == (problem_line is None)
    if problem is not None:
        assert problem[0] == problem_line


def test_compose_named_volume_must_be_declared(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo, ignore=shutil.ignore_patterns(".git"))
    compose = repo / "docker-compose.yml"
    text = compose.read_text(encoding="utf-8")
    compose.write_text(text.replace("  db-data:\n    name: acme-local-db-data\n", ""),
                       encoding="utf-8")
    messages = text_of(docker.volume_persistence_findings(repo))
    assert "volume db-data is not declared under top-level volumes" in messages


def test_resource_limits_conf_unmounted_and_unparsable(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo, ignore=shutil.ignore_patterns(".git"))
    conf = repo / "docker" / "postgres" / "resource-limits.conf"
    shutil.move(conf, repo / "resource-limits.conf")
    bad_line = len((repo / "resource-limits.conf").read_text(encoding="utf-8").splitlines()) + 1
    with (repo / "resource-limits.conf").open("a", encoding="utf-8") as handle:
        handle.write("work_mem\nshared_buffers = lots\n")
    messages = text_of(docker.resource_limits_findings(repo))
    assert "not mounted into any container" in messages
    assert f"resource-limits.conf:{bad_line}: not a 'name = value' line" in messages
    assert "shared_buffers = lots: not a size" in messages


def test_port_forms() -> None:
    assert compose.port_host_ip("127.0.0.1:5432:5432") == "127.0.0.1"
    assert compose.port_host_ip("[::1]:5432:5432") == "[::1]"
    assert compose.port_host_ip("5432:5432") is None
    assert compose.port_host_ip(5432) is None
    assert compose.port_host_ip({"target": 5432, "host_ip": "127.0.0.1"}) == "127.0.0.1"
