"""Compare a source database with its restored copy, as golive itself reads them.

Per table: the columns (names and types), the row count, and a checksum: of the whole
table when it has at most ``SMALL_TABLE_ROWS`` rows (md5 of every row's md5, in primary
key order, computed by the server), else of a fixed sample of rows chosen by primary key
(the ``SAMPLE_ROWS`` keys whose md5 sorts first: the same rows on every run). Tables only
on one side, and tables whose columns differ, are mismatches too.

Bounds: each side is read in one read-only REPEATABLE READ transaction with a statement
timeout; at most ``MAX_TABLES`` tables; only counts, hashes and the sampled keys cross
the wire (keys longer than ``MAX_KEY_CHARS`` are hashed), so the bytes read do not grow
with the tables. Nothing is written.

Source tables written to while a drill ran (their insert/update/delete counters moved,
``write_counters``) cannot be expected to match a backup taken before; the caller passes
them as ``changed`` and they are compared by columns only, listed apart, and left out of
the percentage.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from golive.facts.live.postgres import connect, describe

__all__ = [
    "MAX_TABLES",
    "SAMPLE_ROWS",
    "SMALL_TABLE_ROWS",
    "DbComparison",
    "TableComparison",
    "TableShape",
    "compare_databases",
    "read_shapes",
    "write_counters",
]

SMALL_TABLE_ROWS = 10_000
SAMPLE_ROWS = 256
MAX_TABLES = 500
MAX_KEY_CHARS = 200
STATEMENT_TIMEOUT_MS = 60_000

Conn = psycopg.Connection[tuple[Any, ...]]


@dataclass(frozen=True)
class TableShape:
    name: str  # schema.table
    columns: dict[str, str]  # column → type, as format_type prints it
    key: tuple[str, ...]  # primary key columns, in key order (empty: none)


@dataclass
class TableComparison:
    name: str
    matched: bool | None  # None: compared by columns only (source written during the drill)
    method: str  # "whole table", "sample of N rows", "columns only", "missing"
    rows_source: int | None = None
    rows_restored: int | None = None
    reasons: list[str] = field(default_factory=list)

    def facts(self) -> dict[str, Any]:
        return {"matched": self.matched, "method": self.method, "rows_source": self.rows_source,
                "rows_restored": self.rows_restored, "reasons": self.reasons}  # fmt: skip


@dataclass
class DbComparison:
    source: str  # described, no secret
    restored: str
    tables: list[TableComparison] = field(default_factory=list)
    seconds: float = 0.0
    read_as: tuple[str, str] = ("", "")  # the roles rows were read as (source, restored)

    @property
    def compared(self) -> list[TableComparison]:
        return [t for t in self.tables if t.matched is not None]

    @property
    def mismatches(self) -> list[TableComparison]:
        return [t for t in self.tables if t.matched is False]

    @property
    def changed(self) -> list[TableComparison]:
        """Tables left uncompared: written during the drill, or unreadable by this role."""
        return [t for t in self.tables if t.matched is None]

    @property
    def percent(self) -> float | None:
        """Share of the compared tables that match; None when none could be compared."""
        compared = self.compared
        if not compared:
            return None
        return round(100.0 * sum(1 for t in compared if t.matched) / len(compared), 2)

    def problems(self) -> list[str]:
        return [f"{t.name}: {'; '.join(t.reasons)}" for t in self.mismatches]

    def facts(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "restored": self.restored,
            "match_percent": self.percent,
            "read_as": list(self.read_as),
            "tables_compared": len(self.compared),
            "tables_matched": sum(1 for t in self.compared if t.matched),
            # written on the source during the drill, or unreadable by this role
            "not_compared": {t.name: "; ".join(t.reasons) for t in self.changed},
            "seconds": self.seconds,
            "tables": {t.name: t.facts() for t in self.tables},
        }


# --- reading one side ---------------------------------------------------------------------
def _begin(conn: Conn) -> str:
    """Open the read-only snapshot; returns the role the rows are read as.

    Row-level security must not hide rows from the comparison: when the login role does
    not bypass it but may become a role that does (Supabase: ``service_role``), the
    transaction reads as that role. Rows still hidden raise (``row_security = off``)
    instead of silently vanishing from both sides."""
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
    conn.execute(
        sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(STATEMENT_TIMEOUT_MS))
    )
    row = conn.execute(
        "SELECT r.rolname FROM pg_roles r WHERE r.rolbypassrls AND r.rolname <> current_user"
        " AND pg_has_role(current_user, r.oid, 'MEMBER')"
        " AND NOT (SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user)"
        " ORDER BY r.rolname <> 'service_role', r.rolname LIMIT 1"
    ).fetchone()
    if row:
        conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(str(row[0]))))
    conn.execute("SET LOCAL row_security = off")
    found = conn.execute("SELECT current_user").fetchone()
    return str(found[0]) if found else "?"


def read_shapes(conn: Conn) -> dict[str, TableShape]:
    """Every ordinary table outside the system schemas, with its columns and primary key."""
    rows = conn.execute(
        "SELECT n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod),"
        # int2vector subscripts start at 0: the key position is made 1-based
        " coalesce(array_position(i.indkey::int2[], a.attnum) - array_lower(i.indkey::int2[], 1)"
        " + 1, 0)"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        " LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary"
        " WHERE c.relkind IN ('r', 'p')"
        " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND n.nspname NOT LIKE 'pg\\_%'"
        " ORDER BY 1, a.attnum"
    ).fetchall()
    columns: dict[str, dict[str, str]] = {}
    keys: dict[str, list[tuple[int, str]]] = {}
    for table, column, type_, key_pos in rows:
        columns.setdefault(table, {})[column] = type_
        if key_pos:
            keys.setdefault(table, []).append((int(key_pos), column))
    names = sorted(columns)[:MAX_TABLES]
    return {
        name: TableShape(name, columns[name], tuple(c for _, c in sorted(keys.get(name, []))))
        for name in names
    }


def _ident(table: str) -> sql.Identifier:
    schema, name = table.split(".", 1)
    return sql.Identifier(schema, name)


def _row_text(columns: Sequence[str]) -> sql.Composable:
    """The text of a row over ``columns`` (same text on both sides when the values match)."""
    return sql.SQL("md5(row({})::text)").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )


def _key_text(key: Sequence[str]) -> sql.Composable:
    text = sql.SQL("row({})::text").format(sql.SQL(", ").join(sql.Identifier(k) for k in key))
    return sql.SQL("CASE WHEN length({t}) > {n} THEN md5({t}) ELSE {t} END").format(
        t=text, n=sql.Literal(MAX_KEY_CHARS)
    )


def _count(conn: Conn, table: str) -> int:
    row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(_ident(table))).fetchone()
    return int(row[0]) if row else 0


def _whole_checksum(conn: Conn, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
    order = (
        sql.SQL(", ").join(sql.Identifier(k) for k in key) if key else _row_text(columns)
    )  # without a key, the rows' own text orders them
    query = sql.SQL("SELECT md5(coalesce(string_agg({row}, '' ORDER BY {order}), '')) FROM {t}")
    row = conn.execute(
        query.format(row=_row_text(columns), order=order, t=_ident(table))
    ).fetchone()
    return str(row[0]) if row else ""


def _sample_keys(conn: Conn, table: str, key: Sequence[str]) -> list[str]:
    query = sql.SQL("SELECT {k} FROM {t} ORDER BY md5({k}) LIMIT {n}").format(
        k=_key_text(key), t=_ident(table), n=sql.Literal(SAMPLE_ROWS)
    )
    return [str(r[0]) for r in conn.execute(query).fetchall()]


def _sample_hashes(
    conn: Conn, table: str, columns: Sequence[str], key: Sequence[str], keys: list[str]
) -> dict[str, str]:
    query = sql.SQL("SELECT {k}, {row} FROM {t} WHERE {k} = ANY(%s::text[])").format(
        k=_key_text(key), row=_row_text(columns), t=_ident(table)
    )
    return {str(k): str(h) for k, h in conn.execute(query, (keys,)).fetchall()}


def write_counters(dsn: str) -> dict[str, int]:
    """Rows inserted, updated and deleted so far, per table (the server's statistics)."""
    with connect(dsn) as conn:
        rows = conn.execute(
            "SELECT schemaname || '.' || relname, n_tup_ins + n_tup_upd + n_tup_del"
            " FROM pg_stat_all_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            " AND schemaname NOT LIKE 'pg\\_%'"
        ).fetchall()
    return {str(name): int(n) for name, n in rows}


# --- comparing ----------------------------------------------------------------------------
def _compare_table(
    src: Conn, dst: Conn, name: str, a: TableShape, b: TableShape, changed: bool
) -> TableComparison:
    reasons: list[str] = []
    missing = sorted(set(a.columns) - set(b.columns))
    extra = sorted(set(b.columns) - set(a.columns))
    if missing:
        reasons.append(f"column(s) missing: {', '.join(missing)}")
    if extra:
        reasons.append(f"column(s) not in the source: {', '.join(extra)}")
    common = [c for c in a.columns if c in b.columns]
    for column in common:
        if a.columns[column] != b.columns[column]:
            reasons.append(f"column {column}: {a.columns[column]} restored as {b.columns[column]}")
    if a.key != b.key:
        reasons.append(f"primary key ({', '.join(a.key)}) restored as ({', '.join(b.key)})")
    if changed or reasons:
        result = TableComparison(name, None, "columns only", reasons=reasons)
        if reasons:
            result.matched = False
        else:
            result.reasons = ["written on the source during the drill: rows not compared"]
        return result
    rows_a, rows_b = _count(src, name), _count(dst, name)
    if rows_a != rows_b:
        reasons.append(f"{rows_a} rows in the source, {rows_b} restored")
    if rows_a <= SMALL_TABLE_ROWS:
        method = "whole table"
        if not reasons and _whole_checksum(src, name, common, a.key) != _whole_checksum(
            dst, name, common, a.key
        ):
            reasons.append("checksum of the whole table differs (values changed)")
    elif a.key and a.key == b.key:
        keys = _sample_keys(src, name, a.key)
        method = f"sample of {len(keys)} rows"
        want = _sample_hashes(src, name, common, a.key, keys)
        got = _sample_hashes(dst, name, common, a.key, keys)
        lost = [k for k in keys if k not in got]
        differ = [k for k in keys if k in got and got[k] != want.get(k)]
        if lost:
            reasons.append(f"{len(lost)} sampled row(s) missing, e.g. key {lost[0]}")
        if differ:
            reasons.append(f"{len(differ)} sampled row(s) differ, e.g. key {differ[0]}")
    else:
        method = "count only"
        reasons.append(f"{rows_a} rows and no primary key to sample by: values not compared")
    return TableComparison(name, not reasons, method, rows_a, rows_b, reasons)


def _guarded(
    src: Conn, dst: Conn, name: str, a: TableShape, b: TableShape, changed: bool
) -> TableComparison:
    """One table; rows this role may not read (no privilege, row-level security) leave it
    uncompared (named), never an empty match. A table the bypassing role may not read is
    read as the login role itself."""

    def each(statement: str) -> None:
        for conn in (src, dst):
            conn.execute(statement)

    each("SAVEPOINT golive_table")
    try:
        return _compare_table(src, dst, name, a, b, changed)
    except psycopg.errors.InsufficientPrivilege as exc:
        each("ROLLBACK TO SAVEPOINT golive_table")
        error = exc
    try:
        each("SET LOCAL ROLE NONE")  # undone below: the next table is read as before
        return _compare_table(src, dst, name, a, b, changed)
    except psycopg.errors.InsufficientPrivilege as exc:
        error = exc
    finally:
        each("ROLLBACK TO SAVEPOINT golive_table")
    first = str(error).strip().splitlines()[0][:200]
    return TableComparison(name, None, "not readable", reasons=[f"rows not compared: {first}"])


def compare_databases(
    source_dsn: str, restored_dsn: str, *, changed: Iterable[str] = ()
) -> DbComparison:
    """Compare every table of the source with the restored copy (see the module docstring).

    Raises DatabaseUnreachable (scrubbed) when either side cannot be reached."""
    import time

    started = time.perf_counter()
    result = DbComparison(describe(source_dsn), describe(restored_dsn))
    written = set(changed)
    with connect(source_dsn) as src, connect(restored_dsn) as dst:
        result.read_as = (_begin(src), _begin(dst))
        try:
            shapes_a, shapes_b = read_shapes(src), read_shapes(dst)
            for name in sorted(set(shapes_a) | set(shapes_b)):
                if name not in shapes_b:
                    result.tables.append(TableComparison(
                        name, False, "missing", reasons=["table missing from the restored database"]
                    ))  # fmt: skip
                elif name not in shapes_a:
                    result.tables.append(TableComparison(
                        name, False, "missing", reasons=["table not in the source"]
                    ))  # fmt: skip
                else:
                    result.tables.append(_guarded(
                        src, dst, name, shapes_a[name], shapes_b[name], name in written
                    ))  # fmt: skip
        finally:
            src.execute("ROLLBACK")
            dst.execute("ROLLBACK")
    result.seconds = round(time.perf_counter() - started, 3)
    return result
