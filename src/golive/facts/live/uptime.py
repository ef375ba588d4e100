"""Availability where it is measured: the uptime the team's monitoring recorded over a window.

A load run's success ratio says how the service held up for a minute under load; the plan's
99.9 % is about the service over time. Sources, each giving one reading per monitored
check (the criterion judges the lowest, so one bad endpoint cannot hide behind good ones):

- CloudWatch Synthetics canaries: ``CloudWatchSynthetics`` ``SuccessPercent`` per
  ``CanaryName``, averaged over the window weighted by each period's run count;
- Route 53 health checks: ``AWS/Route53`` ``HealthCheckPercentageHealthy`` per
  ``HealthCheckId``;
- Datadog SLOs: ``GET /api/v1/slo/{id}/history`` ``data.overall.sli_value`` (read in
  ``facts.saas.datadog``), or an export of those answers.

A source with datapoints over less than ``MIN_COVERAGE`` of the window is reported with its
coverage; the criterion does not count it as a measurement of the window.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["MIN_COVERAGE", "WINDOW_DAYS", "UptimeReading", "cloudwatch_uptime"]

WINDOW_DAYS = 30  # availability targets are monthly (an SLA month)
MIN_COVERAGE = 0.5  # share of the window a source must have data for to measure it

_SOURCES = (
    # namespace, metric, the dimension naming the check, what to call it
    ("CloudWatchSynthetics", "SuccessPercent", "CanaryName", "Synthetics canary"),
    ("AWS/Route53", "HealthCheckPercentageHealthy", "HealthCheckId", "Route 53 health check"),
)


@dataclass(frozen=True)
class UptimeReading:
    source: str  # "Synthetics canary shop-home", "Datadog SLO api (abc123)"
    percent: float
    coverage: float  # share of the window with data, 0..1
    samples: int  # runs, datapoints or (for an SLO) 0 when the source does not say

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "percent": round(self.percent, 4),
                "coverage": round(self.coverage, 3), "samples": self.samples}  # fmt: skip


def cloudwatch_uptime(cw: Any, end: dt.datetime, days: float = WINDOW_DAYS) -> list[UptimeReading]:
    """One reading per canary and per Route 53 health check that has data in the window."""
    start = end - dt.timedelta(days=days)
    # at most 1440 datapoints per call, a whole number of minutes
    period = 60 * max(5, math.ceil(days * 86400 / 1440 / 60))
    readings = []
    for namespace, metric, dimension, label in _SOURCES:
        for listed in _metrics(cw, namespace, metric):
            dims = listed.get("Dimensions", [])
            name = next((d["Value"] for d in dims if d["Name"] == dimension), None)
            if name is None:
                continue
            points = cw.get_metric_statistics(
                Namespace=namespace, MetricName=metric, Dimensions=dims, StartTime=start,
                EndTime=end, Period=period, Statistics=["Average", "SampleCount"],
            ).get("Datapoints", [])  # fmt: skip
            if not points:
                continue
            weight = sum(float(p.get("SampleCount") or 1) for p in points)
            mean = sum(float(p["Average"]) * float(p.get("SampleCount") or 1) for p in points)
            stamps = [p["Timestamp"].timestamp() for p in points]
            span = max(stamps) - min(stamps) + period  # first to last datapoint
            readings.append(UptimeReading(
                source=f"{label} {name}", percent=mean / weight,
                coverage=min(1.0, span / (days * 86400)), samples=int(weight),
            ))  # fmt: skip
    return readings


def _metrics(cw: Any, namespace: str, metric: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for page in cw.get_paginator("list_metrics").paginate(Namespace=namespace, MetricName=metric):
        found += page.get("Metrics", [])
    return found
