"""Find the plan's deliverables by file name anywhere in a repository."""

from __future__ import annotations

import fnmatch
import os
import stat
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = [
    "PLAN_EQUIVALENTS",
    "SKIPPED_DIRS",
    "RoleMatch",
    "find_deliverable",
    "find_files",
    "find_role",
    "not_found_message",
    "remember_role",
    "repo_files",
    "require_deliverable",
    "roles_taken",
    "skipped_files",
]

# folders that hold other people's files, never the team's deliverables
SKIPPED_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "env", ".tox", "__pycache__", ".mypy_cache"}
)


# files seen but never listed, per repository root: relative path → why (a FIFO, a device,
# a link out of the repository or one that loops); no reader may open them
_SKIPPED_FILES: dict[str, dict[str, str]] = {}


def _special(root: str, path: str) -> str | None:
    """Why the directory entry ``path`` is no file to read; None for a regular file inside
    ``root`` (links are resolved, and must stay inside)."""
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(path, strict=True)
            if os.path.commonpath([root, target]) != root:
                return "a symbolic link out of the repository (never followed)"
            info = os.stat(target)
    except (OSError, RuntimeError):
        return "a symbolic link that loops or points nowhere"
    if stat.S_ISREG(info.st_mode):
        return None
    kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else (
        "a device" if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
        else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
    return f"{kind} (never opened)"


@cache
def _walk(root: str) -> tuple[Path, ...]:
    found: list[Path] = []
    skipped = _SKIPPED_FILES.setdefault(root, {})
    # os.walk never descends into linked folders (followlinks=False): no loop, no way out
    for folder, dirs, files in os.walk(root):
        # "env" is a virtualenv only with its pyvenv.cfg (packages/env is a monorepo's code)
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIPPED_DIRS
            or (d == "env" and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg")))
        )
        for name in sorted(files):
            path = os.path.join(folder, name)
            why = _special(root, path)
            if why is None:
                found.append(Path(path))
            else:
                skipped[os.path.relpath(path, root)] = why
    return tuple(found)


def skipped_files(repo: Path, *patterns: str) -> dict[str, str]:
    """Entries of ``repo`` never listed (FIFOs, devices, links out or in a loop) → why;
    only those matching ``patterns`` (name or relative path) when given."""
    root = str(Path(repo).resolve())
    _walk(root)
    return {
        rel: why for rel, why in sorted(_SKIPPED_FILES.get(root, {}).items())
        if not patterns or any(
            fnmatch.fnmatch(os.path.basename(rel), p) or fnmatch.fnmatch(rel, p)
            for p in patterns)
    }


def not_found_message(repo: Path, names: tuple[str, ...], where: str = "the repository") -> str:
    """Why no deliverable named ``names`` was found, naming files skipped as unreadable."""
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    message = f"not found: {' or '.join(names)} anywhere in {where} (skipping {skipped})"
    special = skipped_files(repo, *names)
    if special:
        message += "; not read: " + "; ".join(f"{rel}: {why}" for rel, why in special.items())
    return message


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


def _workflows(*names: str) -> tuple[str, ...]:
    """Workflow roles are only taken from the workflows folder."""
    return tuple(f".github/workflows/{name}" for name in names)


# the names teams give the plan's deliverables; the plan's own name is always tried first
PLAN_EQUIVALENTS: dict[str, tuple[str, ...]] = {
    ".env.template": (".env.example", ".env.sample", ".env.dist", ".env.local.example",
                      ".env.defaults", "env.example", "example.env", "sample.env"),
    "docker-compose.yml": ("docker-compose.yaml", "compose.yml", "compose.yaml"),
    "deploy-production.yml": _workflows(
        "production.yml", "production.yaml", "deploy-prod.yml", "deploy-prod.yaml",
        "prod-deploy.yml", "release-production.yml", "cd-production.yml"),
    "deploy-staging.yml": _workflows(
        "staging.yml", "staging.yaml", "deploy-stage.yml", "deploy-stg.yml", "stage-deploy.yml"),
    "e2e-test.yml": _workflows(
        "e2e.yml", "e2e.yaml", "e2e-tests.yml", "playwright.yml", "cypress.yml"),
    "test.yml": _workflows("tests.yml", "tests.yaml", "unit-test.yml", "unit-tests.yml"),
    "coverage-report.yml": _workflows("coverage.yml", "coverage.yaml"),
    "dependency-update.yml": _workflows(
        "dependency-updates.yml", "deps-update.yml", "update-deps.yml"),
    "rollback.yml": _workflows("revert-deploy.yml", "rollback-production.yml"),
}


@dataclass(frozen=True)
class RoleMatch:
    """Which file plays a plan deliverable's role, and why it was taken."""

    role: str
    path: Path
    how: str  # "plan name", "equivalent name", or what its content does

    @property
    def renamed(self) -> bool:
        return self.path.name != self.role

    def as_dict(self, repo: Path) -> dict[str, str]:
        try:
            shown = self.path.resolve().relative_to(Path(repo).resolve()).as_posix()
        except ValueError:
            shown = str(self.path)
        return {"role": self.role, "file": shown, "how": self.how}


_TAKEN: dict[tuple[str, str], RoleMatch] = {}


def _shallowest(hits: list[Path]) -> Path | None:
    return min(hits, key=lambda p: (len(p.parts), str(p))) if hits else None


def find_role(repo: Path, role: str, *names: str) -> RoleMatch | None:
    """The file for the plan deliverable ``role``: one named as the plan (or ``names``), else
    one of the names teams use for it (:data:`PLAN_EQUIVALENTS`). Remembered for the
    evidence (:func:`roles_taken`)."""
    root = str(Path(repo).resolve())
    exact = _shallowest(find_files(repo, *(names or (role,))))
    match = None
    if exact is not None:
        match = RoleMatch(role, exact, "plan name")
    else:
        for equivalent in PLAN_EQUIVALENTS.get(role, ()):
            hit = _shallowest(find_files(repo, equivalent))
            if hit is not None:
                shown = equivalent.rsplit("/", 1)[-1]
                match = RoleMatch(role, hit, f"equivalent name ({shown} for {role})")
                break
    if match is not None:
        _TAKEN[(root, role)] = match
    return match


def roles_taken(repo: Path) -> list[RoleMatch]:
    """Every role a file was taken for in ``repo`` so far in this process."""
    root = str(Path(repo).resolve())
    return [m for (r, _), m in sorted(_TAKEN.items()) if r == root]


def remember_role(repo: Path, match: RoleMatch) -> None:
    _TAKEN[(str(Path(repo).resolve()), match.role)] = match


def find_deliverable(repo: Path, *names: str) -> Path | None:
    """The first file named like one of ``names`` (shallowest path wins); else a file with a
    name teams use for the same deliverable (``.env.example`` for ``.env.template``); None."""
    hit = _shallowest(find_files(repo, *names))
    if hit is not None:
        return hit
    for name in names:
        match = find_role(repo, name) if name in PLAN_EQUIVALENTS else None
        if match is not None:
            return match.path
    return None


def require_deliverable(repo: Path, *names: str) -> Path:
    """The deliverable, or an AssertionError saying what was searched (the check fails)."""
    path = find_deliverable(repo, *names)
    if path is None:
        raise AssertionError(not_found_message(repo, names, str(repo)))
    return path
