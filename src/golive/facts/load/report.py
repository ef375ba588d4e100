"""The load run as evidence: figures, Locust's report and CSV, a plottable series."""

from __future__ import annotations

from pathlib import Path

from golive.facts.load.result import LoadResult
from golive.judging.evidence import Evidence

__all__ = ["locust_artifact", "record_load_evidence"]


def locust_artifact(result: LoadResult) -> str:
    """Where Locust's HTML report and CSV are, followed by its per-endpoint stats CSV."""
    lines = [f"Locust HTML report: {result.html_report}"]
    lines += [f"CSV: {path}" for path in result.csv_files]
    stats = next((Path(p) for p in result.csv_files if p.endswith("_stats.csv")), None)
    if stats is not None and stats.is_file():
        lines += ["", stats.read_text(encoding="utf-8", errors="replace")]
    return "\n".join(lines)


def record_load_evidence(evidence: Evidence, result: LoadResult, *, series: bool = True) -> None:
    """What every load check shows: the run, its report files and (optionally) the series."""
    evidence.record(
        "load run",
        result.requests,
        "requests",
        failed=result.failures,
        duration_s=result.duration_s,
        rps=round(result.rps, 2) if result.requests else None,
        peak_users=result.peak_users,
        target=result.target,
        plan=result.plan,
        html_report=result.html_report,
        csv_files=result.csv_files,
    )
    if result.locust_requests is not None and result.locust_requests != result.requests:
        evidence.note(
            f"golive recorded {result.requests} requests, Locust counted"
            f" {result.locust_requests}; figures are golive's"
        )
    evidence.artifact("locust report", locust_artifact(result))
    if series:
        evidence.record(
            "load series",
            len(result.series),
            "points",
            bucket_s=result.bucket_s,
            columns=["t_s", "users", "rps", "p95_ms", "failures"],
            series=result.series_json(),
        )
