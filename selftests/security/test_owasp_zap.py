"""The OWASP mapping file, category verdicts, ZAP alerts (through a fake ZAP API)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

import golive
from golive.facts.scans import zap
from golive.judging.findings import SecFinding, SourceResult
from golive.rules.appsec.owasp import judge_categories, load_mapping

SOURCE_DIR = Path(golive.__file__).parent
RULE = re.compile(
    r'"((?:header|banner|cookie|cors|cache|exposure|authz|authn|rbac|data|dependency|iac|'
    r'container|secret|tls|http|injection|redirect|traversal|ssrf|csrf)\.[a-z-]+)"'
)


def test_every_rule_golive_emits_is_mapped() -> None:
    mapping = load_mapping()
    emitted = {m for path in SOURCE_DIR.rglob("*.py") for m in RULE.findall(path.read_text())}
    emitted |= set(
        RULE.findall((Path(__file__).parents[2] / "tests" / "security" / "test_tls.py").read_text())
    )
    assert emitted, "no rule found: the pattern is wrong"
    assert sorted(emitted - set(mapping.rules)) == []
    assert sorted(set(mapping.rules) - emitted) == []  # nothing stale in the file either


def finding(rule: str, severity: str = "medium", cwe: int | None = None) -> SecFinding:
    return SecFinding("test", rule, severity, "m", "w", cwe=cwe)  # type: ignore[arg-type]


def test_category_verdicts() -> None:
    mapping = load_mapping()
    results = [
        SourceResult("passive-http", True, [finding("header.csp-missing")]),
        SourceResult("dependency-audit", False, reason="no lockfile"),
        SourceResult(
            "bandit", True, [finding("bandit.B602", cwe=78), finding("bandit.B404", "info", cwe=78)]
        ),
    ]
    verdicts = {v.id: v for v in judge_categories(mapping, results)}
    assert verdicts["A05"].status == "findings"
    assert verdicts["A03"].status == "findings"  # CWE-78 is injection
    assert len(verdicts["A03"].findings) == 1  # the info note does not count
    assert verdicts["A06"].status == "not_verified" and verdicts["A06"].required
    assert verdicts["A01"].status == "clean"
    assert verdicts["A07"].status == "clean"  # passive-http is one of its essential sources
    repo_only = [SourceResult("container-config", True), SourceResult("secret-scan", True)]
    by_repo = {v.id: v for v in judge_categories(mapping, repo_only)}
    # scanning the repository does not check the running target's configuration
    assert by_repo["A05"].status == "not_verified" and "passive-http" in by_repo["A05"].needs
    assert by_repo["A07"].status == "not_verified"
    assert verdicts["A04"].status == "not_checkable"
    assert verdicts["A10"].status == "not_verified" and not verdicts["A10"].required


ALERTS = [
    {
        "pluginId": "40012",
        "alert": "Cross Site Scripting (Reflected)",
        "risk": "High",
        "confidence": "Medium",
        "cweid": "79",
        "url": "http://t/search?q=x",
    },
    {
        "pluginId": "10038",
        "alert": "CSP Header Not Set",
        "risk": "Medium",
        "confidence": "High",
        "cweid": "693",
        "url": "http://t/",
    },
    {
        "pluginId": "10027",
        "alert": "Suspicious Comments",
        "risk": "Informational",
        "confidence": "Low",
        "cweid": "200",
        "url": "http://t/",
    },
    {
        "pluginId": "10015",
        "alert": "Re-examine Cache-control",
        "risk": "Low",
        "confidence": "Low",
        "cweid": "525",
        "url": "http://t/",
    },
]


def test_alert_findings_apply_risk_and_rules() -> None:
    found = {f.rule: f for f in zap.alert_findings(ALERTS, zap.load_rules())}
    assert found["zap.40012"].severity == "high"  # ZAP's top risk, no CVSS score: not critical
    assert found["zap.10038"].severity == "medium"
    assert "zap.10027" not in found  # IGNORE
    assert found["zap.10015"].severity == "info"  # WARN
    mapping = load_mapping()
    assert mapping.category_of(found["zap.40012"]) == "A03"
    assert mapping.category_of(found["zap.10038"]) == "A05"


class FakeZap(BaseHTTPRequestHandler):
    """Answers the ZAP JSON API as a proxy does (absolute URLs to http://zap/JSON/...)."""

    calls: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.calls.append(parts.path)
        answers: dict[str, Any] = {
            "/JSON/spider/action/scan/": {"scan": "1"},
            "/JSON/spider/view/status/": {"status": "100"},
            "/JSON/pscan/view/recordsToScan/": {"recordsToScan": "0"},
            "/JSON/ascan/action/scan/": {"scan": "2"},
            "/JSON/ascan/view/status/": {"status": "100"},
            "/JSON/core/view/alerts/": {"alerts": ALERTS},
        }
        body = json.dumps(answers.get(parts.path, {"code": "bad_view"})).encode()
        assert self.headers.get("X-ZAP-API-Key") == "k" or parse_qs(parts.query).get("apikey")
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def fake_zap() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeZap)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeZap.calls = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.mark.parametrize("active", [False, True])
def test_zap_scan_through_the_api(fake_zap: str, active: bool) -> None:
    result = zap.zap_scan(fake_zap, "k", "http://t/", active=active)
    assert result.verified, result.reason
    assert any(f.severity == "high" for f in result.findings)
    assert ("/JSON/ascan/action/scan/" in FakeZap.calls) is active


def test_zap_not_configured_or_unreachable() -> None:
    assert zap.zap_scan(None, None, "http://t/", active=False).reason == zap.NOT_CONFIGURED
    down = zap.zap_scan("http://127.0.0.1:9", "k", "http://t/", active=False)
    assert not down.verified and "failed" in (down.reason or "")
