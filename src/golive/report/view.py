"""Shapes the run data for templates: counts, groupings, formatted values. Read-only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from golive.catalog import AREAS, Severity, Threshold
from golive.judging.results import CriterionResult, RunData
from golive.judging.verdict import Status

__all__ = ["STATUS_ORDER", "ReportView", "format_measured", "format_threshold"]

STATUS_ORDER = (
    Status.FAIL,
    Status.ERROR,
    Status.NOT_VERIFIED,
    Status.WAIVED,
    Status.PASS,
    Status.NOT_APPLICABLE,
)


def format_threshold(threshold: Threshold | None) -> str:
    return "—" if threshold is None else str(threshold)


def format_measured(measured: Any) -> str:
    if measured is None:
        return "—"
    if isinstance(measured, dict) and "value" in measured:
        return f"{measured['value']} {measured.get('unit') or ''}".strip()
    return str(measured)


@dataclass(frozen=True)
class ReportView:
    data: RunData

    @property
    def automated(self) -> list[CriterionResult]:
        return [c for c in self.data.criteria if c.automated]

    @property
    def attestations(self) -> list[CriterionResult]:
        return [c for c in self.data.criteria if not c.automated]

    def with_status(self, *statuses: Status) -> list[CriterionResult]:
        return [c for c in self.data.criteria if c.status in statuses]

    @property
    def failing(self) -> list[CriterionResult]:
        return self.with_status(Status.FAIL, Status.ERROR)

    @property
    def blocking_unverified(self) -> list[CriterionResult]:
        return [
            c for c in self.with_status(Status.NOT_VERIFIED) if c.severity is Severity.BLOCKING
        ]

    @property
    def waived(self) -> list[CriterionResult]:
        return self.with_status(Status.WAIVED)

    def counts(self, rows: list[CriterionResult] | None = None) -> dict[Status, int]:
        tally = Counter(c.status for c in (self.data.criteria if rows is None else rows))
        return {s: tally.get(s, 0) for s in STATUS_ORDER}

    @property
    def by_area(self) -> list[tuple[str, dict[Status, int], int]]:
        rows = []
        for area in AREAS:
            members = [c for c in self.data.criteria if c.area == area]
            if members:
                rows.append((area, self.counts(members), len(members)))
        return rows

    @property
    def load_series(self) -> list[dict[str, float]]:
        """The load phase over time (t_s, users, rps, p95_ms, failures), if one ran."""
        for result in self.data.criteria:
            for item in result.evidence:
                if item.get("name") == "load series" and item.get("series"):
                    return list(item["series"])
        return []

    def polyline(self, key: str, width: float = 760, height: float = 160) -> str:
        """SVG points of one load-series column, scaled to the chart box."""
        series = self.load_series
        values = [float(p.get(key) or 0) for p in series]
        if len(values) < 2:
            return ""
        top = max(values) or 1.0
        step = width / (len(values) - 1)
        return " ".join(
            f"{40 + i * step:.1f},{10 + height - height * v / top:.1f}"
            for i, v in enumerate(values)
        )

    def series_max(self, key: str) -> float:
        return max((float(p.get(key) or 0) for p in self.load_series), default=0.0)

    @property
    def pass_ratio(self) -> float:
        total = len(self.data.criteria)
        passed = sum(c.status is Status.PASS for c in self.data.criteria)
        return passed / total if total else 0.0
