"""Platform: the Vercel project settings (Week 1 / Day 1-2 / プロジェクト設定の最適化,
デプロイメント設定の調整)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext
from golive.rules import vercel_config as vercel


@pytest.mark.criterion("platform.vercel-json")
def test_vercel_json_sound(criterion: CriterionContext, repo_path: Path) -> None:
    """Known fields only, right types, function globs and cron routes that exist."""
    criterion.expect_no_findings(vercel.vercel_json_findings(repo_path), what="vercel.json")


@pytest.mark.criterion("platform.build-settings-json")
def test_build_settings_json_sound(criterion: CriterionContext, repo_path: Path) -> None:
    """Valid per golive's model and in agreement with vercel.json."""
    criterion.expect_no_findings(
        vercel.build_settings_findings(repo_path), what="build-settings.json"
    )


@pytest.mark.criterion("platform.deployment-config-ts")
def test_deployment_config_ts_sound(criterion: CriterionContext, repo_path: Path) -> None:
    """Exports a literal config matching vercel.json and build-settings.json."""
    criterion.expect_no_findings(
        vercel.deployment_config_findings(repo_path), what="deployment-config.ts"
    )


@pytest.mark.criterion("platform.env-separation")
def test_environments_separated(criterion: CriterionContext, repo_path: Path) -> None:
    """Production, staging (preview) and development: own branch, own domain."""
    criterion.expect_no_findings(
        vercel.env_separation_findings(repo_path), what="environment separation"
    )


@pytest.mark.criterion("platform.build-settings-per-env")
def test_build_settings_per_environment(criterion: CriterionContext, repo_path: Path) -> None:
    """Every environment builds; production without debug or source maps."""
    criterion.expect_no_findings(
        vercel.build_settings_per_env_findings(repo_path), what="per-environment build settings"
    )


@pytest.mark.criterion("platform.deploy-cache")
def test_deploy_cache(criterion: CriterionContext, repo_path: Path) -> None:
    """The build cache is enabled, keeps .next/cache, and nothing forces it off."""
    criterion.expect_no_findings(vercel.deploy_cache_findings(repo_path), what="build cache")


@pytest.mark.criterion("platform.deploy-hooks")
def test_deploy_hooks(criterion: CriterionContext, repo_path: Path) -> None:
    """Deploy hooks per environment (URLs from the secret store) and deployment webhooks."""
    criterion.expect_no_findings(vercel.deploy_hooks_findings(repo_path), what="deploy hooks")
