"""Preflight: every configured target checked at once before any check runs, one line each."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from golive.config import load_config
from golive.preflight import preflight


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "golive.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    config = load_config(path)
    name, environment = config.environment(None)
    return preflight(config, name, environment)


def test_a_well_configured_environment_has_no_problem(tmp_path: Path, monkeypatch):
    (tmp_path / "infra").mkdir()
    script = tmp_path / "deploy.sh"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("GOLIVE_TEST_DSN", "postgresql://app@127.0.0.1:5432/app")
    path = _write(tmp_path, f'''
[environments.staging]
repo = "infra"
base_url = "https://staging.example.com"
database_url = "env:GOLIVE_TEST_DSN"
[environments.staging.commands]
deploy = "{script}"
rollback = "{Path(sys.executable).name} -c pass"
''')
    assert _problems(path) == []


def test_every_problem_is_reported_at_once_naming_its_field(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("GOLIVE_TEST_UNSET", raising=False)
    path = _write(tmp_path, '''
[environments.staging]
repo = "infar"
base_url = "staging.example.com"
database_url = "env:GOLIVE_TEST_UNSET"
webhook_url = "ftp://hooks.example.com/x"
github_token = "env:GOLIVE_TEST_UNSET"
[environments.staging.commands]
deploy = "./scripts/no-such-deploy.sh --prod"
backup = "golive-no-such-program-xyz"
''')
    problems = _problems(path)
    fields = sorted(line.split(":")[0] for line in problems)
    assert fields == sorted([
        "environments.staging.repo",
        "environments.staging.base_url",
        "environments.staging.database_url",
        "environments.staging.webhook_url",
        "environments.staging.github_token",
        "environments.staging.commands.deploy",
        "environments.staging.commands.backup",
    ]), problems
    assert any("GOLIVE_TEST_UNSET is not set" in line for line in problems)


@pytest.mark.parametrize("dsn", ["postgresql:///app", "host=127.0.0.1 dbname=app"])
def test_socket_and_keyword_dsns_are_accepted(tmp_path: Path, monkeypatch, dsn: str):
    monkeypatch.setenv("GOLIVE_TEST_DSN", dsn)
    path = _write(tmp_path, '[environments.x]\ndatabase_url = "env:GOLIVE_TEST_DSN"\n')
    assert _problems(path) == []


def test_a_dsn_of_another_scheme_is_refused(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GOLIVE_TEST_DSN", "mysql://app@127.0.0.1/app")
    path = _write(tmp_path, '[environments.x]\ndatabase_url = "env:GOLIVE_TEST_DSN"\n')
    (problem,) = _problems(path)
    assert problem.startswith("environments.x.database_url: scheme must be postgres")
    assert "mysql://app" not in problem  # the resolved secret is never printed


def test_the_command_line_prints_all_problems_and_exits_2(tmp_path: Path):
    path = _write(tmp_path, '''
[environments.staging]
repo = "infar"
base_url = "http://"
database_url = "env:GOLIVE_TEST_NEVER_SET"
''')
    env = {k: v for k, v in os.environ.items() if k != "GOLIVE_TEST_NEVER_SET"}
    done = subprocess.run([sys.executable, "-m", "golive", "run", "--profile", "ci",
                           "--config", str(path), "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 3, done.stderr
    for field in ("repo", "base_url", "database_url"):
        assert any(f"environments.staging.{field}:" in line for line in lines)
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
