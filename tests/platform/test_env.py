"""Platform: environment variables and secrets (Week 1 / Day 1-2 / 環境変数の設定)."""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.rules import envfiles, secrets


@pytest.mark.criterion("platform.env-template")
def test_env_template_complete(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """.env.template lists every variable the code and env-validation.ts use; in a monorepo,
    each app's own template (else the root's) every variable that app reads."""
    for env in envfiles.app_envs(repo_path):
        evidence.record(
            f"{env.app.label}: variables read by the code" if env.app.name != "."
            else "variables read by the code",
            len(env.usages),
            "variables",
            names=sorted(env.usages),
            app=env.app.label,
            kind=env.app.kind,
            template=env.template.label if env.template is not None else None,
        )
    criterion.expect_no_findings(envfiles.env_template_findings(repo_path), what=".env.template")


@pytest.mark.criterion("platform.env-validation-ts")
def test_env_validation_sound(criterion: CriterionContext, repo_path: Path) -> None:
    """Validates every template variable, stops startup when invalid, runs at startup."""
    criterion.expect_no_findings(
        envfiles.env_validation_findings(repo_path), what="env-validation.ts"
    )


@pytest.mark.criterion("platform.env-vars-complete")
def test_env_vars_defined_everywhere(criterion: CriterionContext, repo_path: Path) -> None:
    """Every platform variable of the template is defined for every environment."""
    criterion.expect_no_findings(
        envfiles.env_vars_complete_findings(repo_path), what="per-environment variables"
    )


@pytest.mark.criterion("platform.env-config-separation")
def test_env_config_separated(criterion: CriterionContext, repo_path: Path) -> None:
    """No environment shares or references production's credentials and endpoints."""
    criterion.expect_no_findings(
        envfiles.env_config_separation_findings(repo_path), what="per-environment values"
    )


@pytest.mark.criterion("platform.env-local-ignored")
def test_env_local_ignored(criterion: CriterionContext, repo_path: Path) -> None:
    """.env.local is git-ignored and no .env*.local file is committed."""
    criterion.expect_no_findings(envfiles.env_local_findings(repo_path), what=".env.local")


@pytest.mark.criterion("platform.secrets-encrypted")
def test_no_plaintext_secret_committed(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """detect-secrets over every committable file, live keys by shape first, finds nothing
    (values never shown); what the scan left out is counted per reason."""
    scan = secrets.scan_secrets(repo_path)
    evidence.record("secret scan", scan.scanned, "files", **scan.facts())
    criterion.expect_no_findings(scan.findings, what="committed secrets (detect-secrets)")


@pytest.mark.criterion("platform.secrets-encrypted")
def test_secrets_from_secret_store(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path
) -> None:
    """Credentials are @secret references, empty in the template, never NEXT_PUBLIC_."""
    check = secrets.secret_reference_check(repo_path)
    if not check.examined:
        golive.not_verified(
            "no build-settings.json, vercel.json env, env template or process.env use to check"
        )
    evidence.record("sources of secret references", len(check.examined), "files",
                    names=check.examined)
    criterion.expect_no_findings(check.findings, what="secret references")
