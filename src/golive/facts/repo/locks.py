"""Locked dependency versions of a repository, from every lockfile golive can read.

JavaScript: npm ``package-lock.json`` / ``npm-shrinkwrap.json`` (lockfile versions 1, 2
and 3), ``pnpm-lock.yaml`` (5.x, 6.x and 9.x layouts), ``yarn.lock`` (classic v1 and berry,
whose YAML starts with ``__metadata``) and bun's text ``bun.lock`` (JSON with trailing
commas). Python: ``requirements*.txt``, ``poetry.lock``, ``uv.lock``, ``pdm.lock``,
``pylock.toml`` and ``Pipfile.lock``. JSON and YAML are read by their parsers (bounded, with
line numbers); only yarn v1, which is neither, is read line by line.

A lockfile that cannot be read is a problem naming the file, never a file with no
packages; bun's binary ``bun.lockb`` and other ecosystems' lockfiles are listed as not
read. The workspace's own packages (npm workspaces, ``workspace:``, ``link:``, ``file:``)
are no dependencies and are left out. Facts only; matching versions against advisories is
``golive.facts.scans.osv``'s job.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive._files import read_text_bounded
from golive.facts.repo.discover import find_files, skipped_files
from golive.facts.repo.structured import (
    MAX_STRUCTURED_BYTES,
    Document,
    line_of,
    load_structured,
)

__all__ = [
    "LOCKFILE_NAMES",
    "LockedSet",
    "Package",
    "locked_packages",
    "normalize",
    "parse_bun_lock",
    "parse_npm_lock",
    "parse_pnpm_lock",
    "parse_requirements",
    "parse_yarn_berry",
    "parse_yarn_v1",
    "split_spec",
    "strip_jsonc",
]

_REQUIREMENTS = ("requirements*.txt", "requirements/*.txt", "*/requirements*.txt")
_TOML_LOCKS = ("poetry.lock", "uv.lock", "pdm.lock", "pylock.toml")
_NPM_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")
_JS_LOCKS = (*_NPM_LOCKS, "pnpm-lock.yaml", "yarn.lock", "bun.lock")
LOCKFILE_NAMES = (*_JS_LOCKS, *_TOML_LOCKS, "Pipfile.lock", "requirements*.txt")
# lockfiles golive does not read: their packages are covered by nothing here
_UNSUPPORTED = {
    "bun.lockb": "bun's binary lockfile: not read (run `bun install --save-text-lockfile` "
    "to write the text bun.lock)",
    "Gemfile.lock": "a RubyGems lockfile: not read",
    "go.sum": "Go module sums: not read",
    "Cargo.lock": "a Cargo lockfile: not read",
    "composer.lock": "a Composer lockfile: not read",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*===?\s*([^\s;,#]+)\s*(;.*)?$")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)")
# a version as npm publishes it (a git, file or URL reference is none)
_NPM_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
# protocols of the workspace's own code: no registry package to audit
_LOCAL = ("workspace:", "link:", "file:", "portal:", "root:", "exec:")
_JS_LOCK_BYTES = MAX_STRUCTURED_BYTES


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
    unsupported: list[str] = field(default_factory=list)  # "file: why not read"
    problems: list[str] = field(default_factory=list)  # "file: why unreadable"

    def pinned(self, ecosystem: str | None = None) -> list[Package]:
        return [
            p
            for p in self.packages
            if p.version is not None and (ecosystem is None or p.ecosystem == ecosystem)
        ]

    def ecosystems(self) -> set[str]:
        return {p.ecosystem for p in self.packages}


def _unique(packages: Iterator[Package]) -> list[Package]:
    """One entry per name and version (the first place it is written)."""
    seen: dict[tuple[str, str, str | None], Package] = {}
    for package in packages:
        seen.setdefault((package.ecosystem, package.name, package.version), package)
    return list(seen.values())


def split_spec(spec: str) -> tuple[str, str]:
    """``name@version`` or ``@scope/name@range`` → (name, what follows the ``@``)."""
    at = spec.find("@", 1)
    return (spec, "") if at < 0 else (spec[:at], spec[at + 1 :])


def _npm(name: str, version: object, shown: str, line: int | None) -> Package | None:
    """An npm package, or None for the workspace's own code; an npm alias
    (``npm:real@1.2.3``) is the real package, a git or URL reference is not pinned."""
    if not isinstance(version, str) or not name:
        return None
    if version.startswith(_LOCAL):
        return None
    if version.startswith("npm:"):
        name, version = split_spec(version.removeprefix("npm:"))
    return Package("npm", name, version if _NPM_VERSION.match(version) else None, shown, line)


# --- npm --------------------------------------------------------------------------------


def parse_npm_lock(data: Any, shown: str) -> list[Package]:
    """``package-lock.json``: ``packages`` (v2, v3) or nested ``dependencies`` (v1)."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    packages = data.get("packages")
    if isinstance(packages, dict):
        return _unique(_npm_packages(packages, shown))
    return _unique(_npm_v1(data.get("dependencies") or {}, shown))


def _npm_packages(packages: dict[str, Any], shown: str) -> Iterator[Package]:
    for location, spec in packages.items():
        # "" is the project; a location outside node_modules is a workspace's own source
        if "node_modules/" not in location or not isinstance(spec, dict) or spec.get("link"):
            continue
        name = spec.get("name") or location.rsplit("node_modules/", 1)[-1]
        found = _npm(str(name), spec.get("version"), shown, line_of(packages, location))
        if found:
            yield found


def _npm_v1(dependencies: dict[str, Any], shown: str) -> Iterator[Package]:
    stack = [dependencies]
    while stack:
        level = stack.pop()
        for name, spec in level.items():
            if not isinstance(spec, dict):
                continue
            found = _npm(str(name), spec.get("version"), shown, line_of(level, name))
            if found:
                yield found
            if isinstance(spec.get("dependencies"), dict):
                stack.append(spec["dependencies"])


# --- pnpm -------------------------------------------------------------------------------

_PEERS = re.compile(r"\(.*$")  # v6/v9 peer suffix: name@1.0.0(react@18.2.0)


def _pnpm_key(key: str, v5: bool) -> tuple[str, str] | None:
    """A ``packages`` key → (name, version); None when the key holds no registry version."""
    key = _PEERS.sub("", key)
    if v5:  # /name/1.2.3 or /@scope/name/1.2.3_peer@1.0.0
        if not key.startswith("/"):
            return None
        name, _, version = key[1:].rpartition("/")
        return (name, version.split("_", 1)[0]) if name else None
    name, version = split_spec(key.removeprefix("/"))
    return (name, version) if version else None


def parse_pnpm_lock(data: Any, shown: str) -> list[Package]:
    """``pnpm-lock.yaml``: every entry of ``packages`` (all workspaces share it)."""
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise ValueError("no lockfileVersion: not a pnpm lockfile")
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise ValueError("packages is not a mapping")
    v5 = str(data["lockfileVersion"]).startswith("5")
    found = []
    for key, spec in packages.items():
        spec = spec if isinstance(spec, dict) else {}
        resolution = spec.get("resolution") or {}
        if str(key).startswith(_LOCAL) or (
            isinstance(resolution, dict) and resolution.get("type") == "directory"
        ):
            continue
        line = line_of(packages, str(key))
        if spec.get("name") and spec.get("version"):  # a tarball or git dependency
            package = _npm(str(spec["name"]), str(spec["version"]), shown, line)
        else:
            parsed = _pnpm_key(str(key), v5)
            package = _npm(parsed[0], parsed[1], shown, line) if parsed else None
        if package:
            found.append(package)
    return _unique(iter(found))


# --- yarn -------------------------------------------------------------------------------


def _descriptor_name(descriptor: str) -> str:
    """``name@range`` or an alias ``alias@npm:real@range`` → the package's name."""
    name, rest = split_spec(descriptor.strip().strip('"'))
    if rest.startswith("npm:") and "@" in rest.removeprefix("npm:")[1:]:
        return split_spec(rest.removeprefix("npm:"))[0]
    return name


def parse_yarn_berry(data: Any, shown: str) -> list[Package]:
    """yarn 2+ (``__metadata``): each entry's ``resolution`` names the locked package."""
    if not isinstance(data, dict) or "__metadata" not in data:
        raise ValueError("no __metadata: not a yarn berry lockfile")
    found = []
    for key, spec in data.items():
        if key == "__metadata" or not isinstance(spec, dict):
            continue
        resolution = str(spec.get("resolution") or "")
        name, reference = split_spec(resolution)
        if not name or reference.startswith(_LOCAL) or "@workspace:" in str(key):
            continue
        if reference.startswith("patch:"):  # the patched package, at its own version
            name = split_spec(reference.removeprefix("patch:"))[0]
        if not reference.startswith(("npm:", "patch:")):  # git, URL: a version, not pinned
            found.append(Package("npm", name, None, shown, line_of(data, key)))
            continue
        package = _npm(name, str(spec.get("version")), shown, line_of(data, key))
        if package:
            found.append(package)
    return _unique(iter(found))


_YARN_V1_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')


def parse_yarn_v1(text: str, shown: str) -> list[Package]:
    """yarn classic (``# yarn lockfile v1``): ``descriptors:`` then an indented
    ``version "x"``. Its own format, neither YAML nor JSON: read line by line."""
    found = []
    names: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            if not line.rstrip().endswith(":"):
                raise ValueError(f"line {number}: not a yarn v1 entry")
            descriptors = line.rstrip()[:-1].split(",")
            names = [
                _descriptor_name(d)
                for d in descriptors
                if not split_spec(d.strip().strip('"'))[1].startswith(_LOCAL)
            ]
            start = number
            continue
        match = _YARN_V1_VERSION.match(line)
        if match and names and line.startswith("  ") and not line.startswith("   "):
            for name in dict.fromkeys(names):
                if package := _npm(name, match.group(1), shown, start):
                    found.append(package)
            names = []
    return _unique(iter(found))


# --- bun --------------------------------------------------------------------------------

_JSONC_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|[^"/,]+|.', re.S)


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (bun.lock) → JSON; strings are kept whole
    and each comment keeps its newlines, so line numbers still hold."""
    parts = []
    for match in _JSONC_TOKENS.finditer(text):
        token = match.group()
        if token.startswith(("//", "/*")) or (token == "," and _trailing(text, match.end())):
            parts.append("\n" * token.count("\n"))
        else:
            parts.append(token)
    return "".join(parts)


def _trailing(text: str, end: int) -> bool:
    """Whether the comma ending at ``end`` is followed (past blanks and comments) by a
    closing bracket."""
    index = end
    while index < len(text):
        if text[index].isspace():
            index += 1
        elif text.startswith("//", index):
            newline = text.find("\n", index)
            index = len(text) if newline < 0 else newline
        elif text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = len(text) if close < 0 else close + 2
        else:
            return text[index] in "}]"
    return False


_BUN_KEY = re.compile(r'^[ \t]*("(?:[^"\\]|\\.)*")\s*:\s*\[', re.M)


def parse_bun_lock(text: str, shown: str) -> list[Package]:
    """bun's text ``bun.lock``: ``packages`` maps each key to ``["name@version", …]``."""
    data = json.loads(strip_jsonc(text))
    if not isinstance(data, dict) or "lockfileVersion" not in data:
        raise ValueError("no lockfileVersion: not a bun lockfile")
    packages = data.get("packages") or {}
    if not isinstance(packages, dict):
        raise ValueError("packages is not an object")
    lines = {
        json.loads(m.group(1)): text.count("\n", 0, m.start()) + 1 for m in _BUN_KEY.finditer(text)
    }
    found = []
    for key, entry in packages.items():
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        name, reference = split_spec(entry[0])
        package = _npm(name, reference, shown, lines.get(key))
        if package:
            found.append(package)
    return _unique(iter(found))


# --- Python -----------------------------------------------------------------------------


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


def _toml_lock(text: str, shown: str) -> list[Package]:
    data = tomllib.loads(text)
    entries = data.get("package", data.get("packages", []))  # pylock.toml: [[packages]]
    found = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict) or "name" not in entry or "version" not in entry:
            continue
        source = entry.get("source")
        # the project itself and local paths (uv: editable/virtual/directory; poetry:
        # [package.source] type = "directory" or "file")
        if isinstance(source, dict) and (
            {"editable", "virtual", "directory", "path"} & set(source)
            or source.get("type") in ("directory", "file")
        ):
            continue
        found.append(Package("PyPI", str(entry["name"]), str(entry["version"]), shown))
    return found


def _pipfile_lock(data: Any, shown: str) -> list[Package]:
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    found = []
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else ""
            found.append(Package("PyPI", name, version.removeprefix("==") or None, shown))
    return found


# --- the repository ---------------------------------------------------------------------


def _structured(root: Path, path: Path) -> Document:
    loaded = load_structured(root, path)
    if not isinstance(loaded, Document):
        raise ValueError(loaded.message + (f" (line {loaded.line})" if loaded.line else ""))
    return loaded


def _yarn(root: Path, path: Path, shown: str) -> list[Package]:
    text = read_text_bounded(path, _JS_LOCK_BYTES)
    if "__metadata:" in text:
        return parse_yarn_berry(_structured(root, path).data, shown)
    if "# yarn lockfile v1" not in text and text.strip():
        raise ValueError("neither a yarn v1 lockfile nor a yarn berry one (__metadata)")
    return parse_yarn_v1(text, shown)


def _reader(name: str) -> Callable[[Path, Path, str], list[Package]]:
    def text(path: Path) -> str:
        return read_text_bounded(path, _JS_LOCK_BYTES)

    readers: dict[str, Callable[[Path, Path, str], list[Package]]] = {
        "pnpm-lock.yaml": lambda r, p, s: parse_pnpm_lock(_structured(r, p).data, s),
        "yarn.lock": _yarn,
        "bun.lock": lambda r, p, s: parse_bun_lock(text(p), s),
        "Pipfile.lock": lambda r, p, s: _pipfile_lock(json.loads(text(p)), s),
    }
    readers |= {n: lambda r, p, s: parse_npm_lock(_structured(r, p).data, s) for n in _NPM_LOCKS}
    readers |= {n: lambda r, p, s: _toml_lock(text(p), s) for n in _TOML_LOCKS}
    return readers.get(name, lambda r, p, s: parse_requirements(text(p), s))


def locked_packages(repo: Path) -> LockedSet:
    """Every dependency the repository pins, from each lockfile golive can read; a
    lockfile it cannot read is a problem naming the file."""
    root = Path(repo).resolve()
    result = LockedSet()
    patterns = (*_REQUIREMENTS, *_TOML_LOCKS, *_JS_LOCKS, "Pipfile.lock")
    for path in find_files(root, *patterns):
        shown = path.relative_to(root).as_posix()
        try:
            packages = _reader(path.name)(root, path, shown)
        except (
            ValueError,  # JSON, Unreadable, a layout that is not the format's
            tomllib.TOMLDecodeError,
            UnicodeDecodeError,
            NotVerified,  # over the size golive parses
            KeyError,
            TypeError,
            AttributeError,
        ) as exc:
            why = exc.reason if isinstance(exc, NotVerified) else str(exc) or type(exc).__name__
            result.problems.append(f"{shown}: unreadable ({why[:200]})")
            continue
        result.files.append(shown)
        result.packages += packages
    for rel, why in skipped_files(root, *patterns).items():
        result.problems.append(f"{rel}: unreadable ({why})")
    for path in find_files(root, *_UNSUPPORTED):
        shown = path.relative_to(root).as_posix()
        result.unsupported.append(f"{shown}: {_UNSUPPORTED[path.name]}")
    return result
