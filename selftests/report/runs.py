"""Whole-catalog runs for the report tests: a good one and a broken one.

Built through golive's own judging (judge_criterion, build_run_data) with evidence in the
shapes the checks record (findings, a load series, Locust's CSV line, artifacts in the
report folder), so the reports are rendered from run data like a real run's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from golive.catalog import Severity, load_catalog
from golive.judging.results import CheckResult, CriterionResult, RunData, build_run_data
from golive.judging.results import judge_criterion as judge
from golive.judging.signoff import Signoff
from golive.judging.verdict import Status

__all__ = ["LOCUST_CSV_LINE", "broken_run", "good_run"]

TODAY = date(2026, 11, 30)
RUN_ID = "20261130T090000Z-0a1b2c3d"
LOCUST_CSV_LINE = ",".join(["GET,/api/projects,57,15,180,615.2,12,4100,512,9.7,1.2"] * 120)
SERIES = [{"t_s": float(t), "users": min(5 * (t + 1), 20), "rps": 6.0 + (t % 4) * 3,
           "p95_ms": 900.0 + 40 * t if t != 10 else 1310.7, "failures": 3 if t in (1, 10) else 0}
          for t in range(13)]


def _measured(criterion_value: float, unit: str, factor: float) -> dict[str, object]:
    return {"value": round(criterion_value * factor, 3), "unit": unit, "name": "measured"}


def _run(broken: bool, folder: Path, lang: str) -> RunData:
    catalog = load_catalog()
    load_dir = folder / "load"
    load_dir.mkdir(parents=True, exist_ok=True)
    (load_dir / "locust.html").write_text("<html><body>locust</body></html>", encoding="utf-8")
    (load_dir / "locust_stats.csv").write_text(LOCUST_CSV_LINE + "\n", encoding="utf-8")
    results: list[CriterionResult] = []
    for index, criterion in enumerate(catalog):
        t = criterion.threshold
        if not criterion.automated:
            signed_on = TODAY - timedelta(days=3)
            record = Signoff(criterion=criterion.id, counts=True, by="tanaka@example.com",
                             date=signed_on, expires=TODAY + timedelta(30), signed=True,
                             evidence="minutes/2026-11-27-review.md", run_id=RUN_ID,
                             run_verdict="UNVERIFIED", key="SHA256:sample", source="r.yaml",
                             reason=f"signed by tanaka@example.com on {signed_on}"
                                    f" (SHA256:sample), valid until {TODAY + timedelta(30)},"
                                    f" for run {RUN_ID} (UNVERIFIED)")  # fmt: skip
            signed = not broken or index % 3 == 0
            results.append(judge(criterion, t, [], waiver=None,
                                 attestation=record if signed else None, today=TODAY,
                                 missing_reason="no automated check"))
            continue
        evidence: list[dict[str, object]] = []
        if criterion.id in ("perf.avg-response", "perf.availability"):
            evidence = [
                {"name": "load run", "value": 125, "unit": "requests", "failed": 19,
                 "html_report": str(load_dir / "locust.html"),
                 "csv_files": [str(load_dir / "locust_stats.csv")],
                 "stats_line": LOCUST_CSV_LINE},
                {"name": "load series", "value": len(SERIES), "unit": "points",
                 "series": SERIES},
            ]
        fails = broken and (criterion.severity is not Severity.MINOR or index % 2 == 0)
        unverified = broken and not fails
        if t is not None:
            factor = (3.0 if t.op in ("<=", "<") else 0.45) if fails else (
                0.5 if t.op in ("<=", "<") else 1.0)
            measured = _measured(t.value or 1.0, t.unit, factor)
            shown = measured["value"]
            reason = (f"{measured['name']}: measured {shown} {t.unit}, required {t}"
                      if fails else None)
            check = CheckResult(nodeid=f"tests/x.py::test_{index}",
                                status=Status.FAIL if fails else Status.PASS,
                                reason=reason, measured=measured, evidence=evidence)
        elif fails:
            findings = [{"file": "sample-infra/vercel.json", "line": 3 + n,
                         "message": f"finding {n} of {criterion.id}"} for n in range(4)]
            check = CheckResult(
                nodeid=f"tests/x.py::test_{index}", status=Status.FAIL,
                reason=f"{criterion.id}: 4 finding(s)\n" + "\n".join(
                    f"  {f['file']}:{f['line']}: {f['message']}" for f in findings),
                evidence=[*evidence, {"name": f"findings in {criterion.id}", "value": 4,
                                      "unit": "findings", "expected": "0", "ok": False,
                                      "findings": findings}])
        elif unverified:
            check = CheckResult(nodeid=f"tests/x.py::test_{index}", status=Status.NOT_VERIFIED,
                                reason="not found: vercel.json anywhere in sample-infra")
        else:
            check = CheckResult(nodeid=f"tests/x.py::test_{index}", status=Status.PASS,
                                evidence=evidence)
        if unverified and t is not None:
            check = CheckResult(nodeid=check.nodeid, status=Status.NOT_VERIFIED,
                                reason="http://127.0.0.1:9 is not reachable: ConnectError")
        results.append(judge(criterion, t, [check], waiver=None, attestation=None,
                             today=TODAY, missing_reason="no automated check"))
    start = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    return build_run_data(version="0.0.0", profile="final", env="demo", lang=lang,
                          started_at=start, finished_at=start + timedelta(minutes=3),
                          criteria=results, interrupted=False, checks_run=len(results),
                          run_id=RUN_ID)


def good_run(folder: Path, lang: str = "en") -> RunData:
    return _run(False, folder, lang)


def broken_run(folder: Path, lang: str = "en") -> RunData:
    return _run(True, folder, lang)
