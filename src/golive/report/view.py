"""Shapes the run data for templates: ranking, counts, groupings, formatted values.

Read-only: it decides no verdict, it only orders and formats what the run data holds.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from golive.catalog import AREAS, Catalog, Severity, Threshold
from golive.judging.results import CriterionResult, RunData
from golive.judging.verdict import Status
from golive.report.signoffs import SignoffRow, signoff_rows

__all__ = [
    "HEADLINE_IDS",
    "STATUS_ORDER",
    "EvidenceRow",
    "Headline",
    "Ranked",
    "ReportView",
    "ThresholdView",
    "findings_of",
    "first_finding",
    "format_measured",
    "format_threshold",
]

# the plan's headline figures (seed: availability, response, error rate, DB connect,
# concurrent connections, rollback, backup, detect-to-notify), in the plan's order
HEADLINE_IDS = (
    "perf.availability", "perf.avg-response", "perf.error-rate", "db.connect-time",
    "db.concurrent-connections", "cicd.rollback-time", "cicd.backup-time",
    "mon.detect-to-notify",
)
# ranked tiers: blocking failures, blocking not verified, major failures, major not verified
TIERS = ("tier_blocking_fail", "tier_blocking_nv", "tier_major_fail", "tier_major_nv")
# the header line golive.judging.evidence writes above the findings themselves
_FINDINGS_HEADER = re.compile(r": \d+ finding\(s\)$")
_REQUIRED = re.compile(r"required ([≤≥<>=]+) ?(-?[\d.]+) ?([^;,)\n]*)")
_PATH = re.compile(r"(?<![\w:])(/[\w.@+-]+(?:/[\w.@+-]+)+)")
LONG_TEXT = 160  # characters: longer evidence text is folded under <details>

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
        if measured["value"] is None:  # nothing measured: no "None HTTP status"
            return "—"
        return f"{measured['value']} {measured.get('unit') or ''}".strip()
    return str(measured)


def _number(measured: Any) -> float | None:
    if isinstance(measured, dict) and isinstance(measured.get("value"), int | float):
        return float(measured["value"])
    return None


def findings_of(result: CriterionResult) -> list[str]:
    """The findings one per line ("file:line: message"), from the evidence if recorded
    there, else from the reason's lines below its "N finding(s)" header."""
    listed = []
    for item in result.evidence:
        recorded = item.get("findings")
        for finding in recorded if isinstance(recorded, list) else []:
            if isinstance(finding, dict) and finding.get("message"):
                where = finding.get("file") or ""
                if where and finding.get("line"):
                    where = f"{where}:{finding['line']}"
                listed.append(f"{where}: {finding['message']}" if where else finding["message"])
            elif isinstance(finding, str):
                listed.append(finding)
    if listed:
        return list(dict.fromkeys(listed))
    lines = [line.strip() for line in (result.reason or "").splitlines() if line.strip()]
    if len(lines) > 1 and _FINDINGS_HEADER.search(lines[0]):
        return lines[1:]
    return []


def first_finding(result: CriterionResult) -> str:
    """The line a reader acts on: the first finding, else the reason's first line."""
    found = findings_of(result)
    if found:
        return found[0]
    lines = [line.strip() for line in (result.reason or "").splitlines() if line.strip()]
    return lines[0] if lines else ""


@dataclass(frozen=True)
class ThresholdView:
    """The threshold a criterion was judged by and where it came from."""

    text: str
    source: str  # "catalog", "override" (golive.toml per environment), "check", "none"
    catalog: str = ""  # the catalog's value when overridden
    op: str | None = None
    value: float | None = None
    unit: str = ""
    criterion: str = ""


@dataclass(frozen=True)
class Ranked:
    result: CriterionResult
    tier: str
    rank: int
    finding: str


@dataclass(frozen=True)
class Headline:
    id: str
    result: CriterionResult | None
    title: str
    measured: float | None
    unit: str
    threshold: ThresholdView


@dataclass(frozen=True)
class EvidenceRow:
    key: str
    kind: str  # "text", "long", "table", "list"
    value: Any
    links: list[tuple[str, str]] = field(default_factory=list)  # (shown path, href)


@dataclass(frozen=True)
class ReportView:
    data: RunData
    catalog: Catalog | None = None
    output: Path | None = None  # the report folder: artifact links are relative to it

    # -- ranking -------------------------------------------------------------------
    def tier(self, result: CriterionResult) -> str | None:
        failed = result.status in (Status.FAIL, Status.ERROR)
        unverified = result.status is Status.NOT_VERIFIED
        if result.severity is Severity.BLOCKING:
            return TIERS[0] if failed else TIERS[1] if unverified else None
        if result.severity is Severity.MAJOR:
            return TIERS[2] if failed else TIERS[3] if unverified else None
        return None

    @property
    def ranked(self) -> list[Ranked]:
        """Why this verdict: the criteria that decide it, most severe first (catalog order
        within a tier, errors before failures as the check itself broke)."""
        keyed = []
        for index, result in enumerate(self.data.criteria):
            tier = self.tier(result)
            if tier is not None:
                keyed.append((TIERS.index(tier), result.status is not Status.ERROR, index,
                              tier, result))
        keyed.sort(key=lambda k: k[:3])
        return [Ranked(result=r, tier=t, rank=i + 1, finding=first_finding(r))
                for i, (_, _, _, t, r) in enumerate(keyed)]

    # -- thresholds ----------------------------------------------------------------
    def threshold_of(self, result: CriterionResult) -> ThresholdView:
        known = self.catalog.get(result.id) if self.catalog and result.id in self._ids else None
        if result.threshold is not None:
            t = result.threshold
            catalog_t = known.threshold if known else None
            if catalog_t is not None and (catalog_t.value, catalog_t.unit) != (t.value, t.unit):
                return ThresholdView(str(t), "override", str(catalog_t), t.op, t.value, t.unit)
            return ThresholdView(str(t), "catalog", "", t.op, t.value, t.unit)
        # judged by a bound the check names itself (e.g. one per resource)
        for item in result.evidence:
            expected = str(item.get("expected") or "")
            if item.get("ok") is False and expected[:1] in "≤≥<>":
                return ThresholdView(expected, "check")
        match = _REQUIRED.search(result.reason or "")
        if match:
            op, value, unit = match.group(1), match.group(2), match.group(3).strip()
            return ThresholdView(f"{op} {value} {unit}".strip(), "check")
        return ThresholdView("—", "none")

    @property
    def _ids(self) -> set[str]:
        return {c.id for c in self.catalog} if self.catalog else set()

    @property
    def headlines(self) -> list[Headline]:
        by_id = {c.id: c for c in self.data.criteria}
        rows = []
        for cid in HEADLINE_IDS:
            result = by_id.get(cid)
            if result is None:
                continue
            threshold = self.threshold_of(result)
            measured = result.measured if isinstance(result.measured, dict) else {}
            unit = measured.get("unit")
            rows.append(Headline(
                id=cid, result=result, title=result.title.get(self.data.lang, cid),
                measured=_number(result.measured), unit=unit or threshold.unit,
                threshold=threshold,
            ))
        return rows

    # -- evidence ------------------------------------------------------------------
    def link(self, path: str) -> str | None:
        """A relative href for a file inside the report folder, else None (a link out of
        the folder breaks as soon as the folder is copied or attached)."""
        if self.output is None:
            return None
        try:
            target = Path(path).resolve()
            folder = self.output.resolve()
        except (OSError, ValueError):
            return None
        if not target.is_relative_to(folder):
            return None
        return Path(os.path.relpath(target, folder)).as_posix()

    def _links(self, text: str) -> list[tuple[str, str]]:
        found = []
        for path in dict.fromkeys(_PATH.findall(text)):
            href = self.link(path)
            if href:
                found.append((href, href))
        return found

    def evidence_rows(self, item: dict[str, Any]) -> list[EvidenceRow]:
        """One evidence record as key/value rows: long text folded, paths linked."""
        rows = []
        for key, value in item.items():
            if (key == "findings" and isinstance(value, list)) or (
                    key == "name" and not isinstance(value, dict | list)):
                continue
            if key == "series":
                rows.append(EvidenceRow(key, "text", f"{len(value)} points (charted above)"))
                continue
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                columns = list(dict.fromkeys(k for v in value[:50] for k in v))
                table = [[self._short(v.get(c)) for c in columns] for v in value[:50]]
                rows.append(EvidenceRow(key, "table", {"columns": columns, "rows": table,
                                                       "more": max(len(value) - 50, 0)}))
                continue
            if isinstance(value, list):
                texts = [self._short(v) for v in value]
                links = [link for v in value for link in self._links(str(v))]
                rows.append(EvidenceRow(key, "list", texts, links))
                continue
            text = _flat(value)
            kind = "long" if len(text) > LONG_TEXT or "\n" in text else "text"
            rows.append(EvidenceRow(key, kind, text, self._links(text)))
        return rows

    @staticmethod
    def _short(value: Any) -> str:
        text = _flat(value)
        return text if len(text) <= 300 else text[:300] + "…"

    # -- attestations --------------------------------------------------------------
    @property
    def attested(self) -> list[CriterionResult]:
        """Criteria a person signs for (kind attestation), most severe status first."""
        rows = [c for c in self.data.criteria if not c.automated]
        return sorted(rows, key=lambda c: STATUS_ORDER.index(c.status))

    @property
    def signoffs(self) -> list[SignoffRow]:
        """The sign-offs apart from the checks: signer, date, expiry, run signed, key."""
        return signoff_rows(self.data)

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

    def column(self, key: str) -> list[float]:
        return [float(p.get(key) or 0) for p in self.load_series]

    @property
    def latency_slo(self) -> ThresholdView | None:
        """The response-time bound the load phase was judged by (from the run data)."""
        for cid in ("perf.avg-response", "perf.endpoint-load"):
            for result in self.data.criteria:
                if result.id == cid:
                    t = self.threshold_of(result)
                    if t.value is not None and t.unit == "ms":
                        return replace(t, criterion=result.id)
        return None

    def series_max(self, key: str) -> float:
        return max((float(p.get(key) or 0) for p in self.load_series), default=0.0)

    @property
    def pass_ratio(self) -> float:
        total = len(self.data.criteria)
        passed = sum(c.status is Status.PASS for c in self.data.criteria)
        return passed / total if total else 0.0


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_flat(v)}" for k, v in value.items())
    if value is None:
        return "—"
    return str(value)
