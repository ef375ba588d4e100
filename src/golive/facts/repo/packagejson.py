"""package.json: the npm scripts a repository defines."""

from __future__ import annotations

from pathlib import Path

from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import Document, load_structured

__all__ = ["all_package_scripts", "package_scripts"]


def package_scripts(repo: Path) -> dict[str, str] | None:
    """``{name: command}`` of the root package.json's ``scripts`` ({} when it has none);
    None when there is no readable package.json (nothing to check a script name against)."""
    path = Path(repo) / "package.json"
    if not path.is_file():
        return None
    loaded = load_structured(repo, path)
    if not isinstance(loaded, Document):
        return None
    scripts = loaded.data.get("scripts") if isinstance(loaded.data, dict) else None
    return {str(k): str(v) for k, v in scripts.items()} if isinstance(scripts, dict) else {}


def all_package_scripts(repo: Path) -> dict[str, list[str]] | None:
    """``{name: [command, ...]}`` over every package.json of the repository (workspaces
    included, dependencies skipped); None when the repository has no package.json."""
    root = Path(repo)
    paths = find_files(root, "package.json")
    if not paths:
        return None
    merged: dict[str, list[str]] = {}
    for path in paths:
        loaded = load_structured(root, path)
        if not isinstance(loaded, Document) or not isinstance(loaded.data, dict):
            continue
        scripts = loaded.data.get("scripts")
        for name, command in (scripts.items() if isinstance(scripts, dict) else []):
            merged.setdefault(str(name), []).append(str(command))
    return merged
