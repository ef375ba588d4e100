"""Find the plan's deliverables by file name anywhere in a repository."""

from __future__ import annotations

import fnmatch
import os
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
    "remember_role",
    "repo_files",
    "require_deliverable",
    "roles_taken",
]

# folders that hold other people's files, never the team's deliverables
SKIPPED_DIRS = frozenset(
    {".git", "node_modules", ".venv", "venv", "env", ".tox", "__pycache__", ".mypy_cache"}
)


@cache
def _walk(root: str) -> tuple[Path, ...]:
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        # "env" is a virtualenv only with its pyvenv.cfg (packages/env is a monorepo's code)
        dirs[:] = sorted(
            d for d in dirs
            if d not in SKIPPED_DIRS
            or (d == "env" and not os.path.isfile(os.path.join(folder, d, "pyvenv.cfg")))
        )
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
        skipped = ", ".join(sorted(SKIPPED_DIRS))
        raise AssertionError(
            f"not found: {' or '.join(names)} anywhere in {repo} (skipping {skipped})"
        )
    return path
