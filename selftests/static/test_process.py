"""The change-process probes (rollback procedure, pull request template, change log): pass
on the good sample repo, the planted defect on the broken one, and the edge cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding
from golive.rules import process

from ._helpers import text_of, write

PROBES: dict[str, Callable[[Path], list[Finding]]] = {
    "rollback-procedure": process.rollback_procedure_findings,
    "rollback-preparation": process.rollback_preparation_findings,
    "change-record": process.change_record_findings,
    "change-impact": process.change_impact_findings,
}

# probe → (file, line, part of the message) of the planted defect
BROKEN = {
    "rollback-procedure": [("docs/deployment-guide.md", 1,
                            "the deployment guide has no rollback section")],
    "rollback-preparation": [(".github/pull_request_template.md", 1,
                              "the pull request template has no 'rollback' section")],
    "change-record": [("CHANGELOG.md", 11, "release 1.4.0 has no date")],
    "change-impact": [("CHANGELOG.md", 36, "entry 1.3.0 does not document its impact"),
                      (".github/pull_request_template.md", 5,
                       "the 'impact' section (影響範囲) of the pull request template is empty")],
}


@pytest.mark.parametrize("name", PROBES)
def test_good_repo_passes(good_repo: Path, name: str) -> None:
    assert PROBES[name](good_repo) == []


@pytest.mark.parametrize("name", PROBES)
def test_broken_repo_fails_where_planted(broken_repo: Path, name: str) -> None:
    found = PROBES[name](broken_repo)
    assert [(f.file, f.line) for f in found] == [(file, line) for file, line, _ in BROKEN[name]]
    for finding, (_, _, message) in zip(found, BROKEN[name], strict=True):
        assert message in finding.message


def test_good_rollback_section_is_the_guides(good_repo: Path) -> None:
    section = process.rollback_section(good_repo)
    assert section is not None
    assert section.path.name == "deployment-guide.md"
    assert section.heading.text == "ロールバック"


# --- rollback procedure ---------------------------------------------------------------------

GUIDE_HEAD = ("# デプロイメントガイド\n\n## 環境\nprod\n\n## 前提条件\nx\n\n"
              "## デプロイ手順\n1. deploy\n\n## 確認\nsmoke\n\n")
ROLLBACK_WORKFLOW = ("name: rollback\non: [workflow_dispatch]\njobs:\n  r:\n    runs-on: x\n"
                     "    steps:\n      - run: npx vercel rollback --yes\n")


def test_no_guide_and_no_runbook_is_not_found(tmp_path: Path) -> None:
    (found,) = process.rollback_procedure_findings(tmp_path)
    assert found.message.startswith("not found:")
    assert "deployment-guide*.md" in found.message and "runbook*.md" in found.message


def test_runbook_stands_in_for_the_guide(tmp_path: Path) -> None:
    write(tmp_path, "docs/runbook.md",
          "# Runbook\n\n## Rollback\n\n1. Run `vercel rollback` to the previous deployment.\n"
          "2. Check `scripts/health-check.sh`.\n")
    write(tmp_path, "scripts/health-check.sh", "#!/bin/sh\n")
    assert process.rollback_procedure_findings(tmp_path) == []


def test_rollback_workflow_named_by_its_name(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md", GUIDE_HEAD +
          "## ロールバック\n\n- GitHub Actions の `rollback` を実行する。\n- 結果を報告する。\n")
    write(tmp_path, ".github/workflows/rollback.yml", ROLLBACK_WORKFLOW)
    assert process.rollback_procedure_findings(tmp_path) == []


def test_a_named_workflow_that_does_not_exist_is_no_mechanism(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md", GUIDE_HEAD +
          "## ロールバック\n\n- GitHub Actions の `rollback` を実行する。\n- 結果を報告する。\n")
    (found,) = process.rollback_procedure_findings(tmp_path)
    assert (found.file, found.line) == ("docs/deployment-guide.md", 15)
    assert "names no way to roll back that exists" in found.message


def test_one_step_is_not_a_procedure(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md",
          GUIDE_HEAD + "## ロールバック\n\n`vercel rollback` で戻す。\n")
    (found,) = process.rollback_procedure_findings(tmp_path)
    assert "has 0 step(s)" in found.message


def test_named_paths_must_exist(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md", GUIDE_HEAD +
          "## Rollback\n\n1. `scripts/rollback.sh production`\n"
          "2. Follow [restore](backup-restore.md).\n")
    found = text_of(process.rollback_procedure_findings(tmp_path))
    assert "docs/deployment-guide.md:17: the rollback section 'Rollback' names " \
           "scripts/rollback.sh, which does not exist" in found
    assert "names backup-restore.md, which does not exist" in found


def test_empty_rollback_section(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md", GUIDE_HEAD + "## ロールバック\n\nTBD\n")
    (found,) = process.rollback_procedure_findings(tmp_path)
    assert found.line == 15 and found.message.endswith("is empty")


# --- pull request template ------------------------------------------------------------------


def test_no_pull_request_template(tmp_path: Path) -> None:
    (found,) = process.rollback_preparation_findings(tmp_path)
    assert found.message.startswith("not found: a pull request template")
    assert "PULL_REQUEST_TEMPLATE/*.md" in found.message


def test_every_template_of_a_template_folder_counts(tmp_path: Path) -> None:
    write(tmp_path, ".github/PULL_REQUEST_TEMPLATE/feature.md",
          "## Summary\nx\n\n## Impact\nwho is affected\n\n## Rollback plan\nrevert\n")
    write(tmp_path, ".github/PULL_REQUEST_TEMPLATE/hotfix.md", "## Summary\nx\n\n## Impact\ny\n")
    (found,) = process.rollback_preparation_findings(tmp_path)
    assert (found.file, found.line) == (".github/PULL_REQUEST_TEMPLATE/hotfix.md", 1)
    (no_log,) = process.change_impact_findings(tmp_path)
    assert no_log.message.startswith("not found: a change log")


def test_comment_prompts_are_content(tmp_path: Path) -> None:
    write(tmp_path, "PULL_REQUEST_TEMPLATE.md",
          "## What\n<!-- what and why -->\n\n## 影響範囲\n<!-- 影響を受ける環境 -->\n\n"
          "## 切り戻し\n<!-- 戻し方 -->\n")
    assert process.rollback_preparation_findings(tmp_path) == []


# --- change log -----------------------------------------------------------------------------

TODAY = dt.date(2025, 3, 1)
HEAD = "# Changelog\n\n## [Unreleased]\n\n"


def _entry(version: str, date: str | None, *, impact: bool = True) -> str:
    heading = f"## [{version}] - {date}" if date else f"## [{version}]"
    text = f"{heading}\n\n### Changed\n\n- something\n\n"
    return text + ("### Impact\n\n- staging only\n\n" if impact else "")


def test_no_changelog_is_not_found(tmp_path: Path) -> None:
    (found,) = process.change_record_findings(tmp_path)
    assert found.file == "CHANGELOG.md" and found.message.startswith("not found:")
    assert "CHANGES.md" in found.message and "変更履歴.md" in found.message


def test_sound_changelog(tmp_path: Path) -> None:
    write(tmp_path, "CHANGELOG.md", HEAD + _entry("1.1.0", "2025-02-01") +
          _entry("1.0.0", "2025-01-10"))
    write(tmp_path, "package.json", '{"name": "x", "version": "1.1.0"}\n')
    assert process.change_record_findings(tmp_path, TODAY) == []
    assert process.change_impact_findings(tmp_path)[0].message.startswith(
        "not found: a pull request template")


@pytest.mark.parametrize(("entries", "message"), [
    (_entry("1.0.0", "2025-13-01"), "release 1.0.0: 2025-13-01 is not a calendar date"),
    (_entry("1.0.0", "5.1.2025"), "release 1.0.0: '5.1.2025' is not an ISO date"),
    (_entry("1.0.0", "2025-06-01"), "release 1.0.0 is dated in the future (2025-06-01)"),
    (_entry("1.0.0", "2025-01-01") + _entry("1.1.0", "2025-01-02"),
     "release 1.1.0 is listed after 1.0.0: newest first"),
    (_entry("1.1.0", "2025-01-01") + _entry("1.0.0", "2025-02-01"),
     "release 1.0.0 (2025-02-01) is dated after 1.1.0 (2025-01-01), listed above it"),
    (_entry("1.0.0", "2025-01-01") + _entry("1.0.0", "2024-12-01"),
     "release 1.0.0 has two entries (the other at line 5)"),
    ("## [1.0.0] - 2025-01-01\n\nTBD\n", "release 1.0.0 records no change"),
    ("## [1.0.0] - 2025-01-01\n\n### Impact\n\n- staging only\n",
     "release 1.0.0 records no change"),
    ("## [1.1.0] - 2025-02-01\n\n" + _entry("1.0.0", "2025-01-01"),
     "release 1.1.0 records no change"),
    ("## [1.0.0] - 2025-01-01\n\n### 影響範囲\n\n- なし\n\n[1.0.0]: https://x/compare\n",
     "release 1.0.0 records no change"),
    ("## Version 1.0 - Smarch 3, 2025\n\n- x\n", "'Smarch 3, 2025' is not an ISO date"),
    ("## [1.0.0] - February 30, 2025\n\n- x\n", "February 30, 2025 is not a calendar date"),
    ("## Release notes\n\n" + _entry("1.0.0", "2025-01-01"),
     "'## Release notes' is not a change log entry heading"),
    ("", "the change log has no release entry"),
])
def test_changelog_defects(tmp_path: Path, entries: str, message: str) -> None:
    write(tmp_path, "CHANGELOG.md", HEAD + entries)
    assert message in text_of(process.change_record_findings(tmp_path, TODAY))


def test_current_version_needs_an_entry(tmp_path: Path) -> None:
    write(tmp_path, "CHANGELOG.md", HEAD + _entry("1.0.0", "2025-01-01"))
    write(tmp_path, "package.json", '{\n  "name": "x",\n  "version": "1.2.0"\n}\n')
    (found,) = process.change_record_findings(tmp_path, TODAY)
    assert (found.file, found.line) == ("CHANGELOG.md", 5)
    assert "the current version 1.2.0 (package.json:3) has no change log entry" in found.message


def test_japanese_types_and_parenthesised_dates(tmp_path: Path) -> None:
    write(tmp_path, "docs/変更履歴.md",
          "# 変更履歴\n\n## 1.0.0 (2025-01-01)\n\n### 修正\n\n- 直した\n\n### 影響範囲\n\n- なし\n")
    write(tmp_path, ".github/pull_request_template.md", "## 概要\nx\n\n## 影響範囲\ny\n")
    assert process.change_record_findings(tmp_path, TODAY) == []
    assert process.change_impact_findings(tmp_path) == []


def test_unreleased_needs_impact_once_it_has_content(tmp_path: Path) -> None:
    write(tmp_path, "CHANGELOG.md",
          "# Changelog\n\n## [Unreleased]\n\n### Added\n\n- new alarm\n\n" +
          _entry("1.0.0", "2025-01-01"))
    write(tmp_path, ".github/pull_request_template.md", "## Impact\nwho\n")
    (found,) = process.change_impact_findings(tmp_path)
    assert (found.line, found.message) == (
        3, "entry Unreleased does not document its impact (no ### 影響範囲 / ### Impact "
           "subsection)")


def test_empty_impact_section(tmp_path: Path) -> None:
    write(tmp_path, "CHANGELOG.md", HEAD + "## [1.0.0] - 2025-01-01\n\n### Fixed\n\n- x\n\n"
                                           "### 影響範囲\n\n未定\n")
    write(tmp_path, ".github/pull_request_template.md", "## Impact\nwho\n")
    (found,) = process.change_impact_findings(tmp_path)
    assert (found.line, found.message) == (11, "entry 1.0.0: the impact section is empty")


def test_a_bare_file_name_is_found_anywhere(tmp_path: Path) -> None:
    write(tmp_path, "docs/deployment-guide.md", GUIDE_HEAD +
          "## ロールバック\n\n1. `vercel rollback` を実行する。\n"
          "2. DB の設定は `resource-limits.conf` を戻す。\n")
    write(tmp_path, "docker/postgres/resource-limits.conf", "max_connections = 100\n")
    assert process.rollback_procedure_findings(tmp_path) == []


# --- change-log shapes teams write (issue 9): each is a change record ---------------------

RELEASE_PLEASE = """# Changelog

# [2.1.0](https://example.test/compare/v2.0.1...v2.1.0) (2025-01-21)

### Features

- **auth:** sign-in with a magic link ([abc1234](https://example.test/commit/abc1234))

## [2.0.1](https://example.test/compare/v2.0.0...v2.0.1) (2025-01-07)

### Bug Fixes

- **build:** pin the runtime ([def5678](https://example.test/commit/def5678))
"""

VERSION_DATE_WRITTEN = """# Billing - Changelog

## Version 3.0 - February 14, 2025

### Card form rewritten

The card form now validates the number as it is typed, so a wrong digit is caught
before the request leaves the browser.

## Version 2.0 - 20 January 2025

- Invoices are e-mailed as PDF.
"""

PROSE_SUBSECTIONS = """# Changelog

## [0.7.0] — 2025-02-10

The release that retires the old queue.

### The queue, as data

The jobs table replaces the Redis list; the worker reads it with SKIP LOCKED.

### Also

- the health endpoint reports the queue depth.
"""

JAPANESE_PROSE = """# 変更履歴

## バージョン 1.2 (2025年2月1日)

### 通知の見直し

夜間のアラートは Slack の #oncall にだけ送るようにした。

## 1.1.0 (2025/01/15)

- バックアップの保持期間を 30 日に延長。
"""


@pytest.mark.parametrize("text", [RELEASE_PLEASE, VERSION_DATE_WRITTEN, PROSE_SUBSECTIONS,
                                  JAPANESE_PROSE, HEAD + "## [1.0.0] - 2025-01-01\n\nfixed "
                                  "the retry loop\n"],
                         ids=["release-please", "version-written-date", "prose-subsections",
                              "japanese-prose", "prose-only"])
def test_changelog_shapes_teams_write(tmp_path: Path, text: str) -> None:
    write(tmp_path, "CHANGELOG.md", text)
    assert process.change_record_findings(tmp_path, TODAY) == []


@pytest.mark.parametrize(("text", "message"), [
    (RELEASE_PLEASE.replace("### Features\n\n- **auth:** sign-in with a magic link "
                            "([abc1234](https://example.test/commit/abc1234))\n", ""),
     "release 2.1.0 records no change"),
    (VERSION_DATE_WRITTEN.replace("February 14", "February 31"),
     "release 3.0: February 31, 2025 is not a calendar date"),
    (PROSE_SUBSECTIONS.replace("— 2025-02-10", "— 2025-02-10").replace(
        "The release that retires the old queue.\n\n### The queue, as data\n\nThe jobs "
        "table replaces the Redis list; the worker reads it with SKIP LOCKED.\n\n### Also\n\n"
        "- the health endpoint reports the queue depth.\n", "### 影響範囲\n\n- キュー\n"),
     "release 0.7.0 records no change"),
    (JAPANESE_PROSE.replace("2025年2月1日", "2025年1月1日"),
     "release 1.1.0 (2025/01/15) is dated after 1.2 (2025年1月1日), listed above it"),
], ids=["release-please-empty-newest", "written-impossible-date", "prose-only-impact",
        "japanese-order"])
def test_changelog_shapes_with_planted_defects(tmp_path: Path, text: str, message: str) -> None:
    write(tmp_path, "CHANGELOG.md", text)
    assert message in text_of(process.change_record_findings(tmp_path, TODAY))


def test_archived_changelog_does_not_count(tmp_path: Path) -> None:
    write(tmp_path, "docs/archive/planning/CHANGELOG.md", VERSION_DATE_WRITTEN)
    (found,) = process.change_record_findings(tmp_path, TODAY)
    assert found.file == "docs/archive/planning/CHANGELOG.md"
    assert found.message.startswith("not found: a current change log; only archived ones")
    # the repository walk is cached per run: the variant gets its own folder
    write(tmp_path / "b", "docs/archive/planning/CHANGELOG.md", VERSION_DATE_WRITTEN)
    write(tmp_path / "b", "CHANGELOG.md", PROSE_SUBSECTIONS)
    assert process.change_record_findings(tmp_path / "b", TODAY) == []
