"""A database load that can wait on locks: reads, INSERTs, and UPDATEs of a few hot rows of
a scratch table golive creates (``golive_scratch_*``) and always drops afterwards.

A read of the system catalog never waits on a row lock; concurrent UPDATEs of the same
rows do, so this load shows how the database behaves when sessions queue for locks
(lock_timeout, deadlocks, slow commits). Lock waits are sampled while it runs from
``pg_stat_activity`` (wait_event_type ``Lock``) and ``pg_locks`` (not granted).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from golive.facts.load.database import (
    MAX_CONNECTIONS,
    MAX_DB_SECONDS,
    DbLoadResult,
    connect_load_worker,
    count_failed_query,
)
from golive.facts.load.plan import LoadError
from golive.facts.load.result import Latency
from golive.facts.load.samples import Accumulator

__all__ = [
    "HOT_ROWS",
    "SCRATCH_PREFIX",
    "WRITERS_PER_HOT_ROW",
    "MixLoadResult",
    "ScratchRefused",
    "hot_rows",
    "mixed_load",
]

SCRATCH_PREFIX = "golive_scratch_"
HOT_ROWS = 4  # the fewest hot rows: many writers per row, sessions queue for the locks
WRITERS_PER_HOT_ROW = 5  # about this many workers share a hot row: waits, not a convoy
_KINDS = ("read", "update", "insert")
_SAMPLE = """
SELECT
  (SELECT count(*) FROM pg_catalog.pg_stat_activity
    WHERE wait_event_type = 'Lock' AND application_name = %(app)s),
  (SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock'),
  (SELECT count(*) FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a
     ON a.pid = l.pid WHERE NOT l.granted AND a.application_name = %(app)s)
"""


def hot_rows(workers: int) -> int:
    """Hot rows for ``workers``: contention that grows with the load, the same per row."""
    return max(HOT_ROWS, -(-workers // WRITERS_PER_HOT_ROW))


class ScratchRefused(LoadError):
    """The DSN's role may not create the scratch table (the reason, without the DSN)."""


@dataclass
class MixLoadResult(DbLoadResult):
    scratch_table: str = ""
    hot_rows: int = 0
    statements: dict[str, int] = field(default_factory=dict)  # succeeded, by kind
    latency_by_kind: dict[str, Latency] = field(default_factory=dict)
    ungranted_max: int = 0  # our lock requests seen not granted at once (pg_locks)
    waits_seen: int = 0  # samples in which one of our sessions waited on a lock
    dropped: bool = False


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def _create(dsn: str, name: str, rows: int) -> None:
    table = sql.Identifier(name)
    try:
        with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as conn:
            conn.execute(
                sql.SQL(
                    "CREATE TABLE {} (id bigserial PRIMARY KEY, hot boolean NOT NULL,"
                    " counter bigint NOT NULL DEFAULT 0, note text,"
                    " updated_at timestamptz NOT NULL DEFAULT now())"
                ).format(table)
            )
            conn.execute(
                sql.SQL("INSERT INTO {} (hot) SELECT true FROM generate_series(1, %s)").format(
                    table
                ),
                (rows,),
            )
    except psycopg.Error as exc:
        raise ScratchRefused(
            f"cannot create the scratch table {name}: {_error_text(exc)}"
        ) from None


def _drop(dsn: str, name: str) -> bool:
    try:
        with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(name)))
    except psycopg.Error:
        return False
    return True


def mixed_load(dsn: str, workers: int, seconds: float, read_query: str) -> MixLoadResult:
    """``workers`` connections for ``seconds``, each cycling read → a transaction updating
    a hot row and inserting one → INSERT; the scratch table is created first and dropped
    at the end, even on error.

    Raises :class:`ScratchRefused` when the table cannot be created (nothing ran then)."""
    if not 1 <= workers <= MAX_CONNECTIONS:
        raise LoadError(f"{workers} database workers outside 1..{MAX_CONNECTIONS}")
    if not 0 < seconds <= MAX_DB_SECONDS:
        raise LoadError(f"database load of {seconds}s outside (0, {MAX_DB_SECONDS}]")
    name = f"{SCRATCH_PREFIX}{os.getpid()}_{uuid.uuid4().hex[:8]}"
    app = f"golive-db-mix-{os.getpid()}"
    result = MixLoadResult(workers=workers, seconds=seconds, query=read_query, scratch_table=name,
                           hot_rows=hot_rows(workers))  # fmt: skip
    _create(dsn, name, result.hot_rows)
    try:
        _run(dsn, app, name, result)
    finally:
        result.dropped = _drop(dsn, name)
    return result


def _run(dsn: str, app: str, name: str, result: MixLoadResult) -> None:
    table = sql.Identifier(name)
    statements: dict[str, sql.Composed | sql.SQL] = {
        "read": sql.SQL(result.query),
        "update": sql.SQL(
            "UPDATE {} SET counter = counter + 1, updated_at = now() WHERE id = %s"
        ).format(table),
        "insert": sql.SQL("INSERT INTO {} (hot, note) VALUES (false, %s)").format(table),
    }
    lock = threading.Lock()
    times = {kind: Accumulator() for kind in _KINDS}
    everything, errors, counts = Accumulator(), Counter[str](), Counter[str]()
    done = threading.Event()

    def worker(number: int) -> None:
        conn = connect_load_worker(dsn, app, lock, result, errors)
        if conn is None:
            return
        deadline, turn = time.monotonic() + result.seconds, number
        with conn:
            while time.monotonic() < deadline:
                turn += 1
                kind = _KINDS[turn % len(_KINDS)]
                params: tuple[Any, ...] = ()
                if kind == "update":
                    params = (1 + (turn + number) % result.hot_rows,)
                elif kind == "insert":
                    params = (f"worker {number}",)
                started = time.perf_counter_ns()
                try:
                    if kind == "update":
                        # the row lock is held across a round trip, as an application's
                        # read-modify-write transaction holds it
                        with conn.transaction():
                            conn.execute(statements["update"], params)
                            conn.execute(statements["insert"], (f"worker {number} update",))
                    else:
                        cursor = conn.execute(statements[kind], params or None)
                        if kind == "read":
                            cursor.fetchall()
                except psycopg.Error as exc:
                    count_failed_query(lock, result, errors, exc)
                    if conn.closed:
                        return
                    continue
                elapsed = (time.perf_counter_ns() - started) // 1000
                with lock:
                    result.queries += 1
                    counts[kind] += 1
                    times[kind].add(elapsed)
                    everything.add(elapsed)

    def monitor() -> None:
        try:
            with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as conn:
                while not done.wait(0.05):
                    row = conn.execute(_SAMPLE, {"app": app}).fetchone()
                    if row:
                        ours, any_, ungranted = int(row[0]), int(row[1]), int(row[2])
                        result.lock_waits_ours_max = max(result.lock_waits_ours_max, ours)
                        result.lock_waits_all_max = max(result.lock_waits_all_max, any_)
                        result.ungranted_max = max(result.ungranted_max, ungranted)
                        result.waits_seen += 1 if ours or ungranted else 0
                        result.lock_samples += 1
        except psycopg.Error as exc:
            result.monitor_error = _error_text(exc)

    watcher = threading.Thread(target=monitor, name="golive-dbmix-locks", daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(result.workers, thread_name_prefix="golive-dbmix") as pool:
            for future in [pool.submit(worker, n) for n in range(result.workers)]:
                future.result()
    finally:
        done.set()
        watcher.join(timeout=5)
    result.latency = everything.latency() if everything.count else None
    result.latency_by_kind = {k: a.latency() for k, a in times.items() if a.count}
    result.statements = dict(counts)
    result.errors = dict(errors)
