"""The daily security log review (定期タスク 日次: セキュリティログレビュー, 毎日10:00).

確認項目, over the security log group(s) of the last 24 hours:

- 不正アクセス試行 / 認証失敗ログ: denied requests and failed logins are counted and listed
  by source and account. What is *abnormal* is the environment's own alarm on that metric
  (e.g. ``AuthFailures >= 10 per 300 s``): the review fails when, in any window of the
  alarm's period, the events reached the alarm's threshold: a burst someone must look at.
  Without such an alarm there is no agreed limit, and the review is not verified.
- 設定変更履歴: every configuration change is listed; a change that names no actor, or no
  change reference (``change_ref``/``ticket``: the approved change it belongs to), is
  unexpected and fails the review.

Absence is not a pass: a window without the events a review looks for proves nothing
unless the log source is shown to be live. On a disruptive environment golive writes a
canary event with a unique token to each security log group and reads it back
(golive.facts.live.aws.write_canary): seen, a quiet window passes ("no change in the
window, source proven live"); accepted but never seen, the source swallows events and the
review fails; not disruptive (or not writable), a quiet window is not verified.

アラート条件: a metric filter counts each kind of event in the security log, and an
enabled alarm with an SNS action watches that metric.

Events understood: the applications' JSON lines (``event`` = ``auth_failure``,
``forbidden``, ``config_change``, …; or ``status`` 401/403), CloudTrail records delivered
to CloudWatch Logs, and sshd/PAM text lines.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from typing import Any

import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.catalog import Threshold
from golive.config import Environment
from golive.facts.live import aws

DAY = dt.timedelta(hours=24)


@dataclass
class SecurityLog:
    groups: list[aws.LogGroup]
    lines: int
    events: list[aws.SecurityEvent]
    truncated: list[str]
    # golive's canary events, one per group, written when a review found nothing to read
    canaries: list[aws.Canary] | None = None
    no_canary: str = ""  # why none was written

    def of(self, kind: str) -> list[aws.SecurityEvent]:
        return [e for e in self.events if e.kind == kind]

    def prove_live(self, evidence: Evidence, quiet: str) -> None:
        """A quiet window (``quiet`` says of what) passes only when every group gave
        golive's canary back: not verified without canaries, failed when one vanished."""
        if self.canaries is None:
            golive.not_verified(f"{quiet} and the source could not be proven live"
                                f" ({self.no_canary})")  # fmt: skip
        evidence.record("canary events", sum(c.seen for c in self.canaries), "seen",
                        canaries=[c.__dict__ for c in self.canaries])  # fmt: skip
        unwritten = [c.describe() for c in self.canaries if not c.written]
        if unwritten:
            golive.not_verified(f"{quiet}; {'; '.join(unwritten)}")
        lost = [c.describe() for c in self.canaries if not c.seen]
        if lost:
            raise AssertionError(f"{quiet}, and the source is not live: {'; '.join(lost)}")
        evidence.note(f"{quiet}: source proven live (golive's canary event came back from "
                      f"{[c.group for c in self.canaries]})")  # fmt: skip


def _may_write(env: Environment) -> str:
    """Why golive may not write a canary event (empty when it may)."""
    if not env.disruptive:
        return "the environment is not disruptive: golive writes no canary event"
    if env.production and not os.environ.get("GOLIVE_ALLOW_PRODUCTION"):
        return "a canary event on production needs --allow-production"
    return ""


@pytest.fixture(scope="module")
def security_log(
    aws_client: Callable[[str], Any], log_groups: list[aws.LogGroup], golive_env: Environment
) -> SecurityLog:
    groups = [g for g in log_groups if g.category == "security"]
    if not groups:
        golive.not_verified(f"no security log group to review (groups: "
                            f"{[g.name for g in log_groups]})")  # fmt: skip
    end = dt.datetime.now(dt.UTC)
    with closing(aws_client("logs")) as logs:
        windows = [aws.read_events(logs, g.name, end - DAY, end) for g in groups]
        lines = [e for w in windows for e in w.events]
        events = [s for s in map(aws.security_event, lines) if s is not None]
        log = SecurityLog(groups, len(lines), events, [w.group for w in windows if w.truncated])
        # a review may find nothing to read: prove the source live before saying so
        if not lines or not log.of("config-change"):
            log.no_canary = _may_write(golive_env)
            if not log.no_canary:
                wait = golive_env.log_canary_wait_s
                log.canaries = [aws.write_canary(logs, g.name, bound_s=wait) for g in groups]
    return log


def _require_lines(log: SecurityLog, evidence: Evidence) -> None:
    if not log.lines:
        log.prove_live(evidence, f"the security log ({[g.name for g in log.groups]}) received"
                                 " nothing in the last 24 h")  # fmt: skip


def _top(values: list[str | None], n: int = 10) -> list[dict[str, object]]:
    return [{"value": v or "(unknown)", "count": c} for v, c in Counter(values).most_common(n)]


def _review_burst(
    criterion: CriterionContext,
    evidence: Evidence,
    log: SecurityLog,
    alarms: list[aws.Alarm],
    kind: str,
    what: str,
) -> None:
    _require_lines(log, evidence)
    events = log.of(kind)
    evidence.record(f"{what} (24 h)", len(events), "events",
                    groups=[g.name for g in log.groups], lines_read=log.lines,
                    truncated=log.truncated, by_source=_top([e.source for e in events]),
                    by_account=_top([e.account for e in events]))  # fmt: skip
    limits = [a for a in alarms if kind in a.kinds and a.rising
              and a.threshold is not None and a.period_s]  # fmt: skip
    if not limits:
        golive.not_verified(f"{len(events)} {what} in 24 h, but no alarm on {what} defines how "
                            "many are abnormal")  # fmt: skip
    alarm = min(limits, key=lambda a: (a.threshold or 0.0) / (a.period_s or 1))
    assert alarm.threshold is not None and alarm.period_s is not None
    peak, since = aws.peak_in_window((e.at for e in events), alarm.period_s)
    burst = [e for e in events if since and since <= e.at < since + dt.timedelta(
        seconds=alarm.period_s)]  # fmt: skip
    evidence.record("busiest window", peak, f"events per {alarm.period_s} s",
                    started=since.isoformat() if since else None,
                    sources=_top([e.source for e in burst], 5),
                    accounts=_top([e.account for e in burst], 5),
                    limit_from=alarm.describe())  # fmt: skip
    op = "<=" if alarm.comparison == "GreaterThanThreshold" else "<"
    limit = Threshold(op=op, value=alarm.threshold, unit=f"{what} per {alarm.period_s} s")
    CriterionContext(entry=criterion.entry, threshold=limit, evidence=evidence).expect(
        peak, name=f"{what} in the busiest {alarm.period_s} s (limit: alarm {alarm.name})"
    )


@pytest.mark.criterion("routine.unauthorized-access")
def test_unauthorized_access_attempts(
    criterion: CriterionContext,
    evidence: Evidence,
    security_log: SecurityLog,
    alarms: list[aws.Alarm],
) -> None:
    _review_burst(criterion, evidence, security_log, alarms, "unauthorized", "denied requests")


@pytest.mark.criterion("routine.auth-failure-log")
def test_authentication_failures(
    criterion: CriterionContext,
    evidence: Evidence,
    security_log: SecurityLog,
    alarms: list[aws.Alarm],
) -> None:
    _review_burst(criterion, evidence, security_log, alarms, "auth-failure", "failed logins")


@pytest.mark.criterion("routine.config-change-history")
def test_configuration_changes_attributed(
    criterion: CriterionContext, evidence: Evidence, security_log: SecurityLog
) -> None:
    changes = security_log.of("config-change")
    evidence.record("configuration changes (24 h)", len(changes), "changes", changes=[
        {"at": c.at.isoformat(timespec="seconds"), "actor": c.actor, "target": c.target,
         "change": c.change, "change_ref": c.change_ref} for c in changes])  # fmt: skip
    if not changes:
        # Nothing logged is not "no unexpected change": the trail may not reach the log.
        security_log.prove_live(evidence, f"no change event in the window (24 h) of"
                                          f" {[g.name for g in security_log.groups]}")  # fmt: skip
        return
    findings = []
    for change in changes:
        where = f"{change.target or 'unknown target'} at {change.at.isoformat(timespec='seconds')}"
        if not change.actor:
            findings.append(Finding(where, None, f"change {change.change!r} names no actor"))
        if not change.change_ref:
            findings.append(Finding(where, None, f"change {change.change!r} has no change "
                                                 "reference: not a planned change"))  # fmt: skip
    criterion.expect_no_findings(findings, what="configuration changes of the last 24 h")


# --- アラート条件 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "what"),
    [pytest.param(kind, what, id=kind, marks=pytest.mark.criterion(cid))
     for kind, what, cid in (
         ("unauthorized", "denied requests", "routine.alert-unauthorized-access"),
         ("config-change", "configuration changes", "routine.alert-critical-config-change"),
         ("auth-failure", "failed logins", "routine.alert-auth-failure"),
     )],
)  # fmt: skip
def test_security_alert_wired(
    criterion: CriterionContext,
    evidence: Evidence,
    log_groups: list[aws.LogGroup],
    alarms: list[aws.Alarm],
    kind: str,
    what: str,
) -> None:
    """A metric filter on the security log counts these events, and an enabled alarm with
    an SNS action watches the metric it emits."""
    security = [g for g in log_groups if g.category == "security"]
    filters = [f for g in security for f in g.filters if kind in f.kinds and f.metrics]
    emitted = {(ns, name) for f in filters for ns, name, _ in f.metrics}
    watching = [a for a in alarms if emitted & set(a.metrics)]
    evidence.record("metric filters", len(filters), "filters",
                    filters=[f.describe() for f in filters])  # fmt: skip
    evidence.record("alarms on their metrics", len(watching), "alarms",
                    alarms=[{"alarm": a.describe(), "notifies": a.notifies}
                            for a in watching])  # fmt: skip
    findings: list[Finding] = []
    where = f"logs:{', '.join(g.name for g in security) or 'no security log group'}"
    if not filters:
        orphans = [a.describe() for a in alarms if kind in a.kinds]
        findings.append(Finding(where, None, f"no metric filter counts {what}"
                                + (f"; alarms on a metric nothing emits: {orphans}"
                                   if orphans else "")))  # fmt: skip
    elif not watching:
        findings.append(Finding(where, None, f"no alarm watches {sorted(emitted)}"))
    elif not any(a.notifies for a in watching):
        findings += [Finding(f"cloudwatch:alarm/{a.name}", None, a.why_silent())
                     for a in watching]  # fmt: skip
    criterion.expect_no_findings(findings, what=f"alert on {what}")
