"""Every security criterion golive implements passes on the secure target and fails on
the insecure one, judged through the real plugin."""

from __future__ import annotations

import json

import pytest

from selftests.security.conftest import PluginRun

CRITERIA = [
    "sec.config-verification",
    "sec.owasp-top10",
    "sec.critical-vulns",
    "sec.authn-authz",
    "sec.rbac",
    "sec.pentest-external",
    "sec.pentest-privilege-escalation",
    "sec.pentest-data-access",
    "sec.dependency-check",
    "sec.infra-scan",
    "sec.secret-management",
    "sec.tls",
]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]


@pytest.mark.parametrize("criterion_id", CRITERIA)
def test_passes_on_secure_target(plugin_runs: dict[str, PluginRun], criterion_id: str) -> None:
    entry = plugin_runs["secure"].entry(criterion_id)
    assert entry["status"] == "pass", json.dumps(entry, indent=1)[:4000]


@pytest.mark.parametrize("criterion_id", CRITERIA)
def test_fails_on_insecure_target(plugin_runs: dict[str, PluginRun], criterion_id: str) -> None:
    entry = plugin_runs["insecure"].entry(criterion_id)
    assert entry["status"] == "fail", json.dumps(entry, indent=1)[:4000]
