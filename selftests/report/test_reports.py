"""Reporters: golden files (timestamps scrubbed), JUnit properties, hostile strings."""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from golive.catalog import load_catalog
from golive.config import Waiver
from golive.judging.results import (
    CheckResult,
    OutOfScope,
    RunData,
    build_run_data,
    judge_criterion,
)
from golive.judging.verdict import Status
from golive.report import render_html, render_junit, render_summary, write_reports

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOLIVE_UPDATE_GOLDEN") == "1"
FIXED_IDS = ("db.connect-time", "db.concurrent-connections", "platform.vercel-json",
             "sec.critical-vulns", "routine.display-optimization")
TODAY = date(2026, 11, 30)


def sample_run(hostile: str = "", lang: str = "en") -> RunData:
    catalog = load_catalog()
    entries = [catalog.get(i) for i in FIXED_IDS]
    connect, concurrent, vercel, vulns, notice = entries
    results = [
        judge_criterion(connect, connect.threshold, [CheckResult(
            nodeid="tests/database/test_connect.py::test_connect_time", status=Status.PASS,
            duration_s=0.2, measured={"value": 4.8, "unit": "ms", "name": "connect p95"},
            evidence=[{"name": "connect p95", "value": 4.8, "unit": "ms", "ok": True}])],
            waiver=None, attestation=None, today=TODAY, missing_reason="no automated check"),
        judge_criterion(concurrent, concurrent.threshold, [CheckResult(
            nodeid="tests/database/test_connect.py::test_concurrent", status=Status.FAIL,
            reason=f"concurrent connections: measured 47, required ≥ 100 {hostile}",
            measured={"value": 47, "unit": "connections"})],
            waiver=None, attestation=None, today=TODAY, missing_reason="no automated check"),
        judge_criterion(vercel, None, [], waiver=None, attestation=None, today=TODAY,
                        missing_reason="no automated check"),
        judge_criterion(vulns, vulns.threshold, [CheckResult(
            nodeid="tests/security/test_deps.py::test_audit", status=Status.NOT_VERIFIED,
            reason="pip-audit could not reach a vulnerability service")],
            waiver=Waiver(criterion=vulns.id, reason=f"offline advisories pending {hostile}",
                          approver="Sato", expires=TODAY + timedelta(days=10)),
            attestation=None, today=TODAY, missing_reason="no automated check"),
        judge_criterion(notice, None, [], waiver=None, attestation=None, today=TODAY,
                        missing_reason="no automated check"),
    ]
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return build_run_data(version="0.0.0", profile="final", env="demo", lang=lang,
                          started_at=start, finished_at=start + timedelta(seconds=42),
                          criteria=results, interrupted=False)


def scrub(text: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?", "<time>", text)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(scrub(text), encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; check it in")
    assert scrub(text) == path.read_text(encoding="utf-8"), (
        f"{name} changed; rerun with GOLIVE_UPDATE_GOLDEN=1 if intended")


def test_verdict_is_no_go_when_a_blocking_criterion_fails():
    assert sample_run().verdict.value == "NO-GO"


def test_results_json_golden():
    check_golden("results.json", sample_run().to_json())


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_summary_md_golden(lang):
    check_golden(f"summary.{lang}.md", render_summary(sample_run(lang=lang)))


def test_junit_has_criterion_properties_and_failures():
    root = ET.fromstring(render_junit(sample_run()).split("\n", 1)[1])
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == set(FIXED_IDS)
    failing = cases["db.concurrent-connections"]
    assert failing.find("failure") is not None
    props = {p.get("name"): p.get("value") for p in failing.iter("property")}
    assert props["criterion"] == "db.concurrent-connections" and props["status"] == "fail"
    assert cases["sec.critical-vulns"].find("skipped") is not None


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> | ` ** '


def test_html_escapes_every_data_string():
    page = render_html(sample_run(hostile=HOSTILE), load_catalog())
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "<script" not in page.lower()  # the report ships no script at all


def test_summary_keeps_tables_intact_with_hostile_strings():
    md = render_summary(sample_run(hostile=HOSTILE))
    rows = [line for line in md.splitlines() if "`db.concurrent-connections`" in line
            and line.startswith("| 1 |")]
    assert rows  # the ranked "why" row of the failing criterion
    for line in rows:
        assert line.count(" | ") == 4  # pipes in data are escaped
    assert "<script>" not in md


def test_html_is_self_contained_and_bilingual():
    en = render_html(sample_run(lang="en"), load_catalog())
    ja = render_html(sample_run(lang="ja"), load_catalog())
    assert "Go-live readiness report" in en and "本番リリース準備レポート" in ja
    assert not re.search(r'(src|href)="https?://', en)


def test_write_reports_writes_all_four_atomically(tmp_path):
    written = write_reports(sample_run(), tmp_path / "out", catalog=load_catalog())
    assert [p.name for p in written] == ["results.json", "junit.xml", "summary.md",
                                         "readiness.html"]
    assert json.loads((tmp_path / "out" / "results.json").read_text())["verdict"] == "NO-GO"
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_load_phase_is_plotted_when_a_series_was_recorded():
    run = sample_run()
    series = [{"t_s": t, "users": 5 + t, "rps": 10.0 + t, "p95_ms": 20.0 * (t + 1), "failures": 0}
              for t in range(5)]
    run.criteria[0].evidence.append({"name": "load series", "value": 5, "series": series})
    page = render_html(run, load_catalog())
    assert page.count("<polyline") == 3
    assert "max 100.0 ms" in page
    assert "Load phase over time" not in render_html(sample_run(), load_catalog())


def test_golive_reasons_read_in_japanese():
    catalog = load_catalog()
    blocking = next(c for c in catalog if c.severity.value == "blocking" and c.automated)
    result = judge_criterion(blocking, blocking.threshold, [], waiver=None, attestation=None,
                             today=TODAY, missing_reason="no automated check")
    run = sample_run(lang="ja")
    run.criteria.append(result)
    assert "自動チェックなし" in render_summary(run)
    assert "自動チェックなし" in render_html(run, catalog)


def unverified_run(*, allow_unverified: bool, lang: str = "en") -> RunData:
    """No failure; a blocking criterion not verified; one criterion out of scope."""
    catalog = load_catalog()
    connect, unverified, scoped_out = (catalog.get(i) for i in FIXED_IDS[:3])
    results = [
        judge_criterion(connect, connect.threshold, [CheckResult(
            nodeid="t::connect", status=Status.PASS)], waiver=None, attestation=None,
            today=TODAY, missing_reason="no automated check"),
        judge_criterion(unverified, None, [CheckResult(
            nodeid="t::concurrent", status=Status.NOT_VERIFIED,
            reason="http://127.0.0.1:9 is not reachable: ConnectError")],
            waiver=None, attestation=None, today=TODAY, missing_reason="no automated check"),
    ]
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return build_run_data(
        version="0.0.0", profile="ci", env="staging", lang=lang, started_at=start,
        finished_at=start, criteria=results, interrupted=False,
        allow_unverified=allow_unverified, narrowed_by=["pytest selection (-k, -m or --deselect)"],
        out_of_scope=[OutOfScope(id=scoped_out.id, severity=scoped_out.severity,
                                 reason="only 1 of its 2 checks selected; a part is no pass")])


@pytest.mark.parametrize("allow", [False, True])
def test_unverified_run_in_every_report(allow):
    run = unverified_run(allow_unverified=allow)
    assert run.verdict.value == "UNVERIFIED" and run.exit_code == (0 if allow else 4)
    md = render_summary(run)
    assert md.startswith("# ❔ golive ci: UNVERIFIED")
    assert ("--allow-unverified" in md) is allow
    assert "platform.vercel-json" in md and "only 1 of its 2 checks selected" in md
    banner = render_html(run, load_catalog()).split("</header>")[0]
    assert 'class="verdict UNVERIFIED"' in banner
    assert ("--allow-unverified" in banner) is allow
    assert "1 out of scope" in banner
    root = ET.fromstring(render_junit(run).split("\n", 1)[1])
    props = {p.get("name"): p.get("value") for p in root.find("properties")}
    assert props["verdict"] == "UNVERIFIED" and props["allow_unverified"] == str(allow).lower()
    assert props["scope_in"] == "2" and props["scope_out"] == "1"
    case = next(c for c in root.iter("testcase")
                if c.get("name") == "db.concurrent-connections")
    if allow:  # the team gates only on what was verified: it decides nothing
        assert case.find("skipped") is not None and root.get("failures") == "0"
    else:
        failure = case.find("failure")
        assert failure.get("message") == (
            "not verified: http://127.0.0.1:9 is not reachable: ConnectError")
        assert root.get("failures") == "1" and root.get("skipped") == "0"


def test_junit_failure_message_is_the_first_finding():
    run = sample_run()
    run.criteria[1].reason = (
        "vercel.json: 2 finding(s)\n  vercel.json:3: no security headers\n  vercel.json:9: x")
    root = ET.fromstring(render_junit(run).split("\n", 1)[1])
    failure = next(c for c in root.iter("testcase")
                   if c.get("name") == "db.concurrent-connections").find("failure")
    assert failure.get("message") == "vercel.json:3: no security headers"
    assert "2 finding(s)" in failure.text
