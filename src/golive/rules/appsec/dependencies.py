"""The dependency audit: every locked version against the advisory sources that cover it.

Sources, each covering only what it lists:

- a curated OSV file (the repository's ``security/advisories/*.json``, or a file or folder
  in the targets' ``advisories``) covers the packages its records name;
- an OSV export (OSV's ``all.zip`` of an ecosystem, unzipped or not, in
  ``security/advisories/osv-export/<ecosystem>/`` or ``{osv_export: path}`` in the
  targets' ``advisories``) covers its ecosystem, as of its date;
- pip-audit (``--strict``) covers the pinned PyPI packages it actually audited.

A locked package no source covers leaves the audit not verified for it, with the count
per ecosystem; so does a lockfile golive cannot read (named), and a package that is not
pinned while a covering source holds advisories for it. ``npm audit`` is refused here.
Matches below the targets' ``dependency_fail_severity`` are kept as info. Severity,
critical included, is :mod:`golive.facts.scans.cvss`'s.
"""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

from golive.facts.live.security_targets import AdvisoryExport, SecurityTargets
from golive.facts.repo.locks import LockedSet, Package, locked_packages, normalize
from golive.facts.scans.osv import (
    OSV_ECOSYSTEMS,
    AdvisorySource,
    curated_source,
    export_source,
    match_packages,
    package_names,
)
from golive.facts.scans.pipaudit import PipAuditReport, run_pip_audit
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult, at_least

__all__ = ["REPO_ADVISORIES", "REPO_EXPORTS", "advisory_sources", "dependency_audit"]

SOURCE = "dependency-audit"
REPO_ADVISORIES = "security/advisories"
REPO_EXPORTS = "security/advisories/osv-export"
_EXAMPLES = 5


def _shown(repo: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(repo.resolve()).as_posix()
    except ValueError:
        return str(path)


def advisory_sources(
    repo: Path, targets: SecurityTargets, wanted: set[tuple[str, str]] | None = None
) -> list[AdvisorySource]:
    """The configured sources, then the repository's curated files and exports."""
    repo = Path(repo)
    sources = []
    for entry in targets.advisories:
        if isinstance(entry, AdvisoryExport):
            path = targets.path(entry.osv_export)
            sources.append(
                export_source(
                    path,
                    shown=_shown(repo, path),
                    ecosystem=entry.ecosystem,
                    dated=entry.date,
                    wanted=wanted,
                )
            )
        else:
            path = targets.path(entry)
            sources.append(curated_source(path, _shown(repo, path)))
    curated = repo / REPO_ADVISORIES
    if curated.is_dir() and any(curated.glob("*.json")):
        sources.append(curated_source(curated, REPO_ADVISORIES))
    exports = repo / REPO_EXPORTS
    if exports.is_dir():
        for folder in sorted(p for p in exports.iterdir() if p.is_dir()):
            ecosystem = folder.name if folder.name in OSV_ECOSYSTEMS else None
            sources.append(
                export_source(
                    folder, shown=_shown(repo, folder), ecosystem=ecosystem, wanted=wanted
                )
            )
    return sources


def _finding(
    severity: FindingSeverity,
    floor: FindingSeverity,
    message: str,
    where: str,
    line: int | None,
    rule: str,
) -> SecFinding:
    if not at_least(severity, floor):
        message = f"{message} [{severity}: below the fail threshold {floor}]"
        severity = "info"
    return SecFinding(SOURCE, rule, severity, message, where, line, category="A06")


def _osv_findings(
    packages: list[Package],
    sources: list[AdvisorySource],
    floor: FindingSeverity,
    result: SourceResult,
) -> set[tuple[str, str]]:
    """Findings from the OSV sources, one per package and advisory (the same advisory in
    two sources, or under an alias, counts once); returns (package key, id or alias)."""
    matched: set[tuple[str, str]] = set()
    advisories = [a for s in sources for a in s.advisories]
    for match in match_packages(advisories, packages):
        adv, pkg = match.advisory, match.package
        if any((f"{pkg.key}@{pkg.version}", i) in matched for i in (adv.id, *adv.aliases)):
            continue
        fixed = ", ".join(adv.fixed_versions(pkg.ecosystem, pkg.name)) or "no fixed version"
        unknown = "" if adv.severity_known else ", not stated: counted as high"
        result.findings.append(
            _finding(
                adv.severity,
                floor,
                f"{pkg.name} {pkg.version} ({pkg.ecosystem}) is affected by {adv.id} "
                f"[{adv.severity}: {adv.basis}{unknown}]: {adv.summary} — fixed in {fixed}",
                pkg.file,
                pkg.line,
                "dependency.advisory",
            )
        )
        matched.update((f"{pkg.key}@{pkg.version}", i) for i in (adv.id, *adv.aliases))
        matched.update((pkg.key, i) for i in (adv.id, *adv.aliases))
    return matched


def _pip_audit_findings(
    locked: LockedSet,
    report: PipAuditReport,
    matched: set[tuple[str, str]],
    floor: FindingSeverity,
    result: SourceResult,
) -> None:
    where = {p.key: p for p in locked.pinned("PyPI")}
    for vuln in report.vulns:
        key = normalize("PyPI", vuln.name)
        if any((key, ident) in matched for ident in (vuln.id, *vuln.aliases)):
            continue  # an OSV source already reported it, with its severity
        pkg = where.get(key)
        fixed = ", ".join(vuln.fix_versions) or "no fixed version"
        result.findings.append(
            _finding(
                "high",
                floor,
                f"{vuln.name} {vuln.version} (PyPI) is affected by {vuln.id} [high: pip-audit "
                f"gives no severity, counted as high] — fixed in {fixed}",
                pkg.file if pkg else "requirements",
                pkg.line if pkg else None,
                "dependency.advisory",
            )
        )


def _examples(packages: list[Package]) -> str:
    shown = [f"{p.name}@{p.version}" if p.version else p.name for p in packages[:_EXAMPLES]]
    more = f" and {len(packages) - _EXAMPLES} more" if len(packages) > _EXAMPLES else ""
    return ", ".join(shown) + more


def _stale(sources: list[AdvisorySource], targets: SecurityTargets, result: SourceResult) -> None:
    """An export older than ``advisory_max_age_days`` covers nothing (it is reported)."""
    today = datetime.datetime.now(datetime.UTC).date()
    for source in sources:
        age = source.age_days(today)
        if source.kind != "export" or age is None:
            continue
        if targets.advisory_max_age_days is not None and age > targets.advisory_max_age_days:
            result.notes.append(
                f"{source.describe()}: {age} days old, over advisory_max_age_days "
                f"{targets.advisory_max_age_days}: not counted as covering anything"
            )
            source.ecosystems = frozenset()


def _coverage(
    locked: LockedSet,
    sources: list[AdvisorySource],
    pip_audited: set[str],
    result: SourceResult,
) -> None:
    """Checked and gap lines per ecosystem: what each package is covered by, and the
    count of those nothing covers."""
    advised = {(e, n) for s in sources for a in s.advisories for e, n in package_names(a)}
    uncovered: dict[str, list[Package]] = {}
    unpinned: dict[str, list[Package]] = {}
    covered: Counter[str] = Counter()
    for package in locked.packages:
        by_osv = any(s.covers(package) for s in sources)
        by_pip = package.ecosystem == "PyPI" and package.version and package.key in pip_audited
        if not (by_osv or by_pip):
            uncovered.setdefault(package.ecosystem, []).append(package)
        elif package.version is None and (package.ecosystem, package.key) in advised:
            unpinned.setdefault(package.ecosystem, []).append(package)
        else:
            covered[package.ecosystem] += 1
    for ecosystem, count in sorted(covered.items()):
        result.checked.append(f"{ecosystem}: {count} locked packages covered by a source")
    for ecosystem, packages in sorted(uncovered.items()):
        curated = [s.describe() for s in sources if s.kind == "curated" and s.named]
        hint = f" ({'; '.join(curated)} only)" if curated else ""
        result.gaps.append(
            f"{len(packages)} {ecosystem} packages covered by no advisory source{hint}: "
            f"{_examples(packages)} — keep OSV's {ecosystem} export ({REPO_EXPORTS}/"
            f"{ecosystem}/ or advisories: [{{osv_export: path}}] in the security targets)"
        )
    for ecosystem, packages in sorted(unpinned.items()):
        result.gaps.append(
            f"{len(packages)} {ecosystem} requirements not pinned while advisories for them "
            f"exist: cannot tell whether the installed version is affected: {_examples(packages)}"
        )


_CACHE: dict[tuple[Path, str], SourceResult] = {}


def _audit(repo: Path, targets: SecurityTargets) -> SourceResult:
    locked = locked_packages(repo)
    if not locked.files and not locked.problems and not locked.unsupported:
        return SourceResult.unverified(
            SOURCE,
            "no dependency manifest or lockfile found (package-lock.json, npm-shrinkwrap.json, "
            "pnpm-lock.yaml, yarn.lock, bun.lock, requirements*.txt, poetry.lock, uv.lock, "
            "pdm.lock, pylock.toml, Pipfile.lock)",
        )
    result = SourceResult(source=SOURCE, verified=True)
    result.facts["lockfiles"] = locked.files
    result.gaps += [f"{problem}: its packages are not checked" for problem in locked.problems]
    result.gaps += [f"{text}: its packages are not checked" for text in locked.unsupported]
    wanted = {(p.ecosystem, p.key) for p in locked.packages}
    sources = advisory_sources(repo, targets, wanted)
    _stale(sources, targets, result)
    result.notes += [problem for s in sources for problem in s.problems]
    result.facts["advisory_sources"] = [
        {
            "source": s.path,
            "kind": s.kind,
            "records": s.records,
            "ecosystems": sorted(s.ecosystems),
            "date": s.date,
        }
        for s in sources
    ]
    result.checked += [s.describe() for s in sources if s.records]
    floor = targets.dependency_fail_severity
    matched = _osv_findings(locked.pinned(), sources, floor, result)
    pip_audited: set[str] = set()
    if locked.pinned("PyPI"):
        report = run_pip_audit(locked.pinned("PyPI"))
        result.facts["pip_audit"] = {
            "verified": report.verified,
            "reason": report.reason,
            "audited": len(report.audited),
            "skipped": len(report.skipped),
        }
        _pip_audit_findings(locked, report, matched, floor, result)
        if report.audited:
            pip_audited = {normalize("PyPI", name) for name in report.audited}
            result.checked.append(f"pip-audit: {len(report.audited)} PyPI packages audited")
        if not report.verified:
            result.notes.append(f"pip-audit: {report.reason}")
    _coverage(locked, sources, pip_audited, result)
    if not locked.packages and locked.files:
        result.gaps.append("no package found in " + ", ".join(locked.files))
    return result


def dependency_audit(repo: Path, targets: SecurityTargets) -> SourceResult:
    """The audit of ``repo``'s locked dependencies (once per run)."""
    key = (Path(repo).resolve(), targets.model_dump_json())
    if key not in _CACHE:
        _CACHE[key] = _audit(key[0], targets)
    return _CACHE[key]
