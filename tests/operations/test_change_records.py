"""What GitHub already records of a release (注意事項: 受け入れテスト実施, セキュリティ
チェックリストの確認, 影響範囲の特定, ステークホルダーへの通知): the check runs of the
release commit, the PR template's sections in the merged pull requests, and the team's
notice issues against the deploy time. The API when ``github_repository`` +
``github_token`` are set, else the exports in ``exports_dir`` (gh-prs.json with bodies,
gh-runs.json, gh-notices.json, vercel-deployments.json; see
:mod:`golive.facts.saas.changes`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Config, Environment
from golive.facts.saas import change_sources, sources
from golive.facts.saas.changes import PullText
from golive.facts.saas.sources import Sourced
from golive.harness.saas import BASIS_KEPT, available
from golive.rules import changes


@pytest.fixture(scope="module")
def pull_texts(golive_env: Environment, saas_exports: Path | None) -> Sourced[PullText]:
    return available(lambda: change_sources.pull_texts(golive_env, saas_exports))


def _template(golive_env: Environment, golive_config: Config) -> str | None:
    repo = golive_config.path(golive_env.repo) if golive_env.repo else None
    return changes.template_text(repo if repo and repo.is_dir() else None)


def _judged(evidence: Evidence, name: str, pulls: list[PullText], origin: str) -> None:
    evidence.record(name, len(pulls), "pull requests", source=origin,
                    pulls=[f"#{p.number} {p.title}" for p in pulls[:BASIS_KEPT]])  # fmt: skip


@pytest.mark.criterion("ops.acceptance-tests")
def test_acceptance_tests_green_on_the_release_commit(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """The newest production release's commit has acceptance tests (e2e, acceptance,
    integration, test) and the latest run of each concluded success."""
    history = available(lambda: sources.deploy_history(golive_env, saas_exports))
    release = changes.release_commit(history.deployments, history.runs)
    if release is None:
        golive.not_verified(f"{history.origin} holds no production release with a commit")
    runs = available(lambda: change_sources.check_runs(golive_env, saas_exports, release.sha))
    latest = changes.acceptance_runs(runs.items)
    evidence.record("release commit", release.sha, None, release=release.origin,
                    released_at=release.at.isoformat(), source=runs.origin)  # fmt: skip
    evidence.record("acceptance test runs", len(latest), "runs", source=runs.origin,
                    runs={n: r.conclusion or r.status
                          for n, r in sorted(latest.items())})  # fmt: skip
    criterion.expect_no_findings(changes.acceptance_findings(runs.items, release),
                                 what=f"acceptance tests of {release.sha[:12]}")  # fmt: skip


@pytest.mark.criterion("ops.security-checklist-review")
def test_security_changes_tick_the_security_checklist(
    criterion: CriterionContext, evidence: Evidence, pull_texts: Sourced[PullText]
) -> None:
    """Every merged pull request labelled as a security change ticks each item of the PR
    template's security checklist."""
    security = changes.security_changes(pull_texts.items)
    if not security:
        golive.not_verified(f"{pull_texts.origin}: none of {len(pull_texts.items)} merged pull "
                            "requests is labelled security: nothing to judge")  # fmt: skip
    _judged(evidence, "security changes", security, pull_texts.origin)
    criterion.expect_no_findings(changes.checklist_findings(security),
                                 what="security checklists of the security changes")  # fmt: skip


@pytest.mark.criterion("ops.impact-identification")
def test_changes_identify_their_impact(
    criterion: CriterionContext,
    evidence: Evidence,
    pull_texts: Sourced[PullText],
    golive_env: Environment,
    golive_config: Config,
) -> None:
    """Every merged pull request fills in the PR template's impact section (not the
    template's placeholder)."""
    if not pull_texts.items:
        golive.not_verified(f"{pull_texts.origin} holds no merged pull request: nothing to judge")
    template = _template(golive_env, golive_config)
    _judged(evidence, "merged pull requests", pull_texts.items, pull_texts.origin)
    evidence.note("placeholder = HTML comments, TBD/N/A, and "
                  + ("the repository's PR template text" if template else
                     "(no PR template found in the repository)"))  # fmt: skip
    criterion.expect_no_findings(changes.impact_findings(pull_texts.items, template),
                                 what="impact sections of the merged pull requests")  # fmt: skip


@pytest.mark.criterion("ops.stakeholder-notice")
def test_stakeholders_were_notified_before_the_release(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    saas_exports: Path | None,
) -> None:
    """A notice issue (label ``notice_label``) is dated after the previous production
    deploy and before the newest one."""
    history = available(lambda: sources.deploy_history(golive_env, saas_exports))
    deploys = changes.production_deploys(history.deployments, history.runs)
    if not deploys:
        golive.not_verified(f"{history.origin} holds no production deploy: nothing to judge")
    found = available(lambda: change_sources.notices(golive_env, saas_exports))
    evidence.record("notices", len(found.items), "issues", source=found.origin,
                    deploy=deploys[0].isoformat(),
                    previous_deploy=deploys[1].isoformat() if len(deploys) > 1 else None,
                    notices={f"#{n.number}": n.created_at.isoformat()
                             for n in found.items[:BASIS_KEPT]})  # fmt: skip
    criterion.expect_no_findings(
        changes.notice_findings(found.items, deploys, golive_env.notice_label),
        what="notice of the newest production deploy",
    )
