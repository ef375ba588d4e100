"""Incident triage written down: the categories an incident is filed under and the urgency
levels with their response times.

Read from the security incident response procedure (``incident-response*.md``) and, when
the team keeps it apart, an incident classification document
(``incident-classification*.md``, ``severity-levels*.md``, ``インシデント分類*.md``).

- **Categories** (:func:`classification_findings`): a section headed 分類/種別/カテゴリ/
  category/classification lists at least three categories (table rows or list items, each
  with a description), and they cover the alert conditions of the plan's daily security log
  review: unauthorized access (不正アクセス), a critical configuration change (重要設定変更)
  and abnormal authentication failures (異常な認証失敗). When the categories table has a
  default-urgency column, each value is one of the defined levels.
- **Urgency** (:func:`urgency_findings`): a section headed 緊急度/重要度/優先度/severity/
  urgency/priority defines at least three levels (SEV1–SEV4, P1–P4, 緊急/高/中/低,
  Critical/High/Medium/Low), each with a response time (``15 分以内``, ``1 hour``,
  ``即時``), and a more urgent level never waits longer than a less urgent one. Every
  level table found must be sound. A business day (営業日) counts as one day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from golive.facts.repo.mdblocks import Item, Table, items, plain, section_lines, tables
from golive.facts.repo.structured import Heading, headings, relative
from golive.judging.findings import Finding
from golive.rules.documents import DOCUMENTS, DocumentSpec, Section, find_document

__all__ = [
    "ALERT_CONDITIONS",
    "CLASSIFICATION_DOC",
    "Level",
    "classification_findings",
    "incident_documents",
    "level_rank",
    "response_seconds",
    "urgency_findings",
]

CLASSIFICATION_DOC = DocumentSpec(
    "incident-classification", "incident classification",
    ("incident-classification", "incident-severity", "severity-levels", "インシデント分類",
     "インシデントの分類"),
    (Section("categories", ("分類", "種別", "カテゴリ", "category", "categories",
                            "classification")),),
)
_CATEGORY_HEADING = re.compile(r"分類|種別|カテゴリ|categor|classif|incident types?",
                               re.IGNORECASE)
_LEVEL_HEADING = re.compile(r"緊急度|重要度|深刻度|優先度|レベル|severity|urgency|priority|"
                            r"levels?\b|\bsev\b", re.IGNORECASE)
_LEVEL_COLUMN = re.compile(r"緊急度|重要度|深刻度|優先度|severity|urgency|priority|level",
                           re.IGNORECASE)
_TIME_COLUMN = re.compile(r"時間|期限|初動|対応開始|以内|response|time|sla|目標", re.IGNORECASE)

# the plan's security log review raises an alert on these; each needs a category
ALERT_CONDITIONS = {
    "unauthorized access (不正アクセス検知時)": re.compile(
        r"不正アクセス|不正侵入|侵入|侵害|unauthori[sz]ed|intrusion|breach", re.IGNORECASE),
    "critical configuration change (重要設定変更時)": re.compile(
        r"設定変更|構成変更|設定の変更|設定不備|改ざん|configuration|config change|misconfig",
        re.IGNORECASE),
    "abnormal authentication failures (異常な認証失敗時)": re.compile(
        r"認証失敗|認証の(異常|失敗)|認証エラー|ログイン失敗|ログインの失敗|ブルートフォース|"
        r"総当たり|パスワードリスト|brute|credential stuffing|password spray|"
        r"(authentication|auth|login|sign-in) (failure|anomal)|failed (login|auth|sign-in)",
        re.IGNORECASE),
}

_NUMBERED_LEVEL = re.compile(r"^(?:sev(?:erity)?|p|priority|level|lv\.?|レベル|s)\s*-?\s*(\d)\b",
                             re.IGNORECASE)
_END = r"(?=$|[\s(（/:：、,])"
_WORD_LEVELS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^(critical|urgent|emergency|緊急|最高|最優先){_END}", re.IGNORECASE), 0),
    (re.compile(rf"^(high|高|重大){_END}", re.IGNORECASE), 1),
    (re.compile(rf"^(medium|moderate|中|重要){_END}", re.IGNORECASE), 2),
    (re.compile(rf"^(low|低|軽微|注意){_END}", re.IGNORECASE), 3),
    (re.compile(rf"^(info|informational|情報){_END}", re.IGNORECASE), 4),
)
_SECONDS = {
    "秒": 1, "s": 1, "sec": 1, "second": 1, "seconds": 1,
    "分": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60, "m": 60,
    "時間": 3600, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "営業時間": 3600,
    "日": 86400, "営業日": 86400, "d": 86400, "day": 86400, "days": 86400,
    "business day": 86400, "business days": 86400,
    "週間": 604800, "week": 604800, "weeks": 604800,
}
_TIME = re.compile(
    r"(\d+(?:\.\d+)?)\s*(営業日|営業時間|時間|分|秒|日|週間|business days?|minutes?|mins?|"
    r"hours?|hrs?|days?|weeks?|seconds?|secs?|[hmsd])(?![a-z])",
    re.IGNORECASE,
)
_IMMEDIATE = re.compile(r"即時|直ちに|即座|ただちに|immediate|asap|at once", re.IGNORECASE)


def level_rank(label: str) -> int | None:
    """How urgent a level label is (0 most urgent), or None when it is not a level."""
    text = plain(label).strip()
    numbered = _NUMBERED_LEVEL.match(text)
    if numbered:
        return int(numbered.group(1))
    for pattern, rank in _WORD_LEVELS:
        if pattern.match(text):
            return rank
    return None


def response_seconds(text: str) -> float | None:
    """The first response time written in ``text`` (即時 is 0), in seconds."""
    if _IMMEDIATE.search(text):
        immediate = _IMMEDIATE.search(text)
        timed = _TIME.search(text)
        if immediate and (timed is None or immediate.start() < timed.start()):
            return 0.0
    match = _TIME.search(text)
    if match is None:
        return None
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


def incident_documents(repo: Path) -> list[Path]:
    """The incident response procedure and the classification document, those present."""
    found = []
    for spec in (DOCUMENTS["incident-response"], CLASSIFICATION_DOC):
        path = find_document(repo, spec)
        if path is not None and path not in found:
            found.append(path)
    return found


def _searched() -> str:
    names = [*DOCUMENTS["incident-response"].names, *CLASSIFICATION_DOC.names]
    return ", ".join(f"{n}*.md" for n in names)


@dataclass(frozen=True)
class _Block:
    """The lines directly under one heading (up to the next heading of any level)."""

    shown: str
    heading: Heading
    tables: tuple[Table, ...]
    items: tuple[Item, ...]


def _blocks(repo: Path, path: Path) -> list[_Block]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    blocks = []
    for heading in headings(text):
        own = section_lines(text, heading, nested=False)
        blocks.append(_Block(relative(repo, path), heading, tuple(tables(own)),
                             tuple(items(own))))
    return blocks


def _split_item(item: Item) -> tuple[str, str]:
    parts = re.split(r"\s*[:：]\s*|\s+[—–-]\s+", item.label, maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "")


# --- urgency levels -------------------------------------------------------------------------


@dataclass(frozen=True)
class Level:
    shown: str
    line: int
    label: str
    rank: int
    seconds: float | None


def _time_of(row: Item, table: Table | None) -> float | None:
    if table is not None:
        column = table.column(_TIME_COLUMN)
        if column is not None and column < len(row.cells):
            timed = response_seconds(row.cells[column])
            if timed is not None:
                return timed
    return response_seconds(" ".join(row.cells[1:]) if table is not None else row.label)


def _level_sets(blocks: list[_Block]) -> list[tuple[_Block, list[Level]]]:
    sets = []
    for block in blocks:
        heading_says = bool(_LEVEL_HEADING.search(block.heading.text))
        for table in block.tables:
            if not (heading_says or _LEVEL_COLUMN.search(table.header[0] if table.header else "")):
                continue
            levels = [
                Level(block.shown, row.line, row.label, rank, _time_of(row, table))
                for row in table.rows if (rank := level_rank(row.label)) is not None
            ]
            if levels:
                sets.append((block, levels))
        if heading_says:
            levels = []
            for item in block.items:
                label, _ = _split_item(item)
                rank = level_rank(label)
                if rank is not None:
                    levels.append(Level(block.shown, item.line, label, rank,
                                        _time_of(item, None)))
            if levels:
                sets.append((block, levels))
    return sets


def _show_time(seconds: float) -> str:
    if seconds == 0:
        return "immediately"
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def urgency_findings(repo: Path) -> list[Finding]:
    """At least one set of three or more urgency levels with response times; every level
    set found has a response time per level, most urgent fastest."""
    documents = incident_documents(repo)
    if not documents:
        return [Finding("incident-response.md", None,
                        f"not found: an incident response procedure ({_searched()}) anywhere "
                        "in the repository")]
    sets = [s for path in documents for s in _level_sets(_blocks(repo, path))]
    if not sets:
        return [Finding(
            relative(repo, documents[0]), 1,
            "defines no urgency levels: no section headed 緊急度/重要度/severity/urgency/"
            "priority with a table or list of levels (SEV1–SEV4, P1–P4, 緊急/高/中/低, "
            f"Critical/High/Medium/Low); read {', '.join(relative(repo, d) for d in documents)}",
        )]
    found: list[Finding] = []
    for block, levels in sets:
        if len(levels) < 3:
            found.append(Finding(
                block.shown, block.heading.line,
                f"'{block.heading.text}' defines {len(levels)} urgency level(s) "
                f"({', '.join(lv.label for lv in levels)}): triage needs at least three",
            ))
        for level in levels:
            if level.seconds is None:
                found.append(Finding(level.shown, level.line,
                                     f"urgency level {level.label} has no response time "
                                     "(e.g. 15 分以内, 1 hour, 即時)"))
        timed = sorted((lv for lv in levels if lv.seconds is not None),
                       key=lambda lv: (lv.rank, lv.line))
        for position, more in enumerate(timed):
            faster = [lv for lv in timed[position + 1:]
                      if lv.rank > more.rank and (lv.seconds or 0) < (more.seconds or 0)]
            if faster:
                less = min(faster, key=lambda lv: (lv.seconds or 0, lv.rank))
                found.append(Finding(
                    more.shown, more.line,
                    f"urgency level {more.label} waits {_show_time(more.seconds or 0)}, longer "
                    f"than the less urgent {less.label} ({_show_time(less.seconds or 0)})",
                ))
    return found


# --- categories -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Category:
    shown: str
    line: int
    name: str
    description: str
    default_level: str | None


def _categories(blocks: list[_Block]) -> list[_Category]:
    found = []
    for block in blocks:
        if not _CATEGORY_HEADING.search(block.heading.text):
            continue
        for table in block.tables:
            level_column = next(
                (i for i, cell in enumerate(table.header) if i > 0 and _LEVEL_COLUMN.search(cell)),
                None,
            )
            for row in table.rows:
                if level_rank(row.label) is not None or not row.label:
                    continue
                rest = [c for i, c in enumerate(row.cells[1:], start=1)
                        if c and i != level_column]
                level = (row.cells[level_column] if level_column is not None
                         and level_column < len(row.cells) else None)
                found.append(_Category(block.shown, row.line, row.label, " ".join(rest), level))
        for item in block.items:
            name, description = _split_item(item)
            if level_rank(name) is None and name:
                found.append(_Category(block.shown, item.line, name, description, None))
    return found


def classification_findings(repo: Path) -> list[Finding]:
    """At least three described categories covering the security log review's alert
    conditions; default urgencies, when given, are defined levels."""
    documents = incident_documents(repo)
    if not documents:
        return [Finding("incident-response.md", None,
                        f"not found: an incident response procedure or classification "
                        f"({_searched()}) anywhere in the repository")]
    blocks = [b for path in documents for b in _blocks(repo, path)]
    categories = _categories(blocks)
    read = ", ".join(relative(repo, d) for d in documents)
    if not categories:
        headed = next((b for b in blocks if _CATEGORY_HEADING.search(b.heading.text)), None)
        where = (headed.shown, headed.heading.line) if headed else (relative(repo, documents[0]),
                                                                    1)
        return [Finding(
            where[0], where[1],
            "defines no incident categories: no section headed 分類/種別/カテゴリ/category "
            "listing categories (table rows or list items other than urgency levels); "
            f"read {read}",
        )]
    return _coverage_findings(categories) + _default_level_findings(blocks, categories)


def _coverage_findings(categories: list[_Category]) -> list[Finding]:
    """At least three described categories, covering every alert condition."""
    found: list[Finding] = []
    first = categories[0]
    if len(categories) < 3:
        found.append(Finding(first.shown, first.line,
                             f"only {len(categories)} incident categor(y/ies) "
                             f"({', '.join(c.name for c in categories)}): define at least three"))
    found += [
        Finding(category.shown, category.line, f"category {category.name} has no description")
        for category in categories if not category.description.strip()
    ]
    for condition, pattern in ALERT_CONDITIONS.items():
        if not any(pattern.search(f"{c.name} {c.description}") for c in categories):
            found.append(Finding(
                first.shown, first.line,
                f"no category covers {condition}, an alert condition of the daily security "
                f"log review (categories: {', '.join(c.name for c in categories)})",
            ))
    return found


def _default_level_findings(blocks: list[_Block], categories: list[_Category]) -> list[Finding]:
    """A category's default urgency is one of the defined levels."""
    defined = {plain(lv.label) for _, levels in _level_sets(blocks) for lv in levels}
    if not defined:
        return []
    found = []
    for category in categories:
        level = plain(category.default_level or "")
        if level and level not in defined:
            found.append(Finding(
                category.shown, category.line,
                f"category {category.name}: default urgency '{level}' is not a defined "
                f"level ({', '.join(sorted(defined))})",
            ))
    return found
