"""Static analysis of a repository's JavaScript and TypeScript: semgrep with golive's own
rules (``security/semgrep/``), offline.

semgrep runs as ``semgrep scan --metrics=off --disable-version-check --config <golive's
rules> --json`` on the files that ship (tests, stories, type declarations, minified and
build output left out), with no network and no registry rules. Severity: a rule's ERROR
is high, WARNING medium, INFO info. A code pattern carries no CVSS score, so it is never
critical (:mod:`golive.facts.scans.cvss`). No JS/TS file: the scan does not apply; no
semgrep, or no report: not verified.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.discover import repo_files
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import FindingSeverity, SecFinding, SourceResult
from golive.resources import security_dir

__all__ = ["JS_SUFFIXES", "SOURCE", "js_files", "parse_semgrep", "semgrep_scan"]

SOURCE = "semgrep"
RULES_DIR = "semgrep"
JS_SUFFIXES = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
# code that does not ship: tests, mocks, stories, build output, declarations, bundles
_NOT_SHIPPED = re.compile(
    r"(^|/)(__tests__|__mocks__|tests?|e2e|cypress|coverage|dist|build|out|\.next|\.vercel|"
    r"\.turbo|\.output|storybook-static|vendor)/"
    r"|\.(test|spec|stories|e2e)\.[cm]?[jt]sx?$|\.d\.[cm]?ts$|\.min\.js$"
)
_SEVERITY: dict[str, FindingSeverity] = {"ERROR": "high", "WARNING": "medium", "INFO": "info"}
_CWE = re.compile(r"CWE-(\d+)")
_TIMEOUT_S = 600


def js_files(repo: Path) -> list[Path]:
    """The repository's JavaScript and TypeScript files that ship."""
    root = Path(repo).resolve()
    return [
        p
        for p in repo_files(root)
        if p.suffix in JS_SUFFIXES and not _NOT_SHIPPED.search(p.relative_to(root).as_posix())
    ]


def _metadata_cwe(metadata: dict[str, Any]) -> int | None:
    cwe = metadata.get("cwe")
    text = " ".join(cwe) if isinstance(cwe, list) else str(cwe or "")
    match = _CWE.search(text)
    return int(match.group(1)) if match else None


def parse_semgrep(stdout: str, returncode: int) -> tuple[list[SecFinding], list[str], int]:
    """Findings, notes (files semgrep could parse only in part) and the count of files
    scanned, from ``semgrep --json``; raises NotVerified when there is no usable report."""
    try:
        report = json.loads(stdout)
        results = report["results"]
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise NotVerified(
            f"semgrep gave no JSON report (exit {returncode}): {stdout.strip()[:200]}"
        ) from exc
    notes = []
    for error in report.get("errors") or []:
        message = str(error.get("message") or error.get("type") or "error").splitlines()[0]
        if str(error.get("level", "")).lower() == "error" and "rule" in message.lower():
            raise NotVerified(f"semgrep could not load golive's rules: {message[:200]}")
        notes.append(f"semgrep: {error.get('path') or ''} {message[:160]}".strip())
    seen: set[tuple[str, str, int]] = set()
    findings = []
    for item in results:
        rule = str(item.get("check_id", "?"))
        where = str(item.get("path", "?")).removeprefix("./")
        line = int((item.get("start") or {}).get("line") or 0)
        if (rule, where, line) in seen:  # several pattern branches, one place
            continue
        seen.add((rule, where, line))
        extra = item.get("extra") or {}
        metadata = extra.get("metadata") or {}
        owasp = str(metadata.get("owasp") or "")[:3] or None
        findings.append(
            SecFinding(
                source=SOURCE,
                # semgrep prefixes the id with the rules' folder: keep golive's own name
                rule=f"semgrep.{rule.rsplit('.', 1)[-1]}",
                severity=_SEVERITY.get(str(extra.get("severity", "")).upper(), "medium"),
                message=" ".join(str(extra.get("message", "")).split()),
                where=where,
                line=line or None,
                cwe=_metadata_cwe(metadata),
                category=owasp,
            )
        )
    scanned = len((report.get("paths") or {}).get("scanned") or [])
    return findings, notes, scanned


def _rules() -> Path | None:
    folder = security_dir()
    rules = folder / RULES_DIR if folder else None
    return rules if rules is not None and any(rules.glob("*.yaml")) else None


def semgrep_scan(repo: Path) -> SourceResult | None:
    """golive's semgrep rules over the repository's JS/TS; None when it has none."""
    root = Path(repo).resolve()
    files = js_files(root)
    if not files:
        return None
    rules = _rules()
    if rules is None:
        return SourceResult.unverified(SOURCE, "golive's semgrep rules (security/semgrep) missing")
    names = [p.relative_to(root).as_posix() for p in files]
    args = [
        "scan",
        "--metrics=off",
        "--disable-version-check",
        "--config",
        str(rules),
        "--json",
        "--quiet",
        "--timeout",
        "30",
        *names,
    ]
    try:
        run = run_scanner(
            SOURCE, args, [*files, *sorted(rules.glob("*.yaml"))], timeout=_TIMEOUT_S, cwd=root
        )
        findings, notes, scanned = parse_semgrep(run.stdout, run.returncode)
    except NotVerified as exc:
        return SourceResult.unverified(SOURCE, exc.reason)
    if not scanned:
        return SourceResult.unverified(SOURCE, f"semgrep scanned none of {len(files)} JS/TS files")
    categories = sorted({f.category for f in findings if f.category} | {"A01", "A02", "A03"})
    result = SourceResult(
        SOURCE, True, findings, checked=[f"{scanned} JavaScript/TypeScript files"], notes=notes
    )
    result.facts["owasp_checks"] = {
        cid: [f"semgrep: golive's JS/TS rules ({rules.name}/)"] for cid in categories
    }
    return result
