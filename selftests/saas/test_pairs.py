"""Pass/fail pairs: the real checks in tests/ run through the plugin, as a user runs them.

Each run is ``pytest <check modules> --golive-config=… --golive-profile=final`` in a
subprocess from the project root; the verdicts are read from results.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import (
    DD_API_KEY,
    DD_APP_KEY,
    EXPORTS,
    GITHUB_TOKEN,
    PROJECT,
    REPOSITORY,
    VERCEL_TOKEN,
)

ROOT = Path(__file__).resolve().parents[2]
CHECKS = [
    "tests/cicd/test_history.py",
    "tests/platform/test_vercel_deployments.py",
    "tests/monitoring/test_datadog_live.py",
]
API_IDS = {
    "cicd.build-success-rate", "cicd.build-pipeline-time", "cicd.test-time",
    "cicd.deploy-time-goal", "platform.build-time", "platform.preview-deploy",
    "mon.dashboards-goal",
}
EXPORT_ONLY_IDS = {"mon.false-positive-rate", "cicd.test-automation-rate"}
ALL_IDS = API_IDS | EXPORT_ONLY_IDS
SECRETS = {"SAAS_GH": GITHUB_TOKEN, "SAAS_VC": VERCEL_TOKEN, "SAAS_DD_API": DD_API_KEY,
           "SAAS_DD_APP": DD_APP_KEY}


def run_checks(
    tmp_path: Path, toml: str, env: dict[str, str] | None = None, checks: list[str] = CHECKS
) -> dict[str, Any]:
    (tmp_path / "golive.toml").write_text("[environments.x]\n" + toml, "utf-8")
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "pytest", *checks, "-p", "no:cacheprovider", "-q",
            f"--golive-config={tmp_path / 'golive.toml'}", "--golive-profile=final",
            f"--golive-output={out}"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SAAS_", "PYTEST_XDIST"))}
    done = subprocess.run(argv, cwd=ROOT, env={**clean, **(env or {})}, capture_output=True,
                          text=True, timeout=120, check=False)
    results = out / "results.json"
    assert results.is_file(), done.stdout + done.stderr
    data: dict[str, Any] = json.loads(results.read_text("utf-8"))
    data["_text"] = results.read_text("utf-8") + done.stdout + done.stderr
    return data


def statuses(data: dict[str, Any], ids: set[str]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in data["criteria"] if c["id"] in ids}


def reasons(data: dict[str, Any], ids: set[str]) -> dict[str, str]:
    return {c["id"]: c["reason"] or "" for c in data["criteria"] if c["id"] in ids}


@pytest.mark.parametrize(("dataset", "expected"), [("good", "pass"), ("bad", "fail")])
def test_exports(tmp_path, dataset, expected):
    data = run_checks(tmp_path, f'exports_dir = "{EXPORTS / dataset}"\n')
    assert statuses(data, ALL_IDS) == dict.fromkeys(ALL_IDS, expected), reasons(data, ALL_IDS)
    if expected == "pass":
        entry = next(c for c in data["criteria"] if c["id"] == "cicd.build-success-rate")
        facts = entry["checks"][0]["evidence"] if "checks" in entry else entry["evidence"]
        assert "export gh-runs.json" in json.dumps(facts)


def test_nothing_configured_is_not_verified_with_the_reason(tmp_path):
    data = run_checks(tmp_path, "")
    assert statuses(data, ALL_IDS) == dict.fromkeys(ALL_IDS, "not_verified")
    why = reasons(data, ALL_IDS)
    assert why["cicd.build-success-rate"].startswith("no GitHub token")
    assert "gh-runs.json" in why["cicd.build-success-rate"]
    assert "vercel-deployments.json" in why["platform.build-time"]
    assert "alerts.json" in why["mon.false-positive-rate"]
    assert "Traceback" not in data["_text"]


def _api_toml(url: str) -> str:
    return (
        f'github_repository = "{REPOSITORY}"\ngithub_token = "env:SAAS_GH"\n'
        f'github_api_url = "{url}"\nvercel_project = "{PROJECT}"\n'
        f'vercel_token = "env:SAAS_VC"\nvercel_api_url = "{url}"\n'
        f'datadog_api_key = "env:SAAS_DD_API"\ndatadog_app_key = "env:SAAS_DD_APP"\n'
        f'datadog_api_url = "{url}"\n'
    )


@pytest.mark.parametrize(("dataset", "expected"), [("good", "pass"), ("bad", "fail")])
def test_apis(tmp_path, recorded_api, dataset, expected):
    api = recorded_api(dataset)
    data = run_checks(tmp_path, _api_toml(api.url), SECRETS)
    assert statuses(data, API_IDS) == dict.fromkeys(API_IDS, expected), reasons(data, API_IDS)
    assert statuses(data, EXPORT_ONLY_IDS) == dict.fromkeys(EXPORT_ONLY_IDS, "not_verified")
    for secret in SECRETS.values():
        assert secret not in data["_text"]


def test_rejected_credentials_are_not_verified_and_never_shown(tmp_path, recorded_api):
    api = recorded_api("good")
    wrong = {name: f"wrong-{name.lower()}-value-0123456789" for name in SECRETS}
    data = run_checks(tmp_path, _api_toml(api.url), wrong)
    assert statuses(data, API_IDS) == dict.fromkeys(API_IDS, "not_verified")
    why = reasons(data, API_IDS)
    assert why["cicd.build-success-rate"] == (
        "GitHub API GET /repos/acme/acme-web/actions/runs: HTTP 401 Bad credentials"
    )
    assert "HTTP 403 Not authorized" in why["platform.build-time"]
    assert why["mon.dashboards-goal"] == "Datadog API GET /api/v1/dashboard: HTTP 403 Forbidden"
    for secret in wrong.values():
        assert secret not in data["_text"]
    assert "Traceback" not in data["_text"]


def test_unreachable_apis_are_not_verified(tmp_path, closed_port_url):
    data = run_checks(tmp_path, _api_toml(closed_port_url), SECRETS)
    assert statuses(data, API_IDS) == dict.fromkeys(API_IDS, "not_verified")
    assert all("unreachable (ConnectError)" in r for r in reasons(data, API_IDS).values())
