"""Starting a webapp release: shared by ``stack up`` and the deploy command.

Kept apart from ``stack`` so that ``ops deploy`` does not import boto3 and psycopg just
to start a process (each ops command is a fresh interpreter, timed by golive).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

from golive.demo._proc import ProcRecord, free_port, spawn
from golive.demo._state import load_secrets

__all__ = ["DATABASE_URL_ENV", "app_database_url", "start_webapp"]

DATABASE_URL_ENV = "GOLIVE_DEMO_DATABASE_URL"


def app_database_url(state: dict[str, Any], password: str) -> str:
    """The app role's URL; with ``verify-*`` the server is checked against the stack's CA."""
    pg = state["postgres"]
    url = (
        f"postgresql://{pg['user']}:{quote(password, safe='')}@{pg['host']}"
        f":{pg.get('client_port') or pg['port']}"
        f"/{pg['dbname']}?sslmode={pg['sslmode']}"
    )
    if str(pg["sslmode"]).startswith("verify") and pg.get("ca_file"):
        url += f"&sslrootcert={quote(str(pg['ca_file']), safe='/')}"
    return url


def start_webapp(run_dir: Path, state: dict[str, Any], release: str) -> ProcRecord:
    """Start one webapp release on a fresh port (used by ``up`` and by deploys)."""
    secrets = load_secrets(run_dir)
    port = free_port()
    argv = [sys.executable, "-m", "golive.demo.webapp", "--port", str(port), "--release", release]
    if state["mode"] == "broken":
        argv.append("--broken")
    env = dict(os.environ)
    env[DATABASE_URL_ENV] = app_database_url(state, secrets["app_password"])
    env["GOLIVE_DEMO_JWT_SECRET"] = secrets["jwt_secret"]
    return spawn(
        f"webapp-{release}",
        argv,
        log_path=run_dir / "logs" / f"webapp-{release}-{port}.log",
        env=env,
        port=port,
        extra={"release": release},
    )
