"""Locked dependency versions of a repository: Python requirements and lockfiles, npm
``package-lock.json``. Facts only; matching them against advisories is ``osv``'s job."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.facts.repo.discover import find_files

__all__ = ["LockedSet", "Package", "locked_packages", "normalize", "parse_requirements"]

_REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "*/requirements*.txt")
_TOML_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock")
_UNSUPPORTED = ("yarn.lock", "pnpm-lock.yaml", "Gemfile.lock", "go.sum", "Cargo.lock")
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;,#]+)\s*(;.*)?$")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")


def normalize(ecosystem: str, name: str) -> str:
    """PEP 503 for PyPI (case and separators do not matter), as written elsewhere."""
    return re.sub(r"[-_.]+", "-", name).lower() if ecosystem == "PyPI" else name


@dataclass(frozen=True)
class Package:
    ecosystem: str  # OSV ecosystem name: PyPI, npm
    name: str
    version: str | None  # None: not pinned
    file: str
    line: int | None = None

    @property
    def key(self) -> str:
        return normalize(self.ecosystem, self.name)


@dataclass
class LockedSet:
    packages: list[Package] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unsupported: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def pinned(self, ecosystem: str | None = None) -> list[Package]:
        return [
            p
            for p in self.packages
            if p.version is not None and (ecosystem is None or p.ecosystem == ecosystem)
        ]

    def ecosystems(self) -> set[str]:
        return {p.ecosystem for p in self.packages}


def parse_requirements(text: str, file: str) -> list[Package]:
    """``name==version`` lines are pinned; other requirement lines are listed unpinned."""
    found = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        line = re.sub(r"\s+--hash[= ]\S+", "", line).rstrip("\\").strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
            continue
        pin = _PIN.match(line)
        if pin:
            found.append(Package("PyPI", pin.group(1), pin.group(3), file, number))
        elif name := _NAME.match(line):
            found.append(Package("PyPI", name.group(1), None, file, number))
    return found


def _toml_lock(path: Path, shown: str) -> list[Package]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Package("PyPI", str(p["name"]), str(p["version"]), shown)
        for p in data.get("package", [])
        if isinstance(p, dict) and "name" in p and "version" in p
    ]


def _pipfile_lock(data: dict[str, Any], shown: str) -> list[Package]:
    found = []
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else ""
            found.append(Package("PyPI", name, version.removeprefix("==") or None, shown))
    return found


def _npm_lock(data: dict[str, Any], shown: str) -> list[Package]:
    found: dict[tuple[str, str | None], Package] = {}
    packages = data.get("packages")
    if isinstance(packages, dict):  # lockfileVersion 2 and 3
        for location, spec in packages.items():
            if not location or not isinstance(spec, dict) or spec.get("link"):
                continue
            name = spec.get("name") or location.rsplit("node_modules/", 1)[-1]
            version = spec.get("version")
            found[(name, version)] = Package("npm", name, version, shown)
    else:  # lockfileVersion 1: nested "dependencies"
        stack = [data.get("dependencies") or {}]
        while stack:
            for name, spec in stack.pop().items():
                if isinstance(spec, dict):
                    found[(name, spec.get("version"))] = Package(
                        "npm", name, spec.get("version"), shown
                    )
                    stack.append(spec.get("dependencies") or {})
    return list(found.values())


def locked_packages(repo: Path) -> LockedSet:
    """Every dependency the repository pins, from each manifest golive can read."""
    root = Path(repo).resolve()
    result = LockedSet()
    for path in find_files(root, *_REQUIREMENTS, *_TOML_LOCKS, "Pipfile.lock", "package-lock.json"):
        shown = path.relative_to(root).as_posix()
        try:
            if path.name == "package-lock.json":
                packages = _npm_lock(json.loads(path.read_text(encoding="utf-8")), shown)
            elif path.name == "Pipfile.lock":
                packages = _pipfile_lock(json.loads(path.read_text(encoding="utf-8")), shown)
            elif path.name in _TOML_LOCKS:
                packages = _toml_lock(path, shown)
            else:
                packages = parse_requirements(path.read_text(encoding="utf-8"), shown)
        except (ValueError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            result.problems.append(f"{shown}: unreadable ({type(exc).__name__})")
            continue
        result.files.append(shown)
        result.packages += packages
    result.unsupported = [p.relative_to(root).as_posix() for p in find_files(root, *_UNSUPPORTED)]
    return result
