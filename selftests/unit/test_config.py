"""Config problems: one line each, naming the field path."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from golive import ConfigError
from golive.config import load_config, resolve_secret
from golive.facts.load import configured_plan


def config_errors(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "golive.toml"
    path.write_text(dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


def test_unknown_field_is_named_with_its_path(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo]
        bse_url = "http://127.0.0.1:8000"
    """)
    assert problems == ["golive.toml: environments.demo.bse_url: unknown field"]


def test_literal_password_in_dsn_is_refused(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo]
        database_url = "postgresql://app:hunter2@db.internal/app"
    """)
    assert len(problems) == 1
    assert problems[0].startswith("golive.toml: environments.demo.database_url: holds a literal")
    assert "hunter2" not in problems[0]


def test_unknown_threshold_id_is_an_error(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo.thresholds]
        "db.nope" = 3
    """)
    assert problems == ["golive.toml: environments.demo.thresholds.db.nope: unknown criterion id"]


def test_wrong_type_names_field(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo]
        disruptive = "yes please"
    """)
    assert problems[0].startswith("golive.toml: environments.demo.disruptive:")


def test_bad_toml_is_one_line(tmp_path):
    problems = config_errors(tmp_path, "default_env = \n")
    assert len(problems) == 1 and problems[0].startswith("golive.toml: not valid TOML")


def test_default_env_must_exist(tmp_path):
    problems = config_errors(tmp_path, 'default_env = "prod"\n[environments.demo]\n')
    assert problems == ["golive.toml: default_env: no environment named prod"]


def test_command_is_split_as_argv_without_a_shell(tmp_path):
    path = tmp_path / "golive.toml"
    path.write_text('[environments.demo.commands]\ndeploy = "deploy.sh --env \'staging one\'"\n',
                    encoding="utf-8")
    env = load_config(path).environments["demo"]
    assert env.argv("deploy") == ["deploy.sh", "--env", "staging one"]


def test_env_references_resolve_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GOLIVE_TEST_DSN", "postgresql://u:p@127.0.0.1/x")
    assert resolve_secret("env:GOLIVE_TEST_DSN") == "postgresql://u:p@127.0.0.1/x"
    assert resolve_secret("env:GOLIVE_TEST_UNSET_VAR") is None
    path = tmp_path / "golive.toml"
    path.write_text('[environments.demo]\ndatabase_url = "env:GOLIVE_TEST_DSN"\n', encoding="utf-8")
    assert load_config(path).environments["demo"].database_url == "env:GOLIVE_TEST_DSN"


def test_the_repository_config_is_valid():
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "golive.toml")
    assert config.default_env in config.environments


def test_api_tokens_must_be_env_references(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo]
        github_token = "ghp_literal_token_value"
    """)
    assert problems == ["golive.toml: environments.demo.github_token: is a secret: "
                        "write env:NAME and set NAME instead"]


def test_load_table_becomes_the_load_plan(monkeypatch, tmp_path):
    monkeypatch.setenv("GOLIVE_TEST_LOAD_PW", "s3cret")
    path = tmp_path / "golive.toml"
    path.write_text(dedent("""
        [environments.demo.load]
        users = 5
        steady_s = 12.5
        login_email = "qa@example.com"
        login_password = "env:GOLIVE_TEST_LOAD_PW"
    """), encoding="utf-8")
    load = load_config(path).environments["demo"].load
    plan = configured_plan(load, {})
    assert (plan.users, plan.steady_s) == (5, 12.5)
    assert plan.login == ("qa@example.com", "s3cret")


def test_load_sizes_are_bounded_and_password_is_a_reference(tmp_path):
    problems = config_errors(tmp_path, """
        [environments.demo.load]
        users = 100001
        login_password = "literal"
    """)
    assert any(p.startswith("golive.toml: environments.demo.load.users:") for p in problems)
    assert any(p.startswith("golive.toml: environments.demo.load.login_password: is a secret")
               for p in problems)  # fmt: skip


@pytest.mark.parametrize(("table", "named"), [
    ("users = 1001", "users: 1001 is above max_users=1000"),
    ("max_users = 50\nspike_users = 60", "spike_users: 60 is above max_users=50"),
])  # fmt: skip
def test_users_above_the_configured_bound_are_refused(tmp_path, table: str, named: str):
    problems = config_errors(tmp_path, f"[environments.demo.load]\n{table}\n")
    assert len(problems) == 1 and named in problems[0], problems
    (tmp_path / "golive.toml").write_text(
        "[environments.demo.load]\nmax_users = 2000\nusers = 1001\n", encoding="utf-8")
    assert load_config(tmp_path / "golive.toml").environments["demo"].load.users == 1001
