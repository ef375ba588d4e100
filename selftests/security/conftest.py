"""Shared targets for the security self-tests: the secure and insecure app, the good and
bad TLS server, the clean and vulnerable repositories, and one plugin run against each
set (both runs in parallel, once per session)."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from selftests.security.app import ServerThread, Settings, create_app
from selftests.security.repos import make_repo
from selftests.security.tls_server import TlsServer

ROOT = Path(__file__).resolve().parents[2]
SECURITY_TESTS = [
    "tests/security/test_http.py",
    "tests/security/test_scans.py",
    "tests/security/test_tls.py",
]
PASSWORD = secrets.token_urlsafe(12)
JWT_SECRET = secrets.token_urlsafe(32)
IDENTITY_ENV = {
    "SELFTEST_USER_EMAIL": "alice@example.com",
    "SELFTEST_ADMIN_EMAIL": "admin@example.com",
    "SELFTEST_PASSWORD": PASSWORD,
    "SELFTEST_JWT_SECRET": JWT_SECRET,
}


def targets_yaml(tls_endpoint: str) -> str:
    return f"""\
identities:
  user: {{username: env:SELFTEST_USER_EMAIL, password: env:SELFTEST_PASSWORD, role: user}}
  admin: {{username: env:SELFTEST_ADMIN_EMAIL, password: env:SELFTEST_PASSWORD, role: admin}}
jwt_secret: env:SELFTEST_JWT_SECRET
protected:
  - {{path: /api/me, roles: [user, admin]}}
  - {{path: /api/admin/users, roles: [admin]}}
data_access:
  - {{path: /api/projects, items: projects, owner_field: owner_id,
     public_if: {{visibility: public}}}}
objects:
  - {{path: /api/projects/4, owner: admin}}
tls:
  endpoints: ["{tls_endpoint}"]
  allow_self_signed: true
probes: {{sleep_s: 1}}
"""


@dataclass
class PluginRun:
    returncode: int
    output: str
    results: dict[str, Any] | None

    def entry(self, criterion_id: str) -> dict[str, Any]:
        assert self.results is not None, self.output[-3000:]
        return next(e for e in self.results["criteria"] if e["id"] == criterion_id)

    def status(self, criterion_id: str) -> str:
        return str(self.entry(criterion_id)["status"])


@pytest.fixture(scope="session")
def app_urls() -> Iterator[dict[str, str]]:
    """The secure and the insecure selftest app, each on its own free port."""
    with ExitStack() as stack:
        yield {
            mode: stack.enter_context(
                ServerThread(create_app(Settings(mode == "secure", PASSWORD, JWT_SECRET)))
            )
            for mode in ("secure", "insecure")
        }


@pytest.fixture(scope="session")
def tls_endpoints(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """host:port of a good TLS server (secure) and a weak, expired one (insecure)."""
    folder = tmp_path_factory.mktemp("tls")
    with ExitStack() as stack:
        yield {
            mode: stack.enter_context(TlsServer(folder / mode, weak=mode == "insecure"))
            for mode in ("secure", "insecure")
        }


@pytest.fixture(scope="session")
def plugin_runs(
    tmp_path_factory: pytest.TempPathFactory,
    app_urls: dict[str, str],
    tls_endpoints: dict[str, str],
) -> dict[str, PluginRun]:
    """tests/security through the real plugin (profile final), once per mode, in parallel."""
    base = tmp_path_factory.mktemp("security-runs")
    procs: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    for mode in ("secure", "insecure"):
        folder = base / mode
        repo = make_repo(folder / "repo", secure=mode == "secure")
        (folder / "targets.yaml").write_text(targets_yaml(tls_endpoints[mode]))
        (folder / "golive.toml").write_text(
            f'default_env = "selftest"\n\n[environments.selftest]\n'
            f'repo = "{repo}"\nbase_url = "{app_urls[mode]}"\ndisruptive = true\n'
        )
        env = {
            **os.environ,
            **IDENTITY_ENV,
            "GOLIVE_SECURITY_TARGETS": str(folder / "targets.yaml"),
            "GOLIVE_CACHE_DIR": str(base / "cache"),
        }
        argv = [
            sys.executable,
            "-m",
            "pytest",
            *SECURITY_TESTS,
            "-p",
            "no:cacheprovider",
            "-q",
            f"--golive-config={folder / 'golive.toml'}",
            "--golive-profile=final",
            f"--golive-output={folder / 'out'}",
        ]
        proc = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        procs[mode] = (proc, folder / "out" / "results.json")
    runs = {}
    for mode, (proc, results) in procs.items():
        output, _ = proc.communicate(timeout=300)
        data = json.loads(results.read_text()) if results.is_file() else None
        runs[mode] = PluginRun(proc.returncode, output, data)
    return runs
