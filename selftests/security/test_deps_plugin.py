"""Through the real plugin: a lockfile whose packages no advisory source covers leaves
sec.dependency-check and the zero-critical criterion not verified, never a pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from selftests.security import lockfixtures as fx
from selftests.security.conftest import IDENTITY_ENV, ROOT, targets_yaml
from selftests.security.repos import make_repo

pytestmark = pytest.mark.slow


def test_uncovered_packages_are_not_verified_in_both_criteria(
    tmp_path: Path, app_urls: dict[str, str], tls_endpoints: dict[str, str]
) -> None:
    repo = tmp_path / "repo"
    (repo / "apps" / "site").mkdir(parents=True)
    (repo / "apps" / "site" / "yarn.lock").write_text(fx.YARN_V1)  # no source names these
    make_repo(repo, secure=True)  # otherwise clean: covered packages, passive checks pass
    (tmp_path / "targets.yaml").write_text(targets_yaml(tls_endpoints["secure"]))
    (tmp_path / "golive.toml").write_text(
        f'default_env = "selftest"\n\n[environments.selftest]\n'
        f'repo = "{repo}"\nbase_url = "{app_urls["secure"]}"\n'
    )
    env = {
        **os.environ,
        **IDENTITY_ENV,
        "GOLIVE_SECURITY_TARGETS": str(tmp_path / "targets.yaml"),
        "GOLIVE_CACHE_DIR": str(tmp_path / "cache"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/security/test_scans.py", "-p",
         "no:cacheprovider", "-q", "-k", "dependencies_audited or critical_vulnerability",
         f"--golive-config={tmp_path / 'golive.toml'}", "--golive-profile=ci",
         f"--golive-output={tmp_path / 'out'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    by_id = {c["id"]: c for c in results["criteria"]}
    for cid in ("sec.dependency-check", "sec.critical-vulns"):
        entry = by_id[cid]
        assert entry["status"] == "not_verified", (cid, entry["reason"], done.stdout[-2000:])
        assert "3 npm packages covered by no advisory source" in entry["reason"]
        assert "@babel/code-frame@7.22.13" in entry["reason"]
