"""Offline advisories in OSV JSON: the sources a team keeps, what each covers, and the
matching of locked versions against them.

Two kinds of source. A *curated* file (one OSV record, a list of them, or ``{"vulns":
[...]}``, the shape of an OSV API answer) covers only the packages its records name. An
*export* (OSV's per-ecosystem ``all.zip`` from ``gs://osv-vulnerabilities/<ecosystem>/``,
unzipped or not) covers its whole ecosystem as of its date (the newest ``modified`` of its
records, unless configured). A package no source covers is not checked, never clean.

Matching follows the OSV schema: a version is affected when it is listed in
``affected[].versions`` or falls in an ``ECOSYSTEM``/``SEMVER`` range (``introduced`` …
``fixed``/``last_affected``). Versions compare as PEP 440 for PyPI and as SemVer for npm;
other ecosystems match listed versions only. Severity: :mod:`golive.facts.scans.cvss`.
"""

from __future__ import annotations

import datetime
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial, total_ordering
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from golive._files import read_text_bounded
from golive.facts.repo.locks import Package, normalize
from golive.facts.scans.cvss import score_of, severity_from_label, severity_from_score, worse
from golive.judging.findings import FindingSeverity

__all__ = [
    "OSV_ECOSYSTEMS",
    "Advisory",
    "AdvisoryFile",
    "AdvisorySource",
    "Match",
    "SemVer",
    "affected",
    "curated_source",
    "export_source",
    "load_advisories",
    "match_packages",
    "package_names",
    "severity_and_basis",
    "severity_of",
]

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
    basis: str = ""  # what the severity rests on: "label CRITICAL; CVSS 9.8"

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
    """The advisory's severity and whether it was stated (unknown counts as high).

    The worse of the source's label and the CVSS score of its vectors: critical is
    defined once, in :mod:`golive.facts.scans.cvss` (score 9.0 or more, or CRITICAL)."""
    severity, _basis = severity_and_basis(record)
    return (severity or "high"), severity is not None


def severity_and_basis(record: dict[str, Any]) -> tuple[FindingSeverity | None, str]:
    """The stated severity (None: none stated) and what it rests on, for the evidence."""
    labels = [(record.get("database_specific") or {}).get("severity")]
    for entry in record.get("affected") or []:
        if isinstance(entry, dict):
            labels.append((entry.get("database_specific") or {}).get("severity"))
            labels.append((entry.get("ecosystem_specific") or {}).get("severity"))
    label = next((str(t).upper() for t in labels if severity_from_label(t)), None)
    scores = [
        (score, str(entry.get("score")))
        for entry in record.get("severity") or []
        if isinstance(entry, dict) and (score := score_of(str(entry.get("score", "")))) is not None
    ]
    best = max(scores, default=None)
    severity = worse(severity_from_label(label), severity_from_score(best[0]) if best else None)
    basis = "; ".join(
        part
        for part in (f"label {label}" if label else "", f"CVSS {best[0]}" if best else "")
        if part
    )
    return severity, basis or "no severity stated"


def _records(data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict) and isinstance(data.get("vulns"), list):
        data = data["vulns"]
    if isinstance(data, dict) and isinstance(data.get("results"), list):  # querybatch
        data = [v for r in data["results"] for v in (r.get("vulns") or [])]
    if isinstance(data, dict):
        data = [data]
    return [r for r in data if isinstance(r, dict)] if isinstance(data, list) else []


_MAX_RECORD_BYTES = 4 << 20  # one OSV record; the largest of OSV's npm export is < 1 MB
_Wanted = set[tuple[str, str]] | None


def _advisory(record: dict[str, Any], file: str) -> Advisory | None:
    if "id" not in record or not isinstance(record.get("affected"), list):
        return None
    severity, basis = severity_and_basis(record)
    return Advisory(
        id=str(record["id"]),
        summary=str(record.get("summary") or record.get("details") or "")[:200],
        severity=severity or "high",
        severity_known=severity is not None,
        aliases=tuple(str(a) for a in record.get("aliases") or []),
        affected=tuple(e for e in record["affected"] if isinstance(e, dict)),
        file=file,
        basis=basis,
    )


def package_names(advisory: Advisory) -> set[tuple[str, str]]:
    """(ecosystem, normalized name) of every package the advisory names."""
    return {
        (eco, normalize(eco, str(pkg.get("name", ""))))
        for entry in advisory.affected
        if isinstance(pkg := entry.get("package"), dict) and (eco := str(pkg.get("ecosystem", "")))
    }


def _read_json(path: Path) -> Any:
    return json.loads(read_text_bounded(path, _MAX_RECORD_BYTES))


def load_advisories(paths: Iterable[Path]) -> list[AdvisoryFile]:
    """Every ``*.json`` of the given files and folders, each read as OSV records."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.glob("*.json")) if path.is_dir() else [path]
    loaded = []
    for path in files:
        result = AdvisoryFile(str(path))
        try:
            records = _records(_read_json(path))
        except (OSError, ValueError) as exc:
            result.problem = f"unreadable: {exc}"[:200]
            loaded.append(result)
            continue
        result.advisories = [a for r in records if (a := _advisory(r, str(path)))]
        if not result.advisories:
            result.problem = "no OSV advisory (id + affected) in it"
        loaded.append(result)
    return loaded


# --- advisory sources and what each covers ----------------------------------------------

# ecosystem names as OSV writes them (and names its export folders: gs://osv-vulnerabilities/
# <ecosystem>/all.zip)
OSV_ECOSYSTEMS = frozenset(
    {
        "npm", "PyPI", "Go", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Pub",
        "Hex", "Hackage", "CRAN", "SwiftURL", "GitHub Actions", "Bioconductor", "Julia",
    }
)  # fmt: skip


@dataclass
class AdvisorySource:
    """Where advisories come from and what they cover.

    A *curated* file (or folder of them) covers the packages its records name: a package
    it does not name is one nobody looked up. An *export* (OSV's unzipped ``all.zip`` of
    an ecosystem, or the zip itself) covers its whole ecosystem, as of its date.
    """

    path: str
    kind: str  # "curated" or "export"
    advisories: list[Advisory] = field(default_factory=list)
    ecosystems: frozenset[str] = frozenset()  # an export's ecosystems
    named: set[tuple[str, str]] = field(default_factory=set)  # a curated file's packages
    records: int = 0  # records read (an export keeps only those naming wanted packages)
    date: str | None = None  # an export's date: configured, else the newest "modified"
    problems: list[str] = field(default_factory=list)

    def covers(self, package: Package) -> bool:
        if self.kind == "export":
            return package.ecosystem in self.ecosystems
        return (package.ecosystem, package.key) in self.named

    def age_days(self, today: datetime.date) -> int | None:
        try:
            return (today - datetime.date.fromisoformat(self.date[:10])).days if self.date else None
        except ValueError:
            return None

    def describe(self) -> str:
        if self.kind == "export":
            return (
                f"OSV export {self.path} ({', '.join(sorted(self.ecosystems)) or '?'}: "
                f"{self.records} records, dated {self.date or 'unknown'})"
            )
        names = sorted({n for _e, n in self.named})
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        return f"curated {self.path} (covers {shown or 'no package'})"


def curated_source(path: Path, shown: str | None = None) -> AdvisorySource:
    """A curated advisory file, or a folder of them (``*.json``)."""
    source = AdvisorySource(shown or str(path), "curated")
    for loaded in load_advisories([path]):
        source.advisories += loaded.advisories
        if loaded.problem:
            source.problems.append(f"{loaded.path}: {loaded.problem}")
    source.records = len(source.advisories)
    for advisory in source.advisories:
        source.named |= package_names(advisory)
    return source


def _export_members(path: Path) -> Iterator[tuple[str, Callable[[], bytes]]]:
    """(name, reader of its bytes) of each record file of an export: a folder of
    ``*.json`` (recursively) and the ``all.zip`` files in it, or one zip."""
    zips = [path] if path.is_file() else sorted(path.rglob("*.zip"))
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            yield str(file), partial(_read_bytes, file)
    for archive in zips:
        with zipfile.ZipFile(archive) as opened:
            for info in opened.infolist():
                if info.filename.endswith(".json") and not info.is_dir():
                    yield f"{archive}:{info.filename}", partial(_read_member, opened, info)


def _read_bytes(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(_MAX_RECORD_BYTES + 1)
    if len(data) > _MAX_RECORD_BYTES:
        raise ValueError(f"over the {_MAX_RECORD_BYTES} byte limit")
    return data


def _read_member(opened: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _MAX_RECORD_BYTES:
        raise ValueError(f"{info.file_size} bytes, over the {_MAX_RECORD_BYTES} byte limit")
    return opened.read(info)


# read before parsing: most records of an export name no package of the repository, and
# parsing 200 000 of them to learn that costs minutes
_MODIFIED = re.compile(rb'"modified"\s*:\s*"([^"]{1,40})"')
_ECOSYSTEM = re.compile(rb'"ecosystem"\s*:\s*"([^"]{1,100})"')
_PKG_NAME = re.compile(rb'"name"\s*:\s*"([^"]{1,300})"')


def _may_name(raw: bytes, wanted: _Wanted) -> bool:
    """Whether the record may name a wanted package (a superset: then it is parsed)."""
    if wanted is None:
        return True
    ecosystems = {e.decode("utf-8", "replace") for e in _ECOSYSTEM.findall(raw)}
    return any(
        (eco, normalize(eco, name.decode("utf-8", "replace"))) in wanted
        for name in _PKG_NAME.findall(raw)
        for eco in ecosystems
    )


def export_source(
    path: Path,
    *,
    shown: str | None = None,
    ecosystem: str | None = None,
    dated: str | None = None,
    wanted: _Wanted = None,
) -> AdvisorySource:
    """An OSV export of an ecosystem. Its ecosystem: ``ecosystem``, else the folder's
    name when it is one of OSV's (the bucket's layout), else the one every record names.
    Only records naming a ``wanted`` package are parsed and kept (an npm export holds some
    200 000, one per file); the others are counted, with their date and ecosystems."""
    source = AdvisorySource(shown or str(path), "export", date=dated)
    if not path.exists():
        source.problems.append(f"{source.path}: not found")
        return source
    common: set[str] | None = None
    newest = b""
    try:
        for name, read in _export_members(path):
            try:
                raw = read()
                if not _may_name(raw, wanted):
                    if b'"affected"' in raw:
                        source.records += 1
                        newest = max(newest, *_MODIFIED.findall(raw), b"")
                        ecosystems = {e.decode("utf-8", "replace") for e in _ECOSYSTEM.findall(raw)}
                        common = ecosystems if common is None else common & ecosystems
                    continue
                records = _records(json.loads(raw))
            except (OSError, ValueError, zipfile.BadZipFile) as exc:
                source.problems.append(f"{name}: unreadable: {exc}"[:200])
                continue
            for record in records:
                advisory = _advisory(record, name)
                if advisory is None:
                    continue
                source.records += 1
                newest = max(newest, str(record.get("modified") or "").encode())
                names = package_names(advisory)
                ecosystems = {e for e, _n in names}
                common = ecosystems if common is None else common & ecosystems
                if wanted is None or names & wanted:
                    source.advisories.append(advisory)
    except (OSError, zipfile.BadZipFile) as exc:
        source.problems.append(f"{source.path}: unreadable: {exc}"[:200])
    source.date = source.date or (newest[:10].decode("ascii", "replace") or None)
    folder = path.parent.name if path.is_file() else path.name
    if ecosystem:
        source.ecosystems = frozenset({ecosystem})
    elif folder in OSV_ECOSYSTEMS:
        source.ecosystems = frozenset({folder})
    elif common:
        source.ecosystems = frozenset(common)
    else:
        source.problems.append(
            f"{source.path}: cannot tell which ecosystem this export covers (name the folder "
            "after it, as OSV does, or set ecosystem)"
        )
    if not source.records:
        source.ecosystems = frozenset()
        source.problems.append(f"{source.path}: no OSV record in it: covers nothing")
    return source


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
