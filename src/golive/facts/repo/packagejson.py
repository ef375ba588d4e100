"""package.json and Makefile: the named tasks a repository defines (npm scripts of every
workspace, make targets), so a CI step's ``pnpm run test`` or ``make test`` can be read
as what it runs."""

from __future__ import annotations

import re
from pathlib import Path

from golive.facts.repo.discover import find_files
from golive.facts.repo.structured import Document, load_structured

__all__ = ["all_package_scripts", "make_targets", "package_scripts", "task_scripts"]

MAKE_PREFIX = "make:"  # the key of a make target among the tasks (rules.runners reads it)
MAKE_DEFAULT = ".DEFAULT_GOAL"
_MAKEFILES = ("Makefile", "makefile", "GNUmakefile")
_RULE = re.compile(r"^([A-Za-z0-9_./%-][A-Za-z0-9_./% -]*?)\s*::?(?!=)(.*)$")
_SUBMAKE = re.compile(r"\$[({]MAKE[)}]")


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


def make_targets(repo: Path) -> dict[str, list[str]]:
    """``{target: [recipe line, ...]}`` of the root Makefile (``$(MAKE)`` read as make);
    ``.DEFAULT_GOAL`` holds the recipe of the first target. {} without a Makefile."""
    path = next((Path(repo) / n for n in _MAKEFILES if (Path(repo) / n).is_file()), None)
    if path is None:
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    targets: dict[str, list[str]] = {}
    current: list[str] = []
    first: str | None = None
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("\t"):
            recipe = line.strip().lstrip("@-+").strip()
            for name in current:
                targets[name].append(_SUBMAKE.sub("make", recipe))
            continue
        match = _RULE.match(line)
        if match is None or line.startswith((" ", "#")):
            if line.strip() and not line.startswith("#"):
                current = []
            continue
        names = [n for n in match.group(1).split() if not n.startswith(".") and "%" not in n]
        deps = match.group(2).split(";", 1)
        current = names
        for name in names:
            # a target that only depends on others runs them: ``test: unit e2e``
            targets.setdefault(name, []).extend(
                f"make {d}" for d in deps[0].split() if not d.startswith("$"))
            if len(deps) > 1 and deps[1].strip():
                targets[name].append(deps[1].strip())
        first = first or (names[0] if names else None)
    if first is not None:
        targets[MAKE_DEFAULT] = [f"make {first}"]
    return targets


def task_scripts(repo: Path) -> dict[str, list[str]] | None:
    """Every package script (all workspaces) and every make target as ``make:<target>``;
    None when the repository has neither a package.json nor a Makefile."""
    scripts = all_package_scripts(repo)
    targets = make_targets(repo)
    if scripts is None and not targets:
        return None
    merged = dict(scripts or {})
    merged.update({f"{MAKE_PREFIX}{name}": body for name, body in targets.items()})
    return merged
