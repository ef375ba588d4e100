"""Secrets: none committed in plain text, all referenced through the platform's secret store.

- ``detect-secrets scan`` runs once over every tracked file and every untracked file git
  does not ignore (one ``git add -A`` away from committed); over every file when the
  repository is not a git repository. Lockfiles, generated and vendored folders, binaries
  and oversized files are not scanned; the scan is bounded in files, bytes and time, and
  the evidence counts what was left out and why.
- golive's detectors (``secret_shapes``) run over the same files: keys that are live by
  shape (a Supabase ``service_role`` JWT, AWS key pairs, private keys, provider-prefixed
  tokens) are reported first. Candidates that can't be secrets (placeholders, integrity
  hashes, public anon keys, ``supabase start`` defaults) are dropped with a counted reason.
  Findings name file, line and the kind of secret; the value is never repeated.
- Sensitive variables (credentials by name) in build-settings.json and vercel.json
  ``env`` are secret-store references (``@name``); in .env.template they are empty or a
  ``<placeholder>``.
- No credential is exposed to the browser through a ``NEXT_PUBLIC_`` name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from golive._errors import NotVerified
from golive.facts.repo.discover import repo_files
from golive.facts.repo.git import committable_files
from golive.facts.repo.jsonfile import json_line
from golive.facts.repo.structured import relative
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import Finding
from golive.rules.envfiles import Template, code_env_usages, read_template
from golive.rules.secret_shapes import (
    candidate_exclusion,
    excluded_file_reason,
    is_documentation,
    is_placeholder,
    live_keys,
)
from golive.rules.vercel_config import SECRET_REFERENCE, read_vercel_json, settings_for_check

__all__ = [
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "SCAN_TIMEOUT",
    "SHAPE_MAX_BYTES",
    "ReferenceCheck",
    "SecretScan",
    "is_sensitive",
    "public_secret_name",
    "scan_secrets",
    "secret_reference_check",
    "secret_reference_findings",
    "secret_scan_findings",
]

# bounds of one scan: a ci run must finish; what they leave out is named in the evidence
MAX_FILES = 5000
MAX_FILE_BYTES = 64 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024
SHAPE_MAX_BYTES = 2 * 1024 * 1024
SCAN_TIMEOUT = 180.0

# not secrets: public addresses are reported by other checks, not as leaked credentials
_DISABLED_PLUGINS = ("IPPublicDetector",)

_SENSITIVE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY|_KEY$|_KEY_|^KEY$|DSN$|"
    r"DATABASE_URL|DB_URL|CONNECTION_STRING|WEBHOOK)"
)
_BROWSER_UNSAFE = re.compile(
    r"(SECRET|PASSWORD|PASSWD|PRIVATE|SERVICE_ROLE|CREDENTIAL|DATABASE_URL)"
)


def is_sensitive(name: str) -> bool:
    """Whether a variable of this name holds a credential."""
    return bool(_SENSITIVE.search(name.upper()))


def public_secret_name(name: str) -> bool:
    """A NEXT_PUBLIC_ variable (inlined into the browser bundle) named like a credential."""
    upper = name.upper()
    return upper.startswith("NEXT_PUBLIC_") and bool(_BROWSER_UNSAFE.search(upper))


@dataclass
class SecretScan:
    """One scan of the committable files: findings (live keys first) and what it left out."""

    findings: list[Finding] = field(default_factory=list)
    live: int = 0
    scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # files not scanned, per reason
    excluded: dict[str, int] = field(default_factory=dict)  # candidates dropped, per reason

    def facts(self) -> dict[str, object]:
        return {
            "files scanned by detect-secrets": self.scanned,
            "live keys": self.live,
            "files skipped": dict(sorted(self.skipped.items())),
            "candidates excluded": dict(sorted(self.excluded.items())),
            "limits": {
                "files": MAX_FILES,
                "bytes per file": MAX_FILE_BYTES,
                "bytes per file (live-key detectors)": SHAPE_MAX_BYTES,
                "bytes in all": MAX_TOTAL_BYTES,
                "seconds": SCAN_TIMEOUT,
            },
        }


def _count(into: dict[str, int], reason: str) -> None:
    into[reason] = into.get(reason, 0) + 1


def _candidates(repo: Path) -> list[str]:
    root = Path(repo).resolve()
    tracked = committable_files(root)
    if tracked is None:
        return [p.relative_to(root).as_posix() for p in repo_files(root)]
    return [p for p in tracked if (root / p).is_file()]


@dataclass
class _Selection:
    texts: dict[str, str]  # file -> text, for detect-secrets (within the budget)
    shapes: dict[str, str]  # file -> text, for golive's live-key detectors (every file)
    scan: SecretScan


def _select(root: Path) -> _Selection:
    """The files worth scanning, read once: no lockfile, nothing generated or vendored,
    no binary. golive's live-key detectors (cheap regular expressions) read every such
    file up to SHAPE_MAX_BYTES; detect-secrets (a few seconds of CPU per MiB) reads those
    within MAX_FILE_BYTES, MAX_FILES and MAX_TOTAL_BYTES. Code and configuration go first,
    documents after, small before large: a budget cut leaves out what least often holds a
    credential, and still gets the live-key detectors."""
    scan = SecretScan()
    sizes: dict[str, int] = {}
    for name in _candidates(root):
        reason = excluded_file_reason(name)
        if reason is None:
            sizes[name] = (root / name).stat().st_size
            if sizes[name] > SHAPE_MAX_BYTES:
                reason = f"larger than {SHAPE_MAX_BYTES // 1024} KiB"
        if reason is not None:
            _count(scan.skipped, reason)
            sizes.pop(name, None)
    texts: dict[str, str] = {}
    shapes: dict[str, str] = {}
    total = 0
    for name in sorted(sizes, key=lambda n: (is_documentation(n), sizes[n], n)):
        data = (root / name).read_bytes()
        if b"\0" in data[:8192]:
            _count(scan.skipped, "binary")
            continue
        shapes[name] = data.decode("utf-8", "replace")
        if sizes[name] > MAX_FILE_BYTES:
            reason = f"larger than {MAX_FILE_BYTES // 1024} KiB"
        elif len(texts) >= MAX_FILES:
            reason = f"beyond the limit of {MAX_FILES} files"
        elif total + sizes[name] > MAX_TOTAL_BYTES:
            reason = f"beyond the budget of {MAX_TOTAL_BYTES // 1024 // 1024} MiB"
        else:
            texts[name] = shapes[name]
            total += len(data)
            continue
        _count(scan.skipped, f"{reason} (live-key detectors only)")
    scan.scanned = len(texts)
    return _Selection(texts, shapes, scan)


def _detect_secrets(root: Path, files: list[str]) -> dict[str, list[dict[str, object]]]:
    args = ["scan", "--no-verify"]
    for plugin in _DISABLED_PLUGINS:
        args += ["--disable-plugin", plugin]
    run = run_scanner(
        "detect-secrets", [*args, *files], [root / f for f in files], cwd=root, timeout=SCAN_TIMEOUT
    )
    try:
        results = json.loads(run.stdout)["results"]
        if not isinstance(results, dict):
            raise TypeError("results is not an object")
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise NotVerified(
            f"detect-secrets gave no readable report (exit {run.returncode}): "
            f"{(run.stderr or run.stdout).strip()[:300]}"
        ) from exc
    return {Path(f).as_posix(): list(hits) for f, hits in results.items()}


def scan_secrets(repo: Path) -> SecretScan:
    """detect-secrets over the committable files, with golive's live-key detectors on top
    and its filters (lockfiles, generated folders, placeholders, integrity hashes, public
    keys) recording why each candidate was left out. Values are never kept."""
    root = Path(repo).resolve()
    selection = _select(root)
    scan, texts = selection.scan, selection.texts
    if not selection.shapes:
        raise NotVerified(f"no files to scan in {repo} (skipped: {scan.skipped or 'none'})")
    live: list[Finding] = []
    benign: dict[str, dict[int, str]] = {}
    live_lines: set[tuple[str, int]] = set()
    for name, text in sorted(selection.shapes.items()):
        keys, benign[name] = live_keys(text)
        for key in keys:
            live_lines.add((name, key.line))
            live.append(
                Finding(
                    name,
                    key.line,
                    f"live key by shape: {key.kind} committed; rotate it and read it from "
                    "the secret store (value withheld)",
                )
            )
    others: list[Finding] = []
    hits_by_file = _detect_secrets(root, sorted(texts)) if texts else {}
    for name, hits in sorted(hits_by_file.items()):
        lines = texts.get(name, "").splitlines()
        for hit in hits:
            number = hit.get("line_number")
            line = number if isinstance(number, int) else None
            if line is not None and (name, line) in live_lines:
                continue  # already reported as a live key
            text = lines[line - 1] if line is not None and 0 < line <= len(lines) else ""
            kind = str(hit.get("type", "secret"))
            reason = benign.get(name, {}).get(line or 0) or candidate_exclusion(
                name, text, kind, lines, line or 0
            )
            if reason is not None:
                _count(scan.excluded, reason)
                continue
            others.append(
                Finding(
                    name,
                    line,
                    f"plain-text secret committed: {kind} "
                    "(detect-secrets; value withheld)",
                )
            )
    scan.live = len(live)
    scan.findings = live + others
    return scan


def secret_scan_findings(repo: Path) -> list[Finding]:
    """Committed secrets, live keys first (see :func:`scan_secrets`)."""
    return scan_secrets(repo).findings


def _build_settings_secret_findings(repo: Path, examined: list[str]) -> list[Finding]:
    try:
        settings, _ = settings_for_check(repo)
    except NotVerified:  # build-settings.json without environments: the other sources count
        return []
    if settings is None:
        # absent or unreadable: nothing to judge here (platform.build-settings-json says
        # why); the other sources of this check still count
        return []
    examined.append(settings.name)
    findings = []
    for env_name, env in settings.model.environments.items():
        for variable, value in sorted(env.env.items()):
            line = settings.line("environments", env_name, "env", variable)
            if is_sensitive(variable) and value and not SECRET_REFERENCE.match(value):
                findings.append(
                    Finding(
                        settings.name,
                        line,
                        f"{env_name}: {variable} is written in plain text; "
                        "reference the encrypted secret store (@name)",
                    )
                )
            if public_secret_name(variable):
                findings.append(
                    Finding(
                        settings.name,
                        line,
                        f"{variable}: NEXT_PUBLIC_ "
                        "exposes this credential in the browser bundle",
                    )
                )
    return findings


def _vercel_json_secret_findings(repo: Path, examined: list[str]) -> list[Finding]:
    vercel_path, vercel = read_vercel_json(repo)
    if vercel_path is None or vercel is None:
        return []
    examined.append(relative(repo, vercel_path))
    findings = []
    text = vercel_path.read_text(encoding="utf-8")
    for section in ("env", "build"):
        block = vercel.get(section)
        block = block.get("env") if section == "build" and isinstance(block, dict) else block
        if not isinstance(block, dict):
            continue
        for variable, value in sorted(block.items()):
            if is_sensitive(variable) and value and not SECRET_REFERENCE.match(str(value)):
                loc = ("env", variable) if section == "env" else ("build", "env", variable)
                findings.append(
                    Finding(
                        relative(repo, vercel_path),
                        json_line(text, loc),
                        f"{variable} is written in plain text; reference "
                        "the encrypted secret store (@name)",
                    )
                )
    return findings


def _template_secret_findings(template: Template) -> list[Finding]:
    findings = []
    for entry in template.entries:
        # a NEXT_PUBLIC_ value is shipped to every browser: public by design, unless it is
        # named like a credential (reported below)
        public = entry.name.upper().startswith("NEXT_PUBLIC_")
        if (
            is_sensitive(entry.name)
            and not public
            and entry.value
            and not is_placeholder(entry.value)
        ):
            findings.append(
                Finding(
                    template.name,
                    entry.line,
                    f"{entry.name} has a value in the template; leave "
                    "credentials empty (or a placeholder such as <your-key>)",
                )
            )
        if public_secret_name(entry.name):
            findings.append(
                Finding(
                    template.name,
                    entry.line,
                    f"{entry.name}: NEXT_PUBLIC_ exposes this credential in the browser bundle",
                )
            )
    return findings


@dataclass
class ReferenceCheck:
    """Secret-store references: findings, and which sources were read (none: unverified)."""

    findings: list[Finding]
    examined: list[str]


def secret_reference_check(repo: Path) -> ReferenceCheck:
    """Credentials are secret-store references, and none is exposed to the browser: in
    build-settings.json, vercel.json ``env``, the env template and the code's variables."""
    examined: list[str] = []
    findings = _build_settings_secret_findings(repo, examined)
    findings += _vercel_json_secret_findings(repo, examined)
    template, _ = read_template(repo)
    if template is not None:
        examined.append(template.name)
        findings += _template_secret_findings(template)
    usages = code_env_usages(repo)
    if usages:
        examined.append(f"{len(usages)} variables the code reads")
    for variable, places in sorted(usages.items()):
        if public_secret_name(variable) and (template is None or variable not in template.names()):
            file, line = places[0]
            findings.append(
                Finding(
                    file,
                    line,
                    f"{variable}: NEXT_PUBLIC_ exposes this credential in the browser bundle",
                )
            )
    return ReferenceCheck(findings, examined)


def secret_reference_findings(repo: Path) -> list[Finding]:
    """The findings of :func:`secret_reference_check`."""
    return secret_reference_check(repo).findings
