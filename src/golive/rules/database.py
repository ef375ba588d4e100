"""The running database's facts (golive.facts.live.postgres) turned into findings: TLS,
session timeouts, the connection budget, the migration ledger, seed data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from golive.facts.live.postgres import (
    ApiExposure,
    ConnectionBudget,
    Ledger,
    RoleRead,
    Setting,
    TlsFacts,
)
from golive.facts.load import DbLoadResult
from golive.facts.repo.migrations import RepoMigrations
from golive.judging.findings import Finding, SecFinding

__all__ = [
    "DB_SOURCE",
    "INSECURE_SSLMODES",
    "REQUIRED_TIMEOUTS",
    "VERIFYING_SSLMODES",
    "budget_findings",
    "db_load_problems",
    "error_summary",
    "exposure_findings",
    "migration_findings",
    "read_findings",
    "seed_findings",
    "timeout_findings",
    "tls_findings",
]

REQUIRED_TIMEOUTS = ("statement_timeout", "idle_in_transaction_session_timeout")
# sslmodes that fall back to (or start with) a connection without TLS
INSECURE_SSLMODES = ("disable", "allow", "prefer")
# sslmodes that verify the server's certificate (verify-ca: the chain, not the host name)
VERIFYING_SSLMODES = ("verify-full", "verify-ca")
DB_SOURCE = "database-rls"


def tls_findings(facts: TlsFacts, target: str) -> list[Finding]:
    """Unencrypted connection, server ssl off, a DSN that may fall back or does not verify
    the server's certificate, plaintext accepted. An inconclusive plaintext attempt is no
    finding (the check notes it)."""
    findings: list[Finding] = []
    if not facts.in_use:
        findings.append(Finding(target, None, "the connection is not encrypted (pg_stat_ssl)"))
    if facts.server_ssl != "on":
        findings.append(Finding(target, None, f"the server has ssl = {facts.server_ssl}"))
    if facts.dsn_sslmode in INSECURE_SSLMODES:
        message = (
            f"the DSN has sslmode={facts.dsn_sslmode}, "
            "which falls back to an unencrypted connection"
        )
        findings.append(Finding(target, None, message))
    elif facts.dsn_sslmode not in VERIFYING_SSLMODES:
        message = (
            f"the DSN has sslmode={facts.dsn_sslmode}, which encrypts but verifies no "
            "certificate (anyone in the path can pose as the server): use verify-full"
        )
        findings.append(Finding(target, None, message))
    elif facts.dsn_sslmode == "verify-ca" and not facts.root_cert:
        message = "the DSN has sslmode=verify-ca but names no root certificate (sslrootcert)"
        findings.append(Finding(target, None, message))
    if facts.plaintext.accepted:
        findings.append(Finding(target, None, facts.plaintext.detail))
    return findings


def timeout_findings(settings: Mapping[str, Setting], target: str) -> list[Finding]:
    """Each required timeout that is absent or 0 for the application's sessions."""
    return [
        Finding(target, None, f"{name} is not set (0: a stuck query or transaction is never ended)")
        for name in REQUIRED_TIMEOUTS
        if name not in settings or settings[name].is_zero
    ]


def budget_findings(budget: ConnectionBudget, needed: float, target: str) -> list[Finding]:
    """A finding when the role can open fewer connections than the pool must serve."""
    if budget.available >= needed:
        return []
    return [
        Finding(
            target,
            None,
            f"the application can open at most {budget.available} connections "
            f"(max_connections {budget.max_connections}, {budget.reserved} reserved, role limit "
            f"{budget.role_limit}, database limit {budget.database_limit}); the pool must serve "
            f"{needed:g} concurrent connections",
        )
    ]


def migration_findings(ledger: Ledger, files: RepoMigrations | None) -> list[Finding]:
    """Dirty or missing migrations in a readable ledger; with the repository's folder, every
    file applied and nothing applied the repository lacks."""
    table = ledger.table or "migration ledger"
    findings = [
        Finding(table, None, f"migration {v} is marked dirty (failed half-way)")
        for v in ledger.dirty
    ]
    if not ledger.versions:
        findings.append(Finding(table, None, "no migration has been applied"))
    if files is None:
        return findings
    applied = set(ledger.versions)
    findings += [
        Finding(str(files.folder / name), None, f"migration {version} is not applied")
        for version, name in sorted(files.versions.items())
        if version not in applied
    ]
    findings += [
        Finding(table, None, f"migration {version} is applied but not in {files.folder}")
        for version in sorted(applied - set(files.versions))
    ]
    findings += [
        Finding(str(files.folder / name), None, "file name has no version number")
        for name in files.unnamed
    ]
    return findings


def seed_findings(rows: Mapping[str, int], wanted: Iterable[str], where: str) -> list[Finding]:
    """Each wanted table that does not exist or holds no row."""
    return [
        Finding(
            where, None, f"{table} does not exist" if table not in rows else f"{table} is empty"
        )
        for table in wanted
        if not rows.get(table)
    ]


def error_summary(errors: Mapping[str, int]) -> str:
    """``n x text`` per distinct error, the most frequent first."""
    return "; ".join(f"{n} x {text}" for text, n in sorted(errors.items(), key=lambda e: -e[1]))


def db_load_problems(
    result: DbLoadResult, workers: int, seconds: float, *, writes: bool = False
) -> list[str]:
    """What went wrong under the query load, in the order it matters: workers that could not
    connect (connection exhaustion), failed queries (lock timeouts and deadlocks among them),
    too few queries, lock waits of a read-only load. A load that writes hot rows makes
    sessions wait on each other by design: its waits are judged by the latency they add."""
    problems = []
    if result.connected != workers:
        problems.append(
            f"{workers - result.connected} of {workers} workers could not connect"
            f" (connection exhaustion): {error_summary(result.errors)}"
        )
    if result.failed_queries != 0:
        problems.append(
            f"{result.failed_queries} of {result.queries + result.failed_queries} queries failed:"
            f" {error_summary(result.errors)}"
        )
    if result.queries < workers:
        problems.append(f"only {result.queries} queries completed in {seconds}s")
    if result.lock_waits_ours_max != 0 and not writes:
        problems.append(f"up to {result.lock_waits_ours_max} load sessions waited on locks at once")
    return problems


def _mentions(body: str, table: str) -> bool:
    """Whether a function body names ``schema.table`` (qualified, or bare for public)."""
    schema, name = table.split(".", 1)
    qualified = rf'\b"?{re.escape(schema)}"?\s*\.\s*"?{re.escape(name)}\b'
    bare = rf'(?<![.\w"]){re.escape(name)}\b' if schema == "public" else None
    return bool(re.search(qualified, body, re.I) or (bare and re.search(bare, body, re.I)))


def exposure_findings(exposure: ApiExposure) -> list[SecFinding]:
    """Supabase's security-advisor classes over the exposed schemas: RLS disabled on a
    table the API roles hold privileges on; policies on a table whose RLS is off; owner-
    rights views and SECURITY DEFINER functions the API roles reach that read protected
    tables (auth.users among them); functions without a fixed search_path."""
    found: list[SecFinding] = []

    def add(rule: str, severity: str, message: str, where: str) -> None:
        found.append(SecFinding(DB_SOURCE, rule, severity, message, where))  # type: ignore[arg-type]

    for t in exposure.tables:
        if not t.rls_enabled and t.api_grants:
            add("data.rls-missing", "critical", f"{t.table} has row-level security disabled "
                f"although {', '.join(t.api_grants)} hold privileges on it", t.table)  # fmt: skip
        if not t.rls_enabled and t.policies:
            add("data.policy-rls-off", "high", f"{t.table} has policies "
                f"({', '.join(t.policies)}) but row-level security is off: none applies",
                t.table)  # fmt: skip
    for v in exposure.views:
        if v.readers and v.protected:
            auth = [p for p in v.protected if p.startswith("auth.")]
            add("data.definer-view", "critical" if auth else "high",
                f"{v.kind} {v.view} runs with its owner's rights (not security_invoker) and "
                f"shows {', '.join(v.protected)} to {', '.join(v.readers)}", v.view)  # fmt: skip
    for f in exposure.functions:
        reads = [p for p in exposure.protected if _mentions(f.body, p)]
        if f.security_definer and f.executors and reads:
            add("data.definer-function", "critical" if any(
                p.startswith("auth.") for p in reads) else "high",
                f"SECURITY DEFINER function {f.name} reads {', '.join(reads)} and may be "
                f"executed by {', '.join(f.executors)}", f.name)  # fmt: skip
        if not f.search_path_set:
            add("data.search-path-mutable", "medium", f"function {f.name} has no fixed "
                "search_path (SET search_path): objects it names resolve through the "
                "caller's path", f.name)  # fmt: skip
    return found


def read_findings(
    reads: Iterable[RoleRead], role: str, exposure: ApiExposure, allowed: Mapping[str, str]
) -> list[SecFinding]:
    """Rows ``role`` actually read beyond what may be shown to it (the relation's allowed
    condition; none when the relation is not listed)."""
    rls = {t.table: t for t in exposure.tables}
    found: list[SecFinding] = []
    for read in reads:
        if not read.beyond:
            continue
        table = rls.get(read.relation)
        why = ("row-level security is off" if table and not table.rls_enabled
               else f"policy USING (true): {', '.join(table.open_policies)}"
               if table and table.open_policies else "through the relation's own rights"
               if table is None else "the policies let them through")  # fmt: skip
        condition = allowed.get(read.relation)
        found.append(SecFinding(
            DB_SOURCE, "data.anon-rows", "critical",
            f"role {role} reads {read.beyond} of {read.rows} row(s) of {read.relation} beyond "
            f"{condition or 'none allowed'} ({why})", read.relation,
        ))  # fmt: skip
    return found
