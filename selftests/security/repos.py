"""Tiny target repositories for the scanner criteria: a clean one and a vulnerable one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

# Test data in OSV format (ids of real advisories, details abridged).
ADVISORIES = [
    {
        "id": "GHSA-jf85-cpcp-j695",
        "summary": "Prototype pollution in lodash",
        "aliases": ["CVE-2019-10744"],
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "lodash"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.12"}]}
                ],
            }
        ],
        "database_specific": {"severity": "CRITICAL"},
    },
    {
        "id": "GHSA-35jh-r3h4-6jhm",
        "summary": "Command injection in lodash template",
        "aliases": ["CVE-2021-23337"],
        "affected": [
            {
                "package": {"ecosystem": "npm", "name": "lodash"},
                "ranges": [
                    {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "4.17.21"}]}
                ],
            }
        ],
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"}],
    },
    {
        "id": "GHSA-h75v-3vvj-5mfj",
        "summary": "Jinja2 sandbox breakout",
        "aliases": ["CVE-2024-56326"],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Jinja2"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.1.5"}]}
                ],
            }
        ],
        "database_specific": {"severity": "MODERATE"},
    },
]

SAFE_CODE = """import subprocess


def disk_usage(path: str) -> str:
    return subprocess.run(["du", "-sh", path], capture_output=True, text=True, check=True).stdout
"""
UNSAFE_CODE = """import subprocess


def disk_usage(path):
    return subprocess.call("du -sh " + path, shell=True)
"""
LEAKED_SETTINGS = 'AWS_ACCESS_KEY_ID = "AKIAZ7QF3PNW5XK2LMRB"\n'
COMPOSE = """services:
  web:
    image: nginx:1.27.3
    ports: ["127.0.0.1:8080:80"]
"""
UNSAFE_COMPOSE = (
    COMPOSE
    + """    privileged: true
    volumes: ["/var/run/docker.sock:/var/run/docker.sock"]
"""
)


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=selftest",
            "-c",
            "user.email=selftest@golive.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def package_lock(lodash: str) -> str:
    return json.dumps(
        {
            "name": "web",
            "version": "1.0.0",
            "lockfileVersion": 3,
            "requires": True,
            "packages": {
                "": {"name": "web", "version": "1.0.0", "dependencies": {"lodash": "^4.17.0"}},
                "node_modules/lodash": {"version": lodash},
            },
        },
        indent=2,
    )


def make_repo(path: Path, *, secure: bool) -> Path:
    """A committed git repository: lockfiles, advisories, Python code, a compose file."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "package-lock.json").write_text(package_lock("4.17.21" if secure else "4.17.11"))
    (path / "requirements.txt").write_text(f"jinja2=={'3.1.6' if secure else '3.1.4'}\n")
    (path / "security" / "advisories").mkdir(parents=True, exist_ok=True)
    (path / "security" / "advisories" / "osv.json").write_text(json.dumps(ADVISORIES, indent=2))
    (path / "tools").mkdir(exist_ok=True)
    (path / "tools" / "report.py").write_text(SAFE_CODE if secure else UNSAFE_CODE)
    (path / "docker-compose.yml").write_text(COMPOSE if secure else UNSAFE_COMPOSE)
    if not secure:
        (path / "tools" / "settings.py").write_text(LEAKED_SETTINGS)
    git(path, "init", "-q")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "selftest repository")
    return path
