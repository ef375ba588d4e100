"""The risk register as findings (月次セキュリティ監査: リスク評価): the repository keeps a
register (``risk-register*.md``, a Markdown table) that names every residual risk the run
accepts — each waiver of golive.toml by its criterion id — with an owner and a treatment,
and no row is past its review date.

Columns are found by their header: the risk or criterion (``risk``, ``criterion``, ``id``,
``リスク``, ``項目``), ``owner`` (``担当``, ``責任者``, ``オーナー``), ``treatment``
(``対応``, ``対策``, ``処置``, ``mitigation``) and, when present, ``review`` (``見直し``,
``期限``, ``due``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from golive.facts.repo.discover import find_files
from golive.facts.repo.mdblocks import Table, tables
from golive.judging.findings import Finding

__all__ = ["NAMES", "Register", "find_register", "register_findings"]

NAMES = ("risk-register*.md", "risk_register*.md", "リスク登録簿*.md", "リスク台帳*.md")
_OWNER = re.compile(r"owner|担当|責任者|オーナー", re.IGNORECASE)
_TREATMENT = re.compile(r"treatment|mitigation|response|対応|対策|処置", re.IGNORECASE)
_REVIEW = re.compile(r"review|due|見直し|期限", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@dataclass(frozen=True)
class Register:
    path: Path
    relative: str
    tables: list[Table]


def find_register(repo: Path) -> Register | None:
    hits = find_files(repo, *NAMES)
    if not hits:
        return None
    path = min(hits, key=lambda p: (len(p.parts), str(p)))
    lines = list(enumerate(path.read_text(encoding="utf-8", errors="replace").split("\n"), 1))
    return Register(path, path.relative_to(repo.resolve()).as_posix(), tables(lines))


def _cell(cells: tuple[str, ...], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def register_findings(register: Register | None, waived: Iterable[str], today: date,
                      names: tuple[str, ...] = NAMES) -> list[Finding]:  # fmt: skip
    """A missing register, a waiver it does not name, a row without an owner or a
    treatment, a review date in the past."""
    if register is None:
        return [Finding("risk register", None, f"not found: no {' or '.join(names)} in the "
                        "repository")]  # fmt: skip
    where = register.relative
    usable = [t for t in register.tables if t.column(_OWNER) is not None]
    if not usable:
        return [Finding(where, None, "no table with an owner column (risk | owner | treatment)")]
    found = []
    listed: set[str] = set()
    for table in usable:
        owner, treatment, review = (table.column(_OWNER), table.column(_TREATMENT),
                                    table.column(_REVIEW))  # fmt: skip
        for row in table.rows:
            listed.add(row.text)
            label = row.label or row.text
            if not _cell(row.cells, owner).strip("-— "):
                found.append(Finding(where, row.line, f"{label}: no owner"))
            if treatment is None or not _cell(row.cells, treatment).strip("-— "):
                found.append(Finding(where, row.line, f"{label}: no treatment"))
            match = _DATE.search(_cell(row.cells, review))
            if match:
                try:
                    due = date(*map(int, match.groups()))
                except ValueError:
                    found.append(Finding(where, row.line, f"{label}: review date "
                                         f"{match.group(0)} is not a date"))  # fmt: skip
                    continue
                if due < today:
                    found.append(Finding(where, row.line, f"{label}: review was due "
                                         f"{due.isoformat()}"))  # fmt: skip
    for criterion in sorted(set(waived)):
        if not any(re.search(rf"(?<![\w.-]){re.escape(criterion)}(?![\w-])", text)
                   for text in listed):  # fmt: skip
            found.append(
                Finding(
                    where,
                    None,
                    (f"the waiver of {criterion} (a risk the run accepts) is not in the register"),
                )
            )
    return found
