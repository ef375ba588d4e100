"""Data access: a user reads only own and public rows, through the API and in the database.

- API: each configured list endpoint, read anonymously and as each identity (but roles
  that may see everything), returns only rows owned by that identity (the token's
  subject) or matching ``public_if``.
- Objects: each configured object URL, read by its owner (it must work), then anonymously
  and as every other identity (but roles that may see everything): none may read it.
- Database (from the DSN alone): Supabase's security-advisor classes over the exposed
  schemas (rules.database.exposure_findings), and as the anonymous API role only rows
  meeting the table's ``anon_readable`` condition (none when the table is not listed).
"""

from __future__ import annotations

from typing import Any

import httpx
import psycopg

from golive.facts.live.http_session import Login, TargetSession
from golive.facts.live.security_targets import DataEndpoint, SecurityTargets
from golive.judging.findings import SecFinding, SourceResult

__all__ = ["api_data_access", "database_anon_access", "foreign_rows", "object_access"]

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


def _get_status(
    session: TargetSession, path: str, token: str | None, result: SourceResult
) -> int | None:
    try:
        return session.get(path, token=token).status_code
    except httpx.TransportError as exc:
        result.gaps.append(f"GET {path}: {type(exc).__name__}")
        return None


def object_access(session: TargetSession) -> SourceResult:
    """Cross-identity object access: one identity's object read by another (or nobody)."""
    if not session.targets.objects:
        return SourceResult.unverified(
            SOURCE,
            "no objects configured (objects: path and owner): cross-identity object access "
            "is not probed against guessed ids",
        )
    result = SourceResult(source=SOURCE, verified=True, label="active-http: object access")
    logins = {login.identity: login for login in session.logins()}
    for failed in session.failed():
        result.gaps.append(f"identity {failed.identity} ({failed.role}): {failed.problem}")
    for obj in session.targets.objects:
        owner = logins.get(obj.owner)
        if owner is None:
            result.gaps.append(f"{obj.path}: its owner {obj.owner} is no logged-in identity")
            continue
        status = _get_status(session, obj.path, owner.token, result)
        if status is None or not 200 <= status < 300:
            result.gaps.append(
                f"{obj.path}: its owner {obj.owner} cannot read it ({status}): a refusal to "
                "others would prove nothing"
            )
            continue
        others = [
            (f"{x.identity} ({x.role})", x.token)
            for x in logins.values()
            if x.identity != obj.owner and x.role not in obj.see_all_roles
        ]
        if not others:
            result.gaps.append(f"{obj.path}: no other identity of a restricted role")
        for who, token in [("anonymous", None), *others]:
            status = _get_status(session, obj.path, token, result)
            if status is not None and 200 <= status < 300:
                result.findings.append(
                    SecFinding(
                        SOURCE,
                        "authz.foreign-object",
                        "critical",
                        f"{who} reads {obj.owner}'s object ({status})",
                        session.url(obj.path),
                    )
                )
        result.checked.append(f"{obj.path} of {obj.owner}: anonymous and {len(others)} other(s)")
    return result


def database_anon_access(dsn: str, targets: SecurityTargets) -> SourceResult:
    """From the DSN alone: the security-advisor classes over the exposed schemas (catalog
    reads), then, as the anonymous role in a read-only transaction, the rows it reads of
    each exposed table and view beyond the table's ``anon_readable`` condition."""
    from golive.facts.live import postgres
    from golive.rules import database

    schemas, role = targets.rls_schemas, targets.anon_role
    roles = list(dict.fromkeys([role, *targets.api_roles]))
    try:
        exposure = postgres.api_exposure(dsn, schemas, roles)
    except postgres.DatabaseUnreachable as exc:
        return SourceResult.unverified(DB_SOURCE, f"cannot connect to the database: {exc}")
    except psycopg.Error as exc:
        return SourceResult.unverified(DB_SOURCE, f"catalog read failed: {_first_line(exc)}")
    if not exposure.roles:
        return SourceResult.unverified(
            DB_SOURCE,
            f"no API role ({', '.join(roles)}) exists in the database: not a Supabase-style "
            "data API database, so nothing can be judged as those roles (set api_roles)",
        )
    result = SourceResult(source=DB_SOURCE, verified=True)
    result.facts["api_roles"] = exposure.roles
    if exposure.missing_roles:
        result.notes.append(f"roles absent from the database: {', '.join(exposure.missing_roles)}")
    result.findings += database.exposure_findings(exposure)
    result.checked += [
        f"{t.table}: rls={t.rls_enabled}, policies={len(t.policies)}, "
        f"API grants={','.join(t.api_grants) or 'none'}"
        for t in exposure.tables
    ]
    result.checked += [f"{v.kind} {v.view}: readers={','.join(v.readers) or 'none'}"
                       for v in exposure.views]  # fmt: skip
    result.checked += [f"function {f.name}" for f in exposure.functions]
    if role not in exposure.roles:
        result.gaps.append(f"no database role {role}: rows readable anonymously not counted")
        return result
    relations = [t.table for t in exposure.tables if role in t.api_grants]
    relations += [v.view for v in exposure.views if role in v.readers]
    try:
        reads = postgres.rows_as_role(dsn, role, relations, targets.anon_readable)
    except (postgres.DatabaseUnreachable, psycopg.Error) as exc:
        result.gaps.append(f"cannot read as {role}: {_first_line(exc)}")
        return result
    result.findings += database.read_findings(reads, role, exposure, targets.anon_readable)
    result.checked += [
        f"{r.relation} as {role}: {r.rows} rows, {r.beyond} beyond the allowed"
        if r.error is None else f"{r.relation} as {role}: not readable ({r.error})"
        for r in reads
    ]  # fmt: skip
    if not exposure.tables and not exposure.views and not exposure.functions:
        result.gaps.append(f"no table, view or function in {', '.join(schemas)} to check")
    return result


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
