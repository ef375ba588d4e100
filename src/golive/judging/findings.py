"""What checks find: a located finding, and the severity-graded findings of scanners and
probes grouped by the source that produced them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "SEVERITIES",
    "Finding",
    "FindingSeverity",
    "SecFinding",
    "SourceResult",
    "at_least",
    "findings_of",
    "severity_rank",
]


@dataclass(frozen=True)
class Finding:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


FindingSeverity = Literal["critical", "high", "medium", "low", "info"]
SEVERITIES: tuple[FindingSeverity, ...] = ("critical", "high", "medium", "low", "info")


def severity_rank(severity: FindingSeverity) -> int:
    """0 for critical … 4 for info: lower is worse."""
    return SEVERITIES.index(severity)


def at_least(severity: FindingSeverity, floor: FindingSeverity) -> bool:
    """Whether ``severity`` is as bad as ``floor`` or worse."""
    return severity_rank(severity) <= severity_rank(floor)


@dataclass(frozen=True)
class SecFinding:
    """One security finding: a rule of golive or of a scanner, where, and how bad.

    ``rule`` is the key of the OWASP mapping (``security/owasp-top10.yaml``); a scanner's
    finding may instead carry a CWE number the mapping knows.
    """

    source: str
    rule: str
    severity: FindingSeverity
    message: str
    where: str
    line: int | None = None
    cwe: int | None = None
    category: str | None = None  # an OWASP id (A01…A10) the source already knows

    @property
    def counts(self) -> bool:
        """Info findings are notes; every other severity is something to fix."""
        return self.severity != "info"

    def as_finding(self) -> Finding:
        return Finding(self.where, self.line, f"[{self.severity}] {self.message} ({self.rule})")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "where": self.where,
            "line": self.line,
            "cwe": self.cwe,
            "category": self.category,
        }


@dataclass
class SourceResult:
    """A scanner or probe run: its findings, and whether it could check anything at all.

    ``verified`` is False when the tool, target or credential was missing or the tool
    checked nothing; ``reason`` then says why. ``gaps`` name required parts it could not
    check (the verdict is then not verified unless something was found); ``notes`` are
    remarks that do not change the verdict.
    """

    source: str
    verified: bool
    findings: list[SecFinding] = field(default_factory=list)
    reason: str | None = None
    checked: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # required parts that could not be checked
    facts: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # which probe of the source, shown in the evidence

    @classmethod
    def unverified(cls, source: str, reason: str) -> SourceResult:
        return cls(source=source, verified=False, reason=reason)

    def counting(self) -> list[SecFinding]:
        return [f for f in self.findings if f.counts]

    def summary(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "probe": self.label or self.source,
            "verified": self.verified,
            "reason": self.reason,
            "findings": len(self.counting()),
            "checked": self.checked[:50],
            "notes": self.notes[:50],
            "gaps": self.gaps[:50],
        }


def findings_of(results: Iterable[SourceResult]) -> list[SecFinding]:
    """Every counting finding of the results, once: two probes reporting the same thing at
    the same place (the passive and the external check both find /.env) count once."""
    seen: set[tuple[str, str, str, int | None]] = set()
    unique = []
    for finding in (f for r in results for f in r.counting()):
        key = (finding.rule, finding.message, finding.where, finding.line)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique
