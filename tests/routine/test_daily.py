"""The daily infrastructure check (定期タスク 日次: インフラ状態チェック, 毎日9:00).

確認項目: service status, resource usage, error logs. アラート条件: the alarms that fire
at CPU 80 %, memory 85 % and error rate 1 % exist, notify someone, and fire at or below
those levels. 報告形式: the Slack notification reaches the channel.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from typing import Any

import psycopg
import pytest

import golive
from golive import CriterionContext, Evidence, Finding
from golive.catalog import Threshold
from golive.config import Environment, resolve_secret
from golive.facts.live import aws, postgres
from golive.facts.live import webhook as notify
from golive.facts.live.health import read_health
from golive.facts.live.hosts import HostFacts
from golive.harness import ThresholdOf
from golive.rules import health, hosts

DAY = dt.timedelta(hours=24)


def _borrowed(criterion: CriterionContext, threshold: Threshold | None) -> CriterionContext:
    """This criterion judged against another criterion's threshold (catalog data)."""
    return CriterionContext(entry=criterion.entry, threshold=threshold,
                            evidence=criterion.evidence)  # fmt: skip


# --- サービス稼働状態 ------------------------------------------------------------------


def _hosts_review(
    request: pytest.FixtureRequest,
    review: Callable[[list[HostFacts]], hosts.HostReview],
    evidence: Evidence,
) -> hosts.HostReview | str:
    """The configured hosts read through testinfra and reviewed; or, noted in the
    evidence, why no host was read (golive.toml names none)."""
    try:
        facts: list[HostFacts] = request.getfixturevalue("host_facts")
    except golive.NotVerified as exc:
        evidence.note(f"hosts not checked: {exc.reason}")
        return exc.reason
    done = review(facts)
    for one in facts:
        evidence.record(f"host {one.name}", "reachable" if one.reachable else "not reachable",
                        backend=one.backend, os=one.os, error=one.error,
                        seconds=one.seconds)  # fmt: skip
    evidence.record("host facts", done.checked, "judged", facts=done.values,
                    findings=[f.as_dict() for f in done.findings],
                    gaps=done.gaps)  # fmt: skip
    for note in done.notes:
        evidence.note(note)
    return done


def _web_up(base_url: str, timeout_s: float) -> tuple[bool, str]:
    """/health answers 200 with a body that says healthy (random bytes with 200 are down),
    within the environment's request_timeout_s."""
    return health.web_up(read_health(base_url, timeout_s=timeout_s))


def _database_up(dsn: str, timeout_s: float) -> tuple[bool, str]:
    started = time.perf_counter()
    target = postgres.describe(dsn)  # user@host:port/db, never the password
    try:  # libpq takes whole seconds, at least 2
        with psycopg.connect(dsn, connect_timeout=max(2, round(timeout_s))) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return False, f"connect {target}: {type(exc).__name__}"
    return True, f"connect {target} + SELECT 1: {(time.perf_counter() - started) * 1000:.0f} ms"


def _receiver_up(url: str, timeout_s: float) -> tuple[bool, str]:
    """The notification webhook answers 2xx (GET: nothing is posted); 4xx is down."""
    return notify.receiver_up(url, timeout=timeout_s)


def _aws_up(make: Callable[[str], Any]) -> tuple[bool, str]:
    try:
        with closing(make("sts")) as sts:
            account = sts.get_caller_identity()["Account"]
    except Exception as exc:  # any failure to answer means the API is not usable
        # botocore's connection errors name the endpoint URL (never a credential)
        return False, f"sts GetCallerIdentity: {type(exc).__name__}: {exc}"[:300]
    return True, f"sts GetCallerIdentity: account {account}"


@pytest.mark.criterion("routine.service-status")
def test_every_service_answers(
    evidence: Evidence, golive_env: Environment, request: pytest.FixtureRequest
) -> None:
    """Every service the environment names answers: the web app's health endpoint, the
    database (connect and query), the AWS API, the notification webhook's host."""
    checks: dict[str, Callable[[], tuple[bool, str]]] = {}
    if golive_env.base_url:
        checks["web"] = lambda: _web_up(str(golive_env.base_url), golive_env.request_timeout_s)
    dsn = resolve_secret(golive_env.database_url)
    if golive_env.database_url and not dsn:
        evidence.note(f"database not checked: {golive_env.database_url} is not set")
    elif dsn:
        checks["database"] = lambda: _database_up(dsn, golive_env.request_timeout_s)
    try:
        make = request.getfixturevalue("aws_client")
    except golive.NotVerified as exc:
        evidence.note(f"AWS not checked: {exc}")
    else:
        checks["aws"] = lambda: _aws_up(make)
    webhook = resolve_secret(golive_env.webhook_url)
    if webhook:
        checks["notifications"] = lambda: _receiver_up(webhook, golive_env.request_timeout_s)
    review = _hosts_review(request, hosts.host_state, evidence)
    if not checks and isinstance(review, str):
        golive.not_verified("the environment names no service (base_url, database_url, AWS, "
                            f"webhook_url) and {review}")  # fmt: skip
    down = []
    for name, check in checks.items():
        up, detail = check()
        evidence.record(name, "up" if up else "down", detail=detail)
        if not up:
            down.append(f"{name} ({detail})")
    if checks:
        evidence.measured = {"value": len(checks) - len(down), "unit": f"of {len(checks)} up",
                             "name": "services up"}  # fmt: skip
    failures = [f"{len(down)} of {len(checks)} services down: {', '.join(down)}"] if down else []
    if not isinstance(review, str):
        failures += [str(f) for f in review.findings]
        if not checks:
            evidence.measured = {"value": review.checked - len(review.findings),
                                 "unit": f"of {review.checked} as required",
                                 "name": "host services, processes, ports"}  # fmt: skip
    if failures:
        raise AssertionError("; ".join(failures))
    if not isinstance(review, str) and (review.gaps or not (review.checked or checks)):
        golive.not_verified(review.reason)


# --- リソース使用率 --------------------------------------------------------------------


def _usage_from_monitoring(make: Callable[[str], Any], evidence: Evidence) -> dict[str, float]:
    measured: dict[str, float] = {}
    end = dt.datetime.now(dt.UTC)
    with closing(make("cloudwatch")) as cw:
        for alarm in aws.list_alarms(cw):
            for kind in {"cpu", "memory"} & alarm.kinds:
                peak = aws.metric_peak(cw, alarm, end - DAY, end)
                if peak is not None and peak > measured.get(kind, -1.0):
                    measured[kind] = peak
                    evidence.record(f"{kind} (CloudWatch, highest period average in 24 h)",
                                    round(peak, 1), "%", metric=alarm.describe())  # fmt: skip
    return measured


@pytest.mark.criterion("routine.resource-usage")
def test_resource_usage_below_alert_levels(
    criterion: CriterionContext,
    evidence: Evidence,
    threshold_of: ThresholdOf,
    request: pytest.FixtureRequest,
) -> None:
    """CPU and memory below the daily alert levels (routine.alert-cpu, routine.alert-memory
    thresholds), disk below each host's level.

    Sources, combined: CloudWatch (the highest period average of the last 24 h of the CPU
    and memory alarms' metrics) and the configured hosts, read through testinfra now
    (/proc/stat over a sample, /proc/meminfo, df). The machine golive runs on is judged
    only when it is configured as a host (local://)."""
    limits = {"cpu": threshold_of("routine.alert-cpu"),
              "memory": threshold_of("routine.alert-memory")}  # fmt: skip
    try:
        measured = _usage_from_monitoring(request.getfixturevalue("aws_client"), evidence)
    except golive.NotVerified as exc:
        measured = {}
        evidence.note(f"CloudWatch not read: {exc.reason}")
    else:
        if not measured:
            evidence.note("no CPU or memory datapoints in CloudWatch for the last 24 h")
    failures = []
    for kind, value in sorted(measured.items()):
        try:
            _borrowed(criterion, limits[kind]).expect(value, name=f"{kind} usage (CloudWatch)")
        except AssertionError as exc:
            failures.append(str(exc))
    review = _hosts_review(
        request,
        lambda facts: hosts.host_usage(facts, request.getfixturevalue("usage_limits")),
        evidence,
    )
    figures = list(measured.values())
    if not isinstance(review, str):
        failures += [str(f) for f in review.findings]
        top = hosts.peak(review)
        if top is not None:
            figures.append(top)
    if figures:
        evidence.measured = {"value": round(max(figures), 1), "unit": "%",
                             "name": "highest of CPU and memory usage"}  # fmt: skip
    if failures:
        raise AssertionError("; ".join(failures))
    if not isinstance(review, str) and review.gaps:
        golive.not_verified(review.reason)  # a configured host could not be read
    if not isinstance(review, str) and review.checked:
        return
    # no host judged: CloudWatch alone must cover both CPU and memory
    if len(measured) < 2:
        missing = sorted({"cpu", "memory"} - set(measured))
        why = review if isinstance(review, str) else review.reason
        golive.not_verified(f"{why}, and CloudWatch has no {' or '.join(missing)} datapoints "
                            "for the last 24 h")  # fmt: skip


# --- エラーログ確認 --------------------------------------------------------------------


@pytest.mark.criterion("routine.error-logs")
def test_error_log_rate(
    criterion: CriterionContext,
    evidence: Evidence,
    threshold_of: ThresholdOf,
    aws_client: Callable[[str], Any],
) -> None:
    """ERROR-level lines of the application log in the last 24 h, grouped by signature;
    their share of all lines must stay below the daily error-rate alert level
    (routine.alert-error-rate)."""
    end = dt.datetime.now(dt.UTC)
    with closing(aws_client("logs")) as logs:
        groups = [g for g in aws.list_log_groups(logs) if g.category == "application"]
        if not groups:
            golive.not_verified("no application log group to review")
        windows = [aws.read_events(logs, g.name, end - DAY, end) for g in groups]
    events = [e for w in windows for e in w.events]
    if not events:
        golive.not_verified(f"no application log events in the last 24 h in "
                            f"{[g.name for g in groups]}: nothing to review")  # fmt: skip
    errors = [e for e in events if aws.is_error_line(e)]
    signatures = Counter(aws.error_signature(e) for e in errors)
    evidence.record("application log lines (24 h)", len(events), "lines",
                    groups=[w.group for w in windows],
                    truncated=[w.group for w in windows if w.truncated])  # fmt: skip
    evidence.record("error lines (24 h)", len(errors), "lines",
                    signatures=[{"signature": s, "count": n}
                                for s, n in signatures.most_common(10)],
                    last=[e.message[:300] for e in errors[-5:]])  # fmt: skip
    if any(w.truncated for w in windows):
        evidence.note("more lines than read: the rate is over the first lines of the window")
    rate = 100.0 * len(errors) / len(events)
    _borrowed(criterion, threshold_of("routine.alert-error-rate")).expect(
        rate, name="error lines in the application log (24 h)"
    )


# --- アラート条件 ----------------------------------------------------------------------


def _firing_level(alarm: aws.Alarm, kind: str) -> float | None:
    if kind == "error-rate":
        return aws.error_rate_percent(alarm)
    return alarm.threshold


@pytest.mark.parametrize(
    "kind",
    [pytest.param(kind, id=kind, marks=pytest.mark.criterion(cid))
     for kind, cid in (
         ("cpu", "routine.alert-cpu"),
         ("memory", "routine.alert-memory"),
         ("error-rate", "routine.alert-error-rate"),
     )],
)  # fmt: skip
def test_alert_condition(
    criterion: CriterionContext, evidence: Evidence, alarms: list[aws.Alarm], kind: str
) -> None:
    """An alarm on this metric notifies someone and fires at or below the plan's level
    (measured: the lowest threshold among the notifying alarms); every alarm on the metric
    notifies (a silent alarm is a false sense of cover)."""
    ours = [a for a in alarms if kind in a.kinds and a.rising]
    evidence.record(f"{kind} alarms", len(ours), "alarms",
                    alarms=[{"alarm": a.describe(), "notifies": a.notifies, "state": a.state}
                            for a in ours])  # fmt: skip
    silent = [Finding(f"cloudwatch:alarm/{a.name}", None, a.why_silent())
              for a in ours if not a.notifies]  # fmt: skip
    levels = {a.name: _firing_level(a, kind) for a in ours if a.notifies}
    known = {name: level for name, level in levels.items() if level is not None}
    if not ours:
        raise AssertionError(f"no alarm on {kind}: nothing fires when it crosses the plan's level")
    if not known:
        raise AssertionError(f"no {kind} alarm notifies anyone: "
                             + "; ".join(str(f) for f in silent))
    name, lowest = min(known.items(), key=lambda item: item[1])
    limit = criterion.threshold
    strict = next(a for a in ours if a.name == name).comparison == "GreaterThanThreshold"
    if strict and limit is not None and lowest >= limit.value:
        raise AssertionError(f"{name} fires only above {lowest}, so not at {limit.value} "
                             f"{limit.unit}")  # fmt: skip
    criterion.expect(lowest, name=f"{name} threshold")
    criterion.expect_no_findings(silent, what=f"{kind} alarms that notify no one")


# --- Slack通知 ------------------------------------------------------------------------


@pytest.fixture
def webhook_url(golive_env: Environment) -> str:
    url = resolve_secret(golive_env.webhook_url)
    if not url:
        golive.not_verified("no webhook_url configured (or its env: variable is unset)")
    return url


@pytest.mark.criterion("routine.slack-notification")
def test_slack_webhook_delivers(evidence: Evidence, webhook_url: str) -> None:
    """A test message posted to the team's incoming webhook is accepted (2xx); a receiver
    that lists what it got (the demo's sink) must also show it."""
    marker = notify.drill_marker("golive-daily")
    message = {"text": f":white_check_mark: golive daily check: notification test ({marker})"}
    result = notify.post_message(webhook_url, message)
    evidence.record(
        "webhook answer",
        result.status,
        "HTTP status",
        receiver=notify.redact(webhook_url),
        seconds=round(result.seconds, 3),
        body=result.body,
        error=result.error,
    )
    evidence.measured = {"value": result.status, "unit": "HTTP status", "name": "webhook answer"}
    if not result.ok:
        raise AssertionError(f"the webhook at {notify.redact(webhook_url)} did not accept the "
                             f"message: {result.error or result.status} {result.body}")
    listed = notify.read_sink(webhook_url)
    if listed is None:
        evidence.note("the receiver does not list what it received (a real Slack webhook): "
                      "its 2xx answer is the confirmation")  # fmt: skip
        return
    recorded = [e for e in listed if e.mentions(marker)]
    evidence.record("recorded by the receiver", len(recorded), "messages")
    if not recorded:
        raise AssertionError("the receiver answered 2xx but does not list the message")
