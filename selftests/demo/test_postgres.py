"""PostgreSQL: TLS, the sample repository's migrations and seed, row-level security,
connection capacity, role limits, and the broken twin's far-away database."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import psycopg
import pytest

from golive.demo import postgres
from golive.demo.sample_repo import sample_files

from .conftest import RunningStack

pytestmark = pytest.mark.slow


def _cluster(stack: RunningStack) -> postgres.PgCluster:
    pg = stack.state["postgres"]
    return postgres.PgCluster(Path(pg["root"]), int(pg["port"]), Path(pg["bin_dir"]))


def test_app_connects_over_tls_only(good: RunningStack) -> None:
    """Good: TLS with the server verified against the stack's CA; no TLS, no login."""
    assert "sslmode=verify-full" in good.database_url and "sslrootcert=" in good.database_url
    with psycopg.connect(good.database_url) as conn:
        row = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row is not None and row[0] is True and row[1] in {"TLSv1.2", "TLSv1.3"}
    plain = good.database_url.split("?")[0] + "?sslmode=disable"
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(plain, connect_timeout=5).close()


def test_broken_accepts_plaintext(broken: RunningStack) -> None:
    """Broken: sslmode=prefer in the URL and a pg_hba "host" rule: a connection without
    TLS is asked for the password."""
    assert "sslmode=prefer" in broken.database_url
    plain = broken.database_url.split("?")[0] + "?sslmode=disable"
    with psycopg.connect(plain, connect_timeout=10) as conn:
        row = conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
    assert row == (False,)


def test_broken_database_is_far_away(either: RunningStack) -> None:
    """Broken: every connect crosses a relay adding 20 ms each way (about ten round trips)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with psycopg.connect(either.database_url, connect_timeout=10) as conn:
            conn.execute("SELECT 1")
        best = min(best, time.perf_counter() - started)
    pg = either.state["postgres"]
    if either.info.mode == "good":
        assert pg["client_port"] == pg["port"] and best < 0.2
    else:
        assert pg["client_port"] != pg["port"] and best > 0.25


def test_migrations_come_from_the_repository(either: RunningStack) -> None:
    """The ledger holds exactly the repository's migrations (by version); broken: its
    newest migration failed and was left unapplied. Re-applying applies nothing."""
    broken = either.info.mode == "broken"
    files = sample_files("broken" if broken else "good", "supabase/migrations", "*.sql")
    conninfo = _cluster(either).superuser_conninfo()
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT version, name FROM supabase_migrations.schema_migrations ORDER BY version"
        ).fetchall()
    applied = [r[1] for r in rows]
    assert [r[0] for r in rows] == [r[1].split("_", 1)[0] for r in rows]
    if broken:
        assert applied == [f.name for f in files[:-1]]
        assert list(either.state["migrations_failed"]) == [files[-1].name]
        assert "does not exist" in either.state["migrations_failed"][files[-1].name]
    else:
        assert applied == [f.name for f in files] and len(files) == 5
        report = postgres.apply_migrations(conninfo, files)
        assert report.applied == [] and report.skipped == applied


def test_app_role_reads_the_ledger(either: RunningStack) -> None:
    with psycopg.connect(either.database_url) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM supabase_migrations.schema_migrations"
        ).fetchone() or (0,)
    assert count == 5


def test_seed_of_the_repository(either: RunningStack) -> None:
    """Broken: the repository's seed skips the plans unless a setting nobody sets is on."""
    with psycopg.connect(_cluster(either).superuser_conninfo()) as conn:
        counts = postgres.table_row_counts(conn, ["public", "auth"])
    assert counts["auth.users"] == 3 and counts["public.projects"] == 5
    assert counts["public.plans"] == (0 if either.info.mode == "broken" else 3)


def test_row_level_security(either: RunningStack) -> None:
    with psycopg.connect(_cluster(either).superuser_conninfo()) as conn:
        rls = dict(
            conn.execute(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).fetchall()
        )
    assert set(rls) == {"profiles", "projects", "audit_log", "sessions", "plans"}
    if either.info.mode == "good":
        assert all(rls.values())
    else:
        assert [t for t, on in rls.items() if not on] == ["projects"]


def test_anonymous_api_sees_only_public_projects(either: RunningStack) -> None:
    with either.http() as client:
        projects = client.get("/api/projects").json()["projects"]
    visibility = {p["visibility"] for p in projects}
    if either.info.mode == "good":
        assert visibility == {"public"} and len(projects) == 2
    else:
        assert "private" in visibility  # RLS off: private projects leak


def test_hundred_concurrent_connections(either: RunningStack) -> None:
    """Opened ten at a time (the broken twin's connects take a third of a second each)."""
    from concurrent.futures import ThreadPoolExecutor

    def one() -> psycopg.Connection[tuple[object, ...]] | Exception:
        try:
            return psycopg.connect(either.database_url, connect_timeout=10)
        except psycopg.OperationalError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: one(), range(100)))
    conns = [o for o in outcomes if isinstance(o, psycopg.Connection)]
    errors = [str(o) for o in outcomes if isinstance(o, Exception)]
    for conn in conns:
        conn.close()
    if either.info.mode == "good":
        assert errors == [] and len(conns) == 100
    else:
        assert errors and len(conns) < 100
        assert all("too many clients" in e or "reserved" in e for e in errors), errors[:3]


def test_session_limits_on_app_role(either: RunningStack) -> None:
    with psycopg.connect(either.database_url) as conn:
        timeout = conn.execute("SHOW statement_timeout").fetchone()
        idle = conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
        max_conn = conn.execute("SHOW max_connections").fetchone()
    if either.info.mode == "good":
        assert timeout == ("30s",) and idle == ("1min",) and max_conn == ("200",)
    else:
        assert timeout == ("0",) and idle == ("0",) and max_conn == ("50",)


def test_a_port_taken_since_it_was_chosen_moves_the_cluster(tmp_path: Path) -> None:
    """On a busy machine another process can take the port chosen seconds before the
    start: the cluster moves to a fresh port, and the state (both ports) follows."""
    from golive.demo.stack import Stack

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        root = postgres.PgCluster.choose_root(tmp_path)
        cluster = postgres.PgCluster(root, port, postgres.pg_bindir())
        cluster.create()
        pg = {"port": port, "client_port": port}
        try:
            moved, started = Stack._start_postgres(cluster, pg)
            try:
                assert moved.port == pg["port"] == pg["client_port"] == started.port != port
                info = moved.superuser_conninfo("postgres")
                with psycopg.connect(info, connect_timeout=5) as conn:
                    assert conn.execute("SHOW port").fetchone() == (str(moved.port),)
            finally:
                moved.stop(started)
        finally:
            cluster.remove()
