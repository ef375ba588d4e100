"""Which source an environment reads: a configured API first, else the export, else why not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from golive.config import Environment
from golive.demo import exports as demo_exports
from golive.facts.saas import sources
from golive.facts.saas.client import SourceUnavailable
from golive.facts.saas.sources import NotConfigured

from .conftest import (
    DD_API_KEY,
    DD_APP_KEY,
    EXPORTS,
    GITHUB_TOKEN,
    PROJECT,
    REPOSITORY,
    VERCEL_TOKEN,
)

GOOD = EXPORTS / "good"


def api_env(url: str, **overrides: str) -> Environment:
    fields = {
        "github_repository": REPOSITORY, "github_token": "env:SAAS_GH", "github_api_url": url,
        "vercel_project": PROJECT, "vercel_token": "env:SAAS_VC", "vercel_api_url": url,
        "datadog_api_key": "env:SAAS_DD_API", "datadog_app_key": "env:SAAS_DD_APP",
        "datadog_api_url": url, **overrides,
    }
    return Environment.model_validate(fields)


@pytest.fixture
def secrets_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in (("SAAS_GH", GITHUB_TOKEN), ("SAAS_VC", VERCEL_TOKEN),
                        ("SAAS_DD_API", DD_API_KEY), ("SAAS_DD_APP", DD_APP_KEY)):
        monkeypatch.setenv(name, value)


def test_exports_only():
    env = Environment(exports_dir=str(GOOD))
    runs = sources.workflow_runs(env, GOOD)
    assert runs.origin == "export gh-runs.json" and len(runs.items) == 200
    assert sources.deployments(env, GOOD).origin == "export vercel-deployments.json"
    assert len(sources.dashboards(env, GOOD).items) == 3
    assert len(sources.alert_history(GOOD).items) == 40
    assert len(sources.case_inventory(GOOD).items) == 120


def test_a_configured_api_wins_over_the_export(recorded_api, secrets_set):
    api = recorded_api("good")
    env = api_env(api.url)
    assert sources.workflow_runs(env, GOOD).origin == f"GitHub API {REPOSITORY}"
    assert sources.deployments(env, GOOD).origin == f"Vercel API project {PROJECT}"
    assert sources.dashboards(env, GOOD).origin == "Datadog API"


def test_a_failing_api_is_not_replaced_by_the_export(recorded_api, monkeypatch):
    api = recorded_api("good")
    monkeypatch.setenv("SAAS_GH", "ghp_revoked")
    with pytest.raises(SourceUnavailable, match="HTTP 401") as caught:
        sources.workflow_runs(api_env(api.url), GOOD)
    assert not isinstance(caught.value, NotConfigured)


def test_nothing_configured_says_what_is_missing():
    with pytest.raises(NotConfigured) as caught:
        sources.workflow_runs(Environment(), None)
    assert str(caught.value) == (
        "no GitHub token (github_repository + github_token) and no gh-runs.json export "
        "in exports_dir (none configured)"
    )


def test_an_unset_secret_is_named_not_its_value(monkeypatch, tmp_path):
    monkeypatch.delenv("SAAS_DD_APP", raising=False)
    monkeypatch.setenv("SAAS_DD_API", DD_API_KEY)
    with pytest.raises(NotConfigured) as caught:
        sources.dashboards(api_env("http://127.0.0.1:9"), tmp_path)
    assert "(env:SAAS_DD_APP not set)" in str(caught.value)
    assert DD_API_KEY not in str(caught.value)


def test_exports_dir_must_be_a_folder(tmp_path):
    env = Environment(exports_dir="missing")
    with pytest.raises(SourceUnavailable, match="exports_dir missing is not a folder"):
        sources.exports_folder(env, lambda rel: tmp_path / rel)
    assert sources.exports_folder(Environment(), lambda rel: tmp_path / rel) is None


def test_a_broken_export_names_the_file(tmp_path):
    (tmp_path / "gh-runs.json").write_text('[{"databaseId": 1,', "utf-8")
    with pytest.raises(SourceUnavailable, match=r"export gh-runs.json is not JSON \(line 1"):
        sources.workflow_runs(Environment(), tmp_path)


def test_deploy_history_takes_what_is_configured(tmp_path):
    shutil.copy(GOOD / "vercel-deployments.json", tmp_path)
    found = sources.deploy_history(Environment(), tmp_path)
    assert found.origin == "export vercel-deployments.json" and found.runs == []
    assert "gh-runs.json" in found.not_configured[0]
    with pytest.raises(NotConfigured, match=r"Vercel token .* and no GitHub token"):
        sources.deploy_history(Environment(), None)


def test_demo_exports_are_the_recorded_exports(tmp_path):
    written = demo_exports.write(tmp_path, broken=False)
    assert sorted(p.name for p in written) == sorted(p.name for p in GOOD.iterdir())


def _names(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_both_export_twins_hold_the_same_files():
    assert _names(EXPORTS / "good") == _names(EXPORTS / "bad")
