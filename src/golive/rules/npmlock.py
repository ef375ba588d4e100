"""Compatibility after dependency updates: package.json and package-lock.json agree, and the
pinned Node.js runtime meets every engine requirement.

Rules (:func:`update_compatibility_findings`), for the repository's root ``package.json``
and the npm lockfile next to it (``package-lock.json`` or ``npm-shrinkwrap.json``,
lockfile version 2 or 3; version 1 is read for versions only):

- the lockfile's root entry (``packages[""]``) records the same dependency ranges as
  package.json in each of dependencies, devDependencies, optionalDependencies and
  peerDependencies — otherwise ``npm ci`` refuses the lockfile;
- every dependency of package.json is locked, at a version its range allows;
- every locked package's non-optional ``peerDependencies`` are locked at a version the peer
  range allows (npm's "unmet peer" / ERESOLVE);
- every Node.js version the repository pins (``.nvmrc``, ``.node-version``,
  ``.tool-versions``, package.json ``volta.node``, the Dockerfile's ``node:<version>``
  images) satisfies package.json ``engines.node`` and the ``engines.node`` of every locked
  package. Partial pins (``20``, ``lts/*``) are not compared.

Yarn and pnpm lockfiles are not read: :class:`golive.NotVerified` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from golive._errors import NotVerified
from golive.facts.repo.discover import find_files
from golive.facts.repo.npmrange import Range, Version, parse_range, parse_version, satisfies
from golive.facts.repo.structured import Document, Located, line_of, load_structured, relative
from golive.judging.findings import Finding

__all__ = ["DEPENDENCY_FIELDS", "NodePin", "node_pins", "update_compatibility_findings"]

DEPENDENCY_FIELDS = ("dependencies", "devDependencies", "optionalDependencies",
                     "peerDependencies")
_LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json")
_OTHER_LOCKFILES = ("yarn.lock", "pnpm-lock.yaml", "bun.lockb", "bun.lock")


@dataclass(frozen=True)
class NodePin:
    file: str
    line: int | None
    text: str
    version: Version


def _load(repo: Path, path: Path) -> Document | Finding:
    loaded = load_structured(repo, path)
    if isinstance(loaded, Document) and not isinstance(loaded.data, Located):
        return Finding(loaded.shown, 1, "not a JSON object")
    return loaded


def _mapping(value: object) -> dict[str, Any]:
    return {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}


def _text_pin(repo: Path, path: Path, pattern: re.Pattern[str]) -> list[NodePin]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = pattern.search(line)
        if match and (version := parse_version(match.group(1))) is not None:
            pins.append(NodePin(relative(repo, path), number, match.group(1), version))
    return pins


_NVMRC = re.compile(r"^\s*(v?\d+\.\d+\.\d+)\s*$")
_TOOL_VERSIONS = re.compile(r"^\s*node(?:js)?\s+(\d+\.\d+\.\d+)\b")
_ARG = re.compile(r"^\s*ARG\s+(\w+)=[\"']?([^\s\"']+)", re.IGNORECASE)
_FROM_NODE = re.compile(r"^\s*FROM\s+(?:--platform=\S+\s+)?(?:docker\.io/)?(?:library/)?node:"
                        r"(\S+)", re.IGNORECASE)


def _dockerfile_pins(repo: Path, path: Path) -> list[NodePin]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    arguments: dict[str, str] = {}
    pins = []
    for number, line in enumerate(text.splitlines(), start=1):
        argument = _ARG.match(line)
        if argument:
            arguments[argument.group(1)] = argument.group(2)
            continue
        image = _FROM_NODE.match(line)
        if image is None:
            continue
        tag = re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)),
                     image.group(1))
        match = re.match(r"v?(\d+\.\d+\.\d+)", tag)
        if match and (version := parse_version(match.group(1))) is not None:
            pins.append(NodePin(relative(repo, path), number, f"node:{tag}", version))
    return pins


def node_pins(repo: Path, manifest: Document | None = None) -> list[NodePin]:
    """Every exact Node.js version the repository pins."""
    root = Path(repo)
    pins: list[NodePin] = []
    for name, pattern in ((".nvmrc", _NVMRC), (".node-version", _NVMRC),
                          (".tool-versions", _TOOL_VERSIONS)):
        for path in find_files(root, name):
            pins += _text_pin(root, path, pattern)
    for path in find_files(root, "Dockerfile", "Dockerfile.*", "*.Dockerfile"):
        pins += _dockerfile_pins(root, path)
    if manifest is not None and isinstance(manifest.data, Located):
        volta = manifest.data.get("volta")
        node = volta.get("node") if isinstance(volta, dict) else None
        if isinstance(node, str) and (version := parse_version(node)) is not None:
            pins.append(NodePin(manifest.shown, line_of(volta, "node"), node, version))
    return pins


def _lock_entry(packages: dict[str, Any], name: str, under: str = "") -> tuple[str, Any] | None:
    """The lockfile entry ``name`` resolves to from the package at ``under`` (node's lookup:
    nested node_modules first, then each parent up to the root)."""
    base = under
    while True:
        key = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if key in packages:
            return key, packages[key]
        if not base:
            return None
        cut = base.rfind("/node_modules/")
        base = base[:cut] if cut >= 0 else ""


def _version_of(entry: object) -> Version | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
        return None
    return parse_version(entry["version"])


def _root_entry_findings(
    lock: Document, data: dict[str, Any], root: dict[str, Any]
) -> list[Finding]:
    """The lockfile's root entry records the ranges package.json asks for."""
    found = []
    for field in DEPENDENCY_FIELDS:
        wanted, recorded = _mapping(data.get(field)), _mapping(root.get(field))
        for name in sorted(set(wanted) | set(recorded)):
            if wanted.get(name) == recorded.get(name):
                continue
            if name not in recorded:
                what = (f"{field}.{name} {wanted[name]} is in package.json but not in the "
                        "lockfile's root entry")
            elif name not in wanted:
                what = (f"{field}.{name} {recorded[name]} is in the lockfile's root entry "
                        "but no longer in package.json")
            else:
                what = (f"{field}.{name}: package.json asks for {wanted[name]}, the "
                        f"lockfile was made for {recorded[name]}")
            found.append(lock.finding(
                f"{what}: they are out of sync (npm ci refuses it; run npm install)",
                root, field if field in root else None,
            ))
    return found


def _locked_version_findings(manifest: Document, lock: Document, data: dict[str, Any],
                             packages: dict[str, Any], legacy: dict[str, Any]) -> list[Finding]:
    """Every dependency of package.json is locked, at a version inside its range."""
    found = []
    for field in ("dependencies", "devDependencies", "optionalDependencies"):
        for name, spec in sorted(_mapping(data.get(field)).items()):
            allowed = parse_range(str(spec))
            hit = _lock_entry(packages, name)
            entry = hit[1] if hit else legacy.get(name)
            if entry is None:
                if field != "optionalDependencies":
                    found.append(Finding(
                        manifest.shown, line_of(data.get(field), name),
                        f"{name} ({field}) is not in {lock.shown}: the lockfile was not "
                        "updated with package.json",
                    ))
                continue
            version = _version_of(entry)
            if allowed is not None and version is not None and not satisfies(version, allowed):
                found.append(lock.finding(
                    f"{name} is locked at {version}, outside the range {spec} package.json "
                    "asks for",
                    entry if isinstance(entry, Located) else lock.data,
                    "version" if isinstance(entry, Located) else None,
                ))
    return found


def _manifest_findings(manifest: Document, lock: Document) -> list[Finding]:
    data, lock_data = _mapping(manifest.data), _mapping(lock.data)
    packages = _mapping(lock_data.get("packages"))
    found = []
    root = packages.get("")
    if packages and isinstance(root, dict):
        found += _root_entry_findings(lock, data, root)
    elif lock_data.get("lockfileVersion", 1) != 1:
        found.append(lock.finding("the lockfile has no root entry (packages[\"\"])", lock.data))
    legacy = _mapping(lock_data.get("dependencies"))
    return found + _locked_version_findings(manifest, lock, data, packages, legacy)


def _peer_findings(lock: Document) -> list[Finding]:
    packages = _mapping(_mapping(lock.data).get("packages"))
    found = []
    for key, entry in packages.items():
        if not key or not isinstance(entry, dict):
            continue
        optional = _mapping(entry.get("peerDependenciesMeta"))
        for peer, spec in _mapping(entry.get("peerDependencies")).items():
            if _mapping(optional.get(peer)).get("optional") is True:
                continue
            wanted = parse_range(str(spec))
            owner = key.rsplit("node_modules/", 1)[-1]
            hit = _lock_entry(packages, peer, key)
            if hit is None:
                found.append(lock.finding(
                    f"{owner} needs peer {peer} {spec}, which is not installed (unmet peer)",
                    entry, "peerDependencies",
                ))
                continue
            version = _version_of(hit[1])
            if wanted is not None and version is not None and not satisfies(version, wanted):
                found.append(lock.finding(
                    f"{owner} needs peer {peer} {spec}, the lockfile has {version} (unmet peer)",
                    entry, "peerDependencies",
                ))
    return found


def _at(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def _engine_findings(manifest: Document, lock: Document, pins: list[NodePin]) -> list[Finding]:
    requirements: list[tuple[str, str, Range, str]] = []
    engines = _mapping(manifest.data).get("engines")
    node = _mapping(engines).get("node")
    if isinstance(node, str) and (spec := parse_range(node)):
        requirements.append(("package.json engines.node", node, spec,
                             _at(manifest.shown, line_of(engines, "node"))))
    packages = _mapping(_mapping(lock.data).get("packages"))
    for key, entry in packages.items():
        if not key or not isinstance(entry, dict):
            continue
        node = _mapping(entry.get("engines")).get("node")
        if isinstance(node, str) and (spec := parse_range(node)):
            owner = key.rsplit("node_modules/", 1)[-1]
            requirements.append((f"{owner} (locked) engines.node", node, spec,
                                 _at(lock.shown, line_of(entry, "engines"))))
    found = []
    for pin in pins:
        for who, text, spec, where in requirements:
            if not satisfies(pin.version, spec):
                found.append(Finding(
                    pin.file, pin.line,
                    f"Node.js {pin.version}"
                    + (f" ({pin.text})" if pin.text.lstrip("v") != str(pin.version) else "")
                    + f" does not satisfy {who} "
                    f"'{text}' ({where})",
                ))
    return found


def update_compatibility_findings(repo: Path) -> list[Finding]:
    """package.json and its npm lockfile agree; peers and engine requirements are met."""
    root = Path(repo)
    path = root / "package.json"
    if not path.is_file():
        return [Finding("package.json", None,
                        "not found: package.json at the repository root, so there is no "
                        "manifest to check the lockfile against")]
    manifest = _load(root, path)
    if isinstance(manifest, Finding):
        return [manifest]
    lock_path = next((root / n for n in _LOCKFILES if (root / n).is_file()), None)
    if lock_path is None:
        other = [n for n in _OTHER_LOCKFILES if (root / n).is_file()]
        if other:
            raise NotVerified(f"{', '.join(other)} is not read by golive (only npm's "
                              "package-lock.json and npm-shrinkwrap.json)")
        return [Finding("package-lock.json", None,
                        "not found: no lockfile next to package.json (searched "
                        f"{', '.join(_LOCKFILES + _OTHER_LOCKFILES)}): every install "
                        "resolves versions anew")]
    lock = _load(root, lock_path)
    if isinstance(lock, Finding):
        return [lock]
    return (
        _manifest_findings(manifest, lock)
        + _peer_findings(lock)
        + _engine_findings(manifest, lock, node_pins(root, manifest))
    )
