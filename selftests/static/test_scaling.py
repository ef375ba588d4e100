"""The scaling-criteria probe: good passes, broken's vague triggers fail, edge cases."""

from __future__ import annotations

from pathlib import Path

from golive.rules import scaling

from ._helpers import text_of, write


def test_good_repo_passes(good_repo: Path) -> None:
    assert scaling.scale_criteria_findings(good_repo) == []
    path, found, problems = scaling.triggers(good_repo)
    assert path is not None and path.name == "scaling-policy.md" and problems == []
    assert len([t for t in found if t.numeric]) == 6


def test_broken_triggers_are_vague(broken_repo: Path) -> None:
    found = scaling.scale_criteria_findings(broken_repo)
    assert [(f.file, f.line) for f in found] == [
        ("docs/scaling-policy.md", 7), ("docs/scaling-policy.md", 8),
        ("docs/scaling-policy.md", 9), ("docs/scaling-policy.md", 1)]
    assert "trigger 'CPU 使用率が高い状態が続いたら、ワーカーを追加する。' has no numeric " \
           "threshold" in found[0].message
    assert "has 0 numeric trigger(s)" in found[-1].message


def test_no_policy_is_not_found(tmp_path: Path) -> None:
    (found,) = scaling.scale_criteria_findings(tmp_path)
    assert found.message.startswith("not found: the scaling policy")
    assert "scaling-policy*.md" in found.message and "スケール基準*.md" in found.message


def test_english_policy(tmp_path: Path) -> None:
    write(tmp_path, "docs/capacity-plan.md",
          "# Capacity plan\n\n## Scale-out thresholds\n\n"
          "- CPU utilization >= 70% for 15 minutes: add one worker\n"
          "- p95 latency above 300 ms for 10 minutes: raise function memory\n\n"
          "## Actions\n\nOpen a ticket and change the Terraform.\n")
    assert scaling.scale_criteria_findings(tmp_path) == []


def test_missing_actions_and_a_single_trigger(tmp_path: Path) -> None:
    write(tmp_path, "scaling.md",
          "# Scaling\n\n## 基準\n\n| 指標 | 閾値 |\n| --- | --- |\n| CPU 使用率 | 70% 以上 |\n"
          "| 備考 | 月次で見直す |\n")
    found = text_of(scaling.scale_criteria_findings(tmp_path))
    assert "scaling.md:1: the scaling policy has no 'actions' section" in found
    assert "scaling.md:1: the scaling policy has 1 numeric trigger(s)" in found


def test_no_triggers_section(tmp_path: Path) -> None:
    write(tmp_path, "docs/scaling-policy.md", "# スケール\n\n## 対応手順\n\n1. 相談する\n")
    (found,) = scaling.scale_criteria_findings(tmp_path)
    assert found.message.startswith("the scaling policy has no 'triggers' section")
