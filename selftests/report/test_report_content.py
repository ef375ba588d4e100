"""What the board reads: the ranked "why", the headline strip, thresholds, findings,
evidence, attestations, charts with scales, print CSS and Japanese messages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from golive.catalog import Severity, load_catalog
from golive.judging.results import CheckResult, Trend, judge_criterion
from golive.judging.verdict import Status
from golive.report import render_html, render_summary, write_reports
from golive.report.charts import nice_ticks, trend_chart
from golive.report.i18n import reason_text
from golive.report.view import ReportView

from .runs import LOCUST_CSV_LINE, TODAY, broken_run, good_run


def _row(page: str, cid: str) -> str:
    """The detail row of one criterion, up to the next criterion's row."""
    return page.split(f'<tr id="{cid}">', 1)[1].split("<tr id=", 1)[0]


def _rows(page: str, section: str) -> str:
    return page.split(f'<section id="{section}">', 1)[1].split("</section>", 1)[0]


def test_ranked_list_puts_blocking_failures_first_then_unverified_then_major(tmp_path):
    run = broken_run(tmp_path)
    ranked = ReportView(run).ranked
    tiers = [r.tier for r in ranked]
    assert tiers == sorted(tiers, key=["tier_blocking_fail", "tier_blocking_nv",
                                       "tier_major_fail", "tier_major_nv"].index)
    assert ranked[0].result.severity is Severity.BLOCKING
    assert ranked[0].result.status is Status.FAIL
    assert all(r.result.severity is not Severity.MINOR for r in ranked)
    page = render_html(run, load_catalog(), output=tmp_path)
    why = _rows(page, "why")
    first = re.search(r'<a href="#([^"]+)">', why)
    assert first and first.group(1) == ranked[0].result.id
    assert f'<tr id="{ranked[0].result.id}">' in page  # the anchor leads to its detail row
    # the summary ranks the same way and links the HTML
    md = render_summary(run, catalog=load_catalog())
    assert "[Full report](readiness.html)" in md
    table = [line for line in md.splitlines() if re.match(r"\| \d+ \| [a-z]", line)]
    assert table[0].startswith(f"| 1 | fail · blocking | `{ranked[0].result.id}`")


def test_good_run_says_nothing_is_in_the_way(tmp_path):
    page = render_html(good_run(tmp_path), load_catalog())
    assert "Nothing failed, nothing blocking is unverified" in _rows(page, "why")


def test_headline_strip_draws_each_figure_against_its_threshold(tmp_path):
    run = broken_run(tmp_path)
    headline = _rows(render_html(run, load_catalog()), "headline")
    for cid in ("perf.availability", "perf.avg-response", "perf.error-rate", "db.connect-time",
                "db.concurrent-connections", "cicd.rollback-time", "cicd.backup-time",
                "mon.detect-to-notify"):
        assert f'href="#{cid}"' in headline
    assert headline.count('<svg class="bar"') == 8
    avg = load_catalog().get("perf.avg-response").threshold
    assert f"≤ {avg.value:g}" in headline  # the threshold line's label comes from the data


def test_overridden_threshold_is_marked_with_the_catalog_value(tmp_path):
    catalog = load_catalog()
    rollback = catalog.get("cicd.rollback-time")
    assert rollback.threshold is not None
    run = good_run(tmp_path)
    index = next(i for i, c in enumerate(run.criteria) if c.id == rollback.id)
    run.criteria[index] = judge_criterion(
        rollback, rollback.threshold.with_value(0.2), [CheckResult(
            nodeid="t::rollback", status=Status.PASS,
            measured={"value": 0.03, "unit": "min"})],
        waiver=None, attestation=None, today=TODAY, missing_reason="no automated check")
    page = render_html(run, catalog)
    row = _row(page, rollback.id)
    assert "≤ 0.2 min" in row and f"overridden; catalog {rollback.threshold}" in row
    assert f"catalog {rollback.threshold}" in render_summary(run, catalog=catalog)


def test_threshold_named_by_the_check_and_no_none_values(tmp_path):
    catalog = load_catalog()
    usage = next(c for c in catalog if c.automated and c.threshold is None)
    run = good_run(tmp_path)
    index = next(i for i, c in enumerate(run.criteria) if c.id == usage.id)
    run.criteria[index] = judge_criterion(usage, None, [CheckResult(
        nodeid="t::usage", status=Status.FAIL, reason="cpu usage: measured 97.0 %, required ≤ 80 %",
        measured={"value": None, "unit": "HTTP status", "name": "webhook answer"})],
        waiver=None, attestation=None, today=TODAY, missing_reason="no automated check")
    page = render_html(run, catalog)
    row = _row(page, usage.id)
    assert "≤ 80 %" in row and "from the check" in row
    assert "None" not in row


def test_findings_one_per_line_and_evidence_as_key_value_tables(tmp_path):
    run = broken_run(tmp_path)
    page = render_html(run, load_catalog(), output=tmp_path)
    static = next(c for c in run.criteria if c.status is Status.FAIL and c.threshold is None
                  and c.automated)
    row = _row(page, static.id)
    assert "<li>sample-infra/vercel.json:3: finding 0 of" in row
    assert "<li>sample-infra/vercel.json:4: finding 1 of" in row
    assert '<table class="kv">' in row
    # Locust's CSV line is folded and wrapped, never one unbreakable line on the page
    load = _row(page, "perf.avg-response")
    assert LOCUST_CSV_LINE not in re.sub(r"<details><summary>[^<]*</summary><pre>.*?</pre>",
                                         "", load, flags=re.S)
    assert "<pre>" + LOCUST_CSV_LINE in load
    assert "white-space: pre-wrap; overflow-wrap: anywhere" in page


def test_artifacts_inside_the_report_folder_are_linked_relatively(tmp_path):
    run = broken_run(tmp_path)
    page = render_html(run, load_catalog(), output=tmp_path)
    assert '<a href="load/locust.html">' in page
    assert '<a href="load/locust_stats.csv">' in page
    assert f'href="{tmp_path}' not in page and 'href="file:' not in page
    elsewhere = render_html(run, load_catalog(), output=tmp_path / "other")
    assert 'href="load/locust.html"' not in elsewhere  # outside the folder: shown, not linked


def test_attestations_have_their_own_table_and_badge(tmp_path):
    run = broken_run(tmp_path)
    page = render_html(run, load_catalog())
    table = _rows(page, "attestations")
    assert "Signed by" in table and "Expires" in table
    assert "tanaka@example.com" in table and str(TODAY + timedelta(30)) in table
    # the run signed and the signing key, beside signer, date and expiry
    assert "Run signed" in table and run.run_id and run.run_id in table and "SHA256:" in table
    assert 'class="badge attested"' in table and 'class="badge pass"' not in table
    assert 'class="badge not_verified"' in table  # an unsigned one stays not verified


def test_load_charts_have_axes_units_and_the_slo_from_the_run_data(tmp_path):
    catalog = load_catalog()
    run = broken_run(tmp_path)
    avg = catalog.get("perf.avg-response")
    assert avg.threshold is not None
    index = next(i for i, c in enumerate(run.criteria) if c.id == avg.id)
    run.criteria[index] = run.criteria[index].model_copy(
        update={"threshold": avg.threshold.with_value(150)})
    load = _rows(render_html(run, catalog), "load")
    assert load.count('<svg class="chart"') == 2
    assert 'class="slo"' in load and "SLO ≤ 150 ms (perf.avg-response)" in load
    assert ">ms</text>" in load and ">requests/s</text>" in load
    assert ">1500</text>" in load  # ticks on a rounded scale that covers the 1310.7 ms peak


def test_nice_ticks_cover_the_range_in_round_steps():
    assert nice_ticks(0, 1310.7) == [0, 500, 1000, 1500]
    assert nice_ticks(0, 0.27) == [0, 0.1, 0.2, 0.3]


def test_trends_share_a_baseline_and_colour_regressions(tmp_path):
    run = good_run(tmp_path)
    run.trends = [
        Trend(id="perf.avg-response", unit="ms", values=[100.0, 100.0, 100.1], baseline=100.0,
              change_pct=0.1, regressed=False),
        Trend(id="db.connect-time", unit="ms", values=[50.0, 51.0, 70.0], baseline=50.0,
              change_pct=40.0, regressed=True, why="+40 % against the median"),
    ]
    run.history_runs = 2
    trends = _rows(render_html(run, load_catalog()), "trends")
    flat, jump = re.findall(r'<svg class="trend".*?</svg>', trends)
    ys = [float(y) for y in re.findall(r",([\d.]+)", flat.split('points="')[1].split('"')[0])]
    assert max(ys) - min(ys) < 1.0  # +0.1 % stays flat on the shared scale
    assert 'stroke="var(--fail)"' in jump and 'stroke="var(--fail)"' not in flat
    assert "10 % or more worse than the median" in trends
    assert trend_chart([1.0], 1.0, regressed=False, scale_pct=20) == ""


def test_print_css_keeps_colour_and_collapses_details(tmp_path):
    page = render_html(broken_run(tmp_path), load_catalog())
    css = page.split("@media print", 1)[1].split("</style>", 1)[0]
    assert "print-color-adjust: exact" in css
    assert "details > :not(summary) { display: none; }" in css
    assert "<script" not in page.lower() and not re.search(r'(src|href)="https?://', page)


@pytest.mark.parametrize(("english", "japanese"), [
    ("connect p95: measured 410.6 ms, required ≤ 200 ms",
     "connect p95: 測定値 410.6 ms、基準 ≤ 200 ms"),
    ("not found: vercel.json anywhere in sample-infra",
     "見つかりません: vercel.json(sample-infra のどこにもありません)"),
    ("unrecognised format: x.tf (accepted: HCL)", "認識できない形式: x.tf (accepted: HCL)"),
    ("no alarm actions configured", "alarm actions が設定されていません"),
    ("env check: 2 finding(s)\n  deploy.sh:3: x", "env check: 指摘 2 件\n  deploy.sh:3: x"),
    ("http://127.0.0.1:9 is not reachable: ConnectError; no automated check",
     "http://127.0.0.1:9 に接続できません: ConnectError; 自動チェックなし"),
    ("waived by Sato until 2026-12-10: offline (was not_verified: no automated check)",
     "Sato により 2026-12-10 まで免除: offline(元の状態 not_verified: 自動チェックなし)"),
    ("attested by Tanaka on 2026-11-27", "Tanaka が 2026-11-27 に署名"),
    ("a check's own words stay as written", "a check's own words stay as written"),
])
def test_golive_messages_in_japanese(english, japanese):
    assert reason_text(english, "ja") == japanese
    assert reason_text(english, "en") == english


def test_japanese_report_translates_frame_reasons_and_strip(tmp_path):
    page = render_html(broken_run(tmp_path, lang="ja"), load_catalog())
    assert "この判定の理由" in page and "計画の主要指標" in page and "署名者" in page
    assert "測定値" in _rows(page, "why") and "required ≤" not in _rows(page, "why")
    assert "sample-infra/vercel.json:3" in page  # file names stay as they are


def test_write_reports_links_artifacts_of_the_output_folder(tmp_path):
    out = tmp_path / "out"
    run = broken_run(out)
    write_reports(run, out, catalog=load_catalog())
    page = (out / "readiness.html").read_text(encoding="utf-8")
    assert '<a href="load/locust.html">' in page
    assert (out / "load" / "locust.html").exists()
    assert Path(out / "summary.md").read_text(encoding="utf-8").count("readiness.html") == 1
