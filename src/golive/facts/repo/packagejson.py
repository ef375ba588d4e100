"""package.json: the npm scripts a repository defines."""

from __future__ import annotations

from pathlib import Path

from golive.facts.repo.structured import Document, load_structured

__all__ = ["package_scripts"]


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
