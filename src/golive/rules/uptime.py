"""Which uptime readings measure the availability window, and which one the plan is judged by."""

from __future__ import annotations

from dataclasses import dataclass, field

from golive.facts.live.uptime import MIN_COVERAGE, UptimeReading
from golive.facts.saas.datadog import SloHistory

__all__ = ["UptimeJudgement", "judge_uptime", "slo_readings"]


def slo_readings(histories: list[SloHistory], window_days: float) -> list[UptimeReading]:
    """Datadog SLO histories as readings; a history with no SLI value is left out."""
    return [
        UptimeReading(
            source=f"Datadog SLO {h.name} ({h.slo_id})",
            percent=h.sli_percent,
            coverage=min(1.0, h.days / window_days) if window_days else 0.0,
            samples=0,
        )
        for h in histories
        if h.sli_percent is not None
    ]


@dataclass
class UptimeJudgement:
    measured: list[UptimeReading] = field(default_factory=list)  # cover enough of the window
    partial: list[UptimeReading] = field(default_factory=list)  # too little data to count

    @property
    def worst(self) -> UptimeReading | None:
        """The lowest uptime among the measuring sources: the service is only as available
        as its least available monitored check."""
        return min(self.measured, key=lambda r: r.percent, default=None)


def judge_uptime(readings: list[UptimeReading]) -> UptimeJudgement:
    judgement = UptimeJudgement()
    for reading in readings:
        (judgement.measured if reading.coverage >= MIN_COVERAGE else judgement.partial).append(
            reading
        )
    return judgement
