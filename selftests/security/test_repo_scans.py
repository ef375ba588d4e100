"""bandit, compose settings and secrets in the git history."""

from __future__ import annotations

import json
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
        ("a.py", "critical", 78),
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
