"""Docker Compose files: the base file, its override, and the services they define.

What the compose files say, with line numbers; the rules in ``golive.rules.docker`` judge.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from golive.facts.repo.discover import find_deliverable
from golive.facts.repo.structured import Located, line_at, load_structured
from golive.judging.findings import Finding

__all__ = [
    "COMPOSE_NAMES",
    "MAX_INCLUDE_DEPTH",
    "OVERRIDE_NAMES",
    "ComposeFile",
    "Stack",
    "as_list",
    "compose_paths",
    "limits",
    "load_compose",
    "load_stack",
    "parse_size",
    "port_host_ip",
    "port_text",
    "volume_parts",
]

COMPOSE_NAMES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
OVERRIDE_NAMES = (
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
    "compose.override.yml",
    "compose.override.yaml",
)
# how deep include:/extends: chains are followed (Compose itself has no limit; a chain this
# long is a cycle or a generator's output, not a hand-written stack)
MAX_INCLUDE_DEPTH = 8


@dataclass
class ComposeFile:
    path: Path
    name: str  # relative to the repo
    data: Located
    # services with ``extends:`` resolved (the parent's keys under the service's own)
    extended: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def written_services(self) -> dict[str, dict[str, Any]]:
        """The services as this file writes them (``extends:`` not resolved)."""
        services = self.data.get("services")
        if not isinstance(services, dict):
            return {}
        return {str(k): v if isinstance(v, dict) else {} for k, v in services.items()}

    @property
    def services(self) -> dict[str, dict[str, Any]]:
        return {k: self.extended.get(k, v) for k, v in self.written_services.items()}

    def line(self, *path: str | int) -> int | None:
        """The line of the key or item at ``path`` (the deepest one written)."""
        return line_at(self.data, *path)


def load_compose(repo: Path, path: Path) -> ComposeFile | Finding:
    """The compose file at ``path``; unparsable or not a mapping → a finding."""
    loaded = load_structured(repo, path)
    if isinstance(loaded, Finding):
        return loaded
    if not isinstance(loaded.data, Located):
        return Finding(loaded.shown, 1, "not a compose file: the document is not a mapping")
    return ComposeFile(path, loaded.shown, loaded.data)


def compose_paths(repo: Path) -> tuple[Path | None, Path | None]:
    """The base compose file and its override (next to it first, else anywhere)."""
    base = find_deliverable(repo, *COMPOSE_NAMES)
    override = None
    if base is not None:
        override = next(
            (base.parent / n for n in OVERRIDE_NAMES if (base.parent / n).is_file()), None
        )
    if override is None:
        override = find_deliverable(repo, *OVERRIDE_NAMES)
    return base, override


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    if isinstance(base, list) and isinstance(over, list):
        return base + [v for v in over if v not in base]
    return over


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


@dataclass
class Stack:
    """The base compose file, its override, and the merged services docker compose runs."""

    base: ComposeFile | None
    override: ComposeFile | None
    findings: list[Finding] = field(default_factory=list)  # files missing or unreadable
    # files brought in by ``include:`` of the base file (and its includes), in load order
    base_includes: list[ComposeFile] = field(default_factory=list)
    override_includes: list[ComposeFile] = field(default_factory=list)
    # broken include:/extends: references (a missing file: docker compose fails on it)
    include_findings: list[Finding] = field(default_factory=list)
    # references golive did not follow, with why (remote, outside the repository, too deep)
    unfollowed: list[str] = field(default_factory=list)

    @property
    def base_side(self) -> list[ComposeFile]:
        """The base file and what it includes: the stack without the override."""
        return [*self.base_includes, *([self.base] if self.base else [])]

    @property
    def override_side(self) -> list[ComposeFile]:
        return [*self.override_includes, *([self.override] if self.override else [])]

    @property
    def files(self) -> list[ComposeFile]:
        return [*self.base_side, *self.override_side]

    def merged_services(self) -> dict[str, dict[str, Any]]:
        services: dict[str, dict[str, Any]] = {}
        for compose in self.files:
            for name, service in compose.services.items():
                services[name] = _merge(services.get(name, {}), service)
        return services

    def where(self, service: str, *path: str | int) -> tuple[str, int | None]:
        """File and line of a service (the file defining it first) or of one of its keys
        (the last file setting it, as that value wins)."""
        files = list(reversed(self.files)) if path else self.files
        for compose in files:
            if service in compose.services:
                if path and compose.line("services", service, path[0]) is None:
                    continue
                return compose.name, compose.line("services", service, *path)
        for compose in self.files:
            if service in compose.services:
                return compose.name, compose.line("services", service)
        return "", None

    def ports(self) -> Iterator[tuple[str, str, int | None, object]]:
        """(service, file, line, port) of every published port, in the file declaring it."""
        for compose in self.files:
            for name, service in compose.services.items():
                for index, port in enumerate(as_list(service.get("ports"))):
                    yield name, compose.name, compose.line("services", name, "ports", index), port

    def top_level(self, key: str) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for compose in self.files:
            block = compose.data.get(key)
            if isinstance(block, dict):
                merged.update({str(k): v or {} for k, v in block.items()})
        return merged


def load_stack(repo: Path, missing: Finding) -> Stack:
    """The compose files of the repository; ``missing`` is reported when there is none.

    ``include:`` is followed (string or list, short or long form with ``path:``, relative
    to the including file, never outside the repository, at most
    :data:`MAX_INCLUDE_DEPTH` deep) and ``extends:`` is resolved, as docker compose does.
    """
    base_path, override_path = compose_paths(repo)
    stack = Stack(None, None)
    if base_path is None:
        stack.findings.append(missing)
        return stack
    resolver = _Resolver(Path(repo), stack)
    for path, slot in ((base_path, "base"), (override_path, "override")):
        if path is None:
            continue
        loaded = load_compose(repo, path)
        if isinstance(loaded, Finding):
            stack.findings.append(loaded)
            continue
        setattr(stack, slot, loaded)
        includes = resolver.includes(loaded, 1, {path.resolve()})
        setattr(stack, f"{slot}_includes", includes)
        for compose in [*includes, loaded]:
            resolver.extends(compose)
    return stack


_REMOTE = re.compile(r"^([a-z][a-z0-9+.-]*://|git@|oci:)", re.IGNORECASE)


@dataclass
class _Resolver:
    """Follows include: and extends: references inside the repository."""

    repo: Path
    stack: Stack

    def _target(self, compose: ComposeFile, text: str, key: str) -> Path | None:
        """The file ``text`` names (relative to ``compose``), or None (recorded why)."""
        shown = f"{compose.name}: {key} {text}"
        if _REMOTE.match(text):
            self.stack.unfollowed.append(f"{shown} is remote: not followed")
            return None
        if "$" in text:
            self.stack.unfollowed.append(
                f"{shown} depends on an environment variable: not followed"
            )
            return None
        target = (compose.path.parent / text).resolve()
        if not target.is_relative_to(self.repo.resolve()):
            self.stack.unfollowed.append(f"{shown} is outside the repository: not followed")
            return None
        return target

    def _load(self, compose: ComposeFile, target: Path, text: str, line: int | None,
              key: str) -> ComposeFile | None:
        if not target.is_file():
            self.stack.include_findings.append(
                Finding(compose.name, line, f"{key} {text}: no such file (docker compose fails)")
            )
            return None
        loaded = load_compose(self.repo, target)
        if isinstance(loaded, Finding):
            self.stack.include_findings.append(
                Finding(compose.name, line, f"{key} {text}: {loaded.message}")
            )
            return None
        return loaded

    def includes(self, compose: ComposeFile, depth: int, seen: set[Path]) -> list[ComposeFile]:
        """The files ``compose`` includes, each after the files it includes itself."""
        entries = compose.data.get("include")
        items = entries if isinstance(entries, list) else [] if entries is None else [entries]
        found: list[ComposeFile] = []
        for index, item in enumerate(items):
            line = compose.line("include", index) or compose.line("include")
            raw = item.get("path") if isinstance(item, dict) else item
            paths = [str(p) for p in raw] if isinstance(raw, list) else [raw]
            for text in paths:
                if not isinstance(text, str) or not text:
                    self.stack.include_findings.append(
                        Finding(compose.name, line, "include entry without a path")
                    )
                    continue
                target = self._target(compose, text, "include")
                if target is None or target in seen:
                    continue  # a cycle: each file counts once
                if depth > MAX_INCLUDE_DEPTH:
                    self.stack.unfollowed.append(
                        f"{compose.name}: include {text} is nested deeper than "
                        f"{MAX_INCLUDE_DEPTH} levels: not followed"
                    )
                    continue
                loaded = self._load(compose, target, text, line, "include")
                if loaded is None:
                    continue
                seen.add(target)
                found += self.includes(loaded, depth + 1, seen)
                found.append(loaded)
        return found

    def extends(self, compose: ComposeFile) -> None:
        """Resolve every ``extends:`` of ``compose`` into ``compose.extended``."""
        for name, service in compose.written_services.items():
            if "extends" in service:
                compose.extended[name] = self._extended(compose, name, {(compose.path, name)})

    def _extended(self, compose: ComposeFile, name: str,
                  chain: set[tuple[Path, str]]) -> dict[str, Any]:
        service = compose.written_services[name]
        spec = service.get("extends")
        own = {k: v for k, v in service.items() if k != "extends"}
        parent_file, parent = (
            (spec.get("file"), spec.get("service")) if isinstance(spec, dict) else (None, spec)
        )
        if not isinstance(parent, str) or not parent:
            return own
        line = compose.line("services", name, "extends")
        other: ComposeFile | None = compose
        if isinstance(parent_file, str) and parent_file:
            target = self._target(compose, parent_file, "extends file")
            other = None if target is None else (
                compose if target == compose.path.resolve()
                else self._load(compose, target, parent_file, line, "extends file")
            )
        if other is None:
            return own
        if parent not in other.written_services:
            self.stack.include_findings.append(
                Finding(compose.name, line,
                        f"service {name} extends {parent}, which {other.name} does not define")
            )
            return own
        if (other.path, parent) in chain or len(chain) > MAX_INCLUDE_DEPTH:
            self.stack.unfollowed.append(
                f"{compose.name}: service {name} extends {parent} in a cycle or deeper than "
                f"{MAX_INCLUDE_DEPTH} levels: not followed"
            )
            return own
        inherited = self._extended(other, parent, chain | {(other.path, parent)})
        merged = _merge(inherited, own)
        return merged if isinstance(merged, dict) else own


# --- values of a service -------------------------------------------------------------

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(value: object) -> int | None:
    """Bytes of a compose-style size (``2g``, ``512m``, ``1GiB``, ``1048576``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    match = _SIZE.match(str(value))
    if not match:
        return None
    number, unit, suffix = match.groups()
    if not unit and suffix and suffix.lower() != "b":
        return None
    return int(float(number) * _UNITS[unit.lower()])


def limits(service: dict[str, Any]) -> tuple[object, object, object]:
    """(memory limit, CPU limit, memory reservation) as written, deploy: or legacy keys."""
    def mapping(holder: dict[str, Any], key: str) -> dict[str, Any]:
        value = holder.get(key)
        return value if isinstance(value, dict) else {}

    resources = mapping(mapping(service, "deploy"), "resources")
    limit, reservation = mapping(resources, "limits"), mapping(resources, "reservations")
    memory = limit.get("memory", service.get("mem_limit"))
    cpus = limit.get("cpus", service.get("cpus"))
    reserved = reservation.get("memory", service.get("mem_reservation"))
    return memory, cpus, reserved


def port_host_ip(port: object) -> str | None:
    """The host address a published port binds (None: every interface)."""
    if isinstance(port, dict):
        ip = port.get("host_ip")
        return str(ip) if ip else None
    text = str(port)
    if text.startswith("["):
        return text[: text.index("]") + 1]
    parts = text.split(":")
    return parts[0] if len(parts) == 3 else None


def port_text(port: object) -> str:
    if isinstance(port, dict):
        return f"{port.get('published', '?')}:{port.get('target', '?')}"
    return str(port)


def volume_parts(volume: object) -> tuple[str | None, str | None, str]:
    """(source, target, type) of a short or long volume entry."""
    if isinstance(volume, dict):
        return (
            str(volume["source"]) if volume.get("source") else None,
            str(volume.get("target")) if volume.get("target") else None,
            str(volume.get("type", "volume")),
        )
    parts = str(volume).split(":")
    if len(parts) == 1:
        return None, parts[0], "volume"
    source = parts[0]
    kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
    return source, parts[1], kind
