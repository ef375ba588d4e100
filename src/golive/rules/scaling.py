"""The scaling policy (plan: キャパシティプランニング → スケール基準): when to scale, written
as numbers.

The document (``scaling-policy*.md``, ``scale-criteria*.md``, ``capacity-plan*.md``,
``スケール基準*.md``) has a triggers section (基準/閾値/条件/trigger/threshold/criteria) and
an actions section (対応/手順/アクション/action/procedure). In the triggers section every
table row or list item that names a metric (CPU, memory, connections, latency, requests,
storage, error rate, ...) gives a numeric threshold (``70%``, ``500 ms``, ``80 接続以上``);
at least two such numeric triggers exist. A trigger such as "CPU が高いとき" is a finding:
two people would scale at different points.
"""

from __future__ import annotations

import re
from pathlib import Path

from golive.facts.repo.mdblocks import Item, items, section_lines, tables
from golive.facts.repo.structured import relative
from golive.judging.findings import Finding
from golive.rules.documents import (
    DocumentSpec,
    Section,
    find_document,
    section_has_content,
    section_headings,
)

__all__ = ["SCALING_POLICY", "Trigger", "scale_criteria_findings", "triggers"]

SCALING_POLICY = DocumentSpec(
    "scaling-policy", "scaling policy",
    ("scaling-policy", "scale-criteria", "scaling-criteria", "scaling", "capacity-plan",
     "スケール基準", "スケーリング"),
    (
        Section("triggers", ("基準", "閾値", "しきい値", "条件", "トリガー", "trigger",
                             "threshold", "criteria", "when to")),
        Section("actions", ("対応", "手順", "方法", "アクション", "実施", "action", "procedure",
                            "how to", "steps", "response")),
    ),
)

_METRIC = re.compile(
    r"cpu|メモリ|memory|接続|connection|レイテンシ|latency|応答時間|response time|"
    r"\bp(50|9\d)\b|リクエスト|request|\brps\b|\bqps\b|スループット|throughput|ストレージ|"
    r"ディスク|disk|storage|容量|エラー率|error rate|キュー|queue|同時|concurrent|使用率|"
    r"utili[sz]ation|利用率|帯域|bandwidth|実行時間|duration|ユーザー数|users|負荷|load|"
    r"iops|invocation|呼び出し",
    re.IGNORECASE,
)
_THRESHOLD = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|ms|秒|分|時間|件|req|rps|qps|接続|connections?|gb|mb|tb|gib|mib|"
    r"users?|人|倍|回|/s|/秒|/分)|"
    r"\d+(?:\.\d+)?\s*(?:以上|以下|超|未満|を超え)|(?:>=?|<=?|≥|≤|＞|＜)\s*\d",
    re.IGNORECASE,
)


class Trigger:
    """A row or list item of the triggers section that names a metric."""

    def __init__(self, shown: str, item: Item) -> None:
        self.shown = shown
        self.line = item.line
        self.text = item.text

    @property
    def numeric(self) -> bool:
        return bool(_THRESHOLD.search(self.text))


def _not_found() -> Finding:
    names = ", ".join(f"{n}*.md" for n in SCALING_POLICY.names)
    return Finding("scaling-policy.md", None,
                   f"not found: the scaling policy ({names}) anywhere in the repository")


def triggers(repo: Path) -> tuple[Path | None, list[Trigger], list[Finding]]:
    """The policy's path, its triggers, and what keeps them from being read."""
    path = find_document(repo, SCALING_POLICY)
    if path is None:
        return None, [], [_not_found()]
    shown = relative(repo, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return path, [], [Finding(shown, None, f"cannot read: {exc}")]
    sections = section_headings(text, SCALING_POLICY)
    problems = []
    for section in SCALING_POLICY.sections:
        heading = sections.get(section.name)
        if heading is None:
            problems.append(Finding(
                shown, 1, f"the scaling policy has no '{section.name}' section (a heading with "
                          f"e.g. {', '.join(section.synonyms[:5])})"))
        elif not section_has_content(heading):
            problems.append(Finding(shown, heading.line,
                                    f"the '{section.name}' section ({heading.text}) is empty"))
    heading = sections.get("triggers")
    if heading is None:
        return path, [], problems
    lines = section_lines(text, heading)
    rows = [row for table in tables(lines) for row in table.rows] + items(lines)
    found = [Trigger(shown, row) for row in sorted(rows, key=lambda r: r.line)
             if _METRIC.search(row.text)]
    return path, found, problems


def scale_criteria_findings(repo: Path) -> list[Finding]:
    """Triggers and actions sections; every metric trigger numeric; at least two of them."""
    path, found_triggers, problems = triggers(repo)
    if path is None:
        return problems
    shown = relative(repo, path)
    findings = list(problems)
    for trigger in found_triggers:
        if not trigger.numeric:
            findings.append(Finding(
                trigger.shown, trigger.line,
                f"trigger '{trigger.text}' has no numeric threshold (e.g. CPU 70% 以上が 15 分, "
                "p95 500 ms 超): scaling decisions would differ by person",
            ))
    numeric = [t for t in found_triggers if t.numeric]
    if len(numeric) < 2 and not any(f.message.startswith("the scaling policy has no 'triggers'")
                                    for f in problems):
        findings.append(Finding(
            shown, 1,
            f"the scaling policy has {len(numeric)} numeric trigger(s): write at least two "
            "(a metric and its threshold each, e.g. CPU 使用率 70% 以上, 接続数 80 以上)",
        ))
    return findings
