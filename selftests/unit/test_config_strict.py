"""Strict config and records (issue 13, item 5; the userinfo part of item 7).

No coercion ("yes" is no boolean, "150" no number), thresholds finite and sensible for their
unit, no credential in any URL, DSN or command form, dates valid and not in the future,
approvers non-blank (and from the configured list), unreadable files named with their
line. Each bad input gives exactly one line naming the field, never the secret; through the
command line it is exit 2 without a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from golive import ConfigError
from golive.catalog import load_catalog
from golive.config import (
    Config,
    credential_problem,
    load_attestations,
    load_config,
    load_waivers,
    threshold_problem,
)
from golive.demo import records, stack

SECRET = "s3cr3t-Canary-71"  # must never appear in a problem line


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "golive.toml"
    path.write_text(dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def env_with(line: str, table: str = "") -> str:
    return f"[environments.demo{table}]\n{line}\n"


BAD_FIELDS = [
    # lax coercion
    (env_with('disruptive = "yes"'), "environments.demo.disruptive"),
    (env_with("production = 1"), "environments.demo.production"),
    (env_with('"db.connect-time" = "150"', ".thresholds"),
     "environments.demo.thresholds.db.connect-time"),
    (env_with('"db.connect-time" = true', ".thresholds"),
     "environments.demo.thresholds.db.connect-time"),
    (env_with('users = "10"', ".load"), "environments.demo.load.users"),
    (env_with("aws_region = 5"), "environments.demo.aws_region"),
    ('default_env = ["demo"]\n' + env_with('repo = "."'), "default_env"),
    # thresholds: finite, in range, able to fail
    (env_with('"cicd.coverage" = -1', ".thresholds"), "thresholds.cicd.coverage"),
    (env_with('"cicd.coverage" = 0', ".thresholds"), "thresholds.cicd.coverage"),
    (env_with('"cicd.coverage" = 101', ".thresholds"), "thresholds.cicd.coverage"),
    (env_with('"db.connect-time" = 1e308', ".thresholds"), "thresholds.db.connect-time"),
    (env_with('"db.connect-time" = inf', ".thresholds"), "thresholds.db.connect-time"),
    (env_with('"db.connect-time" = nan', ".thresholds"), "thresholds.db.connect-time"),
    (env_with('"db.connect-time" = 0', ".thresholds"), "thresholds.db.connect-time"),
    (env_with('"perf.error-rate" = 100', ".thresholds"), "thresholds.perf.error-rate"),
    (env_with('"sec.critical-vulns" = 0.5', ".thresholds"), "thresholds.sec.critical-vulns"),
    # credentials in URLs, DSNs and commands
    (env_with(f'database_url = "postgresql://db.internal/app?password={SECRET}"'),
     "environments.demo.database_url"),
    (env_with(f'database_url = "postgresql://db/app?sslmode=require&PassWord={SECRET}"'),
     "environments.demo.database_url"),
    (env_with(f'database_url = "host=db.internal dbname=app password={SECRET}"'),
     "environments.demo.database_url"),
    (env_with(f'database_url = "postgresql://app:{SECRET}@db.internal/app"'),
     "environments.demo.database_url"),
    (env_with(f'base_url = "http://admin:{SECRET}@127.0.0.1:8000"'),
     "environments.demo.base_url"),
    (env_with(f'base_url = "https://{SECRET}@app.example"'), "environments.demo.base_url"),
    (env_with(f'webhook_url = "http://127.0.0.1:9/hook?token={SECRET}"'),
     "environments.demo.webhook_url"),
    (env_with(f'zap_api_url = "http://127.0.0.1:8090/?apikey={SECRET}"'),
     "environments.demo.zap_api_url"),
    (env_with(f'aws_endpoint_url = "http://key:{SECRET}@127.0.0.1:5055"'),
     "environments.demo.aws_endpoint_url"),
    (env_with(f'backup = "env PGPASSWORD={SECRET} pg_dump app"', ".commands"),
     "environments.demo.commands"),
    (env_with(f'backup = "mysqldump --password={SECRET} app"', ".commands"),
     "environments.demo.commands"),
    (env_with(f'restore = "psql postgresql://app:{SECRET}@db/app"', ".commands"),
     "environments.demo.commands"),
    (env_with(f'login_password = "{SECRET}"', ".load"), "environments.demo.load.login_password"),
    (env_with(f'github_token = "{SECRET}"'), "environments.demo.github_token"),
    # approvers: non-blank
    ('approvers = ["Sato", "  "]\n', "approvers.1"),
]


@pytest.mark.parametrize(("text", "field"), BAD_FIELDS,
                         ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_FIELDS)])
def test_each_bad_field_is_one_line_naming_it_and_never_the_secret(tmp_path, text, field):
    problems = problems_of(tmp_path, text)
    assert len(problems) == 1, problems
    assert problems[0].startswith("golive.toml: "), problems
    assert field in problems[0].split(": ", 2)[1], problems
    assert SECRET not in problems[0]
    assert "\n" not in problems[0]


GOOD_FIELDS = [
    env_with('"db.connect-time" = 150', ".thresholds"),  # an integer for a float: exact
    env_with('"db.connect-time" = 150.5', ".thresholds"),
    env_with('"cicd.coverage" = 100', ".thresholds"),
    env_with('"routine.budget-plan" = 120', ".thresholds"),  # a budget may be overspent
    env_with('"sec.critical-vulns" = 0', ".thresholds"),
    env_with('database_url = "postgresql://postgres@127.0.0.1:5432/app"'),  # user, no password
    env_with('database_url = "env:DATABASE_URL"'),
    env_with('database_url = "host=127.0.0.1 dbname=app user=app sslmode=require"'),
    env_with('base_url = "http://127.0.0.1:8000/app?page=1#top"'),
    env_with('backup = "pg_dump --no-password --file backup.sql app"', ".commands"),
    env_with('deploy = "deploy.sh --token-file /run/secrets/token"', ".commands"),
    'approvers = ["Sato", "Tanaka"]\n',
]


@pytest.mark.parametrize("text", GOOD_FIELDS)
def test_sensible_values_still_load(tmp_path, text):
    path = tmp_path / "golive.toml"
    path.write_text(text, encoding="utf-8")
    assert isinstance(load_config(path), Config)


def test_every_catalog_threshold_is_a_sensible_override_of_itself():
    """The ranges refuse no value golive itself ships (a false alarm on the catalog)."""
    for criterion in load_catalog():
        t = criterion.threshold
        if t is not None:
            assert threshold_problem(t.value, t.op, t.unit, t.value) is None, criterion.id


def test_the_demo_config_loads_under_strict_types(tmp_path):
    run_dir = tmp_path / "demo"
    run_dir.mkdir()
    state = {"mode": "good", "base_url": "http://127.0.0.1:8000",
             "aws_endpoint_url": "http://127.0.0.1:5055", "aws_region": "ap-northeast-1",
             "webhook_url": "http://127.0.0.1:8001/hook"}
    (run_dir / "golive.toml").write_text(
        stack.render_config(run_dir, state, tmp_path / "repo"), encoding="utf-8")
    (run_dir / "env").write_text("GOLIVE_STRICT_PROBE=1\n", encoding="utf-8")
    records.write_records(run_dir)  # its signing key and waivers, as the stack writes them
    config = load_config(run_dir / "golive.toml")
    assert config.environments["demo"].disruptive is True
    assert config.environments["demo"].thresholds


def test_history_dir_pointing_at_a_file_is_refused_at_load(tmp_path):
    (tmp_path / "hist").write_text("not a folder", encoding="utf-8")
    problems = problems_of(tmp_path, 'history_dir = "hist"\n')
    assert len(problems) == 1 and "history_dir: not a folder" in problems[0]


def test_non_utf8_config_names_the_line(tmp_path):
    path = tmp_path / "golive.toml"
    path.write_bytes(b'default_env = "demo"\n# caf\xe9\n[environments.demo]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [
        "golive.toml: golive.toml (line 2): not UTF-8 text (byte 0xe9)"]


def test_a_fifo_config_is_refused_without_opening_it(tmp_path):
    os.mkfifo(tmp_path / "golive.toml")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "golive.toml")  # would block for ever if opened
    assert "not a regular file" in caught.value.problems[0]


# --- waivers and attestations ----------------------------------------------------------

TODAY = dt.date.today()
FUTURE = TODAY + dt.timedelta(days=3)


def records_problems(tmp_path: Path, kind: str, text: str, extra: str = "") -> list[str]:
    (tmp_path / f"{kind}.yaml").write_text(dedent(text), encoding="utf-8")
    config_path = tmp_path / "golive.toml"
    config_path.write_text(f'{extra}{kind} = "{kind}.yaml"\n', encoding="utf-8")
    config = load_config(config_path)
    loader = load_waivers if kind == "waivers" else load_attestations
    with pytest.raises(ConfigError) as caught:
        loader(config)
    return caught.value.problems


BAD_RECORDS = [
    ("waivers", "- {criterion: cicd.coverage, reason: r, approver: a, expires: 2027-13-45}",
     "waivers (waivers.yaml)"),  # a date no calendar has: YAML's own error, with its cause
    ("waivers", "- {criterion: cicd.coverage, reason: r, approver: a, expires: '2027-02-30'}",
     "[0].expires"),
    ("waivers", "- {criterion: cicd.coverage, reason: r, approver: '   ', expires: 2030-01-01}",
     "[0].approver"),
    ("waivers", "- {criterion: cicd.coverage, reason: '', approver: a, expires: 2030-01-01}",
     "[0].reason"),
    ("waivers", "- {criterion: cicd.coverage, reason: r, approver: a, expires: 2030-01-01 10:00}",
     "[0].expires"),
    ("waivers", "- {criterion: cicd.coverage, reason: r, approver: a, expires: 20300101}",
     "[0].expires"),
    ("attestations", "- {criterion: ops.acceptance-tests, by: Sato, evidence: e, "
     "date: 2099-01-01, expires: 2099-02-01}", "[0].date"),
    ("attestations", f"- {{criterion: ops.acceptance-tests, by: Sato, evidence: e, "
     f"date: {FUTURE}, expires: 2099-02-01}}", "[0].date"),
    ("attestations", f"- {{criterion: ops.acceptance-tests, by: Sato, evidence: e, "
     f"date: {TODAY}, expires: {TODAY - dt.timedelta(days=1)}}}", "[0].expires"),
    ("attestations", f"- {{criterion: ops.acceptance-tests, by: ' \t', evidence: e, "
     f"date: {TODAY}, expires: {FUTURE}}}", "[0].by"),
    ("attestations", "- {criterion: ops.acceptance-tests, by: Sato, evidence: e, "
     "date: true, expires: 2030-01-01}", "[0].date"),
]


@pytest.mark.parametrize(("kind", "text", "field"), BAD_RECORDS,
                         ids=[f"{i}-{k}" for i, (k, _, _) in enumerate(BAD_RECORDS)])
def test_each_bad_record_is_one_line_naming_the_field(tmp_path, kind, text, field):
    problems = records_problems(tmp_path, kind, text)
    assert len(problems) == 1, problems
    assert field in problems[0], problems
    assert "\n" not in problems[0]


def test_records_from_an_unlisted_approver_are_refused(tmp_path):
    text = f"- {{criterion: cicd.coverage, reason: r, approver: Mallory, expires: {FUTURE}}}"
    problems = records_problems(tmp_path, "waivers", text, 'approvers = ["Sato"]\n')
    assert problems == ["waivers (waivers.yaml): [0].approver: not in the configured approvers"]


def test_good_records_still_load(tmp_path):
    (tmp_path / "waivers.yaml").write_text(
        f"- {{criterion: cicd.coverage, reason: r, approver: Sato, expires: '{FUTURE}'}}\n",
        encoding="utf-8")
    (tmp_path / "attestations.yaml").write_text(
        f"- {{criterion: ops.acceptance-tests, by: Sato, evidence: e, date: {TODAY}, "
        f"expires: {FUTURE}}}\n", encoding="utf-8")
    (tmp_path / "golive.toml").write_text(
        'approvers = ["Sato"]\nwaivers = "waivers.yaml"\nattestations = "attestations.yaml"\n',
        encoding="utf-8")
    config = load_config(tmp_path / "golive.toml")
    assert load_waivers(config)[0].expires == FUTURE
    assert load_attestations(config)[0].date == TODAY


def test_non_utf8_waivers_name_file_and_line(tmp_path):
    (tmp_path / "waivers.yaml").write_bytes(b"# ok\n# ok\n- {reason: \xff}\n")
    (tmp_path / "golive.toml").write_text('waivers = "waivers.yaml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_waivers(load_config(tmp_path / "golive.toml"))
    assert caught.value.problems == [
        "waivers (waivers.yaml): waivers.yaml (line 3): not UTF-8 text (byte 0xff)"]


def test_an_alias_bomb_in_records_is_refused(tmp_path):
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n"
        for i in range(9))
    (tmp_path / "waivers.yaml").write_text(bomb, encoding="utf-8")
    (tmp_path / "golive.toml").write_text('waivers = "waivers.yaml"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_waivers(load_config(tmp_path / "golive.toml"))
    assert "alias bomb" in caught.value.problems[0]


@pytest.mark.parametrize(("value", "user_allowed", "bad"), [
    ("https://u:p@h/", True, True), ("postgresql://u@h/db", True, False),
    ("https://u@h/", False, True), ("https://h/?Api_Key=x", False, True),
    ("https://h/?page=2", False, False), ("env:TOKEN", False, False),
    ("host=h password=x", True, True), ("http://[::1", False, True),
])
def test_credential_problem(value, user_allowed, bad):
    assert (credential_problem(value, user_allowed=user_allowed) is not None) is bad


def test_cli_exits_2_with_one_line_and_never_prints_the_password(tmp_path):
    """The whole way: golive run with a base_url holding user:password@ → exit 2, one line
    naming the field on stderr, no traceback, the password in no output and no file."""
    (tmp_path / "golive.toml").write_text(
        f'[environments.demo]\nbase_url = "http://admin:{SECRET}@127.0.0.1:9"\n'
        'disruptive = "yes"\n', encoding="utf-8")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "golive", "run", "--profile", "ci", "--kind", "static",
         "--config", str(tmp_path / "golive.toml"), "-o", str(out)],
        capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    text = run.stdout + run.stderr
    assert "Traceback" not in text
    assert SECRET not in text
    assert "environments.demo.base_url" in text and "environments.demo.disruptive" in text
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "golive.toml"]
    assert not [p for p in written if SECRET in p.read_text(encoding="utf-8", errors="replace")]
