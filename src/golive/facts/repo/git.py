"""Ask the repository's own git what is tracked and what is ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from golive._errors import NotVerified

__all__ = ["committable_files", "is_git_repo", "is_ignored", "tracked_files"]


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise NotVerified("git is not installed: cannot tell what the repository tracks")
    return subprocess.run(
        [git, "-C", str(repo), *args], capture_output=True, check=False, timeout=60
    )


def is_git_repo(repo: Path) -> bool:
    """Whether ``repo`` is (inside) a git work tree; paths are then answered relative to it."""
    done = _git(repo, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == b"true"


def tracked_files(repo: Path) -> list[str] | None:
    """Paths (relative, posix) git tracks in ``repo``; None when it is not a git repository."""
    if not is_git_repo(repo):
        return None
    done = _git(repo, "ls-files", "-z", "--cached")
    if done.returncode != 0:
        return None
    return [p for p in done.stdout.decode("utf-8", "replace").split("\0") if p]


def committable_files(repo: Path) -> list[str] | None:
    """Tracked files plus untracked ones the ignore rules let through (``git add -A``)."""
    if not is_git_repo(repo):
        return None
    done = _git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if done.returncode != 0:
        return None
    return sorted({p for p in done.stdout.decode("utf-8", "replace").split("\0") if p})


def is_ignored(repo: Path, relative: str) -> bool:
    """Whether the ignore rules cover ``relative`` (tracked or not, existing or not)."""
    done = _git(repo, "check-ignore", "-q", "--no-index", "--", relative)
    if done.returncode not in (0, 1):
        raise NotVerified(
            f"git check-ignore failed: {done.stderr.decode(errors='replace').strip()}"
        )
    return done.returncode == 0
