"""Marker rows golive writes itself while a drill runs: what the drill did to the data is
measured here, not taken from the drill command's word.

A writer thread inserts one row per tick (``hz``) into a scratch table golive creates
(``golive_drill_markers_<token>``) in the environment's database, each in a transaction
of its own, on one connection that is opened again after any error (a failover drops
connections; a read-only primary refuses writes). With each insert it reads how many
markers the table holds: fewer than golive committed, or no table at all, is the moment
the data was damaged.

- Data loss / RPO: after the recovery the surviving markers are read; the newest one
  written before the damage gives the recovery point, its age at the damage the RPO.
- Failover: from the drill's start to the first committed write after the first failed
  one is the time the database could not be written.

The scratch table is dropped afterwards (``MarkerWriter.drop``).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import psycopg
from psycopg import sql

from golive.facts.live.postgres import describe

__all__ = [
    "MARKER_PREFIX",
    "MarkerRefused",
    "MarkerWriter",
    "RpoOutcome",
    "Write",
    "WriteOutcome",
]

MARKER_PREFIX = "golive_drill_markers_"
CONNECT_TIMEOUT_S = 2  # libpq's smallest useful bound: a dead primary costs one attempt
STATEMENT_TIMEOUT_MS = 1000  # a write that hangs longer is a failed write


class MarkerRefused(Exception):
    """The scratch table could not be created (the reason, without the DSN's secret)."""


def _error_text(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"[:200]


@dataclass(frozen=True)
class Write:
    seq: int
    at: float  # seconds since the writer started (monotonic)
    wall: float  # time.time() when it committed (or failed)
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class WriteOutcome:
    """Failover: how long the database refused writes (plain data, shared by pickle)."""

    table: str
    rate_hz: float
    attempts: int
    failed: int
    first_failure_s: float | None
    recovered_after_s: float | None  # first committed write after the first failure
    seconds: float
    errors: list[str]
    dropped: bool

    @property
    def write_outage_s(self) -> float | None:
        """From the drill's start to the first write after the first failure (0 when no
        write failed); None when writes never succeeded again."""
        if self.first_failure_s is None:
            return 0.0
        return self.recovered_after_s

    def facts(self) -> dict[str, Any]:
        return {**self.__dict__, "write_outage_s": self.write_outage_s}


@dataclass(frozen=True)
class RpoOutcome:
    """Data loss: which of golive's markers survived the recovery."""

    table: str
    rate_hz: float
    written: int
    survived: int
    lost: int
    damaged_after_s: float | None  # when golive first saw markers missing (or no table)
    damage_wall: float | None
    newest_survivor_s: float | None  # written before the damage
    rpo_s: float | None
    table_after: bool  # the table exists after the recovery
    lost_before: dict[str, int]  # lost markers written before a backup point, by point
    seconds: float
    dropped: bool
    errors: list[str] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        return dict(self.__dict__)


class MarkerWriter:
    """``with MarkerWriter(dsn, hz=10) as w: ...`` writes markers until the block ends."""

    def __init__(self, dsn: str, *, hz: float, purpose: str = "drill") -> None:
        self.dsn, self.interval, self.hz = dsn, 1.0 / hz, hz
        self.table = f"{MARKER_PREFIX}{secrets.token_hex(4)}"
        self.purpose = purpose
        self.writes: list[Write] = []
        self.damaged_at: Write | None = None  # the first write that saw markers missing
        self.seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="golive-markers", daemon=True)
        self._started = 0.0
        self._committed = 0
        self.dropped = False
        self.created = False

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        return psycopg.connect(self.dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="golive-markers",
                               options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")  # fmt: skip

    def create(self) -> None:
        if self.created:
            return
        try:
            with self._connect() as conn:
                conn.execute(
                    sql.SQL("CREATE TABLE {} (seq bigint PRIMARY KEY, purpose text NOT NULL,"
                            " written_at timestamptz NOT NULL DEFAULT clock_timestamp())"
                            ).format(sql.Identifier(self.table))
                )  # fmt: skip
        except psycopg.Error as exc:
            raise MarkerRefused(
                f"cannot create golive's marker table {self.table} in {describe(self.dsn)}:"
                f" {_error_text(exc)}"
            ) from None
        self.created = True

    def _write(self, conn: psycopg.Connection[tuple[Any, ...]], seq: int) -> int:
        """Insert marker ``seq``; the number of markers the table held before it."""
        table = sql.Identifier(self.table)
        # one autocommit statement: one round trip, so a distant database keeps the rate
        row = conn.execute(
            sql.SQL("INSERT INTO {} (seq, purpose) VALUES (%s, %s)"
                    " RETURNING (SELECT count(*) FROM {})").format(table, table),
            (seq, self.purpose),
        ).fetchone()  # fmt: skip
        return int(row[0]) if row else 0

    def _run(self) -> None:
        conn: psycopg.Connection[tuple[Any, ...]] | None = None
        seq, next_at = 0, time.perf_counter()
        try:
            while not self._stop.is_set():
                seq += 1
                at = time.perf_counter() - self._started
                try:
                    if conn is None or conn.closed:
                        conn = self._connect()
                    held = self._write(conn, seq)
                    done = Write(seq, round(time.perf_counter() - self._started, 3),
                                 time.time(), True)  # fmt: skip
                    if held < self._committed and self.damaged_at is None:
                        self.damaged_at = done
                    self._committed += 1
                except psycopg.Error as exc:
                    done = Write(seq, round(at, 3), time.time(), False, _error_text(exc))
                    if isinstance(exc, psycopg.errors.UndefinedTable) and self.damaged_at is None:
                        self.damaged_at = done
                    if conn is not None and not isinstance(exc, psycopg.errors.UndefinedTable):
                        conn.close()
                        conn = None
                self.writes.append(done)
                next_at += self.interval
                delay = next_at - time.perf_counter()
                if delay > 0:
                    self._stop.wait(delay)
                else:
                    next_at = time.perf_counter()  # fell behind (a slow connect): no burst
        finally:
            if conn is not None:
                conn.close()

    def __enter__(self) -> MarkerWriter:
        self.create()
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(CONNECT_TIMEOUT_S + STATEMENT_TIMEOUT_MS / 1000 + 5)
        self.seconds = time.perf_counter() - self._started

    def survivors(self) -> set[int] | None:
        """The markers in the table now; None when the table is gone."""
        try:
            with self._connect() as conn:
                rows = conn.execute(
                    sql.SQL("SELECT seq FROM {}").format(sql.Identifier(self.table))
                ).fetchall()
        except psycopg.errors.UndefinedTable:
            return None
        return {int(r[0]) for r in rows}

    def drop(self) -> bool:
        try:
            with self._connect() as conn:
                conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(self.table)))
        except psycopg.Error:
            return False
        self.dropped = True
        return True

    @property
    def rate_hz(self) -> float:
        return round(len(self.writes) / self.seconds, 1) if self.seconds else 0.0

    def errors(self) -> list[str]:
        seen: list[str] = []
        for w in self.writes:
            if w.error and w.error not in seen:
                seen.append(w.error)
        return seen[:5]

    def write_outcome(self) -> WriteOutcome:
        first_fail = next((w for w in self.writes if not w.ok), None)
        recovered = (
            next((w for w in self.writes if w.ok and w.seq > first_fail.seq), None)
            if first_fail
            else None
        )
        return WriteOutcome(
            table=self.table,
            rate_hz=self.rate_hz,
            attempts=len(self.writes),
            failed=sum(1 for w in self.writes if not w.ok),
            first_failure_s=first_fail.at if first_fail else None,
            recovered_after_s=recovered.at if recovered else None,
            seconds=round(self.seconds, 3),
            errors=self.errors(),
            dropped=self.dropped,
        )

    def rpo_outcome(self, backup_points: dict[str, float] | None = None) -> RpoOutcome:
        """Which markers survived (read now), the RPO, and the lost markers written before
        each backup point (wall-clock seconds, as the drill command reported them)."""
        errors = self.errors()
        try:
            found = self.survivors()
        except psycopg.Error as exc:
            found, errors = set(), [*errors, f"reading the markers: {_error_text(exc)}"]
        committed = [w for w in self.writes if w.ok]
        survived = [w for w in committed if found is not None and w.seq in found]
        lost = [w for w in committed if found is None or w.seq not in found]
        damage = self.damaged_at
        if damage is None and lost:
            # never seen damaged (a recovery faster than a tick): the first lost marker
            damage = lost[0]
        before = [w for w in survived if damage is None or w.at < damage.at]
        newest = max(before, key=lambda w: w.at) if before else None
        if damage is None:
            rpo: float | None = 0.0
        elif newest is not None:
            rpo = round(damage.at - newest.at, 3)
        else:
            rpo = None  # nothing written before the damage survived
        lost_before = {
            point: sum(1 for w in lost if w.wall <= wall)
            for point, wall in (backup_points or {}).items()
        }
        return RpoOutcome(
            table=self.table,
            rate_hz=self.rate_hz,
            written=len(committed),
            survived=len(survived),
            lost=len(lost),
            damaged_after_s=damage.at if damage else None,
            damage_wall=damage.wall if damage else None,
            newest_survivor_s=newest.at if newest else None,
            rpo_s=rpo,
            table_after=found is not None,
            lost_before=lost_before,
            seconds=round(self.seconds, 3),
            dropped=self.dropped,
            errors=errors,
        )
