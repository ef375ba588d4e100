"""semgrep with golive's own JS/TS rules, run for real (offline): each rule fires on its
flaw and stays quiet on the safe way to write the same thing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from golive._errors import NotVerified
from golive.facts.scans import runner
from golive.rules.appsec import jscode
from golive.rules.appsec.codescan import infra_scan

FIXTURES = Path(__file__).parent / "js_fixtures"

pytestmark = pytest.mark.slow


def _copy(kind: str, dest: Path, under: str = "") -> Path:
    shutil.copytree(FIXTURES / kind, dest / under, dirs_exist_ok=True)
    return dest


def test_unsafe_code_fails_with_file_line_and_severity(tmp_path: Path) -> None:
    result = jscode.semgrep_scan(_copy("unsafe", tmp_path))
    assert result is not None and result.verified, result and result.reason
    found = {(f.rule, f.where, f.line, f.severity) for f in result.findings}
    assert found == {
        ("semgrep.command-injection", "cmd.ts", 4, "high"),  # exec(`du -sh ${path}`)
        ("semgrep.command-injection", "cmd.ts", 5, "high"),  # cp.execSync("ls " + path)
        ("semgrep.code-injection", "code.js", 1, "high"),
        ("semgrep.code-injection", "code.js", 2, "high"),
        ("semgrep.code-injection", "code.js", 3, "high"),
        ("semgrep.sql-injection", "db.ts", 2, "high"),
        ("semgrep.sql-injection", "db.ts", 3, "high"),
        ("semgrep.sql-injection", "db.ts", 4, "high"),
        ("semgrep.dangerous-html", "page.tsx", 2, "medium"),
        ("semgrep.open-redirect", "app/api/go/route.ts", 4, "medium"),
        ("semgrep.path-traversal", "app/api/file/route.ts", 5, "high"),
        ("semgrep.tls-verification-disabled", "tls.js", 1, "high"),
        ("semgrep.tls-verification-disabled", "tls.js", 2, "high"),
        ("semgrep.jwt-none-algorithm", "tls.js", 3, "high"),
    }
    assert not any(f.severity == "critical" for f in result.findings)  # no CVSS score
    by_rule = {f.rule: f for f in result.findings}
    assert (
        by_rule["semgrep.sql-injection"].cwe == 89
        and by_rule["semgrep.sql-injection"].category == "A03"
    )
    assert by_rule["semgrep.open-redirect"].category == "A01"


def test_safe_code_passes(tmp_path: Path) -> None:
    result = jscode.semgrep_scan(_copy("safe", tmp_path))
    assert result is not None and result.verified and result.findings == []
    assert result.checked == ["7 JavaScript/TypeScript files"]


def test_flaw_in_a_monorepo_app_and_tests_left_out(tmp_path: Path) -> None:
    """Differently planted: the path traversal in a workspace app; the same code in a
    test file and in build output is not what ships."""
    route = FIXTURES / "unsafe" / "app" / "api" / "file" / "route.ts"
    for where in (
        "apps/web/src/app/api/export/route.ts",
        "apps/web/src/app/api/export/route.test.ts",
        "apps/web/.next/server/route.js",
    ):
        (tmp_path / where).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(route, tmp_path / where)
    result = jscode.semgrep_scan(tmp_path)
    assert result is not None and result.verified
    assert [(f.where, f.line, f.rule) for f in result.findings] == [
        ("apps/web/src/app/api/export/route.ts", 5, "semgrep.path-traversal")
    ]


def test_no_javascript_is_not_applicable(tmp_path: Path) -> None:
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "x.test.ts").write_text("eval(code)\n")
    (tmp_path / "main.py").write_text("print('hi')\n")
    assert jscode.semgrep_scan(tmp_path) is None
    _results, notes = infra_scan(tmp_path)
    assert "semgrep: no JavaScript/TypeScript code that ships" in notes


def test_semgrep_absent_is_not_verified(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "tool_path", lambda _name: None)
    result = jscode.semgrep_scan(_copy("safe", tmp_path))
    assert result is not None and not result.verified
    assert result.reason == "semgrep is not installed"


def test_a_report_that_is_not_one_is_not_verified() -> None:
    with pytest.raises(NotVerified, match="no JSON report"):
        jscode.parse_semgrep("Traceback (most recent call last):", 2)
    config_error = (
        '{"results": [], "errors": [{"level": "error", "message": "Invalid rule schema"}]}'
    )
    with pytest.raises(NotVerified, match="could not load golive's rules"):
        jscode.parse_semgrep(config_error, 7)
    partial = (
        '{"results": [], "paths": {"scanned": ["a.ts"]}, "errors": [{"level": "warn", '
        '"type": "PartialParsing", "message": "Syntax error at line a.ts:3", "path": "a.ts"}]}'
    )
    assert jscode.parse_semgrep(partial, 0) == (
        [],
        ["semgrep: a.ts Syntax error at line a.ts:3"],
        1,
    )
