"""Database under load: connections held at once (db.concurrent-connections) and a
sustained query load at that concurrency (perf.db-load). Both are disruptive: they take
as many connections as the plan says the database must serve.

``GOLIVE_DB_LOAD_WORKERS`` (default: the db.concurrent-connections threshold),
``GOLIVE_DB_LOAD_SECONDS`` (10) and ``GOLIVE_DB_LOAD_QUERY`` (the read of the mix; default a
system-catalog read) size the query load. golive.toml has no field for the team's own
queries yet: the environment variable is the only way to name one.
"""

from __future__ import annotations

import math
import os

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Environment
from golive.facts.load import DEFAULT_QUERY, DbLoadResult, db_load, hold_connections
from golive.facts.load.db_mix import MixLoadResult, ScratchRefused, mixed_load
from golive.harness import ThresholdOf
from golive.rules import database as rules

pytestmark = pytest.mark.xdist_group("load")


@pytest.mark.criterion("db.concurrent-connections")
def test_concurrent_connections(
    criterion: CriterionContext, evidence: Evidence, disruptive: Environment, database_dsn: str
) -> None:
    """Open N connections at once (N from the threshold), hold them, query each."""
    if criterion.threshold is None:
        golive.not_verified("db.concurrent-connections has no threshold to open connections by")
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


def _record(evidence: Evidence, result: DbLoadResult, workers: int) -> None:
    latency = result.latency.model_dump() if result.latency else {}
    evidence.record(
        "queries", result.queries, "queries",
        workers=workers, connected=result.connected, seconds=result.seconds,
        qps=round(result.qps, 1), failed=result.failed_queries, query=result.query, **latency,
    )  # fmt: skip
    if isinstance(result, MixLoadResult):
        evidence.record(
            "statements by kind", sum(result.statements.values()), "statements",
            scratch_table=result.scratch_table, dropped=result.dropped,
            counts=result.statements, hot_rows=result.hot_rows,
            latency={k: v.model_dump() for k, v in result.latency_by_kind.items()},
        )  # fmt: skip
        if not result.dropped:
            evidence.note(f"the scratch table {result.scratch_table} could not be dropped")
    evidence.record(
        "sessions waiting on a lock", result.lock_waits_ours_max, "sessions",
        any_session_max=result.lock_waits_all_max, samples=result.lock_samples,
        ungranted_locks_max=getattr(result, "ungranted_max", None),
        samples_with_waits=getattr(result, "waits_seen", None),
    )  # fmt: skip
    if result.monitor_error:
        evidence.note(f"lock monitor could not read pg_stat_activity: {result.monitor_error}")


@pytest.mark.criterion("perf.db-load")
def test_database_under_query_load(
    criterion: CriterionContext,
    evidence: Evidence,
    disruptive: Environment,
    database_dsn: str,
    threshold_of: ThresholdOf,
) -> None:
    """Reads, INSERTs and UPDATEs of a few hot rows of a scratch table (so sessions queue
    for row locks) at the plan's concurrency: every worker connects, no statement fails
    (lock timeouts, deadlocks), and the p95 of a statement stays within the threshold.
    ``GOLIVE_DB_LOAD_WRITES=0`` keeps the load read-only (then the locks are not verified)."""
    workers = _workers(threshold_of)
    seconds = float(os.environ.get("GOLIVE_DB_LOAD_SECONDS", "10"))
    query = os.environ.get("GOLIVE_DB_LOAD_QUERY", DEFAULT_QUERY)
    unchecked = None
    if os.environ.get("GOLIVE_DB_LOAD_WRITES", "1") == "0":
        unchecked = "GOLIVE_DB_LOAD_WRITES=0: read-only queries, which never wait on a row lock"
    result: DbLoadResult | None = None
    if unchecked is None:
        try:
            result = mixed_load(database_dsn, workers, seconds, query)
        except ScratchRefused as exc:
            unchecked = f"{exc}: read-only queries only, which never wait on a row lock"
    if result is None:
        evidence.note(str(unchecked))
        result = db_load(database_dsn, workers, seconds, query)
    _record(evidence, result, workers)
    problems = rules.db_load_problems(result, workers, seconds, writes=unchecked is None)
    if problems:
        raise AssertionError(problems[0])
    if result.latency is None:
        golive.not_verified("no statement completed: no latency to judge")
    criterion.expect(result.latency.p95_ms, name="statement p95 under load", unit="ms")
    if unchecked is not None:
        golive.not_verified(f"lock contention not checked: {unchecked}")
