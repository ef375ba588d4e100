"""Database load probes (psycopg, threads): connections held at once, a sustained query load.

Probes return facts; the checks in tests/database/ judge them against the catalog.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import psycopg

from golive.facts.load.plan import LoadError
from golive.facts.load.result import Latency
from golive.facts.load.samples import Accumulator

__all__ = [
    "DEFAULT_QUERY",
    "ConcurrencyResult",
    "DbLoadResult",
    "db_load",
    "hold_connections",
]

MAX_CONNECTIONS = 1000
MAX_DB_SECONDS = 600
# A read that touches real pages of the system catalog: present on every PostgreSQL.
DEFAULT_QUERY = (
    "SELECT count(*) FROM pg_catalog.pg_attribute a"
    " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
)
_LOCK_WAITS = (
    "SELECT count(*) FILTER (WHERE application_name = %s),"
    " count(*) FROM pg_catalog.pg_stat_activity WHERE wait_event_type = 'Lock'"
)


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[-1] if text else ''}"[:200]


def _connect(dsn: str, app: str) -> tuple[psycopg.Connection[tuple[Any, ...]], int]:
    started = time.perf_counter_ns()
    conn = psycopg.connect(dsn, connect_timeout=10, autocommit=True, application_name=app)
    return conn, (time.perf_counter_ns() - started) // 1000


@dataclass
class ConcurrencyResult:
    requested: int
    held: int = 0  # connections open at the same moment whose query succeeded
    connect: Latency | None = None
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def hold_connections(dsn: str, count: int, *, hold_timeout_s: float = 60.0) -> ConcurrencyResult:
    """Open ``count`` connections at once, hold them all, query each, then close them."""
    if not 1 <= count <= MAX_CONNECTIONS:
        raise LoadError(f"{count} connections outside 1..{MAX_CONNECTIONS}")
    barrier = threading.Barrier(count, timeout=hold_timeout_s)
    lock = threading.Lock()
    times, errors, pids = Accumulator(), Counter[str](), set[int]()
    app = f"golive-concurrency-{os.getpid()}"

    broken = threading.Event()

    def wait() -> None:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            broken.set()  # someone never arrived: the connections were not all held at once

    def one() -> None:
        conn = None
        try:
            conn, us = _connect(dsn, app)
            with lock:
                times.add(us)
        except psycopg.Error as exc:
            with lock:
                errors[_error_text(exc)] += 1
        wait()  # every connection is open (or has failed) before any query
        try:
            if conn is not None:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
                if row is not None:
                    with lock:
                        pids.add(int(row[0]))
        except psycopg.Error as exc:
            with lock:
                errors[_error_text(exc)] += 1
        wait()  # and still open while the others query
        if conn is not None:
            conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count, thread_name_prefix="golive-db") as pool:
        for future in [pool.submit(one) for _ in range(count)]:
            future.result()
    return ConcurrencyResult(
        requested=count,
        held=0 if broken.is_set() else len(pids),
        connect=times.latency() if times.count else None,
        errors=dict(errors),
        seconds=round(time.perf_counter() - started, 3),
    )


@dataclass
class DbLoadResult:
    workers: int
    seconds: float
    query: str
    connected: int = 0
    queries: int = 0
    failed_queries: int = 0
    latency: Latency | None = None
    lock_waits_ours_max: int = 0  # our sessions seen waiting on a lock at once
    lock_waits_all_max: int = 0  # any session of the database waiting on a lock at once
    lock_samples: int = 0  # times pg_stat_activity was read during the run
    monitor_error: str | None = None
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def qps(self) -> float:
        return self.queries / self.seconds if self.seconds else 0.0


def connect_load_worker(
    dsn: str, app: str, lock: threading.Lock, result: DbLoadResult, errors: Counter[str]
) -> psycopg.Connection[tuple[Any, ...]] | None:
    """A load thread's connection, counted in ``result``; None (error tallied) if refused."""
    try:
        conn, _us = _connect(dsn, app)
    except psycopg.Error as exc:
        with lock:
            errors[_error_text(exc)] += 1
        return None
    with lock:
        result.connected += 1
    return conn


def count_failed_query(
    lock: threading.Lock, result: DbLoadResult, errors: Counter[str], exc: psycopg.Error
) -> None:
    """Tally one failed statement of a load thread (``errors`` by message)."""
    with lock:
        result.failed_queries += 1
        errors[_error_text(exc)] += 1


def db_load(dsn: str, workers: int, seconds: float, query: str = DEFAULT_QUERY) -> DbLoadResult:
    """``workers`` connections each running ``query`` back to back for ``seconds``."""
    if not 1 <= workers <= MAX_CONNECTIONS:
        raise LoadError(f"{workers} database workers outside 1..{MAX_CONNECTIONS}")
    if not 0 < seconds <= MAX_DB_SECONDS:
        raise LoadError(f"database load of {seconds}s outside (0, {MAX_DB_SECONDS}]")
    app = f"golive-db-load-{os.getpid()}"
    result = DbLoadResult(workers=workers, seconds=seconds, query=query)
    lock, times, errors = threading.Lock(), Accumulator(), Counter[str]()
    done = threading.Event()

    def worker() -> None:
        conn = connect_load_worker(dsn, app, lock, result, errors)
        if conn is None:
            return
        deadline = time.monotonic() + seconds
        with conn:
            while time.monotonic() < deadline:
                started = time.perf_counter_ns()
                try:
                    conn.execute(query).fetchall()
                except psycopg.Error as exc:
                    count_failed_query(lock, result, errors, exc)
                    if conn.closed:
                        return
                    continue
                with lock:
                    result.queries += 1
                    times.add((time.perf_counter_ns() - started) // 1000)

    def monitor() -> None:
        try:
            with psycopg.connect(dsn, connect_timeout=10, autocommit=True) as conn:
                while not done.wait(0.5):
                    row = conn.execute(_LOCK_WAITS, (app,)).fetchone()
                    if row:
                        ours, all_ = int(row[0]), int(row[1])
                        result.lock_waits_ours_max = max(result.lock_waits_ours_max, ours)
                        result.lock_waits_all_max = max(result.lock_waits_all_max, all_)
                        result.lock_samples += 1
        except psycopg.Error as exc:
            result.monitor_error = _error_text(exc)

    watcher = threading.Thread(target=monitor, name="golive-dbload-locks", daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="golive-dbload") as pool:
        for future in [pool.submit(worker) for _ in range(workers)]:
            future.result()
    done.set()
    watcher.join(timeout=5)
    result.latency = times.latency() if times.count else None
    result.errors = dict(errors)
    return result
