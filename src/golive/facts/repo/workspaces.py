"""The apps of a repository: workspace packages of a monorepo, template kits, or the root.

Use :func:`apps` to judge a deliverable per app (env templates, Dockerfiles, vercel.json,
test scripts)::

    from golive.facts.repo.workspaces import apps, app_of

    for app in apps(repo):          # App(name, path, scripts, kind, package)
        ...                         # app.name is "apps/web", "template" or "." (the root)
    owner = app_of(repo, some_file) # the deepest app holding a file, None for root tooling

Where apps are declared (all read, their globs united; ``!pattern`` excludes):

- ``package.json`` ``workspaces``: an array, or ``{"packages": [...]}`` (yarn classic);
- ``pnpm-workspace.yaml`` ``packages``;
- ``lerna.json`` ``packages`` (default ``packages/*``);
- ``turbo.json`` alone (turbo needs the package manager's workspaces): ``apps/*``,
  ``packages/*``;
- ``nx.json``: every folder with a ``project.json`` is a project, besides the globs above.

An app is a folder matched by those globs that holds its own ``package.json`` (or, for nx,
``project.json``). A *template kit* is a folder named like ``template``/``templates``/
``scaffold``/``boilerplate`` holding an env template or a ``package.json.tmpl``: files
copied into new projects, judged as an app of its own (``kind == "template kit"``).

When a repository declares no workspace package, the root is the one app (``kind ==
"root"``); beside a template kit, only when the root keeps an env template of its own (else
it is the kit's installer and checks). In a monorepo the root's own files are the tooling
of its apps, not an app: :func:`app_of` gives None for them.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from golive.facts.repo.discover import repo_files

__all__ = ["KIT_NAMES", "App", "app_of", "apps", "declared_globs", "match_glob"]

KIT_NAMES = frozenset(
    {"template", "templates", "scaffold", "scaffolds", "boilerplate", "skeleton", "starter-kit"}
)
# files whose presence in a kit folder says "copied into new projects"
_KIT_MARKERS = frozenset(
    {".env.template", ".env.example", ".env.sample", "env.example", "package.json.tmpl"}
)
_ROOT_TEMPLATES = (".env.template", ".env.example", ".env.sample", ".env.local.example")
_TURBO_DEFAULT = ("apps/*", "packages/*")


@dataclass(frozen=True)
class App:
    """One app: ``name`` is its folder relative to the repository ("." for the root)."""

    name: str
    path: Path
    kind: str  # "root", "workspace" or "template kit"
    scripts: dict[str, str] = field(default_factory=dict)
    package: str | None = None  # package.json "name"

    @property
    def label(self) -> str:
        """How findings and evidence name the app."""
        return "(root)" if self.name == "." else self.name


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value if isinstance(v, str)] if isinstance(value, list) else []


def declared_globs(repo: Path) -> tuple[list[str], bool]:
    """The workspace globs the repository declares, and whether nx projects count too."""
    root = Path(repo)
    globs: list[str] = []
    package = _read_json(root / "package.json")
    if isinstance(package, dict):
        workspaces = package.get("workspaces")
        if isinstance(workspaces, dict):
            workspaces = workspaces.get("packages")
        globs += _strings(workspaces)
    for name in ("pnpm-workspace.yaml", "pnpm-workspace.yml"):
        pnpm = _read_yaml(root / name)
        if isinstance(pnpm, dict):
            globs += _strings(pnpm.get("packages"))
    if (root / "lerna.json").is_file():
        lerna = _read_json(root / "lerna.json")
        listed = _strings(lerna.get("packages")) if isinstance(lerna, dict) else []
        globs += listed or ["packages/*"]
    if not globs and (root / "turbo.json").is_file():
        globs += list(_TURBO_DEFAULT)
    return globs, (root / "nx.json").is_file()


def match_glob(relative: str, pattern: str) -> bool:
    """Whether a folder path matches a workspace glob, segment by segment (``*`` stays in
    one segment, ``**`` spans any number)."""

    def walk(parts: list[str], pats: list[str]) -> bool:
        if not pats:
            return not parts
        if pats[0] == "**":
            return any(walk(parts[i:], pats[1:]) for i in range(len(parts) + 1))
        return bool(parts) and fnmatch.fnmatchcase(parts[0], pats[0]) and walk(parts[1:], pats[1:])

    clean = pattern.strip().removeprefix("./").rstrip("/")
    return walk([p for p in relative.split("/") if p], [p for p in clean.split("/") if p])


def _package_app(root: Path, folder: Path, kind: str) -> App:
    package = _read_json(folder / "package.json")
    scripts: dict[str, str] = {}
    name = None
    if isinstance(package, dict):
        raw = package.get("scripts")
        if isinstance(raw, dict):
            scripts = {str(k): str(v) for k, v in raw.items()}
        name = package.get("name") if isinstance(package.get("name"), str) else None
    shown = folder.relative_to(root).as_posix() if folder != root else "."
    return App(shown or ".", folder, kind, scripts, name)


def _kits(root: Path, files: tuple[Path, ...]) -> list[Path]:
    found: set[Path] = set()
    for path in files:
        if path.name not in _KIT_MARKERS:
            continue
        parts = path.relative_to(root).parts[:-1]
        for depth, part in enumerate(parts):
            if part.lower() in KIT_NAMES:
                found.add(root.joinpath(*parts[: depth + 1]))
                break
    # the outermost kit folder only
    return sorted(k for k in found if not any(o != k and o in k.parents for o in found))


def apps(repo: Path) -> list[App]:
    """Every app of ``repo``, sorted by folder (see the module's docstring)."""
    root = Path(repo).resolve()
    files = repo_files(root)
    globs, nx = declared_globs(root)
    include = [g for g in globs if not g.startswith("!")]
    exclude = [g[1:] for g in globs if g.startswith("!")]
    folders: set[Path] = set()
    for path in files:
        if path.name not in ("package.json", "project.json") or path.parent == root:
            continue
        relative = path.parent.relative_to(root).as_posix()
        if path.name == "project.json" and not nx:
            continue
        declared = any(match_glob(relative, g) for g in include) and not any(
            match_glob(relative, g) for g in exclude
        )
        if declared or path.name == "project.json":
            folders.add(path.parent)
    kits = [k for k in _kits(root, files) if not any(f == k or k in f.parents for f in folders)]
    found = [_package_app(root, f, "workspace") for f in folders]
    found += [_package_app(root, k, "template kit") for k in kits]
    # beside a template kit, the root is an app only when it keeps an env template itself
    # (else it is the kit's tooling: installer, checks)
    if not folders and (not kits or any((root / n).is_file() for n in _ROOT_TEMPLATES)):
        found.append(_package_app(root, root, "root"))
    return sorted(found, key=lambda a: (a.name != ".", a.name))


def app_of(repo: Path, path: Path, among: list[App] | None = None) -> App | None:
    """The deepest app holding ``path``; None for the root's tooling of a monorepo."""
    resolved = Path(path).resolve()
    best: App | None = None
    for app in among if among is not None else apps(repo):
        if (app.path == resolved or app.path in resolved.parents) and (
            best is None or len(app.path.parts) > len(best.path.parts)
        ):
            best = app
    return best
