"""golive.facts.live.docker without a Docker engine: the reason, never a traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from golive.facts.live import docker


def test_compose_file_found_by_its_conventional_names(tmp_path: Path) -> None:
    assert docker.compose_file(tmp_path) is None
    (tmp_path / "docker-compose.yml").write_text("services: {}\n", encoding="utf-8")
    assert docker.compose_file(tmp_path) == tmp_path / "docker-compose.yml"


def test_no_engine_says_why(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no docker command at all
    assert docker.engine() == docker.Engine(None, "no docker command on this machine")
    fake = tmp_path / "docker"  # a client whose daemon is not there
    fake.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n",
                    encoding="utf-8")  # fmt: skip
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin:/bin")
    found = docker.engine()
    assert found.version is None and "Cannot connect to the Docker daemon" in (found.why_not or "")
