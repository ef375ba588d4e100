"""Data access: a user reads only own and public rows, through the API and in the database.

- API: each configured list endpoint, read anonymously and as each identity (but roles
  that may see everything), returns only rows owned by that identity (the token's
  subject) or matching ``public_if``.
- Database (when a DSN is given): as the anonymous API role, every table of the exposed
  schemas it may SELECT has row-level security, and it sees only rows meeting the
  table's ``anon_readable`` condition (none when the table is not listed).
"""

from __future__ import annotations

from typing import Any

import httpx

from golive.facts.live.http_session import Login, TargetSession
from golive.facts.live.security_targets import DataEndpoint, SecurityTargets
from golive.judging.findings import SecFinding, SourceResult

__all__ = ["api_data_access", "database_anon_access", "foreign_rows"]

SOURCE = "active-http"
DB_SOURCE = "database-rls"


def _rows(body: Any, endpoint: DataEndpoint) -> list[dict[str, Any]] | None:
    items = body.get(endpoint.items) if endpoint.items and isinstance(body, dict) else body
    if not isinstance(items, list):
        return None
    return [row for row in items if isinstance(row, dict)]


def foreign_rows(
    rows: list[dict[str, Any]], endpoint: DataEndpoint, subject: str | None
) -> list[dict[str, Any]]:
    """Rows that are neither the subject's own nor public."""

    def public(row: dict[str, Any]) -> bool:
        return bool(endpoint.public_if) and all(
            row.get(k) == v for k, v in endpoint.public_if.items()
        )

    return [
        row
        for row in rows
        if not public(row) and (subject is None or str(row.get(endpoint.owner_field)) != subject)
    ]


def _read(
    session: TargetSession, endpoint: DataEndpoint, login: Login | None, result: SourceResult
) -> None:
    who = f"{login.identity} ({login.role})" if login else "anonymous"
    url = session.url(endpoint.path)
    try:
        response = session.get(endpoint.path, token=login.token if login else None)
    except httpx.TransportError as exc:
        result.gaps.append(f"GET {endpoint.path} as {who}: {type(exc).__name__}")
        return
    if response.status_code in (401, 403, 404):
        result.checked.append(f"{endpoint.path} as {who}: refused ({response.status_code})")
        return
    try:
        rows = _rows(response.json(), endpoint)
    except ValueError:
        rows = None
    if rows is None:
        result.gaps.append(
            f"GET {endpoint.path} as {who} answered {response.status_code} without a list of rows"
        )
        return
    subject = None
    if login is not None:
        value = login.claims.get(session.targets.subject_claim)
        if value is None:
            result.gaps.append(f"{who}: the token has no {session.targets.subject_claim} claim")
            return
        subject = str(value)
    leaked = foreign_rows(rows, endpoint, subject)
    if leaked:
        owners = sorted({str(r.get(endpoint.owner_field)) for r in leaked})
        result.findings.append(
            SecFinding(
                SOURCE,
                "data.foreign-rows",
                "critical",
                f"{who} reads {len(leaked)} row(s) of other owners ({', '.join(owners)})",
                url,
            )
        )
    result.checked.append(f"{endpoint.path} as {who}: {len(rows)} rows, {len(leaked)} foreign")


def api_data_access(session: TargetSession) -> SourceResult:
    result = SourceResult(source=SOURCE, verified=True, label="active-http: data access")
    if not session.targets.data_access:
        return SourceResult.unverified(SOURCE, "no data_access endpoints configured")
    logins = session.logins()
    for failed in session.failed():
        result.gaps.append(f"identity {failed.identity} ({failed.role}): {failed.problem}")
    for endpoint in session.targets.data_access:
        _read(session, endpoint, None, result)
        readers = [login for login in logins if login.role not in endpoint.see_all_roles]
        if not readers:
            result.gaps.append(f"{endpoint.path}: no logged-in identity of a restricted role")
        for login in readers:
            _read(session, endpoint, login, result)
    return result


_TABLES = """
SELECT n.nspname AS schema, c.relname AS name, c.relrowsecurity AS rls
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)
  AND has_table_privilege(%s, c.oid, 'SELECT')
ORDER BY 1, 2
"""


def database_anon_access(dsn: str, targets: SecurityTargets) -> SourceResult:
    """As the anonymous API role: RLS on every readable table, no row beyond the allowed."""
    import psycopg
    from psycopg import sql

    result = SourceResult(source=DB_SOURCE, verified=True)
    role = targets.anon_role
    try:
        conn = psycopg.connect(dsn, connect_timeout=10, autocommit=False)
    except psycopg.Error as exc:
        return SourceResult.unverified(
            DB_SOURCE, f"cannot connect to the database: {str(exc).strip().splitlines()[0][:200]}"
        )
    with conn:
        try:
            conn.execute("SET TRANSACTION READ ONLY")
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if exists is None:
                return SourceResult.unverified(DB_SOURCE, f"no database role {role}")
            tables = conn.execute(_TABLES, (targets.rls_schemas, role)).fetchall()
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(role)))
            for schema, name, rls in tables:
                qualified = f"{schema}.{name}"
                ident = sql.Identifier(schema, name)
                condition = targets.anon_readable.get(qualified)
                if not rls and condition is None:
                    count = conn.execute(
                        sql.SQL("SELECT count(*) FROM {}").format(ident)
                    ).fetchone()
                    result.findings.append(
                        SecFinding(
                            DB_SOURCE,
                            "data.rls-missing",
                            "critical",
                            f"role {role} may SELECT {qualified}, which has no row-level "
                            f"security ({count[0] if count else '?'} rows readable)",
                            qualified,
                        )
                    )
                    continue
                query = sql.SQL("SELECT count(*) FROM {} WHERE NOT ({})").format(
                    ident,
                    sql.SQL(condition or "false"),
                )
                row = conn.execute(query).fetchone()
                leaked = row[0] if row else 0
                if leaked:
                    result.findings.append(
                        SecFinding(
                            DB_SOURCE,
                            "data.anon-rows",
                            "critical",
                            f"role {role} reads {leaked} row(s) of {qualified} beyond "
                            f"{condition or 'none'}",
                            qualified,
                        )
                    )
                result.checked.append(
                    f"{qualified} as {role}: rls={rls}, {leaked} rows beyond the allowed"
                )
        except psycopg.Error as exc:
            return SourceResult.unverified(
                DB_SOURCE, f"RLS probe as {role} failed: {str(exc).strip().splitlines()[0][:200]}"
            )
        finally:
            conn.rollback()
    if not result.checked and not result.findings:
        result.notes.append(f"role {role} may SELECT no table in {targets.rls_schemas}")
    return result
