"""Find the plan's deliverables by file name anywhere in a repository."""

from __future__ import annotations

import fnmatch
import os
from functools import cache
from pathlib import Path

__all__ = ["SKIPPED_DIRS", "find_deliverable", "find_files", "repo_files", "require_deliverable"]

# folders that hold other people's files, never the team's deliverables
SKIPPED_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "env", ".tox", "__pycache__", ".mypy_cache"}
)


@cache
def _walk(root: str) -> tuple[Path, ...]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        found.extend(Path(folder, name) for name in sorted(files))
    return tuple(found)


def repo_files(repo: Path) -> tuple[Path, ...]:
    """Every file of ``repo`` but those in skipped folders, sorted, walked once per run."""
    return _walk(str(Path(repo).resolve()))


def find_files(repo: Path, *patterns: str) -> list[Path]:
    """Files whose name, or path relative to ``repo``, matches one of the glob patterns."""
    root = Path(repo).resolve()
    hits = []
    for path in repo_files(root):
        relative = path.relative_to(root).as_posix()
        if any(fnmatch.fnmatch(path.name, p) or fnmatch.fnmatch(relative, p) for p in patterns):
            hits.append(path)
    return hits


def find_deliverable(repo: Path, *names: str) -> Path | None:
    """The first file named like one of ``names`` (shallowest path wins), or None."""
    hits = find_files(repo, *names)
    return min(hits, key=lambda p: (len(p.parts), str(p))) if hits else None


def require_deliverable(repo: Path, *names: str) -> Path:
    """The deliverable, or an AssertionError saying what was searched (the check fails)."""
    path = find_deliverable(repo, *names)
    if path is None:
        skipped = ", ".join(sorted(SKIPPED_DIRS))
        raise AssertionError(
            f"not found: {' or '.join(names)} anywhere in {repo} (skipping {skipped})"
        )
    return path
