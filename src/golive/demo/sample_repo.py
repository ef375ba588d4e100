"""The sample infrastructure repository, materialized as a git repository.

``sample-infra/good`` is what a competent team commits. ``sample-infra/broken`` is an
overlay: its files replace or add to the good ones, and each path listed in its
``_REMOVED`` file is deleted, so the twin differs from the good repo only where a
defect was put on purpose.
"""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Literal

__all__ = [
    "REMOVED_LIST",
    "Variant",
    "materialize",
    "sample_file",
    "sample_files",
    "sample_source",
]

Variant = Literal["good", "broken"]
REMOVED_LIST = "_REMOVED"


def sample_source(variant: Variant) -> Path:
    return Path(str(resources.files("golive.demo").joinpath("sample-infra", variant)))


def _removed(variant: Variant) -> set[str]:
    if variant != "broken":
        return set()
    listed = sample_source("broken") / REMOVED_LIST
    if not listed.is_file():
        return set()
    return {
        line.strip()
        for line in listed.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


def sample_file(variant: Variant, relative: str) -> Path | None:
    """A file of the variant's repository without materializing it (overlay applied)."""
    if relative in _removed(variant):
        return None
    if variant == "broken" and (sample_source("broken") / relative).is_file():
        return sample_source("broken") / relative
    path = sample_source("good") / relative
    return path if path.is_file() else None


def sample_files(variant: Variant, folder: str, pattern: str = "*") -> list[Path]:
    """The files of one folder of the variant's repository (overlay applied), by name."""
    found = {p.name: p for p in (sample_source("good") / folder).glob(pattern) if p.is_file()}
    if variant == "broken":
        found |= {p.name: p for p in (sample_source("broken") / folder).glob(pattern)
                  if p.is_file()}  # fmt: skip
    removed = _removed(variant)
    return [found[name] for name in sorted(found) if f"{folder}/{name}" not in removed]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=golive demo",
            "-c",
            "user.email=demo@golive.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def materialize(variant: Variant, dest: Path) -> Path:
    """Write the sample repository for ``variant`` into ``dest`` and commit it with git.

    Committing matters: some criteria are about what is tracked (``.env.local`` must be
    git-ignored, no secret may be committed).
    """
    dest = Path(dest)
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(sample_source("good"), dest)
    if variant == "broken":
        overlay = sample_source("broken")
        removed = overlay / REMOVED_LIST
        shutil.copytree(
            overlay, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(REMOVED_LIST)
        )
        if removed.is_file():
            for line in removed.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    target = dest / line.strip()
                    if target.is_dir():
                        shutil.rmtree(target)
                    else:
                        target.unlink(missing_ok=True)
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")  # honours the repo's own .gitignore, as a team's commit would
    _git(dest, "commit", "-q", "-m", f"sample infrastructure ({variant})")
    return dest
