"""The change process written into the repository: the rollback procedure, the pull request
template every change fills in, and the change log.

- **Rollback procedure** (:func:`rollback_procedure_findings`): the deployment guide (or a
  runbook) has a rollback section with at least two concrete steps, it names a way to roll
  back that exists (a workflow of ``.github/workflows/`` that rolls back, a script, or a
  rollback command such as ``vercel rollback``), and every repository path it names exists.
- **Pull request template** (:func:`rollback_preparation_findings`,
  :func:`change_impact_findings`): ``.github/pull_request_template.md`` (or
  ``PULL_REQUEST_TEMPLATE/*.md``) asks for the impact of the change and its rollback plan,
  so both are written before a change ships.
- **Change log** (:func:`change_record_findings`): ``CHANGELOG.md`` with one entry per
  release, in the shapes teams write: Keep a Changelog ``## [1.4.0] - 2025-01-20``,
  release-please ``## [1.4.0](…compare…) (2025-01-20)`` (``#`` for minor releases),
  ``## Version 3.0 - September 30, 2025``, ``## 1.4.0 (2025年1月20日)``. Each entry has a
  valid date, the entries run newest first, each records what changed (items, prose or
  subsections of any title; an impact or rollback section alone records nothing), and
  package.json's version has an entry. An archived change log does not count.
  :func:`change_impact_findings` also requires each entry to have an impact section
  (``### 影響範囲`` / ``### Impact``).

Headings are matched with the Japanese/English synonym tables of
:mod:`golive.rules.documents`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from golive.facts.repo.discover import repo_files
from golive.facts.repo.mdblocks import items, section_lines, tables
from golive.facts.repo.npmrange import parse_version
from golive.facts.repo.structured import (
    Document,
    Heading,
    Located,
    headings,
    load_structured,
    relative,
)
from golive.judging.findings import Finding
from golive.rules.documents import (
    DOCUMENTS,
    DocumentSpec,
    Section,
    assign_sections,
    find_document,
    is_archived,
    name_patterns,
    section_has_content,
    section_headings,
    set_aside,
)

__all__ = [
    "CHANGELOG_NAMES",
    "CHANGE_TYPES",
    "IMPACT",
    "PR_TEMPLATE",
    "ROLLBACK",
    "ChangeEntry",
    "Changelog",
    "change_impact_findings",
    "change_record_findings",
    "find_changelog",
    "load_changelog",
    "pr_templates",
    "rollback_preparation_findings",
    "rollback_procedure_findings",
    "rollback_section",
]


def _section(name: str, *synonyms: str) -> Section:
    return Section(name, tuple(s.lower() for s in synonyms))


ROLLBACK = next(s for s in DOCUMENTS["deployment-guide"].sections if s.name == "rollback")
IMPACT = _section("impact", "影響範囲", "影響", "impact", "affected", "blast radius")
PR_TEMPLATE = DocumentSpec(
    "pull-request-template", "pull request template",
    ("pull-request-template",),
    (
        _section("summary", "概要", "変更内容", "目的", "summary", "description", "what",
                 "changes"),
        IMPACT,
        _section("testing", "テスト", "確認", "検証", "test", "verif"),
        _section("rollback", "ロールバック", "切り戻し", "戻し方", "rollback", "roll back",
                 "revert", "back out", "backout"),
    ),
)
CHANGELOG_NAMES = ("changelog.md", "changes.md", "history.md", "変更履歴.md")
CHANGE_TYPES = _section(
    "change type", "added", "changed", "deprecated", "removed", "fixed", "security",
    "追加", "変更", "非推奨", "削除", "修正", "セキュリティ",
)

_MARKDOWN = (".md", ".markdown")
_PLACEHOLDER_LINE = re.compile(r"^\s*(?:[-*>]\s*)?(?:tbd|todo|tbc|wip|未定|未記入|要記入|準備中|"
                               r"作成中|[-—…]+|\.\.\.)\s*[。.]?\s*$", re.IGNORECASE)
_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_PATHLIKE = re.compile(r"^[\w.-]+(/[\w.@-]+)+/?$|^[\w.-]+\.(md|sh|ya?ml|json|ts|js|sql|conf|toml)$")
_ROLLBACK_COMMAND = re.compile(
    r"\bvercel(@[\w.-]+)?\s+(rollback|promote)\b|\bkubectl\s+rollout\s+undo\b|"
    r"\bhelm\s+rollback\b|\bgit\s+revert\b|\bflyctl\s+releases\s+rollback\b|"
    r"\bnetlify\s+rollback\b|--rollback\b|\brollback\.sh\b",
    re.IGNORECASE,
)
_ROLLS_BACK = re.compile(r"rollback|roll back|rollout\s+undo|promote|revert", re.IGNORECASE)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _cannot_read(repo: Path, path: Path) -> Finding:
    return Finding(relative(repo, path), None, "cannot read the file (not UTF-8 text)")


# --- named paths ------------------------------------------------------------------------


def _named_paths(line: str) -> list[str]:
    """Repository paths a Markdown line names in code spans or link targets."""
    names = []
    for match in _CODE_SPAN.finditer(line):
        first = match.group(1).strip().split()[0] if match.group(1).strip() else ""
        names.append(first)
    names += [m.group(1) for m in _LINK.finditer(line)]
    paths = []
    for name in names:
        name = name.split("#", 1)[0].removeprefix("./")
        if not name or "://" in name or name.startswith(("$", "~", "/", "<", "-")):
            continue
        if _PATHLIKE.match(name):
            paths.append(name)
    return paths


def _path_exists(repo: Path, document: Path, name: str) -> bool:
    """A path relative to the repository, the document or the workflows folder; a bare
    file name anywhere in the repository."""
    root = Path(repo)
    if any((base / name).exists()
           for base in (root, document.parent, root / ".github" / "workflows")):
        return True
    return "/" not in name and any(p.name == name for p in repo_files(root))


def _missing_paths(repo: Path, document: Path, lines: list[tuple[int, str]],
                   what: str) -> list[Finding]:
    shown = relative(repo, document)
    found = []
    for number, line in lines:
        for name in _named_paths(line):
            if not _path_exists(repo, document, name):
                found.append(Finding(shown, number, f"{what} names {name}, which does not exist "
                                                    "in the repository"))
    return found


# --- rollback procedure -------------------------------------------------------------------


@dataclass(frozen=True)
class RollbackSection:
    path: Path
    heading: Heading
    lines: list[tuple[int, str]]


_RUNBOOK_STEMS = ("runbook", "rollback", "ロールバック", "切り戻し")


def _runbooks(repo: Path) -> list[Path]:
    return [
        p for p in repo_files(repo)
        if p.suffix.lower() in _MARKDOWN and p.stem.lower().startswith(_RUNBOOK_STEMS)
        and not is_archived(repo, p)
    ]


def _matches(heading: Heading, section: Section) -> bool:
    return any(word in heading.text.lower() for word in section.synonyms)


def rollback_section(repo: Path) -> RollbackSection | None:
    """The rollback section of the deployment guide, else the first runbook heading about
    rolling back (a runbook titled so counts as a whole)."""
    guide = find_document(repo, DOCUMENTS["deployment-guide"])
    if guide is not None and (text := _read(guide)) is not None:
        heading = section_headings(text, DOCUMENTS["deployment-guide"]).get("rollback")
        if heading is not None:
            return RollbackSection(guide, heading, section_lines(text, heading))
    for path in _runbooks(repo):
        text = _read(path)
        if text is None:
            continue
        for heading in headings(text):
            if _matches(heading, ROLLBACK):
                return RollbackSection(path, heading, section_lines(text, heading))
    return None


def _workflow_names(repo: Path) -> dict[str, Path]:
    """Every name a workflow answers to: file name, stem and its ``name:``."""
    names: dict[str, Path] = {}
    folder = Path(repo) / ".github" / "workflows"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        names[path.name.lower()] = path
        names[path.stem.lower()] = path
        loaded = load_structured(repo, path)
        data = loaded.data if isinstance(loaded, Document) else None
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            names[data["name"].strip().lower()] = path
    return names


def _mechanisms(repo: Path, section: RollbackSection) -> list[str]:
    """The ways to roll back the section names and the repository has."""
    workflows = _workflow_names(repo)
    found = []
    for _number, line in section.lines:
        for match in _CODE_SPAN.finditer(line):
            token = match.group(1).strip()
            path = workflows.get(token.lower())
            if path is not None and _ROLLS_BACK.search(_read(path) or ""):
                found.append(f"workflow {relative(repo, path)}")
            first = token.split()[0] if token else ""
            if (
                first.endswith(".sh") and _path_exists(repo, section.path, first)
                and _ROLLS_BACK.search(token + (_read(Path(repo) / first) or ""))
            ):
                found.append(f"script {first}")
        command = _ROLLBACK_COMMAND.search(line)
        if command:
            found.append(f"command {command.group(0)}")
    return found


def rollback_procedure_findings(repo: Path) -> list[Finding]:
    """The deployment guide (or a runbook) has a rollback section of at least two concrete
    steps that names an existing way to roll back; every path it names exists."""
    section = rollback_section(repo)
    if section is None:
        guide = find_document(repo, DOCUMENTS["deployment-guide"])
        words = ", ".join(ROLLBACK.synonyms)
        if guide is not None:
            return [Finding(
                relative(repo, guide), 1,
                f"the deployment guide has no rollback section (a heading with {words}) and "
                "no runbook (runbook*.md, rollback*.md) has one",
            )]
        names = name_patterns(DOCUMENTS["deployment-guide"])
        aside = set_aside(repo, DOCUMENTS["deployment-guide"])
        return [Finding(
            "deployment-guide.md", None,
            f"not found: a deployment guide ({names}) or a runbook (runbook*.md, "
            "rollback*.md) with a rollback section, anywhere in the repository"
            + (f" (set aside as archived: {', '.join(relative(repo, p) for p, _ in aside[:3])})"
               if aside else ""),
        )]
    shown = relative(repo, section.path)
    title = f"rollback section '{section.heading.text}'"
    if not section_has_content(section.heading):
        return [Finding(shown, section.heading.line, f"the {title} is empty")]
    found = []
    steps = items(section.lines) + [row for t in tables(section.lines) for row in t.rows]
    if len(steps) < 2:
        found.append(Finding(
            shown, section.heading.line,
            f"the {title} has {len(steps)} step(s): write the procedure as at least two "
            "concrete steps (a list or a table)",
        ))
    if not _mechanisms(repo, section):
        found.append(Finding(
            shown, section.heading.line,
            f"the {title} names no way to roll back that exists: no rollback workflow of "
            ".github/workflows (`rollback`), no script (`scripts/rollback.sh`) and no command "
            "(vercel rollback, kubectl rollout undo, helm rollback, git revert, ...)",
        ))
    return found + _missing_paths(repo, section.path, section.lines, f"the {title}")


# --- pull request template ----------------------------------------------------------------


def pr_templates(repo: Path) -> list[Path]:
    """``pull_request_template.md`` (any case, any folder) and the files of a
    ``PULL_REQUEST_TEMPLATE/`` folder."""
    found = []
    for path in repo_files(repo):
        if path.suffix.lower() not in _MARKDOWN:
            continue
        if path.stem.lower() == "pull_request_template" or (
            path.parent.name.lower() == "pull_request_template"
        ):
            found.append(path)
    return found


def _template_findings(repo: Path, section: Section, why: str) -> list[Finding]:
    templates = pr_templates(repo)
    if not templates:
        return [Finding(
            ".github/pull_request_template.md", None,
            "not found: a pull request template (pull_request_template.md or "
            "PULL_REQUEST_TEMPLATE/*.md, any case, anywhere in the repository)",
        )]
    found = []
    for path in templates:
        shown = relative(repo, path)
        text = _read(path)
        if text is None:
            found.append(_cannot_read(repo, path))
            continue
        heading = section_headings(text, PR_TEMPLATE).get(section.name)
        if heading is None:
            words = ", ".join(section.synonyms[:5])
            found.append(Finding(shown, 1, f"the pull request template has no "
                                           f"'{section.name}' section (a heading with e.g. "
                                           f"{words}): {why}"))
        elif not section_has_content(heading):
            found.append(Finding(shown, heading.line,
                                 f"the '{section.name}' section ({heading.text}) of the pull "
                                 f"request template is empty: {why}"))
        else:
            found += _missing_paths(repo, path, section_lines(text, heading),
                                    f"the '{section.name}' section")
    return found


def rollback_preparation_findings(repo: Path) -> list[Finding]:
    """Every pull request template asks for the change's rollback plan (a non-empty
    rollback section; every path it names exists)."""
    return _template_findings(
        repo, PR_TEMPLATE.sections[-1],
        "a change can merge without a rollback plan",
    )


# --- change log ---------------------------------------------------------------------------

_ENTRY = re.compile(
    r"^(?:(?:version|release|ver\.?|バージョン|リリース)\s*)?"
    r"\[?(?P<version>unreleased|未リリース|v?\d+\.\d+(?:\.\d+)?(?:-[0-9A-Za-z.-]+)?)\]?"
    r"(?:\([^)\s]*\))?"  # release-please: the version links to its comparison
    r"(?:\s*(?:[-–—:|]\s*|\()(?P<date>[^()]+?)\)?)?\s*(?:\[yanked\])?$",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMERIC_DATE = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$|^(\d{4})年(\d{1,2})月(\d{1,2})日$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    start=1)}
_WRITTEN_DATE = re.compile(
    r"^(?:(?P<m1>[a-z]{3,9})\.?\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y1>\d{4})|"
    r"(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+(?P<m2>[a-z]{3,9})\.?,?\s+(?P<y2>\d{4}))$",
    re.IGNORECASE,
)
# link reference definitions and comments at the foot of a change log are not changes
_NOT_CHANGE = re.compile(r"^\s*(\[[^\]]+\]:\s*\S+|<!--.*-->\s*$)")


@dataclass(frozen=True)
class ChangeEntry:
    heading: Heading
    version: str | None  # None: the Unreleased entry
    date: str | None
    subsections: tuple[Heading, ...]

    @property
    def name(self) -> str:
        return self.version or "Unreleased"

    @property
    def has_content(self) -> bool:
        return section_has_content(self.heading)


@dataclass(frozen=True)
class Changelog:
    path: Path
    shown: str
    text: str
    entries: tuple[ChangeEntry, ...]
    problems: tuple[Finding, ...]  # level-2 headings that are not entries


def _changelogs(repo: Path) -> list[Path]:
    hits = [p for p in repo_files(repo) if p.name.lower() in CHANGELOG_NAMES]
    return sorted(hits, key=lambda p: (len(p.parts), CHANGELOG_NAMES.index(p.name.lower()),
                                       str(p)))


def find_changelog(repo: Path) -> Path | None:
    """CHANGELOG.md (or CHANGES.md, HISTORY.md, 変更履歴.md; any case), shallowest first;
    an archived one (under archive/, old/, deprecated/, ...) does not count."""
    return next((p for p in _changelogs(repo) if not is_archived(repo, p)), None)


def _not_found_changelog(repo: Path) -> Finding:
    archived = [p for p in _changelogs(repo) if is_archived(repo, p)]
    if archived:
        return Finding(
            relative(repo, archived[0]), None,
            "not found: a current change log; only archived ones (under an archive/old/"
            f"deprecated folder, not kept current): "
            f"{', '.join(relative(repo, p) for p in archived[:3])}",
        )
    return Finding(
        "CHANGELOG.md", None,
        "not found: a change log (CHANGELOG.md, CHANGES.md, HISTORY.md or 変更履歴.md, any "
        "case) anywhere in the repository",
    )


def load_changelog(repo: Path) -> Changelog | Finding:
    path = find_changelog(repo)
    if path is None:
        return _not_found_changelog(repo)
    text = _read(path)
    if text is None:
        return _cannot_read(repo, path)
    shown = relative(repo, path)
    found = headings(text)
    entries, problems = [], []
    for position, heading in enumerate(found):
        if heading.level > 2:
            continue
        match = _ENTRY.match(heading.text.strip())
        if match is None:
            if heading.level == 2:  # a level-1 heading that is no entry is the title
                problems.append(Finding(
                    shown, heading.line,
                    f"'## {heading.text}' is not a change log entry heading "
                    "(## [Unreleased], ## [1.2.3] - YYYY-MM-DD, ## Version 1.2 - "
                    "January 20, 2025, ...)",
                ))
            continue
        children = []
        for later in found[position + 1:]:
            if later.level <= 2:
                break
            if later.level == 3:
                children.append(later)
        version = match.group("version")
        entries.append(ChangeEntry(
            heading,
            None if version.lower() in ("unreleased", "未リリース") else version.lstrip("vV"),
            match.group("date"),
            tuple(children),
        ))
    return Changelog(path, shown, text, tuple(entries), tuple(problems))


def _package_version(repo: Path) -> tuple[str, str, int | None] | None:
    path = Path(repo) / "package.json"
    if not path.is_file():
        return None
    loaded = load_structured(repo, path)
    data = loaded.data if isinstance(loaded, Document) else None
    if not isinstance(data, Located) or not isinstance(data.get("version"), str):
        return None
    return data["version"], relative(repo, path), data.line_of("version")


def _parse_date(text: str) -> dt.date | str:
    """The date ``text`` writes (ISO, 2025/01/20, 2025年1月20日, January 20, 2025,
    20 Jan 2025), else why not."""
    text = text.strip()
    numbers: tuple[str | None, ...] | None = None
    if _ISO_DATE.match(text):
        numbers = tuple(text.split("-"))
    elif (numeric := _NUMERIC_DATE.match(text)) is not None:
        numbers = tuple(g for g in numeric.groups() if g is not None)
    elif (written := _WRITTEN_DATE.match(text)) is not None:
        month = _MONTHS.get((written.group("m1") or written.group("m2")).lower()[:3])
        if month is None:
            return f"'{text}' is not an ISO date (YYYY-MM-DD) nor a written-out one"
        numbers = (written.group("y1") or written.group("y2"), str(month),
                   written.group("d1") or written.group("d2"))
    if numbers is None:
        return (f"'{text}' is not an ISO date (YYYY-MM-DD) nor a written-out one "
                "(January 20, 2025; 2025年1月20日)")
    try:
        year, month_n, day = (int(n or 0) for n in numbers)
        return dt.date(year, month_n, day)
    except ValueError:
        return f"{text} is not a calendar date"


def _date_problem(entry: ChangeEntry, today: dt.date) -> str | None:
    if entry.date is None:
        return f"release {entry.name} has no date (## [{entry.name}] - YYYY-MM-DD)"
    day = _parse_date(entry.date)
    if isinstance(day, str):
        return f"release {entry.name}: {day}"
    if day > today + dt.timedelta(days=1):
        return f"release {entry.name} is dated in the future ({entry.date})"
    return None


_NOT_CHANGES = (IMPACT, PR_TEMPLATE.sections[-1])  # impact and rollback say what it touches


def _records_changes(entry: ChangeEntry, changelog: Changelog) -> bool:
    """Whether the entry says what changed: any item or prose under it (subsections of any
    title included) outside its impact and rollback sections."""
    every = headings(changelog.text)
    end = next((h.line for h in every if h.line > entry.heading.line and h.level <= 2),
               None)  # a release-please minor (#) entry ends at the next patch (##) entry
    lines = [(n, line) for n, line in section_lines(changelog.text, entry.heading)
             if end is None or n < end]
    aside = {
        number for h in entry.subsections
        if any(any(w in h.text.lower() for w in s.synonyms) for s in _NOT_CHANGES)
        and not any(w in h.text.lower() for w in CHANGE_TYPES.synonyms)
        for number, _ in section_lines(changelog.text, h)
    }
    heading_lines = {h.line for h in every}
    return any(
        number not in aside and number not in heading_lines and line.strip()
        and not _NOT_CHANGE.match(line) and not _PLACEHOLDER_LINE.match(line)
        for number, line in lines
    )


def _order_problem(entry: ChangeEntry, previous: ChangeEntry) -> str | None:
    """Why ``entry`` should not be listed below ``previous`` (newest first)."""
    mine, theirs = parse_version(entry.version or ""), parse_version(previous.version or "")
    if mine is not None and theirs is not None and not mine < theirs:
        return f"release {entry.version} is listed after {previous.version}: newest first"
    mine_day = _parse_date(entry.date) if entry.date else None
    their_day = _parse_date(previous.date) if previous.date else None
    if (
        isinstance(mine_day, dt.date) and isinstance(their_day, dt.date)
        and mine_day > their_day
    ):
        return (f"release {entry.version} ({entry.date}) is dated after {previous.version} "
                f"({previous.date}), listed above it")
    return None


def change_record_findings(repo: Path, today: dt.date | None = None) -> list[Finding]:
    """CHANGELOG.md records every release: dated entries, newest first, each with its
    changes by type, and an entry for the version package.json declares."""
    changelog = load_changelog(repo)
    if isinstance(changelog, Finding):
        return [changelog]
    today = today or dt.date.today()
    shown = changelog.shown
    found = list(changelog.problems)
    releases = [e for e in changelog.entries if e.version is not None]
    if not releases:
        return [*found, Finding(shown, 1, "the change log has no release entry "
                                          "(## [1.2.3] - YYYY-MM-DD)")]
    seen: dict[str, int] = {}
    previous: ChangeEntry | None = None
    for entry in releases:
        line = entry.heading.line
        assert entry.version is not None
        if entry.version in seen:
            found.append(Finding(shown, line, f"release {entry.version} has two entries "
                                              f"(the other at line {seen[entry.version]})"))
        seen.setdefault(entry.version, line)
        problem = _date_problem(entry, today)
        if problem:
            found.append(Finding(shown, line, problem))
        if not _records_changes(entry, changelog):
            found.append(Finding(
                shown, line,
                f"release {entry.version} records no change: nothing is written under it "
                "but an impact or rollback note (no items, no prose, no Added/Changed/Fixed "
                "(追加/変更/修正/...) subsection with content)",
            ))
        if previous is not None:
            order = _order_problem(entry, previous)
            if order:
                found.append(Finding(shown, line, order))
        previous = entry
    declared = _package_version(repo)
    if declared is not None and declared[0] not in seen and declared[0] != "0.0.0":
        version, manifest, manifest_line = declared
        where = f"{manifest}:{manifest_line}" if manifest_line else manifest
        found.append(Finding(
            shown, releases[0].heading.line,
            f"the current version {version} ({where}) has no change log entry; the newest "
            f"is {releases[0].version}",
        ))
    return found


def change_impact_findings(repo: Path) -> list[Finding]:
    """Each change log entry (Unreleased too, once it has content) states its impact in
    a non-empty impact section, and every pull request template asks for it."""
    found: list[Finding] = []
    changelog = load_changelog(repo)
    if isinstance(changelog, Finding):
        found.append(changelog)
    else:
        spec = DocumentSpec("changelog-entry", "change log entry", (), (IMPACT,))
        for entry in changelog.entries:
            if entry.version is None and not entry.has_content:
                continue
            heading = assign_sections(spec, list(entry.subsections)).get("impact")
            if heading is None:
                found.append(Finding(
                    changelog.shown, entry.heading.line,
                    f"entry {entry.name} does not document its impact (no ### 影響範囲 / "
                    "### Impact subsection)",
                ))
            elif not section_has_content(heading):
                found.append(Finding(changelog.shown, heading.line,
                                     f"entry {entry.name}: the impact section is empty"))
    found += _template_findings(repo, IMPACT, "a change can merge without its impact written")
    return found
