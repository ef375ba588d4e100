"""PostgreSQL facts through the application's own DSN: connect time, TLS, session
settings, connection budget, migration ledger, table sizes and row-level security.

Every function opens its own short-lived connection(s) and closes them. Errors are
raised as :class:`DatabaseUnreachable` (connection) or psycopg errors (queries).
The DSN and its password are never put into a message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from hdrh.histogram import HdrHistogram
from psycopg import conninfo, sql

from golive._errors import GoliveError

__all__ = [
    "ConnectTimes",
    "ConnectionBudget",
    "Database",
    "DatabaseUnreachable",
    "Ledger",
    "PlaintextAttempt",
    "RlsTable",
    "Setting",
    "TlsFacts",
    "connect",
    "connection_budget",
    "describe",
    "measure_connect",
    "migration_ledger",
    "rls_tables",
    "session_settings",
    "table_rows",
    "tls_facts",
]

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
API_ROLES = ("anon", "authenticated")  # Supabase's PostgREST roles
_LEDGER_NAMES = ("schema_migrations",)


class DatabaseUnreachable(GoliveError):
    """The database could not be reached with the configured DSN (reason scrubbed)."""


@dataclass(frozen=True)
class Database:
    """A DSN that never shows itself: its repr and str name only ``user@host:port/db``
    (pytest prints a failing check's arguments)."""

    dsn: str = field(repr=False)

    def __str__(self) -> str:
        return describe(self.dsn)

    def __repr__(self) -> str:
        return f"Database({describe(self.dsn)})"


def describe(dsn: str) -> str:
    """``user@host:port/db (sslmode=…)``: how to name the target without its secret."""
    params = conninfo.conninfo_to_dict(dsn)
    where = f"{params.get('user', '?')}@{params.get('host', '?')}:{params.get('port', 5432)}"
    return f"{where}/{params.get('dbname', '?')} (sslmode={params.get('sslmode', 'prefer')})"


def _scrub(dsn: str, text: str) -> str:
    password = conninfo.conninfo_to_dict(dsn).get("password")
    return text.replace(str(password), "***") if password else text


@contextmanager
def connect(dsn: str, **overrides: Any) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """One autocommit connection; a failure to connect raises DatabaseUnreachable."""
    params: dict[str, Any] = {"connect_timeout": 10, **overrides}
    try:
        conn = psycopg.connect(dsn, autocommit=True, **params)
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(f"{describe(dsn)}: {_scrub(dsn, str(exc)).strip()}") from None
    with conn:
        yield conn


# --- connect time -------------------------------------------------------------------------
@dataclass(frozen=True)
class ConnectTimes:
    samples_ms: list[float]
    p50_ms: float
    p95_ms: float
    max_ms: float


def measure_connect(dsn: str, count: int = 20) -> ConnectTimes:
    """Open ``count`` sequential connections (TLS and authentication included) and close
    each; the first, which warms caches, is measured like the others."""
    hist = HdrHistogram(1, 60_000_000, 3)  # microseconds, up to one minute
    samples: list[float] = []
    for _ in range(count):
        t0 = time.perf_counter()
        with connect(dsn) as conn:
            conn.execute("SELECT 1")
            elapsed = time.perf_counter() - t0
        micros = max(1, round(elapsed * 1_000_000))
        hist.record_value(micros)
        samples.append(round(micros / 1000, 3))
    return ConnectTimes(
        samples_ms=samples,
        p50_ms=hist.get_value_at_percentile(50) / 1000,
        p95_ms=hist.get_value_at_percentile(95) / 1000,
        max_ms=hist.get_max_value() / 1000,
    )


# --- TLS ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaintextAttempt:
    """What the server did with a connection attempt without TLS (no credential sent)."""

    accepted: bool | None  # None: inconclusive (the attempt failed for another reason)
    detail: str


@dataclass(frozen=True)
class TlsFacts:
    dsn_sslmode: str
    in_use: bool
    protocol: str | None
    cipher: str | None
    server_ssl: str
    min_protocol: str | None
    plaintext: PlaintextAttempt


_REFUSED = re.compile(r"no encryption|pg_hba\.conf rejects|SSL required|SSL connection is required",
                      re.I)  # fmt: skip
_ASKED_FOR_AUTH = re.compile(r"authentication method requirement|server requested", re.I)


def try_plaintext(dsn: str) -> PlaintextAttempt:
    """Connect with ``sslmode=disable`` and ``require_auth=none``: libpq aborts as soon as
    the server asks for a password, so no credential ever crosses the wire in clear."""
    try:
        with connect(dsn, sslmode="disable", require_auth="none", connect_timeout=5):
            return PlaintextAttempt(True, "connected without TLS and without authentication")
    except DatabaseUnreachable as exc:
        text = str(exc)
    if _ASKED_FOR_AUTH.search(text):
        return PlaintextAttempt(True, "the server accepted a connection without TLS "
                                      "and asked for authentication")  # fmt: skip
    if _REFUSED.search(text):
        return PlaintextAttempt(False, "the server refused a connection without TLS")
    return PlaintextAttempt(None, f"inconclusive: {text.split(': ', 1)[-1][:200]}")


def tls_facts(dsn: str) -> TlsFacts:
    sslmode = str(conninfo.conninfo_to_dict(dsn).get("sslmode", "prefer"))
    with connect(dsn) as conn:
        row = conn.execute(
            "SELECT ssl, version, cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
        server_ssl = str(conn.execute("SHOW ssl").fetchone()[0])  # type: ignore[index]
        min_row = conn.execute(
            "SELECT setting FROM pg_settings WHERE name = 'ssl_min_protocol_version'"
        ).fetchone()
    in_use, protocol, cipher = (bool(row[0]), row[1], row[2]) if row else (False, None, None)
    return TlsFacts(
        dsn_sslmode=sslmode,
        in_use=in_use,
        protocol=protocol,
        cipher=cipher,
        server_ssl=server_ssl,
        min_protocol=str(min_row[0]) if min_row else None,
        plaintext=try_plaintext(dsn),
    )


# --- settings -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Setting:
    name: str
    setting: str
    unit: str | None
    source: str

    @property
    def is_zero(self) -> bool:
        return self.setting in ("0", "", "off")

    def __str__(self) -> str:
        return f"{self.setting}{self.unit or ''} ({self.source})"


def session_settings(dsn: str, names: Sequence[str]) -> dict[str, Setting]:
    """Settings as the application's sessions get them (role and database defaults applied)."""
    with connect(dsn) as conn:
        rows = conn.execute(
            "SELECT name, setting, unit, source FROM pg_settings WHERE name = ANY(%s)",
            (list(names),),
        ).fetchall()
    return {str(r[0]): Setting(str(r[0]), str(r[1]), r[2], str(r[3])) for r in rows}


@dataclass(frozen=True)
class ConnectionBudget:
    """Connections the application's role can actually open at once."""

    max_connections: int
    reserved: int  # superuser_reserved_connections (+ reserved_connections, PG16+)
    role_limit: int | None  # pg_roles.rolconnlimit, None = unlimited
    database_limit: int | None  # pg_database.datconnlimit, None = unlimited

    @property
    def available(self) -> int:
        limits = [self.max_connections - self.reserved]
        limits += [x for x in (self.role_limit, self.database_limit) if x is not None]
        return min(limits)


def connection_budget(dsn: str) -> ConnectionBudget:
    with connect(dsn) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('max_connections', 'superuser_reserved_connections', 'reserved_connections')"
            ).fetchall()
        )
        role = conn.execute(
            "SELECT rolconnlimit FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        database = conn.execute(
            "SELECT datconnlimit FROM pg_database WHERE datname = current_database()"
        ).fetchone()

    def limit(row: tuple[Any, ...] | None) -> int | None:
        return None if row is None or int(row[0]) < 0 else int(row[0])

    reserved = int(settings.get("superuser_reserved_connections", 0))
    reserved += int(settings.get("reserved_connections", 0))
    return ConnectionBudget(
        int(settings["max_connections"]), reserved, limit(role), limit(database)
    )


# --- migrations ---------------------------------------------------------------------------
@dataclass
class Ledger:
    """The migration ledger table (``schema_migrations``) as the application role sees it."""

    table: str | None
    readable: bool = False
    versions: list[str] = field(default_factory=list)
    dirty: list[str] = field(default_factory=list)
    problem: str | None = None


def migration_ledger(dsn: str) -> Ledger:
    """Find ``<schema>.schema_migrations`` (Supabase keeps it in ``supabase_migrations``;
    Rails, golang-migrate and others in ``public``) and read its versions."""
    with connect(dsn) as conn:
        found = conn.execute(
            "SELECT n.nspname, c.relname, c.oid FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(%s)"
            " ORDER BY n.nspname <> 'supabase_migrations', n.nspname",
            (list(_LEDGER_NAMES),),
        ).fetchall()
        if not found:
            return Ledger(None, problem="no schema_migrations table in any schema")
        schema, name, oid = str(found[0][0]), str(found[0][1]), found[0][2]
        ledger = Ledger(f"{schema}.{name}")
        columns = {
            str(r[0])
            for r in conn.execute(
                "SELECT attname FROM pg_attribute WHERE attrelid = %s"
                " AND attnum > 0 AND NOT attisdropped",
                (oid,),
            )
        }
        if "version" not in columns:
            ledger.problem = f"{ledger.table} has no version column"
            return ledger
        dirty = sql.SQL(", dirty") if "dirty" in columns else sql.SQL(", false")
        try:
            rows = conn.execute(
                sql.SQL("SELECT version::text{} FROM {} ORDER BY 1").format(
                    dirty, sql.Identifier(schema, name)
                )
            ).fetchall()
        except psycopg.errors.InsufficientPrivilege:
            ledger.problem = f"the application role may not read {ledger.table}"
            return ledger
    ledger.readable = True
    ledger.versions = [str(r[0]) for r in rows]
    ledger.dirty = [str(r[0]) for r in rows if r[1]]
    return ledger


# --- tables -------------------------------------------------------------------------------
def table_rows(dsn: str, schemas: Sequence[str]) -> dict[str, int]:
    """Estimated live rows of every table in ``schemas`` from the statistics views, which
    every role may read and which row-level security does not hide."""
    with connect(dsn) as conn:
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname,"
            " greatest(coalesce(s.n_live_tup, 0), c.reltuples::bigint, 0)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_stat_all_tables s ON s.relid = c.oid"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) ORDER BY 1",
            (list(schemas),),
        ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


@dataclass(frozen=True)
class RlsTable:
    table: str
    rls_enabled: bool
    forced: bool
    policies: int
    api_grants: tuple[str, ...]  # API roles holding a privilege on the table

    @property
    def problem(self) -> str | None:
        if not self.rls_enabled:
            granted = (
                f" although {', '.join(self.api_grants)} may query it" if self.api_grants else ""
            )
            return f"row-level security is disabled{granted}"
        if self.policies == 0:
            return "row-level security is enabled but no policy is defined"
        return None


def rls_tables(dsn: str, schemas: Sequence[str] = ("public",)) -> list[RlsTable]:
    """Every table the API can reach: the tables of ``schemas`` (Supabase exposes
    ``public``) and any other table an API role (anon, authenticated) holds a privilege on."""
    with connect(dsn) as conn:
        roles = [
            str(r[0])
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(API_ROLES),)
            )
        ]
        rows = conn.execute(
            "SELECT n.nspname || '.' || c.relname, n.nspname, c.relrowsecurity,"
            " c.relforcerowsecurity,"
            " (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid),"
            " ARRAY(SELECT r FROM unnest(%s::text[]) AS r WHERE"
            "   has_table_privilege(r, c.oid, 'SELECT, INSERT, UPDATE, DELETE'))"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%s)"
            " AND n.nspname NOT LIKE 'pg_temp%%' AND n.nspname NOT LIKE 'pg_toast%%'"
            " ORDER BY 1",
            (roles, list(SYSTEM_SCHEMAS)),
        ).fetchall()
    return [
        RlsTable(str(r[0]), bool(r[2]), bool(r[3]), int(r[4]), tuple(r[5]))
        for r in rows
        if str(r[1]) in schemas or r[5]
    ]
