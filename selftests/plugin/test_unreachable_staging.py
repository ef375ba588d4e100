"""The issue's case: a staging environment whose web app and database refuse connections,
with a repository that exists. `golive run --profile ci` must end UNVERIFIED, never GO."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from golive.resources import suites_dir

pytestmark = [pytest.mark.slow]

GOOD_REPO = Path(__file__).resolve().parents[2] / "src/golive/demo/sample-infra/good"


def _refused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_unreachable_staging_is_unverified_never_go(tmp_path: Path) -> None:
    web, db = _refused_port(), _refused_port()
    config = tmp_path / "golive.toml"
    config.write_text(
        'default_env = "staging"\n\n[environments.staging]\n'
        f'repo = "{GOOD_REPO}"\n'
        f'base_url = "http://127.0.0.1:{web}"\n'
        'database_url = "env:STAGING_DATABASE_URL"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_")}
    env["STAGING_DATABASE_URL"] = f"postgresql://app@127.0.0.1:{db}/app"
    done = subprocess.run(
        [sys.executable, "-m", "golive", "run", "--profile", "ci", "--config", str(config),
         "--output", str(tmp_path / "out"), "--suite", str(suites_dir())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["verdict"] == "UNVERIFIED", done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 4
    refused = [c for c in results["criteria"]
               if c["severity"] == "blocking" and c["status"] == "not_verified"
               and "not reachable" in (c["reason"] or "")]
    assert refused, "the refused base_url must leave blocking criteria not verified"
    assert results["counts"].get("fail", 0) == 0 and results["counts"].get("error", 0) == 0
