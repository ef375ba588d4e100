"""The document probe: every operations and security document is usable on the good sample
repo; the broken twin misses the planted section."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.facts.repo.structured import headings
from golive.rules import documents

from ._helpers import text_of

BROKEN = {
    "deployment-guide": "deployment guide has no 'rollback' section",
    "troubleshooting-guide": "not found: the troubleshooting guide",
    "backup-restore": "the 'restore' section (リストア手順) is empty",
    "alert-response-flow": "alert response flow has no 'escalation' section",
    "escalation-flow": "escalation flow has no 'contacts' section",
    "maintenance": "routine maintenance procedure has no 'notification' section",
    "access-management": "access management procedure has no 'revoke' section",
    "incident-response": "has no 'containment' section",
    "security-checklist": "the 'network' section (ネットワーク) has no checkbox items",
}


@pytest.mark.parametrize("key", documents.DOCUMENTS)
def test_usable_on_good(good_repo: Path, key: str) -> None:
    spec = documents.DOCUMENTS[key]
    assert documents.find_document(good_repo, spec) is not None
    assert documents.document_findings(good_repo, spec) == []


@pytest.mark.parametrize("key", documents.DOCUMENTS)
def test_defect_found_on_broken(broken_repo: Path, key: str) -> None:
    findings = documents.document_findings(broken_repo, documents.DOCUMENTS[key])
    assert BROKEN[key] in text_of(findings)


def test_broken_incident_response_postmortem_placeholder(broken_repo: Path) -> None:
    found = documents.document_findings(broken_repo, documents.DOCUMENTS["incident-response"])
    assert "the 'postmortem' section (事後対応 (ポストモーテム)) is empty" in text_of(found)


# --- edge cases -------------------------------------------------------------------------

SPEC = documents.DOCUMENTS["deployment-guide"]


def _doc(root: Path, name: str, text: str) -> Path:
    path = root / "docs" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_english_headings_match(tmp_path: Path) -> None:
    _doc(tmp_path, "Deployment-Guide.md",
         "# Deployment Guide\n\n## Environments\nprod, staging\n\n## Prerequisites\nAccess.\n\n"
         "## Steps\n1. deploy\n\n## Verification\nsmoke test\n\n## Rollback\nvercel rollback\n")
    assert documents.document_findings(tmp_path, SPEC) == []


def test_one_heading_counts_for_one_section(tmp_path: Path) -> None:
    # 'ロールバック手順' could be the steps or the rollback section, not both
    _doc(tmp_path, "deployment-guide.md",
         "# デプロイメントガイド\n\n## 環境\nx\n\n## 前提条件\nx\n\n## 確認\nx\n\n"
         "## ロールバック手順\nx\n")
    (finding,) = documents.document_findings(tmp_path, SPEC)
    assert "no 'steps' section" in finding.message or "no 'rollback' section" in finding.message


def test_title_is_not_a_section(tmp_path: Path) -> None:
    _doc(tmp_path, "backup-restore.md",
         "# バックアップ/リストア手順\n\n## スケジュール\n毎日\n\n## 検証\n毎週\n")
    found = text_of(documents.document_findings(tmp_path, documents.DOCUMENTS["backup-restore"]))
    assert "no 'backup' section" in found and "no 'restore' section" in found


def test_placeholder_section_is_empty(tmp_path: Path) -> None:
    _doc(tmp_path, "deployment-guide.md",
         "# Deploy\n\n## Environments\nx\n\n## Prerequisites\nTODO\n\n## Steps\nx\n\n"
         "## Verification\n- 未定\n\n## Rollback\nx\n")
    found = documents.document_findings(tmp_path, SPEC)
    assert [f.line for f in found] == [6, 12]


def test_headings_inside_code_fences_do_not_count(tmp_path: Path) -> None:
    _doc(tmp_path, "deployment-guide.md",
         "# Deploy\n\n## Environments\nx\n\n## Prerequisites\nx\n\n## Steps\n```sh\n"
         "# Rollback\nvercel rollback\n```\n\n## Verification\nx\n")
    assert "no 'rollback' section" in text_of(documents.document_findings(tmp_path, SPEC))


def test_missing_document_names_the_patterns(tmp_path: Path) -> None:
    (finding,) = documents.document_findings(tmp_path, SPEC)
    # the names are searched anywhere in a file's name
    assert finding.message.startswith("not found: the deployment guide (*deployment-guide*.md")
    assert "*デプロイメントガイド*.md" in finding.message


def test_exact_name_beats_prefix_and_docs_folder_wins(tmp_path: Path) -> None:
    _doc(tmp_path, "deployment-guide-old.md", "# old\n")
    exact = _doc(tmp_path, "deployment-guide.md", "# new\n")
    (tmp_path / "deployment-guide.md").write_text("# root\n", encoding="utf-8")
    assert documents.find_document(tmp_path, SPEC) == exact


def test_setext_headings() -> None:
    found = headings("Title\n=====\n\nSection\n-------\nbody\n")
    assert [(h.level, h.text, h.line) for h in found] == [(1, "Title", 1), (2, "Section", 4)]
    assert found[1].body == ("body",)
