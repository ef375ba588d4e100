"""Findings mapped to the OWASP Top 10 (2021) through ``security/owasp-top10.yaml``, and
each category judged: clean, findings, not verified (no source ran) or not checkable.

Each verdict lists the checks that ran against its category: a source that says which
categories its checks cover (``facts["owasp_checks"]``: category → check descriptions)
counts only for those; any other source counts for every category it is mapped to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from golive._errors import GoliveError
from golive.judging.findings import SecFinding, SourceResult, findings_of
from golive.resources import security_file

__all__ = ["CategoryVerdict", "OwaspMapping", "categorize", "judge_categories", "load_mapping"]

CategoryStatus = Literal["clean", "findings", "not_verified", "not_checkable"]


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    required: bool
    sources: tuple[str, ...]
    essential: tuple[str, ...] = ()  # one of these must have run for the category to count


@dataclass(frozen=True)
class OwaspMapping:
    categories: dict[str, Category]
    rules: dict[str, str]
    cwe: dict[int, str]
    default: str

    def category_of(self, finding: SecFinding) -> str:
        if finding.category in self.categories:
            return str(finding.category)
        if finding.rule in self.rules:
            return self.rules[finding.rule]
        if finding.cwe is not None and finding.cwe in self.cwe:
            return self.cwe[finding.cwe]
        return self.default


@dataclass
class CategoryVerdict:
    id: str
    name: str
    required: bool
    status: CategoryStatus
    sources_run: list[str] = field(default_factory=list)
    sources_missing: list[str] = field(default_factory=list)
    findings: list[SecFinding] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)  # one of these must run to check it
    checks: list[str] = field(default_factory=list)  # what ran against this category

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "required": self.required,
            "status": self.status,
            "sources_run": self.sources_run,
            "sources_missing": self.sources_missing,
            "needs_one_of": self.needs,
            "checks": self.checks,
            "findings": len(self.findings),
        }


@cache
def _load(path: Path) -> OwaspMapping:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        categories = {
            cid: Category(
                cid,
                str(c["name"]),
                bool(c["required"]),
                tuple(c["sources"]),
                tuple(c.get("essential") or ()),
            )
            for cid, c in data["categories"].items()
        }
        cwe = {int(n): cid for cid, numbers in data["cwe"].items() for n in numbers}
        mapping = OwaspMapping(categories, dict(data["rules"]), cwe, str(data["default_category"]))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise GoliveError(f"{path}: malformed OWASP mapping ({exc})") from exc
    unknown = {
        c
        for c in [*mapping.rules.values(), *mapping.cwe.values(), mapping.default]
        if c not in categories
    }
    if unknown:
        raise GoliveError(f"{path}: unknown categories {sorted(unknown)}")
    return mapping


def load_mapping(path: Path | None = None) -> OwaspMapping:
    path = path or security_file("owasp-top10.yaml")
    if path is None:
        raise GoliveError(
            "security/owasp-top10.yaml not found (set GOLIVE_SECURITY_DIR to golive's "
            "security/ folder)"
        )
    return _load(path.resolve())


def categorize(
    findings: Iterable[SecFinding], mapping: OwaspMapping
) -> dict[str, list[SecFinding]]:
    grouped: dict[str, list[SecFinding]] = {cid: [] for cid in mapping.categories}
    for finding in findings:
        if finding.counts:
            grouped[mapping.category_of(finding)].append(finding)
    return grouped


def _checks_of(result: SourceResult, cid: str) -> list[str] | None:
    """The checks ``result`` ran against category ``cid``; None when it ran none."""
    declared = result.facts.get("owasp_checks")
    if isinstance(declared, dict):
        entries = [str(e) for e in declared.get(cid) or ()]
        return [f"{result.source}: {e}" for e in entries] or None
    return [result.label or result.source]


def judge_categories(
    mapping: OwaspMapping, results: Iterable[SourceResult]
) -> list[CategoryVerdict]:
    results = list(results)
    grouped = categorize(findings_of(results), mapping)
    verdicts = []
    for cid, category in mapping.categories.items():
        status: CategoryStatus
        found = grouped[cid]
        checks: list[str] = []
        ran: set[str] = set()
        for result in results:
            if result.verified and result.source in category.sources:
                done = _checks_of(result, cid)
                if done is not None:
                    ran.add(result.source)
                    checks += [c for c in done if c not in checks]
        sources_run = [s for s in category.sources if s in ran]
        if found:
            status = "findings"
        elif not category.sources:
            status = "not_checkable"
        elif sources_run and (not category.essential or any(s in ran for s in category.essential)):
            status = "clean"
        else:
            status = "not_verified"
        verdicts.append(
            CategoryVerdict(
                cid,
                category.name,
                category.required,
                status,
                sources_run,
                [s for s in category.sources if s not in ran],
                found,
                list(category.essential or category.sources),
                checks,
            )
        )
    return verdicts
