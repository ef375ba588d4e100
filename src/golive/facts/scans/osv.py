"""Offline advisories in OSV JSON, matched against locked versions.

An advisory file may hold one OSV record, a list of them, or ``{"vulns": [...]}`` (the
shape of an OSV API answer). Matching follows the OSV schema: a version is affected when
it is listed in ``affected[].versions`` or falls in an ``ECOSYSTEM``/``SEMVER`` range
(``introduced`` … ``fixed``/``last_affected``). Versions compare as PEP 440 for PyPI and
as SemVer for npm; other ecosystems match listed versions only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import total_ordering
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from golive.facts.repo.locks import Package, normalize
from golive.facts.scans.cvss import cvss3_base_score
from golive.judging.findings import FindingSeverity

__all__ = [
    "Advisory",
    "AdvisoryFile",
    "Match",
    "SemVer",
    "affected",
    "load_advisories",
    "match_packages",
    "severity_of",
]

_TEXT_SEVERITY: dict[str, FindingSeverity] = {
    "CRITICAL": "critical",
    "HIGH": "high",
    "MODERATE": "medium",
    "MEDIUM": "medium",
    "LOW": "low",
}
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


@total_ordering
@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    pre: tuple[int | str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        match = _SEMVER.match(text.strip())
        if not match:
            raise ValueError(f"not a semantic version: {text!r}")
        pre = tuple(int(p) if p.isdigit() else p for p in (match.group(4) or "").split(".") if p)
        return cls(int(match.group(1)), int(match.group(2)), int(match.group(3)), pre)

    def _key(self) -> tuple[Any, ...]:
        # a release sorts after its pre-releases; numeric identifiers before alphanumeric
        pre = tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, SemVer):
            return NotImplemented
        return self._key() < other._key()


def _parser(ecosystem: str) -> Callable[[str], Any] | None:
    if ecosystem == "PyPI":
        return Version
    if ecosystem == "npm":
        return SemVer.parse
    return None


@dataclass(frozen=True, eq=False)
class Advisory:
    id: str
    summary: str
    severity: FindingSeverity
    severity_known: bool
    aliases: tuple[str, ...]
    affected: tuple[dict[str, Any], ...]
    file: str

    def fixed_versions(self, ecosystem: str, name: str) -> list[str]:
        fixed = []
        for entry in self.entries(ecosystem, name):
            for rng in entry.get("ranges") or []:
                fixed += [e["fixed"] for e in rng.get("events") or [] if "fixed" in e]
        return fixed

    def entries(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        key = normalize(ecosystem, name)
        return [
            entry
            for entry in self.affected
            if (pkg := entry.get("package") or {}).get("ecosystem") == ecosystem
            and normalize(ecosystem, str(pkg.get("name", ""))) == key
        ]

    def ecosystems(self) -> set[str]:
        return {str((e.get("package") or {}).get("ecosystem")) for e in self.affected}


@dataclass
class AdvisoryFile:
    path: str
    advisories: list[Advisory] = field(default_factory=list)
    problem: str | None = None


@dataclass(frozen=True)
class Match:
    package: Package
    advisory: Advisory


def severity_of(record: dict[str, Any]) -> tuple[FindingSeverity, bool]:
    """The advisory's severity and whether it was stated (unknown counts as high)."""
    texts = [(record.get("database_specific") or {}).get("severity")]
    for entry in record.get("affected") or []:
        texts.append((entry.get("database_specific") or {}).get("severity"))
        texts.append((entry.get("ecosystem_specific") or {}).get("severity"))
    for text in texts:
        if isinstance(text, str) and text.upper() in _TEXT_SEVERITY:
            return _TEXT_SEVERITY[text.upper()], True
    for entry in record.get("severity") or []:
        score_text = str(entry.get("score", ""))
        score = cvss3_base_score(score_text)
        if score is None:
            try:
                score = float(score_text)
            except ValueError:
                continue
        if score >= 9.0:
            return "critical", True
        if score >= 7.0:
            return "high", True
        if score >= 4.0:
            return "medium", True
        return ("low" if score > 0 else "info"), True
    return "high", False


def _records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("vulns"), list):
        data = data["vulns"]
    if isinstance(data, dict) and isinstance(data.get("results"), list):  # querybatch
        data = [v for r in data["results"] for v in (r.get("vulns") or [])]
    if isinstance(data, dict):
        data = [data]
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


def load_advisories(paths: Iterable[Path]) -> list[AdvisoryFile]:
    """Every ``*.json`` of the given files and folders, each read as OSV records."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    loaded = []
    for path in files:
        result = AdvisoryFile(str(path))
        try:
            records = _records(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            result.problem = f"unreadable: {type(exc).__name__}"
            loaded.append(result)
            continue
        for record in records:
            if "id" not in record or not isinstance(record.get("affected"), list):
                continue
            severity, known = severity_of(record)
            result.advisories.append(
                Advisory(
                    id=str(record["id"]),
                    summary=str(record.get("summary") or record.get("details") or "")[:200],
                    severity=severity,
                    severity_known=known,
                    aliases=tuple(str(a) for a in record.get("aliases") or []),
                    affected=tuple(e for e in record["affected"] if isinstance(e, dict)),
                    file=str(path),
                )
            )
        if not result.advisories:
            result.problem = "no OSV advisory (id + affected) in it"
        loaded.append(result)
    return loaded


def _in_range(version: Any, events: list[dict[str, str]], parse: Callable[[str], Any]) -> bool:
    """The OSV algorithm: walk the events in version order, toggling "vulnerable"."""
    bounds: list[tuple[str, Any]] = []
    for event in events:
        if len(event) != 1:
            continue
        kind, value = next(iter(event.items()))
        if kind not in ("introduced", "fixed", "last_affected"):
            continue  # "limit" and unknown keys do not change what is affected
        try:
            bounds.append((kind, None if value == "0" else parse(value)))
        except (InvalidVersion, ValueError):
            return False
    bounds.sort(key=lambda b: (0,) if b[1] is None else (1, b[1]))
    vulnerable = False
    for kind, bound in bounds:
        if kind == "introduced" and (bound is None or version >= bound):
            vulnerable = True
        elif bound is not None and (
            (kind == "fixed" and version >= bound) or (kind == "last_affected" and version > bound)
        ):
            vulnerable = False
    return vulnerable


def affected(advisory: Advisory, package: Package) -> bool:
    """Whether the package's locked version is affected by the advisory."""
    if package.version is None:
        return False
    parse = _parser(package.ecosystem)
    for entry in advisory.entries(package.ecosystem, package.name):
        if package.version in (entry.get("versions") or []):
            return True
        if parse is None:
            continue
        try:
            version = parse(package.version)
        except (InvalidVersion, ValueError):
            continue
        for rng in entry.get("ranges") or []:
            if rng.get("type") in ("ECOSYSTEM", "SEMVER") and _in_range(
                version, rng.get("events") or [], parse
            ):
                return True
    return False


def match_packages(advisories: Iterable[Advisory], packages: Iterable[Package]) -> list[Match]:
    by_key: dict[tuple[str, str], list[Advisory]] = {}
    for advisory in advisories:
        for entry in advisory.affected:
            pkg = entry.get("package") or {}
            ecosystem = str(pkg.get("ecosystem"))
            key = (ecosystem, normalize(ecosystem, str(pkg.get("name", ""))))
            if advisory not in by_key.setdefault(key, []):
                by_key[key].append(advisory)
    return [
        Match(package, advisory)
        for package in packages
        for advisory in by_key.get((package.ecosystem, package.key), [])
        if affected(advisory, package)
    ]
