"""What a check hands back (measured facts, tool output) and the one place a criterion's
verdict is decided: the threshold comparison, the findings, the sources that ran."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from golive._errors import NotVerified
from golive.catalog import Criterion, Threshold
from golive.judging.findings import (
    Finding,
    FindingSeverity,
    SecFinding,
    SourceResult,
    at_least,
    severity_rank,
)

__all__ = ["ARTIFACT_LIMIT", "CriterionContext", "Evidence"]

ARTIFACT_LIMIT = 20_000  # characters of one tool output kept in results.json
_FINDINGS_KEPT = 50


@dataclass
class Evidence:
    """Facts a check records; carried to the controller in the test report."""

    items: list[dict[str, Any]] = field(default_factory=list)
    measured: Any = None

    def record(self, name: str, value: Any, unit: str | None = None, **facts: Any) -> None:
        self.items.append({"name": name, "value": value, "unit": unit, **facts})

    def artifact(self, name: str, text: str) -> None:
        kept = text if len(text) <= ARTIFACT_LIMIT else text[:ARTIFACT_LIMIT] + "\n…(truncated)"
        self.items.append({"name": name, "artifact": kept})

    def note(self, text: str) -> None:
        self.items.append({"name": "note", "value": text})

    def record_sources(self, results: Iterable[SourceResult]) -> None:
        """One line per source (ran or not, and why), plus its info findings as notes."""
        for result in results:
            self.record(
                f"source {result.label or result.source}",
                "ran" if result.verified else "not verified",
                **result.summary(),
            )
            notes = [f.as_dict() for f in result.findings if not f.counts]
            if notes:
                name = f"notes from {result.label or result.source}"
                self.record(name, len(notes), "notes", notes=notes[:_FINDINGS_KEPT])


@dataclass
class CriterionContext:
    """The ``criterion`` fixture: the catalog entry with the environment's threshold."""

    entry: Criterion
    threshold: Threshold | None
    evidence: Evidence

    @property
    def id(self) -> str:
        return self.entry.id

    def expect(
        self,
        measured: float,
        *,
        name: str | None = None,
        unit: str | None = None,
        capped: bool = False,
    ) -> None:
        """Compare ``measured`` (in the threshold's unit) against the threshold; record both.

        ``capped``: the check measured only up to the threshold (it opened as many
        connections as required, say), so the figure proves the threshold but says nothing
        of the headroom beyond it; the bottleneck review does not rank it."""
        if self.threshold is None:
            raise TypeError(f"{self.id} has no threshold in the catalog")
        if unit is not None and unit != self.threshold.unit:
            raise ValueError(
                f"{self.id}: measured in {unit}, threshold is in {self.threshold.unit}"
            )
        label = name or self.entry.title.en
        value = float(measured)
        ok = not math.isnan(value) and self.threshold.met_by(value)
        shown = round(value, 3)
        self.evidence.record(label, shown, self.threshold.unit, expected=str(self.threshold), ok=ok)
        self.evidence.measured = {"value": shown, "unit": self.threshold.unit, "name": label}
        if capped:
            self.evidence.measured["capped"] = True
        if not ok:
            raise AssertionError(
                f"{label}: measured {shown} {self.threshold.unit}, required {self.threshold}"
            )

    def expect_no_findings(self, findings: Sequence[Finding], *, what: str) -> None:
        """Pass on an empty list; otherwise fail naming every finding (file:line: message)."""
        self.evidence.record(
            f"findings in {what}",
            len(findings),
            "findings",
            expected="0",
            ok=not findings,
            findings=[f.as_dict() for f in findings[:_FINDINGS_KEPT]],
        )
        if findings:
            listed = "\n".join(f"  {f}" for f in findings[:_FINDINGS_KEPT])
            more = len(findings) - _FINDINGS_KEPT
            tail = f"\n  … and {more} more" if more > 0 else ""
            raise AssertionError(f"{what}: {len(findings)} finding(s)\n{listed}{tail}")

    def conclude(
        self, results: list[SourceResult], *, what: str, floor: FindingSeverity = "low"
    ) -> None:
        """Fail on findings at ``floor`` or worse; else not verified when a source did not run
        or left a required part unchecked; else pass."""
        self.evidence.record_sources(results)
        counting = [f for r in results for f in r.findings if f.counts]
        failing = _sorted(f for f in counting if at_least(f.severity, floor))
        below = [f for f in counting if not at_least(f.severity, floor)]
        if below:
            self.evidence.record(
                "findings below the fail threshold",
                len(below),
                "findings",
                floor=floor,
                findings=[f.as_dict() for f in below[:_FINDINGS_KEPT]],
            )
        self.expect_no_findings([f.as_finding() for f in failing], what=what)
        missing = [f"{r.source}: {r.reason}" for r in results if not r.verified]
        missing += [f"{r.source}: {gap}" for r in results for gap in r.gaps]
        if missing:
            raise NotVerified("; ".join(dict.fromkeys(missing)))


def _sorted(findings: Iterable[SecFinding]) -> list[SecFinding]:
    return sorted(findings, key=lambda f: (severity_rank(f.severity), f.rule, f.where))
