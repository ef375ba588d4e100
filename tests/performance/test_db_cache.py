"""Performance: the database cache (Week 3 Day 3-4 キャッシュ戦略の実装 →
データベースキャッシュの設定).

Judged from the server's own counters: the share of block accesses that PostgreSQL served
from its shared buffers since its statistics were last reset. A low ratio means the working
set does not fit the configured cache (shared_buffers) and reads go to the disk.
"""

from __future__ import annotations

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.facts.live import pg_cache
from golive.facts.live.postgres import DatabaseUnreachable

# Below this many block accesses the ratio says more about a cold start than about the
# cache: too little to judge, so not verified.
MIN_ACCESSES = 1000


@pytest.mark.criterion("perf.db-cache")
def test_buffer_cache_hit_ratio(
    criterion: CriterionContext, evidence: Evidence, database_dsn: str
) -> None:
    """blks_hit / (blks_hit + blks_read) of the application's database (pg_stat_database)
    meets the catalog's ratio."""
    try:
        cache = pg_cache.buffer_cache(database_dsn)
    except DatabaseUnreachable as exc:
        golive.not_verified(f"database not reachable: {exc}")
    evidence.record("block accesses", cache.accesses, "blocks", database=cache.database,
                    blocks_hit=cache.blocks_hit, blocks_read=cache.blocks_read,
                    shared_buffers=cache.shared_buffers, since=cache.stats_reset)  # fmt: skip
    ratio = cache.hit_percent
    if ratio is None or cache.accesses < MIN_ACCESSES:
        golive.not_verified(f"only {cache.accesses} block accesses counted in {cache.database} "
                            f"(fewer than {MIN_ACCESSES}): too little use to judge the cache")
    criterion.expect(ratio, name="buffer cache hit ratio", unit="%")
