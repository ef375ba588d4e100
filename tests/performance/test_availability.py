"""perf.availability from where availability is measured: the monitoring's uptime over the
window (CloudWatch Synthetics canaries and Route 53 health checks through the AWS API,
Datadog SLO histories through its API or an export). A load run's success ratio is
"availability under load", recorded with perf.error-rate, never this criterion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from botocore.exceptions import BotoCoreError, ClientError

import golive
from golive import CriterionContext, Evidence
from golive._errors import NotVerified
from golive.config import Environment
from golive.facts.live.uptime import MIN_COVERAGE, WINDOW_DAYS, UptimeReading, cloudwatch_uptime
from golive.facts.saas import sources
from golive.rules.uptime import judge_uptime, slo_readings


@pytest.mark.criterion("perf.availability")
def test_availability_from_monitoring(
    criterion: CriterionContext,
    evidence: Evidence,
    golive_env: Environment,
    request: pytest.FixtureRequest,
) -> None:
    """The lowest uptime among the monitored checks over the last 30 days."""
    end = dt.datetime.now(dt.UTC)
    readings: list[UptimeReading] = []
    unread: list[str] = []
    try:
        make = request.getfixturevalue("aws_client")
        readings += cloudwatch_uptime(make("cloudwatch"), end, WINDOW_DAYS)
    except NotVerified as exc:
        unread.append(f"CloudWatch: {exc}")
    except (BotoCoreError, ClientError) as exc:  # an account that cannot be read: a reason
        unread.append(f"CloudWatch: {type(exc).__name__}: {str(exc)[:200]}")
    start = end - dt.timedelta(days=WINDOW_DAYS)
    try:
        exports: Path | None = request.getfixturevalue("saas_exports")
        slos = sources.slo_histories(golive_env, exports, int(start.timestamp()),
                                     int(end.timestamp()))  # fmt: skip
        readings += slo_readings(slos.items, WINDOW_DAYS)
    except (NotVerified, sources.SourceUnavailable) as exc:
        unread.append(f"Datadog: {exc}")
    judgement = judge_uptime(readings)
    evidence.record("uptime sources", len(readings), "checks", window_days=WINDOW_DAYS,
                    readings=[r.describe() for r in readings], not_read=unread)  # fmt: skip
    worst = judgement.worst
    if worst is None:
        partial = [f"{r.source} ({r.coverage:.0%} of the window)" for r in judgement.partial]
        why = (f"too little data (under {MIN_COVERAGE:.0%} of the window): {', '.join(partial)}"
               if partial else "no canary, health check or SLO has data")  # fmt: skip
        golive.not_verified(f"no uptime measured over {WINDOW_DAYS} days: "
                            + "; ".join([*unread, why]))  # fmt: skip
    criterion.expect(worst.percent, name=f"uptime of {worst.source} over {WINDOW_DAYS} d", unit="%")
