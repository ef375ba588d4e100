"""bandit, compose settings and secrets in the git history."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from golive.rules.appsec import codescan
from golive.rules.appsec.secret_scan import secret_scan
from selftests.security.repos import LEAKED_SETTINGS, UNSAFE_COMPOSE, git


def test_parse_bandit_severities(tmp_path: Path) -> None:
    report = {
        "results": [
            {
                "filename": str(tmp_path / "a.py"),
                "line_number": 3,
                "issue_severity": "HIGH",
                "issue_confidence": "HIGH",
                "test_id": "B602",
                "test_name": "shell",
                "issue_text": "shell=True",
                "issue_cwe": {"id": 78},
            },
            {
                "filename": "./b.py",
                "line_number": 1,
                "issue_severity": "MEDIUM",
                "issue_confidence": "LOW",
                "test_id": "B608",
                "test_name": "sql",
                "issue_text": "sql",
                "issue_cwe": {"id": 89},
            },
        ],
        "errors": [],
    }
    found = codescan.parse_bandit(json.dumps(report), tmp_path)
    assert [(f.where, f.severity, f.cwe) for f in found] == [
        ("a.py", "high", 78),  # bandit HIGH is no CVSS score: never critical
        ("b.py", "info", 89),
    ]


def test_compose_scan(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(UNSAFE_COMPOSE)
    result = codescan.compose_scan(tmp_path)
    assert result is not None
    assert sorted(f.rule for f in result.findings) == [
        "container.docker-socket",
        "container.privileged",
    ]
    (tmp_path / "none").mkdir()
    assert codescan.compose_scan(tmp_path / "none") is None


@pytest.mark.slow
def test_secret_removed_from_head_is_found_in_history(tmp_path: Path) -> None:
    (tmp_path / "settings.py").write_text(LEAKED_SETTINGS)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "oops")
    (tmp_path / "settings.py").write_text('AWS_ACCESS_KEY_ID = ""\n')
    git(tmp_path, "commit", "-q", "-am", "remove the key")
    result = secret_scan(tmp_path)  # HEAD is clean, the history is not
    assert result.verified
    assert [(f.where, f.line) for f in result.counting()] == [("settings.py", 1)]
    assert "still in history" in result.findings[0].message
    assert any("1 earlier file versions" in note for note in result.notes)


@pytest.mark.slow
def test_live_key_ranked_critical_in_head_and_history(tmp_path: Path) -> None:
    from selftests.static.test_secrets import ANON, SERVICE_ROLE

    (tmp_path / "settings.py").write_text(LEAKED_SETTINGS)
    (tmp_path / "deploy.sh").write_text(
        f'#!/bin/sh\nexport SUPABASE_SERVICE_ROLE_KEY="{SERVICE_ROLE}"\n'
    )
    (tmp_path / "old.sh").write_text(f'#!/bin/sh\nKEY="{SERVICE_ROLE}"\nANON="{ANON}"\n')
    (tmp_path / "package-lock.json").write_text('{"integrity": "sha512-' + "Zm9v" * 20 + '"}\n')
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "deploy")
    (tmp_path / "old.sh").unlink()
    git(tmp_path, "commit", "-q", "-am", "remove the old script")
    result = secret_scan(tmp_path)
    found = [(f.severity, f.where, f.line) for f in result.counting()]
    assert found == [
        ("critical", "deploy.sh", 2),
        ("high", "settings.py", 1),
        ("critical", "old.sh", 2),  # the history, after HEAD: its live key first
    ]
    assert "live key by shape" in result.findings[2].message
    assert any("lockfile" in note for note in result.notes)
    assert any("Supabase anon key" in note for note in result.notes)


@pytest.mark.slow
def test_ci_run_reports_service_role_jwt_in_deploy_script(tmp_path: Path) -> None:
    """The whole way: `golive run --profile ci` over a repository whose deploy script
    hard-codes a production service_role key fails both secret criteria, naming the line."""
    import subprocess
    import sys

    from golive import resources
    from selftests.static.test_secrets import SERVICE_ROLE

    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "scripts" / "deploy.sh").write_text(
        "#!/usr/bin/env bash\nset -euo pipefail\n"
        f"SUPABASE_SERVICE_ROLE_KEY='{SERVICE_ROLE}' npx supabase db push\n"
        "npx vercel deploy --prod\n"
    )
    (repo / ".env.example").write_text("SUPABASE_SERVICE_ROLE_KEY=your-service-role-key\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "deploy")
    config = tmp_path / "golive.toml"
    config.write_text(f'default_env = "t"\n[environments.t]\nrepo = "{repo}"\n')
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "golive", "run", "--profile", "ci", "--kind", "security",
         "--kind", "static", "--config", str(config), "--output", str(out),
         "--suite", str(resources.suites_dir()), "--", "-k", "secret"],
        capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    results = {c["id"]: c for c in json.loads((out / "results.json").read_text())["criteria"]}
    for criterion in ("platform.secrets-encrypted", "sec.secret-management"):
        assert results[criterion]["status"] == "fail"
        assert "scripts/deploy.sh" in results[criterion]["reason"]
        assert "service_role" in results[criterion]["reason"]
    assert SERVICE_ROLE not in (out / "results.json").read_text()
    assert ".env.example" not in results["platform.secrets-encrypted"]["reason"]


def test_unlistable_history_is_a_gap_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "app.ts").write_text("export const ok = true\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "one")
    blob = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "HEAD:app.ts"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (tmp_path / "app.ts").write_text("export const ok = false\n")
    git(tmp_path, "commit", "-q", "-am", "two")
    # an incomplete clone: the earlier version of app.ts is gone (HEAD's is read from disk)
    (tmp_path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    result = secret_scan(tmp_path)
    # the history is scanned in what the clone has; what it lacks is a gap, never a pass
    assert result.gaps == ["history not scanned in part: 1 objects absent from this clone "
                           "(a partial clone); fetch them to scan the whole history"]
    plain = tmp_path.parent / f"{tmp_path.name}-plain"  # outside any git work tree
    plain.mkdir()
    (plain / "app.ts").write_text("export const ok = true\n")
    assert secret_scan(plain).gaps == []  # no git at all: no history to miss
