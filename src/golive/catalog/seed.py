"""The plan the catalog encodes: its leaf lines, read from the bundled copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

__all__ = ["SeedLine", "read_seed_text", "seed_leaves"]

_LIST_ITEM = re.compile(r"^(?P<indent>\s*)(?:[-*]|\d+\.)\s+(?:\[[ xX]\]\s+)?(?P<text>.*?)\s*$")


@dataclass(frozen=True)
class SeedLine:
    text: str
    line: int
    section: str


def read_seed_text() -> str:
    return resources.files("golive.catalog").joinpath("seed.ja.md").read_text(encoding="utf-8")


def seed_leaves(text: str | None = None) -> list[SeedLine]:
    """Every list item of the plan that has no sub-items, verbatim, in order."""
    items: list[tuple[int, SeedLine]] = []
    section = ""
    for number, raw in enumerate((text or read_seed_text()).splitlines(), start=1):
        if raw.startswith("#"):
            section = raw.lstrip("#").strip()
            continue
        match = _LIST_ITEM.match(raw)
        if match:
            items.append((len(match["indent"]), SeedLine(match["text"], number, section)))
    leaves = []
    for index, (indent, line) in enumerate(items):
        next_indent = items[index + 1][0] if index + 1 < len(items) else -1
        if next_indent <= indent:
            leaves.append(line)
    return leaves
