"""Committed secrets: detect-secrets over the tracked files (``golive.rules.secrets``) and
over every file version in the git history that is no longer in HEAD."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from golive._errors import NotVerified
from golive.facts.scans.runner import run_scanner
from golive.judging.findings import SecFinding, SourceResult
from golive.rules import secrets as static_secrets

__all__ = ["MAX_BLOBS", "history_secret_findings", "secret_scan"]

SOURCE = "secret-scan"
MAX_BLOBS = 2000
MAX_BLOB_BYTES = 512 * 1024


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    git = shutil.which("git")
    if git is None:
        return None
    done = subprocess.run(
        [git, "-C", str(repo), *args], input=stdin, capture_output=True, check=False, timeout=120
    )
    return done.stdout if done.returncode == 0 else None


def _history_blobs(repo: Path) -> tuple[list[tuple[str, str]], int] | None:
    """(sha, path) of blobs under ``repo`` in history but not in HEAD, and how many were
    left out. ``repo`` may be a folder inside a larger git repository: only its subtree."""
    prefix_out = _git(repo, "rev-parse", "--show-prefix")
    listing = _git(repo, "rev-list", "--objects", "--all", "--", ".")
    if prefix_out is None or listing is None:
        return None
    prefix = prefix_out.decode().strip()
    paths: dict[str, str] = {}
    for line in listing.decode("utf-8", "replace").splitlines():
        sha, _, path = line.partition(" ")
        if path and path.startswith(prefix):
            paths.setdefault(sha, path.removeprefix(prefix))
    head = _git(repo, "ls-tree", "-r", "--format=%(objectname)", "HEAD", "--", ".") or b""
    in_head = set(head.decode().split())
    candidates = [sha for sha in paths if sha not in in_head]
    if not candidates:
        return [], 0
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
    return blobs[:MAX_BLOBS], max(0, len(blobs) - MAX_BLOBS)


def history_secret_findings(repo: Path) -> tuple[list[SecFinding], list[str]]:
    """Secrets in file versions of the history that HEAD no longer has (and notes)."""
    root = Path(repo).resolve()
    listed = _history_blobs(root)
    if listed is None:
        return [], ["history not scanned: not a git repository (or git missing)"]
    blobs, cut = listed
    notes = [f"history: {len(blobs)} earlier file versions scanned"]
    if cut:
        notes.append(f"history: {cut} more file versions not scanned (limit {MAX_BLOBS})")
    if not blobs:
        return [], notes
    findings = []
    with tempfile.TemporaryDirectory(prefix="golive-history-") as folder:
        base = Path(folder)
        names: dict[str, tuple[str, str]] = {}
        for sha, path in blobs:
            content = _git(root, "cat-file", "blob", sha)
            if content is None or b"\0" in content[:8192]:
                continue
            name = f"{sha[:12]}/{path}"
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_bytes(content)
            names[name] = (sha, path)
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
    for name, secrets in sorted(results.items()):
        sha, path = names.get(Path(name).as_posix(), ("?", name))
        commit = (
            _git(root, "log", "--all", "-1", "--format=%h", f"--find-object={sha}") or b""
        ).decode().strip() or "?"
        for secret in secrets:
            findings.append(
                SecFinding(
                    SOURCE,
                    "secret.committed",
                    "high",
                    f"secret in git history: {secret.get('type', 'secret')} "
                    f"(commit {commit}; removed from HEAD but still in history; rotate "
                    "it; value withheld)",
                    path,
                    secret.get("line_number"),
                )
            )
    return findings, notes


def secret_scan(repo: Path) -> SourceResult:
    """HEAD's tracked files and the history; NotVerified problems make it unverified."""
    try:
        current = static_secrets.secret_scan_findings(repo)
        history, notes = history_secret_findings(repo)
    except NotVerified as exc:
        return SourceResult.unverified(SOURCE, exc.reason)
    findings = [
        SecFinding(SOURCE, "secret.committed", "high", f.message, f.file, f.line) for f in current
    ]
    return SourceResult(
        SOURCE,
        True,
        findings + history,
        notes=notes,
        checked=["tracked files (detect-secrets)", "git history"],
    )
