"""Platform: the running application's environment (Week 1 / 環境変数の設定).

The static side (.env.template against the code) is tests/platform/test_env.py; here the
deployed application itself says, on its health endpoint, whether the configuration it
started with passed its own validation: names only, never a value.
"""

from __future__ import annotations

import os
import re

import httpx
import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.facts.live import caching

HEALTH_PATH = "/health"
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY|DATABASE_URL", re.I)


@pytest.mark.criterion("platform.env-loading")
def test_environment_loaded(
    criterion: CriterionContext, evidence: Evidence, http_client: httpx.Client
) -> None:
    """/health reports its configuration check (``config.status``) as ok, names no missing
    variable, and shows no secret value."""
    response = http_client.get(HEALTH_PATH)
    try:
        body = response.json()
    except ValueError:
        golive.not_verified(f"{HEALTH_PATH} answered {response.status_code} without JSON")
    report = caching.config_report(body)
    if report is None:
        golive.not_verified(
            f"{HEALTH_PATH} reports no configuration check (a 'config' object with a status)"
        )
    evidence.record("configuration check", report.get("status"), http_status=response.status_code,
                    report=report)  # fmt: skip
    findings = []
    secrets = [v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= 8]
    if any(secret in response.text for secret in secrets):
        findings.append(Finding(HEALTH_PATH, None, "the health body shows a secret value"))
    missing = report.get("missing") or []
    if missing:
        names = ", ".join(map(str, missing))
        findings.append(Finding(HEALTH_PATH, None, f"required variables missing: {names}"))
    if str(report.get("status")).lower() not in ("ok", "pass", "passed", "valid"):
        findings.append(
            Finding(HEALTH_PATH, None, f"configuration check status is {report.get('status')!r}")
        )
    criterion.expect_no_findings(findings, what="environment loaded by the application")
