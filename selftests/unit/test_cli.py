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
    assert {int(pytest.ExitCode.USAGE_ERROR): 2, int(pytest.ExitCode.INTERNAL_ERROR): 3,
            int(pytest.ExitCode.INTERRUPTED): 3} == _PYTEST_CODES


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
    text = " ".join(result.output.split())
    assert "0 GO, 1 NO-GO, 2 usage or configuration error" in text
    assert "3 INCOMPLETE (interrupted or crashed), 4 UNVERIFIED" in text
    run_help = CliRunner().invoke(main, ["run", "--help"]).output
    for profile in ("ci", "weekly", "final", "daily"):
        assert profile in run_help


# --- the console of `golive run`: golive's lines, pytest's output in pytest.log ------------
_PYTEST_SUMMARY = r"short test summary info|test session starts|\b\d+ (passed|failed)\b"


def _console_suite(tmp_path: Path) -> Path:
    static = [c for c in load_catalog().in_profile("ci")
              if c.automated and c.kind.value == "static"]  # fmt: skip
    blocking = next(c for c in static if c.severity.value == "blocking")
    major = next(c for c in static if c.severity.value == "major")
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_console_checks.py").write_text(
        "import traceback\nimport pytest\n\n"
        f"@pytest.mark.criterion({blocking.id!r})\n"
        "def test_blocking():\n"
        "    try:\n"
        "        raise ValueError('deep inside the probe')\n"
        "    except ValueError:\n"
        "        traceback.print_exc()  # a Traceback in pytest's captured output\n"
        "    assert False, 'the blocking defect'\n\n"
        f"@pytest.mark.criterion({major.id!r})\n"
        "def test_major():\n"
        "    pass\n",
        encoding="utf-8",
    )
    return suite


def _golive_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    suite = tmp_path / "suite" if (tmp_path / "suite").is_dir() else _console_suite(tmp_path)
    return subprocess.run(
        [sys.executable, "-m", "golive", "run", "--profile", "ci", "--kind", "static",
         "--suite", str(suite), "--output", str(tmp_path / "out"), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _last_line(text: str) -> str:
    return [line for line in text.splitlines() if line.strip()][-1]


def test_run_console_is_golives_lines_ending_with_the_verdict(tmp_path: Path):
    import re

    done = _golive_run(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert _last_line(done.stdout).startswith("verdict: NO-GO · exit 1"), done.stdout
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown
    assert not re.search(_PYTEST_SUMMARY, shown), shown
    assert "\r" not in done.stdout  # not a terminal: plain lines
    assert len(done.stdout.splitlines()) <= 60
    assert re.search(r"^static +done at .* criteria: 1 pass · 1 fail$", done.stdout, re.M)
    # pytest's own output is kept, and the console says where
    log = tmp_path / "out" / "pytest.log"
    assert f"pytest's output: {log}" in done.stdout
    kept = log.read_text(encoding="utf-8")
    assert "Traceback" in kept and "short test summary info" in kept


def test_run_verbose_shows_pytests_output_and_still_ends_with_the_verdict(tmp_path: Path):
    import re

    done = _golive_run(tmp_path, "-v")
    assert done.returncode == 1
    assert "Traceback" in done.stdout and re.search(_PYTEST_SUMMARY, done.stdout)
    assert _last_line(done.stdout).startswith("verdict: NO-GO · exit 1")
    asked = _golive_run(tmp_path, "--", "--tb=long")
    assert "Traceback" in asked.stdout and "short test summary info" in asked.stdout
    assert _last_line(asked.stdout).startswith("verdict: NO-GO · exit 1")


def test_run_console_under_xdist(tmp_path: Path):
    import re

    done = _golive_run(tmp_path, "-n", "2")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^static +done at .* criteria: 1 pass · 1 fail$", done.stdout, re.M)
    assert _last_line(done.stdout).startswith("verdict: NO-GO · exit 1")
    assert not re.search(_PYTEST_SUMMARY, done.stdout + done.stderr)


@pytest.mark.parametrize(("extra", "shown"), [
    (("-v",), True), (("-sv",), True), (("--tb=long",), True), (("--tb", "short"), True),
    (("-rA",), True), (("--collect-only",), True), (("--pdb",), True),
    ((), False), (("-k", "vercel"), False), (("-x",), False), (("-p", "no:randomly"), False),
    (("-kslow",), False), (("-m", "not slow"), False),
])  # fmt: skip
def test_which_pytest_options_show_its_output(extra: tuple[str, ...], shown: bool):
    from golive.cli.run import shows_pytest_output

    assert shows_pytest_output(extra) is shown


def test_run_knows_the_consoles_verdict_prefix():
    from golive.cli import run as run_module
    from golive.harness.console import VERDICT_PREFIX

    assert run_module._VERDICT_PREFIX == VERDICT_PREFIX


def test_run_shows_the_end_of_pytests_log_when_it_stops_before_the_verdict(tmp_path: Path):
    suite = _console_suite(tmp_path)
    (suite / "conftest.py").write_text(
        "def pytest_sessionstart(session):\n    raise SystemError('the conftest broke')\n",
        encoding="utf-8",
    )
    done = _golive_run(tmp_path)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "before golive's verdict" in done.stderr
    assert "SystemError: the conftest broke" in done.stderr


def test_a_brief_run_prints_its_verdict_line_only(tmp_path: Path):
    """The demo's routine runs: one line each, so the demo stays within one screen."""
    suite = _console_suite(tmp_path)
    code = ("import sys\nfrom pathlib import Path\nfrom golive.cli.run import run_profile\n"
            f"sys.exit(run_profile('ci', suite=Path({str(suite)!r}), kinds=('static',),"
            f" output=Path({str(tmp_path / 'out')!r}), brief=True))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert [line for line in done.stdout.splitlines() if line.strip()] == [
        "verdict: NO-GO · exit 1: a blocking criterion failed or errored"
    ]
