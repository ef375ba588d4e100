"""Read YAML, JSON and Markdown deliverables keeping line numbers for findings.

Mappings come back as :class:`Located` dicts that know the line they start on and the
line of each key, so a probe can say *where* a rule is wrong, not only that it is.
"""

from __future__ import annotations

import bisect
import functools
import json
import json.decoder
import json.scanner
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from golive._errors import NotVerified
from golive._files import (
    MAX_NESTING,
    TooLarge,
    Unreadable,
    load_yaml_bounded,
    read_text_bounded,
    yaml_problem,
)
from golive.facts.repo.discover import find_deliverable, not_found_message
from golive.judging.findings import Finding

__all__ = [
    "MAX_STRUCTURED_BYTES",
    "Document",
    "Heading",
    "Located",
    "LocatedList",
    "finding",
    "headings",
    "json_path_parts",
    "line_at",
    "line_of",
    "load_deliverable",
    "load_structured",
    "parse_duration_s",
    "refused",
    "relative",
    "to_seconds",
]


class Located(dict[str, Any]):
    """A mapping that remembers where it was written."""

    line: int | None = None
    key_lines: dict[str, int]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines = {}

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LocatedList(list[Any]):
    """A sequence that remembers where it was written (and, from YAML, where each item was)."""

    line: int | None = None
    item_lines: tuple[int, ...] = ()

    def line_at(self, index: int) -> int | None:
        item = self[index]
        if isinstance(item, Located | LocatedList) and item.line is not None:
            return item.line
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(value: object, key: str | None = None) -> int | None:
    """The line ``value`` (or its ``key``) was written on, when known."""
    if isinstance(value, Located):
        return value.line_of(key) if key is not None else value.line
    if isinstance(value, LocatedList):
        return value.line
    return None


def line_at(value: object, *path: str | int) -> int | None:
    """The line of the key or item at ``path`` below ``value``: the deepest one found
    (None when not even the first step of the path is there)."""
    line: int | None = None
    node = value
    for part in path:
        if isinstance(node, Located) and str(part) in node:
            line, node = node.line_of(str(part)), node[str(part)]
        elif isinstance(node, LocatedList) and isinstance(part, int) and 0 <= part < len(node):
            line, node = node.line_at(part), node[part]
        else:
            break
    return line


_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\[[\"']([^\"']+)[\"']\]")


def json_path_parts(json_path: str) -> list[str | int]:
    """``$.services.db.ports[0]`` (a JSON-schema validator's error path) as path parts."""
    parts: list[str | int] = []
    for match in _PATH_STEP.finditer(json_path.removeprefix("$")):
        if match.group(2) is not None:
            parts.append(int(match.group(2)))
        else:
            parts.append(match.group(1) or match.group(3))
    return parts


# the largest YAML or JSON file parsed: the locating JSON decoder is pure Python (a 15.8 MB
# lockfile: 5 s and a 180 MB peak RSS here); the largest lockfile of the validation corpus
# is 1.5 MB. A larger file is not_verified, never read.
MAX_STRUCTURED_BYTES = 16 << 20


# --- YAML ---------------------------------------------------------------------------


# libyaml's parser when PyYAML has it: the same nodes and marks, several times faster
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LocatingLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    pass


def _construct_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> Located:
    loader.flatten_mapping(node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        value = loader.construct_object(value_node, deep=True)
        name = str(key)
        mapping[name] = value
        mapping.key_lines[name] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LocatingLoader, node: yaml.SequenceNode) -> LocatedList:
    items = LocatedList(
        loader.construct_object(child, deep=True)
        for child in node.value
    )
    items.line = node.start_mark.line + 1
    items.item_lines = tuple(child.start_mark.line + 1 for child in node.value)
    return items


_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
_LocatingLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence
)


# --- JSON ---------------------------------------------------------------------------


class _LocatingDecoder(json.JSONDecoder):
    """json.JSONDecoder whose objects and arrays carry the line they start on."""

    def __init__(self, text: str) -> None:
        super().__init__()
        newlines = [m.start() for m in re.finditer("\n", text)]

        def line_at(index: int) -> int:
            return bisect.bisect_left(newlines, index) + 1

        def parse_object(s_and_end: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
            pairs, end = json.decoder.JSONObject(s_and_end, *args, **kwargs)  # type: ignore[attr-defined]
            obj = Located(pairs)
            obj.line = line_at(s_and_end[1] - 1)
            # a key's line: first occurrence of its quoted name after the previous key's (a
            # search from the brace each time is quadratic: minutes on a large lockfile)
            cursor = s_and_end[1] - 1
            for key in obj:
                quoted = json.dumps(key, ensure_ascii=False)
                at = s_and_end[0].find(quoted, cursor, end)
                if at >= 0:
                    obj.key_lines[key] = line_at(at)
                    cursor = at + len(quoted)
            return obj, end

        def parse_array(s_and_end: tuple[str, int], scan_once: Any) -> Any:
            values, end = json.decoder.JSONArray(s_and_end, scan_once)  # type: ignore[attr-defined]
            items = LocatedList(values)
            items.line = line_at(s_and_end[1] - 1)
            return items, end

        self.parse_object = parse_object
        self.parse_array = parse_array
        # the pure-Python scanner: the C one ignores parse_object and parse_array
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Document:
    """A parsed deliverable: its path, the path shown in findings, and its content."""

    path: Path
    shown: str
    data: Any

    def finding(self, message: str, value: object = None, key: str | None = None) -> Finding:
        return Finding(self.shown, line_of(value, key) if value is not None else None, message)


def relative(repo: Path, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(repo).resolve()).as_posix()
    except ValueError:
        return str(path)
    except (OSError, RuntimeError):  # a symlink loop: name the link itself
        return Path(os.path.relpath(path, Path(repo).resolve())).as_posix()


def finding(repo: Path, path: Path, line: int | None, message: str) -> Finding:
    return Finding(relative(repo, path), line, message)


def load_structured(repo: Path, path: Path) -> Document | Finding:
    """Parse a YAML or JSON file (by suffix); an unparsable one is a finding with its line.

    Several checks read the same deliverable: it is parsed once per content.
    """
    try:
        stat = Path(path).stat()
    except OSError:
        return _load_structured(str(repo), str(path), 0, -1)
    return _load_structured(str(repo), str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=512)
def _load_structured(
    repo_text: str, path_text: str, mtime_ns: int, size: int
) -> Document | Finding:
    repo, path = Path(repo_text), Path(path_text)
    shown = relative(repo, path)
    outside = _outside(repo, path)
    if outside:
        return Finding(shown, None, outside)
    try:
        text = read_text_bounded(path, MAX_STRUCTURED_BYTES)
    except TooLarge as exc:
        # nothing was examined: not a defect of the file, a limit of golive
        raise NotVerified(f"{shown}: {exc}") from None
    except Unreadable as exc:
        return Finding(shown, exc.line, f"cannot read: {exc}")
    if path.suffix.lower() == ".json":
        depth = _json_depth(text)
        if depth > MAX_NESTING:
            return Finding(shown, None, f"invalid JSON: nested more than {MAX_NESTING} levels")
        try:
            data = _LocatingDecoder(text).decode(text)
        except json.JSONDecodeError as exc:
            return Finding(shown, exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})")
        except RecursionError:
            return Finding(shown, None, "invalid JSON: nested too deeply to read")
    else:
        try:
            data = load_yaml_bounded(text, _LocatingLoader)
        except Unreadable as exc:
            return Finding(shown, exc.line, f"invalid YAML: {exc}")
        except yaml.YAMLError as exc:
            line, message = yaml_problem(exc)
            return Finding(shown, line, f"invalid YAML: {message}")
    return Document(path, shown, data)


# the findings of files no parser or scanner is given (the rest are ordinary syntax errors)
_REFUSALS = ("cannot read:", "not read:", "invalid JSON: nested", "invalid YAML: YAML",
             "invalid YAML: nested")

_BRACKETS = re.compile(r'[\[\]{}]|"(?:[^"\\]|\\.)*"')


def _json_depth(text: str) -> int:
    """The deepest nesting of ``text`` (strings skipped), counted before the recursive
    decoder meets it: 100 000 open brackets would end in a RecursionError deep inside."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _outside(repo: Path, path: Path) -> str | None:
    """Why ``path`` is not read: a link that leaves the repository (or loops)."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "cannot read: a symbolic link that loops or points nowhere"
    try:
        target.relative_to(repo.resolve())
    except ValueError:
        return "not read: a symbolic link to a file outside the repository"
    return None


def refused(repo: Path, paths: list[Path]) -> tuple[list[Path], dict[str, list[Finding]]]:
    """Split ``paths`` into those a scanner may read and, by shown path, the findings of those
    it must never see: not a regular file, too large, not UTF-8, an alias bomb, too deep."""
    kept: list[Path] = []
    found: dict[str, list[Finding]] = {}
    for path in paths:
        try:
            loaded = load_structured(repo, path)
        except NotVerified as exc:
            found.setdefault(relative(repo, path), []).append(
                Finding(relative(repo, path), None, exc.reason))
            continue
        if isinstance(loaded, Finding) and loaded.message.startswith(_REFUSALS):
            found.setdefault(loaded.file, []).append(loaded)
        else:
            kept.append(path)
    return kept, found


def load_deliverable(repo: Path, *names: str) -> Document | Finding:
    """Find the deliverable by name and parse it; missing or unparsable → a finding."""
    path = find_deliverable(repo, *names)
    if path is None:
        return Finding(names[0], None, not_found_message(repo, names))
    return load_structured(repo, path)


# --- durations ----------------------------------------------------------------------

_UNIT_SECONDS = {
    "ms": 0.001,
    "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0, "seconds": 1.0,
    "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0, "minutes": 60.0,
    "h": 3600.0, "hr": 3600.0, "hour": 3600.0, "hours": 3600.0,
    "d": 86400.0, "day": 86400.0, "days": 86400.0,
    "秒": 1.0, "分": 60.0, "時間": 3600.0, "日": 86400.0,
}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z秒分時間日]*)\s*$")


def to_seconds(value: float, unit: str) -> float:
    """``value`` in ``unit`` (a catalog threshold unit such as ``min``) as seconds."""
    try:
        return value * _UNIT_SECONDS[unit.strip().lower()]
    except KeyError:
        raise ValueError(f"not a duration unit: {unit!r}") from None


def parse_duration_s(value: object, *, default_unit: str = "s") -> float | None:
    """``15``, ``"15s"``, ``"1m"``, ``"5 min"``, ``"10分"`` as seconds; None when not a duration."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) * _UNIT_SECONDS[default_unit]
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            unit = match.group(2).lower() or default_unit
            if unit in _UNIT_SECONDS:
                return float(match.group(1)) * _UNIT_SECONDS[unit]
    return None


# --- Markdown -----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    line: int
    body: tuple[str, ...]  # the lines up to the next heading of the same or a higher level

    @property
    def has_content(self) -> bool:
        return any(line.strip() for line in self.body)


_ATX = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _raw_headings(lines: list[str]) -> Iterator[tuple[int, str, int]]:
    fence: str | None = None
    for index, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        atx = _ATX.match(line)
        if atx:
            yield len(atx.group(1)), atx.group(2), index
        elif (
            _SETEXT.match(line) and index > 0 and lines[index - 1].strip()
            and not _ATX.match(lines[index - 1]) and not lines[index - 1].lstrip().startswith("-")
        ):
            yield (1 if line.strip()[0] == "=" else 2), lines[index - 1].strip(), index - 1


def headings(text: str) -> list[Heading]:
    """The Markdown headings of ``text`` (ATX and setext, not inside code fences)."""
    lines = text.splitlines()
    raw = list(_raw_headings(lines))
    found = []
    for position, (level, title, index) in enumerate(raw):
        end = len(lines)
        for later_level, _, later_index in raw[position + 1 :]:
            if later_level <= level:
                end = later_index
                break
        start = index + (2 if index + 1 < len(lines) and _SETEXT.match(lines[index + 1]) else 1)
        body = tuple(
            line for line in lines[start:end]
            if not _ATX.match(line) and not _SETEXT.match(line)
        )
        found.append(Heading(level, title, index + 1, body))
    return found

