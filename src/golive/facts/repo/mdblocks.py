"""What a Markdown section says, line by line: its table rows and list items with the line
each was written on (the heading matcher lives in :mod:`golive.rules.documents`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from golive.facts.repo.structured import Heading, headings

__all__ = ["Item", "Table", "items", "plain", "section_lines", "tables"]

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ROW = re.compile(r"^\s*\|(.*)\|?\s*$")
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?(.*\S)\s*$")


def plain(text: str) -> str:
    """``text`` without Markdown emphasis, code spans and link targets."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"[*_`~]+", "", text).strip()


def section_lines(text: str, heading: Heading, *, nested: bool = True
                  ) -> list[tuple[int, str]]:
    """(line number, line) of everything under ``heading`` up to the next heading of the
    same or a higher level (sub-sections included; with ``nested=False`` up to the next
    heading of any level), outside code fences."""
    lines = text.splitlines()
    end = len(lines)
    for later in headings(text):
        if later.line > heading.line and (later.level <= heading.level or not nested):
            end = later.line - 1
            break
    found: list[tuple[int, str]] = []
    fence: str | None = None
    for index in range(heading.line, end):  # heading.line is 1-based: the next line onwards
        line = lines[index]
        opened = _FENCE.match(line)
        if fence is not None:
            if opened and opened.group(1)[0] == fence[0]:
                fence = None
            continue
        if opened:
            fence = opened.group(1)
            continue
        found.append((index + 1, line))
    return found


@dataclass(frozen=True)
class Item:
    """A table row or a list item: where it is, its cells (one for a list item)."""

    line: int
    cells: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.cells[0] if self.cells else ""

    @property
    def text(self) -> str:
        return " | ".join(self.cells)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[Item, ...]

    def column(self, pattern: re.Pattern[str]) -> int | None:
        """The index of the first header cell ``pattern`` finds something in."""
        return next((i for i, cell in enumerate(self.header) if pattern.search(cell)), None)


def _cells(line: str) -> tuple[str, ...]:
    body = line.strip()
    body = body.removeprefix("|").removesuffix("|")
    return tuple(plain(cell) for cell in re.split(r"(?<!\\)\|", body))


def tables(lines: list[tuple[int, str]]) -> list[Table]:
    """The pipe tables among ``lines`` (a header row, a separator row, data rows)."""
    found: list[Table] = []
    index = 0
    while index < len(lines) - 1:
        _, line = lines[index]
        if _ROW.match(line) and _SEPARATOR.match(lines[index + 1][1]):
            header = _cells(line)
            rows: list[Item] = []
            index += 2
            while index < len(lines) and _ROW.match(lines[index][1]):
                number, row = lines[index]
                rows.append(Item(number, _cells(row)))
                index += 1
            found.append(Table(header, tuple(rows)))
            continue
        index += 1
    return found


def items(lines: list[tuple[int, str]]) -> list[Item]:
    """The list items among ``lines`` (bullets, numbers, checkboxes), one cell each."""
    found = []
    for number, line in lines:
        match = _ITEM.match(line)
        if match:
            found.append(Item(number, (plain(match.group(1)),)))
    return found
