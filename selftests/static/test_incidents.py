"""The incident triage probes (categories, urgency levels): good passes, broken fails where
planted, and the edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.rules import triage as incidents

from ._helpers import text_of, write


def test_good_repo_passes(good_repo: Path) -> None:
    assert incidents.classification_findings(good_repo) == []
    assert incidents.urgency_findings(good_repo) == []
    assert [p.name for p in incidents.incident_documents(good_repo)] == [
        "incident-response.md", "incident-classification.md"]


def test_broken_categories(broken_repo: Path) -> None:
    found = text_of(incidents.classification_findings(broken_repo))
    doc = "docs/security/incident-classification.md"
    assert f"{doc}:9: no category covers critical configuration change" in found
    assert f"{doc}:9: no category covers abnormal authentication failures" in found
    assert f"{doc}:10: category マルウェア: default urgency '最高' is not a defined level" in found


def test_broken_urgency(broken_repo: Path) -> None:
    found = text_of(incidents.urgency_findings(broken_repo))
    doc = "docs/security/incident-classification.md"
    assert f"{doc}:18: urgency level 中 has no response time" in found
    assert f"{doc}:17: urgency level 高 waits 4 h, longer than the less urgent 低 (1 h)" in found


# --- edge cases -----------------------------------------------------------------------------

SEV_TABLE = ("## Severity levels\n\n| Level | Example | Response time |\n| --- | --- | --- |\n"
             "| SEV1 | outage | 15 minutes |\n| SEV2 | degraded | 1 hour |\n"
             "| SEV3 | minor | 1 business day |\n")
CATEGORIES = ("## Incident categories\n\n"
              "- Unauthorized access: someone reached data or an API without permission\n"
              "- Configuration change: an unplanned change to IAM, security groups or secrets\n"
              "- Authentication failure spike: brute force or credential stuffing\n")


def _doc(root: Path, text: str, name: str = "docs/incident-response.md") -> None:
    write(root, name, "# Incident response\n\n" + text)


def test_no_document_is_not_found(tmp_path: Path) -> None:
    (found,) = incidents.urgency_findings(tmp_path)
    assert found.message.startswith("not found:") and "incident-response*.md" in found.message
    (found,) = incidents.classification_findings(tmp_path)
    assert "incident-classification*.md" in found.message


def test_english_document(tmp_path: Path) -> None:
    _doc(tmp_path, SEV_TABLE + "\n" + CATEGORIES)
    assert incidents.urgency_findings(tmp_path) == []
    assert incidents.classification_findings(tmp_path) == []


def test_no_levels(tmp_path: Path) -> None:
    _doc(tmp_path, CATEGORIES)
    (found,) = incidents.urgency_findings(tmp_path)
    assert (found.line, found.message.split(":")[0]) == (1, "defines no urgency levels")


def test_two_levels_are_not_triage(tmp_path: Path) -> None:
    _doc(tmp_path, "## 優先度\n\n- P1: 30 分以内\n- P2: 翌営業日\n")
    found = text_of(incidents.urgency_findings(tmp_path))
    assert "docs/incident-response.md:3: '優先度' defines 2 urgency level(s) (P1, P2)" in found
    assert "urgency level P2 has no response time" in found  # 翌営業日 names no number


def test_immediate_and_business_days(tmp_path: Path) -> None:
    _doc(tmp_path, "## 緊急度\n\n| 緊急度 | 初動 |\n| --- | --- |\n| 緊急 | 即時 |\n"
                   "| 高 | 30 分以内 |\n| 中 | 4 時間以内 |\n| 低 | 2 営業日以内 |\n")
    assert incidents.urgency_findings(tmp_path) == []


def test_categories_missing_description_and_too_few(tmp_path: Path) -> None:
    _doc(tmp_path, SEV_TABLE + "\n## 分類\n\n| 分類 | 内容 |\n| --- | --- |\n"
                   "| 不正アクセス | |\n| 設定不備 | 予定外の設定変更 |\n")
    found = text_of(incidents.classification_findings(tmp_path))
    assert "only 2 incident categor(y/ies) (不正アクセス, 設定不備)" in found
    assert "docs/incident-response.md:15: category 不正アクセス has no description" in found
    assert "no category covers abnormal authentication failures" in found


def test_level_rows_are_not_categories(tmp_path: Path) -> None:
    _doc(tmp_path, "## 分類と緊急度\n\n| 緊急度 | 例 | 初動 |\n| --- | --- | --- |\n"
                   "| 高 | 漏えい | 即時 |\n| 中 | 試行 | 1 時間 |\n| 低 | スキャン | 1 日 |\n")
    assert incidents.urgency_findings(tmp_path) == []
    (found,) = incidents.classification_findings(tmp_path)
    assert (found.line, found.message.split(":")[0]) == (3, "defines no incident categories")


@pytest.mark.parametrize(("label", "rank"), [
    ("SEV1", 1), ("sev 2", 2), ("P3", 3), ("Level 4", 4), ("レベル1", 1),
    ("Critical", 0), ("High (高)", 1), ("中", 2), ("低", 3), ("緊急", 0),
    ("重要設定の変更", None), ("情報漏えい", None), ("Highway", None), ("その他", None),
])
def test_level_rank(label: str, rank: int | None) -> None:
    assert incidents.level_rank(label) == rank


@pytest.mark.parametrize(("text", "seconds"), [
    ("即時", 0.0), ("15 分以内", 900.0), ("1 時間以内", 3600.0), ("1 営業日以内", 86400.0),
    ("30 minutes", 1800.0), ("2h", 7200.0), ("immediately, then every 1 hour", 0.0),
    ("担当者が判断する", None),
])
def test_response_seconds(text: str, seconds: float | None) -> None:
    assert incidents.response_seconds(text) == seconds


def test_tables_in_code_fences_are_examples(tmp_path: Path) -> None:
    _doc(tmp_path, "## Severity\n\n```markdown\n| Level | Response |\n| --- | --- |\n"
                   "| SEV1 | 15 minutes |\n| SEV2 | 1 hour |\n| SEV3 | 1 day |\n```\n")
    (found,) = incidents.urgency_findings(tmp_path)
    assert found.message.startswith("defines no urgency levels")
