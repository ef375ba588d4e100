"""The running database's facts (golive.facts.live.postgres) turned into findings: TLS,
session timeouts, the connection budget, the migration ledger, seed data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from golive.facts.live.postgres import ConnectionBudget, Ledger, Setting, TlsFacts
from golive.facts.load import DbLoadResult
from golive.facts.repo.migrations import RepoMigrations
from golive.judging.findings import Finding

__all__ = [
    "INSECURE_SSLMODES",
    "REQUIRED_TIMEOUTS",
    "budget_findings",
    "db_load_problems",
    "error_summary",
    "migration_findings",
    "seed_findings",
    "timeout_findings",
    "tls_findings",
]

REQUIRED_TIMEOUTS = ("statement_timeout", "idle_in_transaction_session_timeout")
# sslmodes that fall back to (or start with) a connection without TLS
INSECURE_SSLMODES = ("disable", "allow", "prefer")


def tls_findings(facts: TlsFacts, target: str) -> list[Finding]:
    """Unencrypted connection, server ssl off, a DSN that may fall back, plaintext accepted.
    An inconclusive plaintext attempt is no finding (the check notes it)."""
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


def db_load_problems(result: DbLoadResult, workers: int, seconds: float) -> list[str]:
    """What went wrong under the query load, in the order it matters: workers that could not
    connect (connection exhaustion), failed queries, too few queries, lock waits."""
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
    if result.lock_waits_ours_max != 0:
        problems.append(f"up to {result.lock_waits_ours_max} load sessions waited on locks at once")
    return problems
