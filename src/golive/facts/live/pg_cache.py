"""PostgreSQL's buffer cache as the server counts it: blocks found in shared buffers
(``blks_hit``) against blocks read from outside them (``blks_read``), for the
application's database, since the server's statistics were last reset.

A fact only: the hit ratio is judged by the check against the catalog's threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from golive.facts.live.postgres import connect

__all__ = ["BufferCache", "buffer_cache"]


@dataclass(frozen=True)
class BufferCache:
    database: str
    blocks_hit: int
    blocks_read: int
    shared_buffers: str  # as the server shows it, e.g. "128MB"
    stats_reset: str | None

    @property
    def accesses(self) -> int:
        return self.blocks_hit + self.blocks_read

    @property
    def hit_percent(self) -> float | None:
        """Share of block accesses served from shared buffers; None before any access."""
        if self.accesses == 0:
            return None
        return 100.0 * self.blocks_hit / self.accesses


def buffer_cache(dsn: str) -> BufferCache:
    """The counters of pg_stat_database for the database the DSN names."""
    with connect(dsn) as conn:
        row = conn.execute(
            "SELECT datname, blks_hit, blks_read, stats_reset::text,"
            " current_setting('shared_buffers')"
            " FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    if row is None:  # pg_stat_database always has a row for an existing database
        raise LookupError("pg_stat_database has no row for the current database")
    name, hit, read, reset, shared = row
    return BufferCache(str(name), int(hit or 0), int(read or 0), str(shared), reset)
