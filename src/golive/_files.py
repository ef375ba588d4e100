"""Reading files golive did not write: bounded in size, depth and YAML expansion.

A repository or a records file may hold a FIFO, a device, a 200 MB file, bytes that are not
UTF-8 or a YAML alias bomb. Each is refused with one sentence before any parser (or
scanner) spends memory or time on it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "MAX_NESTING",
    "MAX_YAML_NODES",
    "TooLarge",
    "Unreadable",
    "load_yaml_bounded",
    "read_text_bounded",
    "yaml_problem",
]

MAX_YAML_NODES = 200_000  # nodes after expanding aliases; a real deliverable has < 20 000
MAX_NESTING = 200  # levels of mappings and sequences; a real deliverable has < 30


class Unreadable(ValueError):
    """The file cannot be read as text: the message says why, ``line`` where (if known)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message)


class TooLarge(Unreadable):
    """Over the size limit: not read at all (nothing was examined)."""


def read_text_bounded(path: Path, max_bytes: int) -> str:
    """The UTF-8 text of the regular file ``path``; FIFOs and devices are never opened."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not a regular file (a FIFO, device or socket is never opened)")
    if info.st_size > max_bytes:
        raise TooLarge(f"{info.st_size} bytes, over the {max_bytes} byte limit: not read")
    try:
        # O_NONBLOCK: should the path become a FIFO after the stat, open still returns
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise Unreadable("not a regular file (a FIFO, device or socket is never opened)")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(f"over the {max_bytes} byte limit: not read")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise Unreadable("binary content (a NUL byte), not text", data.count(b"\n", 0, nul) + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Unreadable(f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line) from None


def _expanded_size(root: yaml.Node) -> int:
    """Nodes a constructor would build from ``root`` with every alias expanded; stops at the
    budget. Iterative, with one memo per shared node, so a bomb costs its text size."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    on_path: set[int] = set()
    while stack:
        node, depth, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            children = _children(node)
            total = 1 + sum(sizes[id(c)] for c in children)
            sizes[key] = min(total, MAX_YAML_NODES + 1)
            if total > MAX_YAML_NODES:
                raise Unreadable(
                    f"YAML expands to more than {MAX_YAML_NODES} nodes (alias bomb?): refused",
                    node.start_mark.line + 1,
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise Unreadable("YAML alias refers to itself (recursive): refused",
                             node.start_mark.line + 1)
        if depth > MAX_NESTING:
            raise Unreadable(f"nested more than {MAX_NESTING} levels deep: refused",
                             node.start_mark.line + 1)
        on_path.add(key)
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in _children(node)
                     if id(child) not in sizes)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_yaml_bounded(text: str, loader: type[yaml.SafeLoader] = yaml.SafeLoader) -> Any:
    """``yaml.load`` with a safe loader, refusing alias bombs, recursive aliases and deep
    nesting before anything is built. YAML errors pass through; a bad value (a date such
    as 2027-13-45) becomes a ``yaml.constructor.ConstructorError``."""
    parser = loader(text)
    try:
        try:
            node = parser.get_single_node()
        except RecursionError:
            raise Unreadable(f"nested more than {MAX_NESTING} levels deep: refused") from None
        if node is None:
            return None
        _expanded_size(node)
        try:
            return parser.construct_document(node)
        except (ValueError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"bad value: {exc}", None
            ) from None
    finally:
        parser.dispose()


def yaml_problem(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """The line and one-line message of a YAML error."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return line, str(exc.problem or exc.context).replace("\n", " ")
    return None, str(exc).replace("\n", " ")
