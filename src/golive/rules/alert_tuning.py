"""Alerts that need their thresholds tuned (週次 監視ダッシュボード確認 → 閾値調整): the
monitors that fired more often in the review window than the catalog allows, and those
whose alerts on-call marked false in that window. Facts: triaged alert events
(:mod:`golive.facts.saas.datadog`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from golive.catalog import Threshold
from golive.facts.saas.datadog import Alert
from golive.judging.findings import Finding

__all__ = ["WINDOW", "Tuning", "tuning"]

WINDOW = timedelta(days=7)  # the weekly review looks back one week


@dataclass
class Tuning:
    window_start: datetime
    alerts: int  # alerts in the window
    per_monitor: dict[str, int] = field(default_factory=dict)
    false_positives: dict[str, int] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def most(self) -> int:
        return max(self.per_monitor.values(), default=0)


def _monitor(alert: Alert) -> str:
    if alert.monitor_id is not None:
        return f"monitor:{alert.monitor_id}"
    return f"alert:{alert.title}"


def tuning(alerts: Sequence[Alert], now: datetime, limit: Threshold) -> Tuning:
    """Alerts of the last :data:`WINDOW` per monitor; a monitor whose count misses
    ``limit`` (alerts per monitor per window) or that raised a false alert needs tuning."""
    since = now - WINDOW
    recent = [a for a in alerts if a.at is not None and since <= a.at <= now]
    fired = Counter(_monitor(a) for a in recent)
    false = Counter(_monitor(a) for a in recent if a.false_positive)
    result = Tuning(since, len(recent), dict(fired), dict(false))
    titles = {_monitor(a): a.title for a in recent}
    for monitor, count in sorted(fired.items()):
        if not limit.met_by(count):
            result.findings.append(Finding(monitor, None, f"fired {count} times in "
                                           f"{WINDOW.days} days (limit {limit}): "
                                           f"{titles[monitor]}"))  # fmt: skip
    for monitor, count in sorted(false.items()):
        result.findings.append(Finding(monitor, None, f"{count} false alert(s) in "
                                       f"{WINDOW.days} days: {titles[monitor]}"))  # fmt: skip
    return result
