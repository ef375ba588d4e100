"""Database under load: connections held at once (db.concurrent-connections) and a
sustained query load at that concurrency (perf.db-load). Both are disruptive: they take
as many connections as the plan says the database must serve.

``GOLIVE_DB_LOAD_WORKERS`` (default: the db.concurrent-connections threshold),
``GOLIVE_DB_LOAD_SECONDS`` (10) and ``GOLIVE_DB_LOAD_QUERY`` (a system-catalog read) size
the query load.
"""

from __future__ import annotations

import math
import os

import pytest

from golive.config import Environment
from golive.facts.load import DEFAULT_QUERY, DbLoadResult, db_load, hold_connections
from golive.harness import ThresholdOf
from golive.rules import database as rules

pytestmark = pytest.mark.xdist_group("load")


@pytest.mark.criterion("db.concurrent-connections")
def test_concurrent_connections(criterion, evidence, disruptive: Environment, database_dsn: str):
    """Open N connections at once (N from the threshold), hold them, query each."""
    wanted = math.ceil(criterion.threshold.value)
    result = hold_connections(database_dsn, wanted)
    if result.connect is not None:
        evidence.record(
            "connect time with all connecting at once", result.connect.p95_ms, "ms",
            **result.connect.model_dump(),
        )  # fmt: skip
    evidence.record(
        "connections", result.held, "connections",
        requested=wanted, seconds=result.seconds, errors=result.errors,
    )  # fmt: skip
    if result.errors:
        evidence.note(f"refused or failed: {rules.error_summary(result.errors)}")
    criterion.expect(result.held, name="connections held open and queried at once", capped=True)


def _workers(threshold_of: ThresholdOf) -> int:
    configured = os.environ.get("GOLIVE_DB_LOAD_WORKERS")
    if configured:
        return int(configured)
    plan = threshold_of("db.concurrent-connections")
    return math.ceil(plan.value) if plan else 20


@pytest.mark.criterion("perf.db-load")
def test_database_under_query_load(
    evidence, disruptive: Environment, database_dsn: str, threshold_of: ThresholdOf
):
    """Every worker connects and runs its queries without errors or lock waits."""
    workers = _workers(threshold_of)
    seconds = float(os.environ.get("GOLIVE_DB_LOAD_SECONDS", "10"))
    query = os.environ.get("GOLIVE_DB_LOAD_QUERY", DEFAULT_QUERY)
    result: DbLoadResult = db_load(database_dsn, workers, seconds, query)
    latency = result.latency.model_dump() if result.latency else {}
    evidence.record(
        "queries", result.queries, "queries",
        workers=workers, connected=result.connected, seconds=seconds, qps=round(result.qps, 1),
        failed=result.failed_queries, query=query, **latency,
    )  # fmt: skip
    evidence.record(
        "sessions waiting on a lock", result.lock_waits_ours_max, "sessions",
        any_session_max=result.lock_waits_all_max, samples=result.lock_samples,
    )  # fmt: skip
    if result.monitor_error:
        evidence.note(f"lock monitor could not read pg_stat_activity: {result.monitor_error}")
    evidence.measured = {"value": round(result.qps, 1), "unit": "queries/s", "name": "throughput"}
    problems = rules.db_load_problems(result, workers, seconds)
    if problems:
        raise AssertionError(problems[0])
