"""Documents judged by what their sections say (issue 9), in Japanese and English; archived
documents and incident reports do not stand for the plan's current guides and procedures."""

from __future__ import annotations

from pathlib import Path

from golive.rules import documents

from ._helpers import text_of, write

GUIDE = documents.DOCUMENTS["deployment-guide"]
INCIDENT = documents.DOCUMENTS["incident-response"]

# the rollback section is titled by a situation, not by a rollback word
GUIDE_EN = """# Deployment guide

## Environments

Staging deploys from main; production from a release tag.

## Prerequisites

Vercel access and the Supabase service role in 1Password.

## Steps

1. Tag the release.
2. Approve the production job.

## Verification

Run the smoke test against the production URL.

## When a release goes wrong

1. Roll back to the previous deployment with `vercel rollback`.
2. Revert the merge commit so main matches production again.
"""

GUIDE_JA = """# デプロイメントガイド

## 環境

ステージングは main から、本番はリリースタグから。

## 前提条件

Vercel と Supabase の権限があること。

## デプロイ手順

1. リリースタグを打つ。
2. 本番ジョブを承認する。

## 動作確認

本番 URL にスモークテストを流す。

## 問題が起きたら

1. `vercel rollback` で直前のデプロイにロールバックする。
2. main のマージコミットを revert して切り戻しを記録する。
"""


def test_a_section_is_recognised_by_what_it_says(tmp_path: Path) -> None:
    write(tmp_path / "en", "docs/deployment-guide.md", GUIDE_EN)
    write(tmp_path / "ja", "docs/デプロイ手順.md", GUIDE_JA)
    assert documents.document_findings(tmp_path / "en", GUIDE) == []
    assert documents.document_findings(tmp_path / "ja", GUIDE) == []


def test_a_section_that_says_nothing_of_it_is_not_the_section(tmp_path: Path) -> None:
    en = GUIDE_EN.replace(
        "1. Roll back to the previous deployment with `vercel rollback`.\n"
        "2. Revert the merge commit so main matches production again.\n",
        "Ask in #deploys.\n")
    ja = GUIDE_JA.replace(
        "1. `vercel rollback` で直前のデプロイにロールバックする。\n"
        "2. main のマージコミットを revert して切り戻しを記録する。\n",
        "#deploys で相談する。\n")
    write(tmp_path / "en", "docs/deployment-guide.md", en)
    write(tmp_path / "ja", "docs/デプロイ手順.md", ja)
    assert "has no 'rollback' section" in text_of(
        documents.document_findings(tmp_path / "en", GUIDE))
    assert "has no 'rollback' section" in text_of(
        documents.document_findings(tmp_path / "ja", GUIDE))


def test_a_titled_section_does_not_move_by_its_content(tmp_path: Path) -> None:
    # the steps mention rolling back twice, yet they are the steps, not the rollback
    text = GUIDE_EN.split("## When a release goes wrong")[0].replace(
        "2. Approve the production job.\n",
        "2. Approve the production job; rollback is possible.\n3. Note how to roll back.\n")
    write(tmp_path, "docs/deployment-guide.md", text)
    assert "has no 'rollback' section" in text_of(documents.document_findings(tmp_path, GUIDE))


def test_an_empty_section_titled_by_a_situation(tmp_path: Path) -> None:
    # a heading that only names the section, with nothing under it
    write(tmp_path, "docs/deployment-guide.md",
          GUIDE_EN.split("## When a release goes wrong")[0] + "## Rollback\n\nTBD\n")
    assert "the 'rollback' section (Rollback) is empty" in text_of(
        documents.document_findings(tmp_path, GUIDE))


def test_an_archived_guide_does_not_count(tmp_path: Path) -> None:
    write(tmp_path, "docs/archive/auth/DEPLOYMENT-GUIDE.md", GUIDE_EN)
    (found,) = documents.document_findings(tmp_path, GUIDE)
    assert found.file == "docs/archive/auth/DEPLOYMENT-GUIDE.md"
    assert found.message.startswith("not found: a current deployment guide")
    assert "archived" in found.message
    # a current one next to it is the one judged, whatever the archive holds
    write(tmp_path / "b", "docs/archive/auth/DEPLOYMENT-GUIDE.md", GUIDE_EN)
    write(tmp_path / "b", "deprecated/デプロイ手順.md", "# 古い手順\n")
    write(tmp_path / "b", "docs/deploying.md", GUIDE_JA)
    assert documents.find_document(tmp_path / "b", GUIDE) == tmp_path / "b/docs/deploying.md"
    assert documents.document_findings(tmp_path / "b", GUIDE) == []


PROCEDURE_EN = """# Security incident response

## Detection
Alerts from Datadog and reports to security@ open an incident.

## Classification
SEV1 data exposure, SEV2 service abuse, SEV3 suspicious activity.

## Containment
Revoke the leaked key and isolate the affected function.

## Recovery
Restore from the last clean backup and rotate credentials.

## Post-mortem
A blameless review within five working days.

## Contacts
On-call lead, then the CTO.
"""

REPORT_EN = """# Security incident report: leaked service key

## Timeline
- 09:12 key pushed in a commit
- 09:40 key revoked

## Root cause
A deploy script held the key.

## Remediation
The key was rotated.
"""

REPORT_JA = """# セキュリティインシデント報告

## 経緯
9:12 にキーがコミットされた。

## 根本原因
デプロイスクリプトにキーが書かれていた。
"""


def test_an_incident_report_is_not_the_procedure(tmp_path: Path) -> None:
    write(tmp_path, "docs/security/SECURITY-INCIDENT-REPORT.md", REPORT_EN)
    (found,) = documents.document_findings(tmp_path, INCIDENT)
    assert found.file == "docs/security/SECURITY-INCIDENT-REPORT.md"
    assert found.message.startswith("not found: a current security incident response "
                                    "procedure")
    assert "a report of one incident (a post-mortem), not the procedure" in found.message


def test_a_report_by_its_headings_in_japanese(tmp_path: Path) -> None:
    # named like the procedure, written as a report of one incident
    write(tmp_path, "docs/インシデント対応.md", REPORT_JA)
    assert "a report of one incident" in text_of(documents.document_findings(tmp_path, INCIDENT))


def test_the_procedure_beside_a_report_is_judged(tmp_path: Path) -> None:
    write(tmp_path, "docs/security-incident-2025-01-07.md", REPORT_EN)
    write(tmp_path, "docs/incident-response.md", PROCEDURE_EN)
    assert documents.document_findings(tmp_path, INCIDENT) == []
    # the planted defect of the class: a procedure that is only headings
    write(tmp_path / "b", "docs/incident-response.md",
          "\n".join(line for line in PROCEDURE_EN.splitlines()
                    if line.startswith("#") or not line) + "\n")
    assert "the 'containment' section (Containment) is empty" in text_of(
        documents.document_findings(tmp_path / "b", INCIDENT))
