"""PostgreSQL facts through the application's own DSN: connect time, TLS, session
settings, connection budget, migration ledger, table sizes and row-level security.

Every function opens its own short-lived connection(s) and closes them. Errors are
raised as :class:`DatabaseUnreachable` (connection) or psycopg errors (queries).
The DSN and its password are never put into a message.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from hdrh.histogram import HdrHistogram
from psycopg import conninfo, sql

from golive._errors import GoliveError

__all__ = [
    "ApiExposure",
    "ConnectTimes",
    "ConnectionBudget",
    "Database",
    "DatabaseUnreachable",
    "ExposedFunction",
    "ExposedView",
    "Ledger",
    "PlaintextAttempt",
    "RlsTable",
    "RoleRead",
    "Setting",
    "TlsFacts",
    "api_exposure",
    "connect",
    "connection_budget",
    "describe",
    "measure_connect",
    "migration_ledger",
    "rls_tables",
    "rows_as_role",
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
    root_cert: str | None = None  # sslrootcert of the DSN (or PGSSLROOTCERT)


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
    params = conninfo.conninfo_to_dict(dsn)
    sslmode = str(params.get("sslmode") or os.environ.get("PGSSLMODE") or "prefer")
    root_cert = params.get("sslrootcert") or os.environ.get("PGSSLROOTCERT")
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
        root_cert=str(root_cert) if root_cert else None,
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
    """A table of an exposed schema: its row-level security, policies and API grants."""

    table: str
    rls_enabled: bool
    forced: bool
    policies: tuple[str, ...]
    api_grants: tuple[str, ...]  # API roles holding a privilege on the table
    open_policies: tuple[str, ...] = ()  # permissive SELECT policies USING (true) for an API role


@dataclass(frozen=True)
class ExposedView:
    """A view (or materialized view) an API role may read that runs with its owner's rights."""

    view: str
    kind: str  # "view" or "materialized view"
    readers: tuple[str, ...]  # API roles with SELECT on it
    protected: tuple[str, ...]  # tables it reads that the readers could not read themselves


@dataclass(frozen=True)
class ExposedFunction:
    name: str  # schema.name(args)
    security_definer: bool
    search_path_set: bool
    executors: tuple[str, ...]  # API roles that may EXECUTE it
    body: str = field(repr=False, default="")


@dataclass
class ApiExposure:
    """What the API roles can reach in the exposed schemas, read from the catalogs."""

    schemas: list[str]
    roles: list[str]  # the configured API roles that exist
    missing_roles: list[str]
    tables: list[RlsTable] = field(default_factory=list)
    views: list[ExposedView] = field(default_factory=list)
    functions: list[ExposedFunction] = field(default_factory=list)
    protected: list[str] = field(default_factory=list)  # tables RLS or missing grants guard


_TABLES = """
SELECT n.nspname || '.' || c.relname, c.relrowsecurity, c.relforcerowsecurity,
  ARRAY(SELECT p.polname::text FROM pg_policy p WHERE p.polrelid = c.oid ORDER BY 1),
  ARRAY(SELECT r FROM unnest(%(roles)s::text[]) AS r
        WHERE has_table_privilege(r, c.oid, 'SELECT, INSERT, UPDATE, DELETE')),
  ARRAY(SELECT p.polname::text FROM pg_policy p
        WHERE p.polrelid = c.oid AND p.polpermissive AND p.polcmd IN ('r', '*')
          AND pg_get_expr(p.polqual, p.polrelid) = 'true'
          AND (p.polroles = '{0}' OR EXISTS (SELECT 1 FROM pg_roles a
               WHERE a.oid = ANY(p.polroles) AND a.rolname = ANY(%(roles)s::text[]))))
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%(schemas)s::text[])
ORDER BY 1
"""
# Tables an API role cannot read as itself: RLS on, or no SELECT grant (auth.users).
_PROTECTED = """
SELECT c.oid, n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL(%(system)s::text[])
  AND n.nspname NOT LIKE 'pg_t%%'
  AND (c.relrowsecurity OR NOT EXISTS (SELECT 1 FROM unnest(%(roles)s::text[]) AS r
                                       WHERE has_table_privilege(r, c.oid, 'SELECT')))
"""
_VIEWS = """
SELECT c.oid, n.nspname || '.' || c.relname, c.relkind,
  ARRAY(SELECT r FROM unnest(%(roles)s::text[]) AS r WHERE has_table_privilege(r, c.oid, 'SELECT')),
  ARRAY(SELECT DISTINCT d.refobjid::oid FROM pg_rewrite w
        JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid
        WHERE w.ev_class = c.oid AND d.refclassid = 'pg_class'::regclass
          AND d.refobjid <> c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('v', 'm') AND n.nspname = ANY(%(schemas)s::text[])
  AND (c.relkind = 'm' OR NOT coalesce(c.reloptions::text[] && ARRAY[
       'security_invoker=true', 'security_invoker=on', 'security_invoker=1',
       'security_invoker=yes'], false))
ORDER BY 2
"""
_FUNCTIONS = """
SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)
  || ')', p.prosecdef,
  coalesce(EXISTS (SELECT 1 FROM unnest(p.proconfig) AS s WHERE s LIKE 'search_path=%%'), false),
  ARRAY(SELECT r FROM unnest(%(roles)s::text[]) AS r
        WHERE has_function_privilege(r, p.oid, 'EXECUTE')),
  coalesce(p.prosrc, '')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = ANY(%(schemas)s::text[]) AND p.prokind IN ('f', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""


def api_exposure(
    dsn: str, schemas: Sequence[str] = ("public",), roles: Sequence[str] = API_ROLES
) -> ApiExposure:
    """The exposed schemas as Supabase's security advisor reads them: tables with their RLS
    and policies, owner-rights views and functions, functions without a fixed search_path.
    Only catalog reads; nothing runs as an API role here."""
    with connect(dsn) as conn:
        present = [
            str(r[0])
            for r in conn.execute(
                "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(roles),)
            )
        ]
        exposure = ApiExposure(
            list(schemas),
            [r for r in roles if r in present],
            [r for r in roles if r not in present],
        )
        if not present:
            return exposure
        args = {"roles": exposure.roles, "schemas": list(schemas), "system": list(SYSTEM_SCHEMAS)}
        exposure.tables = [
            RlsTable(str(r[0]), bool(r[1]), bool(r[2]), tuple(r[3]), tuple(r[4]), tuple(r[5]))
            for r in conn.execute(_TABLES, args).fetchall()
        ]
        protected = {int(r[0]): str(r[1]) for r in conn.execute(_PROTECTED, args).fetchall()}
        exposure.protected = sorted(protected.values())
        for oid, name, kind, readers, refs in conn.execute(_VIEWS, args).fetchall():
            del oid
            hidden = tuple(sorted(protected[int(o)] for o in refs if int(o) in protected))
            exposure.views.append(ExposedView(
                str(name), "materialized view" if kind == "m" else "view", tuple(readers), hidden
            ))  # fmt: skip
        exposure.functions = [
            ExposedFunction(str(r[0]), bool(r[1]), bool(r[2]), tuple(r[3]), str(r[4]))
            for r in conn.execute(_FUNCTIONS, args).fetchall()
        ]
    return exposure


def rls_tables(dsn: str, schemas: Sequence[str] = ("public",)) -> list[RlsTable]:
    """The tables of ``schemas`` with their row-level security (see :func:`api_exposure`)."""
    return api_exposure(dsn, schemas).tables


@dataclass(frozen=True)
class RoleRead:
    """Rows one relation shows a role: all it reads, and those beyond the allowed condition."""

    relation: str
    rows: int | None  # None: the role may not read it (error kept in ``error``)
    beyond: int | None
    error: str | None = None


def rows_as_role(
    dsn: str, role: str, relations: Sequence[str], allowed: Mapping[str, str]
) -> list[RoleRead]:
    """As ``role`` (``SET LOCAL ROLE`` inside a read-only transaction that is rolled back):
    the rows of each ``schema.name`` it reads, and how many fail ``allowed[name]`` (every
    row counts as beyond when the relation has no allowed condition).

    Raises psycopg errors when the DSN's user may not take the role."""
    reads: list[RoleRead] = []
    with connect(dsn) as conn:
        conn.autocommit = False
        try:
            conn.execute("BEGIN READ ONLY")
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            for relation in relations:
                schema, name = relation.split(".", 1)
                condition = allowed.get(relation, "false")
                query = sql.SQL(
                    "SELECT count(*), count(*) FILTER (WHERE NOT coalesce(({}), false)) FROM {}"
                ).format(sql.SQL(condition), sql.Identifier(schema, name))
                try:
                    with conn.transaction():  # a savepoint: one refusal does not end the rest
                        row = conn.execute(query).fetchone()
                except psycopg.Error as exc:
                    text = (
                        str(exc).strip().splitlines()[0][:200] if str(exc) else type(exc).__name__
                    )
                    reads.append(RoleRead(relation, None, None, text))
                    continue
                total, beyond = (int(row[0]), int(row[1])) if row else (0, 0)
                reads.append(RoleRead(relation, total, beyond))
        finally:
            conn.rollback()
    return reads
