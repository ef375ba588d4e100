"""PostgreSQL: TLS, migrations, row-level security, connection capacity, role limits."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from golive.demo import postgres

from .conftest import RunningStack

pytestmark = pytest.mark.slow


def _cluster(stack: RunningStack) -> postgres.PgCluster:
    pg = stack.state["postgres"]
    return postgres.PgCluster(Path(pg["root"]), int(pg["port"]), Path(pg["bin_dir"]))


def test_app_connects_over_tls_only(good: RunningStack) -> None:
    with psycopg.connect(good.database_url) as conn:
        row = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row is not None and row[0] is True and row[1] in {"TLSv1.2", "TLSv1.3"}
    plain = good.database_url.replace("sslmode=require", "sslmode=disable")
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(plain, connect_timeout=5).close()


def test_migrations_are_idempotent(either: RunningStack) -> None:
    broken = either.info.mode == "broken"
    conninfo = _cluster(either).superuser_conninfo()
    report = postgres.apply_migrations(conninfo, postgres.migration_dirs(broken))
    assert report.applied == []
    assert len(report.skipped) == (6 if broken else 5)
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT name FROM supabase_migrations.schema_migrations ORDER BY version"
        ).fetchall()
    assert [r[0] for r in rows] == report.skipped


def test_row_level_security(either: RunningStack) -> None:
    with psycopg.connect(_cluster(either).superuser_conninfo()) as conn:
        rls = dict(
            conn.execute(
                "SELECT c.relname, c.relrowsecurity FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'"
            ).fetchall()
        )
    assert set(rls) == {"profiles", "projects", "audit_log"}
    if either.info.mode == "good":
        assert all(rls.values())
    else:
        assert rls["projects"] is False and rls["profiles"] and rls["audit_log"]


def test_anonymous_api_sees_only_public_projects(either: RunningStack) -> None:
    with either.http() as client:
        projects = client.get("/api/projects").json()["projects"]
    visibility = {p["visibility"] for p in projects}
    if either.info.mode == "good":
        assert visibility == {"public"} and len(projects) == 2
    else:
        assert "private" in visibility  # RLS off: private projects leak


def test_hundred_concurrent_connections(either: RunningStack) -> None:
    conns: list[psycopg.Connection[tuple[object, ...]]] = []
    error: Exception | None = None
    try:
        for _ in range(100):
            conns.append(psycopg.connect(either.database_url, connect_timeout=5))
    except psycopg.OperationalError as exc:
        error = exc
    finally:
        for conn in conns:
            conn.close()
    if either.info.mode == "good":
        assert error is None and len(conns) == 100
    else:
        assert error is not None
        assert "too many clients" in str(error) or "reserved" in str(error)
        assert len(conns) < 100


def test_session_limits_on_app_role(either: RunningStack) -> None:
    with psycopg.connect(either.database_url) as conn:
        timeout = conn.execute("SHOW statement_timeout").fetchone()
        idle = conn.execute("SHOW idle_in_transaction_session_timeout").fetchone()
        max_conn = conn.execute("SHOW max_connections").fetchone()
    if either.info.mode == "good":
        assert timeout == ("30s",) and idle == ("1min",) and max_conn == ("200",)
    else:
        assert timeout == ("0",) and idle == ("0",) and max_conn == ("50",)
