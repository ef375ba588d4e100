"""Operations and security documents: found by name, judged by the sections they hold.

A document is a Markdown file whose name holds one of its names anywhere
(``production-deployment-guide.md``, ``DEPLOYING.md``); among several, the one that holds
the most of its sections is taken, then the closest name, then docs/ and the shallower path.

A document is usable when it has a section for every part a reader needs (the deployment
guide's rollback, the incident response's containment, ...) and that section says
something. A section is recognised in Japanese or English by its heading (a small synonym
table per section) or, when its heading names none of the document's sections, by what it
says (at least two lines using the section's words); one heading counts for one section
only, and the document's title (its only level-1 heading) counts for none.

Only current documents count: a file under an ``archive``/``old``/``deprecated`` folder
is set aside, and so is a report of one incident (``*-report``, post-mortem) where the
plan asks for a procedure; when only such files exist the finding names them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from golive.facts.repo.discover import repo_files
from golive.facts.repo.structured import Heading, headings, relative
from golive.judging.findings import Finding

__all__ = [
    "DOCUMENTS",
    "DocumentSpec",
    "Section",
    "assign_sections",
    "document_findings",
    "find_document",
    "is_archived",
    "name_patterns",
    "section_has_content",
    "section_headings",
    "set_aside",
]


@dataclass(frozen=True)
class Section:
    name: str
    synonyms: tuple[str, ...]  # lower-case words; a heading containing one matches


@dataclass(frozen=True)
class DocumentSpec:
    key: str
    title: str
    names: tuple[str, ...]  # file-name patterns (case-insensitive, Markdown files only)
    sections: tuple[Section, ...]
    checkboxes: bool = False  # every required section must hold "- [ ]" items
    procedure: bool = False  # a procedure: a report of one incident does not stand for it


def _s(name: str, *synonyms: str) -> Section:
    return Section(name, tuple(s.lower() for s in synonyms))


DOCUMENTS: dict[str, DocumentSpec] = {
    spec.key: spec
    for spec in (
        DocumentSpec(
            "deployment-guide", "deployment guide",
            ("deployment-guide", "deploy-guide", "deployment", "deploying", "デプロイメントガイド",
             "デプロイ手順", "デプロイガイド"),
            (
                _s("environments", "環境", "environment", "staging", "production"),
                _s("prerequisites", "前提", "事前準備", "事前確認", "準備", "prerequisite",
                   "requirement", "before you", "pre-deploy", "before deploying"),
                _s("steps", "手順", "デプロイ方法", "実行", "step", "procedure", "how to deploy",
                   "deploying", "deployment process", "deploy process"),
                _s("verification", "確認", "検証", "verif", "validat", "smoke", "post-deploy"),
                _s("rollback", "ロールバック", "切り戻し", "rollback", "roll back", "revert"),
            ),
        ),
        DocumentSpec(
            "troubleshooting-guide", "troubleshooting guide",
            ("troubleshooting", "トラブルシューティング", "障害対応ガイド"),
            (
                _s("symptoms", "症状", "事象", "よくある", "既知", "問題", "symptom", "issue",
                   "problem", "common", "known"),
                _s("diagnosis", "調査", "診断", "切り分け", "原因", "確認方法", "diagnos",
                   "investigat", "debug", "cause"),
                _s("resolution", "対処", "解決", "復旧", "対応", "resolution", "fix", "solution",
                   "remediation", "workaround"),
                _s("escalation", "エスカレーション", "連絡先", "問い合わせ", "escalat", "contact"),
            ),
        ),
        DocumentSpec(
            "backup-restore", "backup and restore procedure",
            ("backup-restore", "backup-and-restore", "backup", "restore", "バックアップ",
             "リストア"),
            (
                _s("backup", "バックアップ", "backup"),
                _s("schedule", "スケジュール", "頻度", "定期", "保持", "世代", "schedule",
                   "frequency", "retention"),
                _s("restore", "リストア", "復元", "復旧", "restore", "recovery"),
                _s("verification", "検証", "確認", "整合性", "テスト", "verif", "integrity",
                   "test"),
            ),
        ),
        DocumentSpec(
            "alert-response-flow", "alert response flow",
            ("alert-response-flow", "alert-response", "alert-handling", "アラート対応"),
            (
                _s("detection", "検知", "受信", "受付", "受領", "acknowledge", "detect",
                   "receiv"),
                _s("severity", "重要度", "緊急度", "優先度", "severity", "priority", "triage"),
                _s("response", "初動", "一次対応", "対応手順", "対応", "response", "handling",
                   "mitigat"),
                _s("escalation", "エスカレーション", "escalat"),
                _s("closure", "クローズ", "完了", "終了", "振り返り", "事後", "close", "closing",
                   "postmortem", "post-incident", "review"),
            ),
        ),
        DocumentSpec(
            "escalation-flow", "escalation flow",
            ("escalation-flow", "escalation", "エスカレーション"),
            (
                _s("levels", "レベル", "段階", "体制", "level", "tier", "stage"),
                _s("criteria", "基準", "条件", "タイミング", "時間", "criteria", "when to",
                   "timing", "trigger"),
                _s("contacts", "連絡先", "担当者", "連絡網", "オンコール", "当番", "contact",
                   "on-call", "oncall", "roster"),
            ),
        ),
        DocumentSpec(
            "maintenance", "routine maintenance procedure",
            ("maintenance", "定期メンテナンス", "メンテナンス"),
            (
                _s("schedule", "スケジュール", "定期", "頻度", "実施日", "周期", "計画",
                   "schedule", "calendar", "frequency"),
                _s("notification", "事前通知", "周知", "告知", "連絡", "通知", "notice",
                   "notification", "announce", "communication"),
                _s("procedure", "手順", "作業", "実施", "procedure", "step", "task"),
                _s("verification", "確認", "検証", "事後", "verif", "check", "validat"),
                _s("rollback", "切り戻し", "ロールバック", "中止", "rollback", "roll back",
                   "abort", "back out", "backout"),
            ),
        ),
        DocumentSpec(
            "access-management", "access management procedure",
            ("access-management", "access-control", "アクセス管理"),
            (
                _s("roles", "ロール", "権限", "役割", "最小権限", "role", "permission",
                   "least privilege"),
                _s("grant", "付与", "申請", "発行", "承認", "grant", "request", "approv",
                   "onboard", "provision"),
                _s("review", "棚卸", "見直し", "定期レビュー", "レビュー", "review", "audit",
                   "recertif"),
                _s("revoke", "削除", "剥奪", "失効", "取り消し", "無効化", "退職", "異動",
                   "revoke", "revocation", "removal", "offboard", "deprovision"),
                _s("authentication", "認証", "mfa", "多要素", "パスワード", "authenticat",
                   "credential"),
            ),
        ),
        DocumentSpec(
            "incident-response", "security incident response procedure",
            ("incident-response", "security-incident", "インシデント対応"),
            (
                _s("detection", "検知", "発見", "報告", "detect", "identif", "report"),
                _s("classification", "分類", "重要度", "緊急度", "深刻度", "トリアージ",
                   "classif", "severity", "triage", "priority"),
                _s("containment", "封じ込め", "隔離", "遮断", "containment", "contain",
                   "isolat"),
                _s("recovery", "復旧", "根絶", "回復", "recovery", "eradicat", "restor"),
                _s("postmortem", "事後", "振り返り", "ポストモーテム", "再発防止", "postmortem",
                   "post-mortem", "lessons", "post-incident", "retrospective"),
                _s("contacts", "連絡先", "連絡体制", "体制", "コミュニケーション", "contact",
                   "communication", "roles"),
            ),
            procedure=True,
        ),
        DocumentSpec(
            "security-checklist", "security checklist",
            ("security-checklist", "セキュリティチェックリスト"),
            (
                _s("access control", "アクセス", "認証", "権限", "iam", "access",
                   "authenticat"),
                _s("encryption and secrets", "暗号", "tls", "証明書", "シークレット", "秘密",
                   "encrypt", "secret", "certificate"),
                _s("vulnerabilities", "脆弱性", "依存", "スキャン", "パッチ", "vulnerab",
                   "dependenc", "scan", "patch"),
                _s("logging and monitoring", "ログ", "監視", "監査", "logging", "monitor",
                   "audit"),
                _s("network", "ネットワーク", "セキュリティグループ", "ファイアウォール",
                   "network", "firewall", "security group"),
            ),
            checkboxes=True,
        ),
    )
}

_MARKDOWN = (".md", ".markdown")
_CHECKBOX = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+\[[ xX]\]\s+\S")
_PLACEHOLDER = re.compile(r"^\s*(?:[-*>]\s*)?(?:tbd|todo|tbc|wip|未定|未記入|要記入|準備中|作成中|"
                          r"[-—…]+|\.\.\.)\s*[。.]?\s*$", re.IGNORECASE)


# folders whose documents are no longer kept current
_ARCHIVE_DIRS = frozenset({
    "archive", "archives", "archived", "_archive", ".archive", "old", "deprecated",
    "obsolete", "legacy", "attic", "outdated", "アーカイブ", "旧",
})
# a report of one incident: what happened once, not what to do next time
_REPORT = re.compile(r"report|post-?mortem|retrospective|incident-\d|\d{4}-\d{2}-\d{2}|報告|"
                     r"レポート|振り返り", re.IGNORECASE)
_REPORT_HEADINGS = re.compile(r"timeline|root cause|what happened|impact summary|"
                              r"タイムライン|時系列|経緯|根本原因|発生日時", re.IGNORECASE)


def _normal(text: str) -> str:
    return text.lower().replace("_", "-").replace(" ", "-")


def is_archived(repo: Path, path: Path) -> bool:
    """Whether ``path`` sits in an archive-like folder (archive/, old/, deprecated/, ...)."""
    try:
        parts = path.relative_to(repo).parts[:-1]
    except ValueError:
        parts = path.parts[:-1]
    return any(p.lower() in _ARCHIVE_DIRS for p in parts)


def _is_report(path: Path) -> bool:
    """A write-up of one incident: named as a report/post-mortem, or headed by its
    timeline and root cause."""
    if _REPORT.search(path.stem):
        return True
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return sum(1 for h in headings(text) if _REPORT_HEADINGS.search(h.text)) >= 2


def set_aside(repo: Path, spec: DocumentSpec) -> list[tuple[Path, str]]:
    """Files named like ``spec`` that do not count, with why (archived, a report)."""
    return [(path, why) for path, why in _named(repo, spec) if why]


def name_patterns(spec: DocumentSpec) -> str:
    """What a document of ``spec`` may be called: its names anywhere in a Markdown file's
    name ("*deployment-guide*.md, ...")."""
    return ", ".join(f"*{n}*.md" for n in spec.names)


def _named(repo: Path, spec: DocumentSpec) -> list[tuple[Path, str]]:
    """Files named like ``spec``, best first, each with why it does not count ("" if it
    does)."""
    found: list[tuple[Path, str]] = []
    for path in _ranked(repo, spec):
        why = ""
        if is_archived(repo, path):
            why = "archived (under an archive/old/deprecated folder), not kept current"
        elif spec.procedure and _is_report(path):
            why = ("a report of one incident (a post-mortem), not the procedure to follow "
                   "for the next one")
        found.append((path, why))
    return found


def find_document(repo: Path, spec: DocumentSpec) -> Path | None:
    """The Markdown file whose name holds one of ``spec.names`` (production-deployment-
    guide.md, DEPLOYING.md, ...) that is most the document: the most sections with content
    first, then the name (exact, a prefix, anywhere; earlier names first), then a docs
    folder, then the shallower path. Archived files and incident reports standing for a
    procedure are left out."""
    return next((path for path, why in _named(repo, spec) if not why), None)


def _sections_held(path: Path, spec: DocumentSpec) -> int:
    """How many of ``spec``'s sections the file has, each saying something."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    found = headings(text)
    top = [h for h in found if h.level == 1]
    assigned = _assign(spec, [h for h in found if not (len(top) == 1 and h is top[0])])
    return sum(1 for heading in assigned.values() if _has_content(heading))


def _ranked(repo: Path, spec: DocumentSpec) -> list[Path]:
    # a name anywhere in the stem: production-deployment-guide.md is a deployment guide
    candidates: list[tuple[tuple[int, int, int, int, int, str], Path]] = []
    names = [_normal(n) for n in spec.names]
    for path in repo_files(repo):
        if path.suffix.lower() not in _MARKDOWN:
            continue
        stem = _normal(path.stem)
        fits = [
            (0 if stem == name else 1 if stem.startswith(name) else 2, rank)
            for rank, name in enumerate(names) if name in stem
        ]
        if not fits:
            continue
        quality, rank = min(fits)
        in_docs = 0 if any(p.lower() == "docs" for p in path.parts) else 1
        candidates.append((
            (-_sections_held(path, spec), quality, rank, in_docs, len(path.parts), str(path)),
            path,
        ))
    return [path for _, path in sorted(candidates, key=lambda c: c[0])]


def _by_heading(heading: Heading, section: Section) -> bool:
    return any(w in heading.text.lower() for w in section.synonyms)


def _by_content(heading: Heading, section: Section) -> bool:
    """The section's words on at least two lines of what the heading holds."""
    lines = [line.lower() for line in heading.body if line.strip()]
    return sum(1 for line in lines if any(w in line for w in section.synonyms)) >= 2


def _assign(spec: DocumentSpec, candidates: list[Heading]) -> dict[str, Heading]:
    """One heading per section: a maximum bipartite matching, so 'ロールバック手順' can stand
    for rollback or for steps, not both. A heading whose title names none of the sections
    stands for a section by what it says; a titled heading never moves to another section
    by content."""
    titled = {i for i, h in enumerate(candidates)
              if any(_by_heading(h, s) for s in spec.sections)}
    options = {
        section.name: [
            i for i, h in enumerate(candidates) if _by_heading(h, section)
        ] + [
            i for i, h in enumerate(candidates)
            if i not in titled and _by_content(h, section)
        ]
        for section in spec.sections
    }
    owner: dict[int, str] = {}

    def place(name: str, seen: set[int]) -> bool:
        for index in options[name]:
            if index in seen:
                continue
            seen.add(index)
            if index not in owner or place(owner[index], seen):
                owner[index] = name
                return True
        return False

    # sections with fewer candidate headings choose first
    for section in sorted(spec.sections, key=lambda s: len(options[s.name])):
        place(section.name, set())
    return {name: candidates[index] for index, name in owner.items()}


def _has_content(heading: Heading) -> bool:
    return any(line.strip() and not _PLACEHOLDER.match(line) for line in heading.body)


def document_findings(repo: Path, spec: DocumentSpec) -> list[Finding]:
    """The document exists and has a non-empty section for each of ``spec.sections``."""
    path = find_document(repo, spec)
    if path is None:
        patterns = name_patterns(spec)
        aside = set_aside(repo, spec)
        if aside:
            listed = "; ".join(f"{relative(repo, p)}: {why}" for p, why in aside[:3])
            return [Finding(relative(repo, aside[0][0]), None,
                            f"not found: a current {spec.title} ({patterns}); only files that "
                            f"do not count: {listed}")]
        return [Finding(spec.names[0] + ".md", None,
                        f"not found: the {spec.title} ({patterns}) anywhere in the repository")]
    shown = relative(repo, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(shown, None, f"cannot read: {exc}")]
    found_headings = headings(text)
    top = [h for h in found_headings if h.level == 1]
    candidates = [h for h in found_headings if not (len(top) == 1 and h is top[0])]
    assigned = _assign(spec, candidates)
    found: list[Finding] = []
    for section in spec.sections:
        heading = assigned.get(section.name)
        if heading is None:
            shown_words = ", ".join(section.synonyms[:4])
            found.append(Finding(
                shown, None,
                f"{spec.title} has no '{section.name}' section (a heading with e.g. "
                f"{shown_words})"))
        elif not _has_content(heading):
            found.append(Finding(
                shown, heading.line,
                f"{spec.title}: the '{section.name}' section ({heading.text}) is empty"))
        elif spec.checkboxes and not any(_CHECKBOX.match(line) for line in heading.body):
            found.append(Finding(
                shown, heading.line,
                f"{spec.title}: the '{section.name}' section ({heading.text}) has no "
                "checkbox items (- [ ] ...)"))
    return found


# --- for probes that judge what a section says, not only that it is there --------------


def assign_sections(spec: DocumentSpec, candidates: list[Heading]) -> dict[str, Heading]:
    """The heading among ``candidates`` that stands for each section of ``spec`` (one
    heading per section, the same matching as :func:`document_findings`)."""
    return _assign(spec, candidates)


def section_headings(text: str, spec: DocumentSpec) -> dict[str, Heading]:
    """The heading of each section of ``spec`` found in the Markdown ``text`` (the
    document's title excluded, as in :func:`document_findings`)."""
    found = headings(text)
    top = [h for h in found if h.level == 1]
    return _assign(spec, [h for h in found if not (len(top) == 1 and h is top[0])])


def section_has_content(heading: Heading) -> bool:
    """Whether the section says something (not blank, not only a TBD/準備中 placeholder)."""
    return _has_content(heading)
