"""Database: the running PostgreSQL, through the application's own DSN (Week 1 / Day 1-2 /
Supabase環境の安定化: マイグレーション, シードデータ, 接続設定の最適化).

Every fact comes from :mod:`golive.facts.live.postgres`; the DSN and its password are never
recorded, only ``user@host:port/db``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import golive
from golive import CriterionContext, Evidence
from golive.config import Config, Environment
from golive.facts.live import postgres
from golive.facts.live.commands import in_unit, run_command
from golive.facts.live.drills import command_timeout, scrubber_for
from golive.facts.repo import migrations
from golive.harness import ThresholdOf
from golive.rules import database as rules

CONNECTS = 20  # sequential connections measured for db.connect-time
OTHER_TIMEOUTS = ("lock_timeout", "idle_session_timeout")  # recorded, not required
API_SCHEMAS = ("public",)  # the schema Supabase's API exposes by default


@pytest.fixture(scope="module")
def database(database_dsn: str) -> postgres.Database:
    """The DSN once a connection through it succeeds; not verified when nothing answers.
    Wrapped so that a failing check's printed arguments never show the password."""
    try:
        with postgres.connect(database_dsn):
            pass
    except postgres.DatabaseUnreachable as exc:
        golive.not_verified(f"database not reachable: {exc}")
    return postgres.Database(database_dsn)


@pytest.fixture(scope="module")
def repo(golive_env: Environment, golive_config: Config) -> Path | None:
    """The configured repository, or None (the database's own records are used then)."""
    if not golive_env.repo:
        return None
    path = golive_config.path(golive_env.repo)
    return path if path.is_dir() else None


@pytest.mark.criterion("db.connect-time")
def test_connect_time(
    criterion: CriterionContext, evidence: Evidence, database: postgres.Database
) -> None:
    """p95 of 20 sequential connects (TCP, TLS, authentication, first query)."""
    times = postgres.measure_connect(database.dsn, count=CONNECTS)
    evidence.record(
        "connections opened", len(times.samples_ms), "connections",
        target=postgres.describe(database.dsn), samples_ms=times.samples_ms,
    )  # fmt: skip
    evidence.record("connect p50", round(times.p50_ms, 3), "ms")
    evidence.record("connect max", round(times.max_ms, 3), "ms")
    criterion.expect(times.p95_ms, name="connect p95", unit="ms")


@pytest.mark.criterion("db.ssl")
def test_connections_use_tls(
    criterion: CriterionContext, evidence: Evidence, database: postgres.Database
) -> None:
    """The application's connection is encrypted, its DSN verifies the server's certificate
    (sslmode verify-full, or verify-ca with a root certificate; require verifies nothing),
    the server has TLS on and refuses a connection without it."""
    target = postgres.describe(database.dsn)
    facts = postgres.tls_facts(database.dsn)
    evidence.record(
        "connection encryption", facts.protocol or "none",
        in_use=facts.in_use, cipher=facts.cipher, server_ssl=facts.server_ssl,
        ssl_min_protocol_version=facts.min_protocol, dsn_sslmode=facts.dsn_sslmode,
        plaintext_attempt=facts.plaintext.detail, target=target,
        root_cert_configured=facts.root_cert is not None,
    )  # fmt: skip
    if facts.plaintext.accepted is None:
        evidence.note(f"connection without TLS: {facts.plaintext.detail}")
    criterion.expect_no_findings(rules.tls_findings(facts, target), what="database TLS")


@pytest.mark.criterion("db.timeouts")
def test_session_timeouts(
    criterion: CriterionContext, evidence: Evidence, database: postgres.Database
) -> None:
    """statement_timeout and idle_in_transaction_session_timeout are non-zero for the
    application's sessions (set on its role or database)."""
    target = postgres.describe(database.dsn)
    names = [*rules.REQUIRED_TIMEOUTS, *OTHER_TIMEOUTS]
    settings = postgres.session_settings(database.dsn, names)
    for setting in settings.values():
        evidence.record(setting.name, setting.setting, setting.unit, source=setting.source)
    findings = rules.timeout_findings(settings, target)
    criterion.expect_no_findings(findings, what="session timeouts")


@pytest.mark.criterion("db.pool-settings")
def test_connection_budget_fits_pool(
    criterion: CriterionContext,
    evidence: Evidence,
    database: postgres.Database,
    threshold_of: ThresholdOf,
) -> None:
    """The server lets the application's role open as many connections as the plan's
    concurrency target (db.concurrent-connections) needs; the load itself is another check."""
    needed = threshold_of("db.concurrent-connections")
    if needed is None:
        golive.not_verified("db.concurrent-connections has no threshold to size the pool by")
    budget = postgres.connection_budget(database.dsn)
    evidence.record(
        "connections available to the application", budget.available, "connections",
        expected=f"≥ {needed.value:g}", max_connections=budget.max_connections,
        reserved=budget.reserved, role_limit=budget.role_limit,
        database_limit=budget.database_limit,
    )  # fmt: skip
    evidence.measured = {"value": budget.available, "unit": "connections",
                         "name": "connections available"}  # fmt: skip
    findings = rules.budget_findings(budget, needed.value, postgres.describe(database.dsn))
    criterion.expect_no_findings(findings, what="connection budget")


@pytest.mark.criterion("db.migrations")
def test_migrations_applied(
    criterion: CriterionContext, evidence: Evidence, database: postgres.Database, repo: Path | None
) -> None:
    """The migration ledger exists and is clean; with a repository, every migration file
    of it is applied and nothing is applied that the repository does not have."""
    target = postgres.describe(database.dsn)
    ledger = postgres.migration_ledger(database.dsn)
    files = migrations.repo_migrations(repo) if repo else None
    if files is not None:
        evidence.record("migration files", len(files.versions), "files",
                        folder=str(files.folder), versions=sorted(files.versions))  # fmt: skip
    if ledger.table is None:
        if files is None:
            golive.not_verified(f"{target}: {ledger.problem}, and no migrations folder to compare")
        raise AssertionError(f"{target}: {ledger.problem}; {files.folder} is never applied")
    if not ledger.readable:
        golive.not_verified(f"{target}: {ledger.problem}")
    evidence.record("applied migrations", len(ledger.versions), "migrations",
                    ledger=ledger.table, versions=ledger.versions[-50:])  # fmt: skip
    if files is None:
        evidence.note("no migrations folder in the repository: judged on the ledger alone")
    criterion.expect_no_findings(rules.migration_findings(ledger, files), what="migrations")


@pytest.mark.criterion("db.seed-data")
def test_seed_data_loaded(
    criterion: CriterionContext, evidence: Evidence, database: postgres.Database, repo: Path | None
) -> None:
    """Every table the repository's seed file fills holds rows (without a seed file:
    every table of the API schema)."""
    seed = migrations.seed_tables(repo) if repo else None
    if seed is not None:
        where, wanted = str(seed[0]), seed[1]
        schemas = sorted({t.split(".", 1)[0] for t in wanted})
        rows = postgres.table_rows(database.dsn, schemas)
    else:
        where = postgres.describe(database.dsn)
        rows = postgres.table_rows(database.dsn, API_SCHEMAS)
        wanted = sorted(rows)
        evidence.note(f"no seed file in the repository: every table of {', '.join(API_SCHEMAS)}")
    if not wanted:
        golive.not_verified(f"{where}: no table to look for seed data in")
    evidence.record("tables with rows", sum(1 for t in wanted if rows.get(t)), "tables",
                    rows={t: rows.get(t) for t in wanted})  # fmt: skip
    criterion.expect_no_findings(rules.seed_findings(rows, wanted, where), what="seed data")


@pytest.mark.criterion("db.migration-time")
def test_migration_time(
    criterion: CriterionContext, evidence: Evidence, golive_env: Environment
) -> None:
    """The environment's ``migrate`` command (all migrations into a scratch database) runs
    within the limit and succeeds."""
    argv = golive_env.argv("migrate")
    if not argv:
        golive.not_verified("the environment defines no `migrate` command ([commands] migrate)")
    timeout = command_timeout(criterion.threshold, default=60.0)
    result = run_command("migrate", argv, timeout=timeout, scrub=scrubber_for(golive_env))
    evidence.artifact("migrate", result.transcript())
    if not result.started:
        golive.not_verified(result.summary())
    criterion.expect(in_unit(result.seconds, criterion.threshold), name="migration run")
    if not result.ok:
        raise AssertionError(result.summary())
