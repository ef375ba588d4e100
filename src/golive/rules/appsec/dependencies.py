"""The dependency audit: locked versions against pip-audit and offline OSV advisories.

An ecosystem with locked packages is checked when pip-audit audited every pinned PyPI
package, or when an offline OSV advisory file holds advisories for that ecosystem (the
file is the source: a package absent from it has no known advisory there). ``npm audit``
is refused here, so npm lockfiles are checked against OSV files only. Matches below the
targets' ``dependency_fail_severity`` are kept as info.
"""

from __future__ import annotations

from pathlib import Path

from golive.facts.live.security_targets import SecurityTargets
from golive.facts.repo.locks import LockedSet, locked_packages, normalize
from golive.facts.scans.osv import AdvisoryFile, load_advisories, match_packages
from golive.facts.scans.pipaudit import PipAuditReport, run_pip_audit
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult, at_least

__all__ = ["REPO_ADVISORIES", "advisory_paths", "dependency_audit"]

SOURCE = "dependency-audit"
REPO_ADVISORIES = "security/advisories"


def advisory_paths(repo: Path, targets: SecurityTargets) -> list[Path]:
    """Configured advisory files/folders, then the repository's ``security/advisories``."""
    paths = [targets.path(p) for p in targets.advisories]
    in_repo = Path(repo) / REPO_ADVISORIES
    if in_repo.is_dir():
        paths.append(in_repo)
    return paths


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
    locked: LockedSet, files: list[AdvisoryFile], floor: FindingSeverity, result: SourceResult
) -> set[tuple[str, str]]:
    """Findings from the OSV files; returns (package key, advisory id or alias) matched."""
    matched: set[tuple[str, str]] = set()
    advisories = [a for f in files for a in f.advisories]
    for match in match_packages(advisories, locked.pinned()):
        adv, pkg = match.advisory, match.package
        fixed = ", ".join(adv.fixed_versions(pkg.ecosystem, pkg.name)) or "no fixed version"
        unknown = "" if adv.severity_known else " (severity not stated: counted as high)"
        result.findings.append(
            _finding(
                adv.severity,
                floor,
                f"{pkg.name} {pkg.version} ({pkg.ecosystem}) is affected by {adv.id}: "
                f"{adv.summary} — fixed in {fixed}{unknown}",
                pkg.file,
                pkg.line,
                "dependency.advisory",
            )
        )
        matched.update((pkg.key, ident) for ident in (adv.id, *adv.aliases))
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
            continue  # the OSV file already reported it, with its severity
        pkg = where.get(key)
        fixed = ", ".join(vuln.fix_versions) or "no fixed version"
        result.findings.append(
            _finding(
                "high",
                floor,
                f"{vuln.name} {vuln.version} (PyPI) is affected by {vuln.id} — fixed in "
                f"{fixed} (pip-audit gives no severity: counted as high)",
                pkg.file if pkg else "requirements",
                pkg.line if pkg else None,
                "dependency.advisory",
            )
        )


_CACHE: dict[tuple[Path, str], SourceResult] = {}


def _audit(repo: Path, targets: SecurityTargets) -> SourceResult:
    locked = locked_packages(repo)
    if not locked.files:
        reason = (
            "no dependency manifest or lockfile found (requirements*.txt, poetry.lock, "
            "uv.lock, Pipfile.lock, package-lock.json)"
        )
        if locked.unsupported:
            reason += f"; unsupported: {', '.join(locked.unsupported)}"
        return SourceResult.unverified(SOURCE, reason)
    result = SourceResult(source=SOURCE, verified=True)
    result.facts["lockfiles"] = locked.files
    result.notes += locked.problems
    result.notes += [f"{f}: not read (unsupported format)" for f in locked.unsupported]
    unpinned = [p for p in locked.packages if p.version is None]
    if unpinned:
        result.notes.append(
            f"{len(unpinned)} requirement(s) not pinned, so not matched: "
            + ", ".join(sorted({p.name for p in unpinned})[:20])
        )
    floor = targets.dependency_fail_severity
    files = load_advisories(advisory_paths(repo, targets))
    result.notes += [f"{f.path}: {f.problem}" for f in files if f.problem]
    covered = {e for f in files for a in f.advisories for e in a.ecosystems()}
    result.facts["advisory_files"] = [
        {"file": f.path, "advisories": len(f.advisories)} for f in files
    ]
    matched = _osv_findings(locked, files, floor, result)
    if covered:
        result.checked.append(
            f"{sum(len(f.advisories) for f in files)} OSV advisories ({', '.join(sorted(covered))})"
        )
    pinned_ecosystems = {p.ecosystem for p in locked.pinned()}
    if "PyPI" in pinned_ecosystems:
        report = run_pip_audit(locked.pinned("PyPI"))
        result.facts["pip_audit"] = {
            "verified": report.verified,
            "reason": report.reason,
            "audited": len(report.audited),
            "skipped": len(report.skipped),
        }
        _pip_audit_findings(locked, report, matched, floor, result)
        if report.verified:
            covered.add("PyPI")
            result.checked.append(f"pip-audit: {len(report.audited)} PyPI packages")
        else:
            result.notes.append(f"pip-audit not verified: {report.reason}")
    for ecosystem in sorted(pinned_ecosystems):
        count = len(locked.pinned(ecosystem))
        if ecosystem in covered:
            result.checked.append(f"{ecosystem}: {count} locked packages")
        else:
            how = "pip-audit could not check them and " if ecosystem == "PyPI" else ""
            result.gaps.append(
                f"{ecosystem}: {count} locked packages not checked: {how}no offline OSV "
                f"advisory for {ecosystem} (security/advisories/*.json or targets.advisories)"
            )
    if not pinned_ecosystems:
        result.gaps.append("no pinned version in " + ", ".join(locked.files))
    return result


def dependency_audit(repo: Path, targets: SecurityTargets) -> SourceResult:
    """The audit of ``repo``'s locked dependencies (once per run)."""
    key = (Path(repo).resolve(), targets.model_dump_json())
    if key not in _CACHE:
        _CACHE[key] = _audit(key[0], targets)
    return _CACHE[key]
