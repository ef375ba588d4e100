"""The command line: catalog listing, config errors in one line each, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from golive.catalog import load_catalog
from golive.cli.main import main
from golive.cli.run import _PYTEST_CODES


def test_pytest_codes_written_out_match_pytest():
    assert {int(pytest.ExitCode.USAGE_ERROR): 2,
                             int(pytest.ExitCode.INTERNAL_ERROR): 3} == _PYTEST_CODES


def test_criteria_json_lists_the_whole_catalog():
    result = CliRunner().invoke(main, ["criteria", "--format", "json"])
    assert result.exit_code == 0
    assert [c["id"] for c in json.loads(result.output)] == [c.id for c in load_catalog()]


def test_criteria_of_a_profile():
    result = CliRunner().invoke(main, ["criteria", "--format", "json", "--profile", "daily"])
    listed = {c["id"] for c in json.loads(result.output)}
    assert listed == {c.id for c in load_catalog().in_profile("daily")}


def test_config_error_is_one_line_per_problem_and_exit_2(tmp_path: Path):
    config = tmp_path / "golive.toml"
    config.write_text('[environments.x]\nbse_url = "http://127.0.0.1:1"\n'
                      'database_url = "postgresql://u:pw@h/db"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "golive", "run", "--profile", "ci",
                           "--config", str(config), "--output", str(tmp_path / "out")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 2, done.stderr
    assert "environments.x.bse_url: unknown field" in done.stderr
    assert "environments.x.database_url" in done.stderr and "pw@" not in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_help_names_profiles_and_exit_codes():
    result = CliRunner().invoke(main, ["--help"])
    assert "0 GO, 1 NO-GO, 2 usage or configuration error, 3 interrupted" in result.output
    run_help = CliRunner().invoke(main, ["run", "--help"]).output
    for profile in ("ci", "weekly", "final", "daily"):
        assert profile in run_help
