"""Routine records other systems keep: the impact assessment of dependency updates
(週次: 影響範囲の評価, the update pull requests' impact section), on-call coverage for the
coming week (日次: 対応策実施, PagerDuty or Opsgenie schedules), the risk register
covering every waiver of the run (月次: リスク評価) and an issue per high or critical
finding of the run's security sources (月次: 改善計画).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Config, Environment, load_waivers
from golive.facts.saas import change_sources
from golive.harness.saas import BASIS_KEPT, available
from golive.judging.findings import findings_of
from golive.rules import changes, oncall, risks, security_plan
from golive.rules.appsec.collect import RunInputs, collect

ONCALL_DAYS = 7  # the coming week: a gap in it is a night no one answers
# the sources without which "every high finding is planned" cannot be claimed
PLAN_REQUIRED = ("passive-http", "dependency-audit")


@pytest.mark.criterion("routine.update-impact-assessment")
def test_dependency_updates_assess_their_impact(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    golive_config: Config,
    saas_exports: Path | None,
) -> None:
    """Every merged dependency update (dependabot, renovate, label dependencies) fills in
    the PR template's impact section."""
    found = available(lambda: change_sources.pull_texts(golive_env, saas_exports))
    updates = changes.dependency_updates(found.items)
    if not updates:
        golive.not_verified(f"{found.origin}: none of {len(found.items)} merged pull requests "
                            "is a dependency update: nothing to judge")  # fmt: skip
    repo = golive_config.path(golive_env.repo) if golive_env.repo else None
    template = changes.template_text(repo if repo and repo.is_dir() else None)
    evidence.record("dependency updates", len(updates), "pull requests", source=found.origin,
                    pulls=[f"#{p.number} {p.title}" for p in updates[:BASIS_KEPT]])  # fmt: skip
    criterion.expect_no_findings(changes.impact_findings(updates, template),
                                 what="impact sections of the dependency updates")  # fmt: skip


@pytest.mark.criterion("routine.incident-response")
def test_someone_is_on_call_all_week(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """Each configured on-call schedule has someone on call at every moment of the coming
    week (the final layer, overrides applied)."""
    now = datetime.now(UTC).replace(microsecond=0)
    end = now + timedelta(days=ONCALL_DAYS)
    found = available(lambda: change_sources.oncall_schedules(golive_env, saas_exports, now,
                                                              ONCALL_DAYS))  # fmt: skip
    evidence.record("on-call schedules", len(found.items), "schedules", source=found.origin,
                    window=f"{now.isoformat()} – {end.isoformat()}",
                    covered_hours={s.name: round(oncall.covered_hours(s, now, end), 1)
                                   for s in found.items})  # fmt: skip
    criterion.expect_no_findings(
        oncall.gap_findings(found.items, now, end),
        what=f"on-call coverage of the next {ONCALL_DAYS} days",
    )


@pytest.mark.criterion("routine.risk-assessment")
def test_risk_register_covers_the_accepted_risks(
    criterion: CriterionContext, evidence: Evidence, repo_path: Path, golive_config: Config
) -> None:
    """The repository's risk register names every waiver of the run with an owner and a
    treatment, and no row is past its review date."""
    register = risks.find_register(repo_path)
    waived = [w.criterion for w in load_waivers(golive_config)]
    evidence.record("waivers of the run", len(waived), "waivers", criteria=sorted(waived),
                    register=register.relative if register else None)  # fmt: skip
    criterion.expect_no_findings(
        risks.register_findings(register, waived, date.today()), what="risk register"
    )


@pytest.mark.criterion("routine.security-improvement-plan")
def test_every_high_finding_has_a_plan_issue(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
    security_inputs: RunInputs,
) -> None:
    """Each high or critical finding of the run's security sources is named by an issue
    with the team's security label (not closed while it remains); open plan issues have an
    assignee and a dated milestone that is not past."""
    found = available(lambda: change_sources.plan_issues(golive_env, saas_exports))
    results = collect(security_inputs)
    planned = security_plan.to_plan(findings_of(results))
    evidence.record("high and critical findings", len(planned), "keys", source=found.origin,
                    keys={k: len(v) for k, v in sorted(planned.items())},
                    issues=[f"#{i.issue.number} {i.issue.state} {i.issue.title}"
                            for i in found.items[:BASIS_KEPT]])  # fmt: skip
    criterion.expect_no_findings(
        security_plan.plan_findings(findings_of(results), found.items, datetime.now(UTC)),
        what="security improvement plan",
    )
    missing = [f"{r.source}: {r.reason}" for r in results
               if r.source in PLAN_REQUIRED and not r.verified]  # fmt: skip
    if missing:
        golive.not_verified("cannot claim every high finding is planned: " + "; ".join(missing))
