"""Committed secrets: detect-secrets over the tracked files (``golive.rules.secrets``) and
over every file version in the git history that is no longer in HEAD, with the same
filters and live-key detectors (``golive.rules.secret_shapes``): a live key is critical
and listed first."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from golive import _procs
from golive._errors import NotVerified
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import SecFinding, SourceResult
from golive.rules import secrets as static_secrets
from golive.rules.secret_shapes import candidate_exclusion, excluded_file_reason, live_keys

__all__ = ["MAX_BLOBS", "history_secret_findings", "secret_scan"]

SOURCE = "secret-scan"
MAX_BLOBS = 2000
# detect-secrets costs seconds of CPU per MiB: the history gets the same bounds as HEAD
MAX_BLOB_BYTES = static_secrets.MAX_FILE_BYTES
MAX_HISTORY_BYTES = static_secrets.MAX_TOTAL_BYTES


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = _procs.run([git, "-C", str(repo), *args], input=stdin, capture_output=True,
                      timeout=120)
    return done.stdout if done.returncode == 0 else None


def _history_blobs(repo: Path) -> tuple[list[tuple[str, str]], int, int] | None:
    """(sha, path) of blobs under ``repo`` in history but not in HEAD, how many were left
    out by the limit, and how many are absent from the clone (a partial clone).
    ``repo`` may be a folder inside a larger git repository: only its subtree."""
    prefix_out = _git(repo, "rev-parse", "--show-prefix")
    # a partial clone lists its absent blobs instead of failing on the first one
    listing = _git(repo, "rev-list", "--objects", "--all", "--missing=print", "--", ".")
    if prefix_out is None or listing is None:
        return None
    prefix = prefix_out.decode().strip()
    paths: dict[str, str] = {}
    absent: set[str] = set()
    for line in listing.decode("utf-8", "replace").splitlines():
        if line.startswith("?"):
            absent.add(line[1:].strip())
            continue
        sha, _, path = line.partition(" ")
        if path and path.startswith(prefix):
            paths.setdefault(sha, path.removeprefix(prefix))
    head = _git(repo, "ls-tree", "-r", "--format=%(objectname)", "HEAD", "--", ".") or b""
    in_head = set(head.decode().split())
    candidates = [sha for sha in paths if sha not in in_head and sha not in absent]
    # HEAD's files are read from the work tree: only absent earlier versions are a gap
    missing = len(absent - in_head)
    if not candidates:
        return [], 0, missing
    checked = (
        _git(
            repo,
            "cat-file",
            "--batch-check=%(objectname) %(objecttype) %(objectsize)",
            stdin="\n".join(candidates).encode(),
        )
        or b""
    )
    blobs = []
    for line in checked.decode().splitlines():
        sha, kind, size = [*line.split(), "", "", "0"][:3]
        if kind == "blob" and int(size) <= MAX_BLOB_BYTES:
            blobs.append((sha, paths[sha]))
    return blobs[:MAX_BLOBS], max(0, len(blobs) - MAX_BLOBS), missing


def history_secret_findings(repo: Path) -> tuple[list[SecFinding], list[str]]:
    """Secrets in file versions of the history that HEAD no longer has (and notes)."""
    root = Path(repo).resolve()
    listed = _history_blobs(root)
    if listed is None:
        if _git(root, "rev-parse", "--is-inside-work-tree") is None:
            return [], ["history not scanned: not a git repository (or git missing)"]
        return [], ["history not scanned: git could not list it (an incomplete clone?)"]
    blobs, cut, missing = listed
    notes = [f"history: {len(blobs)} earlier file versions scanned"]
    if missing:
        notes.append(
            f"history not scanned in part: {missing} objects absent from this clone "
            "(a partial clone); fetch them to scan the whole history"
        )
    if cut:
        notes.append(f"history: {cut} more file versions not scanned (limit {MAX_BLOBS})")
    if not blobs:
        return [], notes
    findings = []
    skipped: dict[str, int] = {}
    texts: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="golive-history-") as folder:
        base = Path(folder)
        names: dict[str, tuple[str, str]] = {}
        total = 0
        for sha, path in blobs:
            reason = excluded_file_reason(path)
            if reason is not None:
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            content = _git(root, "cat-file", "blob", sha)
            if content is None or b"\0" in content[:8192]:
                continue
            total += len(content)
            if total > MAX_HISTORY_BYTES:
                budget = f"beyond the budget of {MAX_HISTORY_BYTES // 1024 // 1024} MiB"
                skipped[budget] = skipped.get(budget, 0) + 1
                continue
            name = f"{sha[:12]}/{path}"
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(content)
            names[name] = (sha, path)
            texts[name] = content.decode("utf-8", "replace")
        notes += [
            f"history: {n} file versions not scanned: {r}" for r, n in sorted(skipped.items())
        ]
        if not names:
            return [], notes
        run = run_scanner(
            "detect-secrets",
            ["scan", "--no-verify", "--disable-plugin", "IPPublicDetector", *names],
            [base / n for n in names],
            cwd=base,
        )
        try:
            results = json.loads(run.stdout)["results"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise NotVerified(
                f"detect-secrets gave no report on the history: "
                f"{(run.stderr or run.stdout).strip()[:200]}"
            ) from exc
    excluded: dict[str, int] = {}
    for name, secrets in sorted(results.items()):
        name = Path(name).as_posix()
        sha, path = names.get(name, ("?", name))
        text = texts.get(name, "")
        keys, benign = live_keys(text)
        live = {k.line: k.kind for k in keys}
        lines = text.splitlines()
        commit = (
            _git(root, "log", "--all", "-1", "--format=%h", f"--find-object={sha}") or b""
        ).decode().strip() or "?"
        for secret in secrets:
            number = secret.get("line_number")
            line = number if isinstance(number, int) else 0
            at = lines[line - 1] if 0 < line <= len(lines) else ""
            kind_found = str(secret.get("type", "secret"))
            reason = (
                None
                if line in live
                else benign.get(line) or candidate_exclusion(path, at, kind_found, lines, line)
            )
            if reason is not None:
                excluded[reason] = excluded.get(reason, 0) + 1
                continue
            kind = live.get(line)
            findings.append(
                SecFinding(
                    SOURCE,
                    "secret.committed",
                    "critical" if kind else "high",
                    f"secret in git history: {kind or secret.get('type', 'secret')}"
                    f"{' (live key by shape)' if kind else ''} "
                    f"(commit {commit}; removed from HEAD but still in history; rotate "
                    "it; value withheld)",
                    path,
                    line or None,
                )
            )
    notes += [f"history: {n} candidates excluded: {r}" for r, n in sorted(excluded.items())]
    return sorted(findings, key=lambda f: f.severity != "critical"), notes


def secret_scan(repo: Path) -> SourceResult:
    """HEAD's tracked files and the history; NotVerified problems make it unverified."""
    try:
        current = static_secrets.scan_secrets(repo)
        history, notes = history_secret_findings(repo)
    except NotVerified as exc:
        return SourceResult.unverified(SOURCE, exc.reason)
    findings = [
        SecFinding(
            SOURCE,
            "secret.committed",
            "critical" if n < current.live else "high",  # live keys come first
            f.message,
            f.file,
            f.line,
        )
        for n, f in enumerate(current.findings)
    ]
    notes = [
        *(f"{n} files not scanned: {r}" for r, n in sorted(current.skipped.items())),
        *(f"{n} candidates excluded: {r}" for r, n in sorted(current.excluded.items())),
        *notes,
    ]
    # a history git can't list is a required part unchecked: not verified, never a pass
    gaps = [n for n in notes if n.startswith(("history not scanned: git could not",
                                               "history not scanned in part"))]
    return SourceResult(
        SOURCE,
        True,
        findings + history,
        notes=[n for n in notes if n not in gaps],
        gaps=gaps,
        checked=[f"{current.scanned} committable files (detect-secrets)", "git history"],
        facts=current.facts(),
    )
