"""The change process in the repository (plan 注意事項: tests on every change, security
changes scanned, high-impact changes prepared, important settings documented) and the
rollback procedure of the deployment guide (Week 1 Day 1-2 デプロイメント設定の調整)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive import CriterionContext, Evidence
from golive.rules import cigates, process


@pytest.mark.criterion("platform.rollback-procedure")
def test_rollback_procedure(criterion: CriterionContext, evidence: Evidence,
                            repo_path: Path) -> None:
    """A rollback section of concrete steps naming an existing rollback workflow, script or
    command, in the deployment guide or a runbook."""
    section = process.rollback_section(repo_path)
    if section is not None:
        evidence.record("rollback section", section.heading.text,
                        file=section.path.relative_to(repo_path).as_posix(),
                        line=section.heading.line)
    criterion.expect_no_findings(process.rollback_procedure_findings(repo_path),
                                 what="rollback procedure")


@pytest.mark.criterion("ops.rollback-preparation")
def test_rollback_preparation(criterion: CriterionContext, evidence: Evidence,
                              repo_path: Path) -> None:
    """Every pull request template asks for the change's rollback plan."""
    evidence.record("pull request templates",
                    [p.relative_to(repo_path).as_posix() for p in process.pr_templates(repo_path)])
    criterion.expect_no_findings(process.rollback_preparation_findings(repo_path),
                                 what="rollback plan in the pull request template")


@pytest.mark.parametrize(
    "kind",
    [pytest.param("unit", id="unit", marks=pytest.mark.criterion("ops.unit-tests")),
     pytest.param("integration", id="integration",
                  marks=pytest.mark.criterion("ops.integration-tests"))],
)
def test_test_suite(criterion: CriterionContext, evidence: Evidence, repo_path: Path,
                    kind: str) -> None:
    """Test files of the kind exist and a pull_request workflow runs them, failures count."""
    files = cigates.suite_files(repo_path, kind)
    runs = [r for r in cigates.suite_runs(repo_path) if r.kind == kind]
    evidence.record(f"{kind} test files", len(files), "files", files=files[:20])
    evidence.record(
        f"{kind} test runs in CI", len(runs), "steps",
        runs=[{"workflow": r.workflow.shown, "job": r.job_id, "command": r.command,
               "on_pull_requests": r.on_pull_requests, "integration lane": r.lane}
              for r in runs],
    )
    criterion.expect_no_findings(cigates.suite_findings(repo_path, kind),
                                 what=f"{kind} tests on pull requests")


@pytest.mark.criterion("ops.security-change-scan")
def test_security_change_scan(criterion: CriterionContext, evidence: Evidence,
                              repo_path: Path) -> None:
    """A vulnerability scanner runs on pull requests and its result is not ignored."""
    scans = cigates.scan_steps(repo_path)
    evidence.record(
        "vulnerability scans in CI", len(scans), "steps",
        scans=[{"workflow": s.workflow.shown, "job": s.job_id, "scanner": s.scanner,
                "on_pull_requests": s.on_pull_requests,
                # a step that cannot fail the job is listed, but gates nothing
                "cannot_fail": (ignored[1] if (ignored := s.ignored()) else None)}
               for s in scans],
    )
    criterion.expect_no_findings(cigates.security_scan_findings(repo_path),
                                 what="vulnerability scan on pull requests")


@pytest.mark.criterion("ops.change-record")
def test_change_record(criterion: CriterionContext, evidence: Evidence,
                       repo_path: Path) -> None:
    """CHANGELOG.md in Keep a Changelog form: dated releases, newest first, changes by
    type, an entry for the current version."""
    changelog = process.load_changelog(repo_path)
    if isinstance(changelog, process.Changelog):
        evidence.record("change log", changelog.shown,
                        entries=[{"version": e.name, "date": e.date, "line": e.heading.line}
                                 for e in changelog.entries][:20])
    criterion.expect_no_findings(process.change_record_findings(repo_path), what="change log")


@pytest.mark.criterion("ops.change-impact-doc")
def test_change_impact_doc(criterion: CriterionContext, repo_path: Path) -> None:
    """Every change log entry documents its impact; the pull request template asks for it."""
    criterion.expect_no_findings(process.change_impact_findings(repo_path),
                                 what="documented impact of changes")
