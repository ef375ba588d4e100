"""The load phase: Locust headless as a subprocess, percentiles from HdrHistogram.

``run_load(plan, host=..., locustfiles=[...], out_dir=...)`` runs the staged load once
and returns a ``LoadResult``; checks judge that result against the catalog. Nothing here
imports Locust: it runs in its own process (``recorder.py`` is loaded by Locust only).
"""

from __future__ import annotations

from golive.facts.load.database import (
    DEFAULT_QUERY,
    ConcurrencyResult,
    DbLoadResult,
    db_load,
    hold_connections,
)
from golive.facts.load.driver import free_port, locust_argv, run_load, write_load_json
from golive.facts.load.plan import (
    CPU_SATURATED,
    LATE_MS,
    LATE_SHARE,
    MAX_LATE_MS,
    PLAN_VARIABLE,
    LoadError,
    LoadPlan,
    check_target,
    configured_plan,
    is_loopback,
    override_variables,
    received_plan,
)
from golive.facts.load.report import locust_artifact, record_load_evidence
from golive.facts.load.result import (
    CacheStats,
    EndpointStats,
    Generator,
    Latency,
    LoadResult,
    SeriesPoint,
)

__all__ = [
    "CPU_SATURATED",
    "DEFAULT_QUERY",
    "LATE_MS",
    "LATE_SHARE",
    "MAX_LATE_MS",
    "PLAN_VARIABLE",
    "CacheStats",
    "ConcurrencyResult",
    "DbLoadResult",
    "EndpointStats",
    "Generator",
    "Latency",
    "LoadError",
    "LoadPlan",
    "LoadResult",
    "SeriesPoint",
    "check_target",
    "configured_plan",
    "db_load",
    "free_port",
    "hold_connections",
    "is_loopback",
    "locust_argv",
    "locust_artifact",
    "override_variables",
    "received_plan",
    "record_load_evidence",
    "run_load",
    "write_load_json",
]
