"""golive.rules.database: the running database's facts turned into findings."""

from __future__ import annotations

from pathlib import Path

from golive.facts.live.postgres import ConnectionBudget, Ledger, PlaintextAttempt, Setting, TlsFacts
from golive.facts.load.database import DbLoadResult
from golive.facts.repo.migrations import RepoMigrations
from golive.rules import database as rules

TARGET = "app@db:5432/app"


def _tls(**changes: object) -> TlsFacts:
    facts: dict[str, object] = {
        "dsn_sslmode": "verify-full", "in_use": True, "protocol": "TLSv1.3", "cipher": "x",
        "server_ssl": "on", "min_protocol": "TLSv1.2",
        "plaintext": PlaintextAttempt(accepted=False, detail="refused"),
    }  # fmt: skip
    facts.update(changes)
    return TlsFacts(**facts)  # type: ignore[arg-type]


def test_tls_clean_and_each_problem() -> None:
    assert rules.tls_findings(_tls(), TARGET) == []
    accepted = PlaintextAttempt(accepted=True, detail="accepted without TLS")
    bad = _tls(in_use=False, server_ssl="off", dsn_sslmode="prefer", plaintext=accepted)
    messages = [f.message for f in rules.tls_findings(bad, TARGET)]
    assert len(messages) == 4
    assert "sslmode=prefer" in messages[2]
    unsure = _tls(plaintext=PlaintextAttempt(accepted=None, detail="timed out"))
    assert rules.tls_findings(unsure, TARGET) == []


def test_timeouts_missing_or_zero() -> None:
    settings = {"statement_timeout": Setting("statement_timeout", "30000", "ms", "role")}
    findings = rules.timeout_findings(settings, TARGET)
    assert [f.message.split()[0] for f in findings] == ["idle_in_transaction_session_timeout"]
    settings["idle_in_transaction_session_timeout"] = Setting(
        "idle_in_transaction_session_timeout", "0", "ms", "default"
    )
    assert len(rules.timeout_findings(settings, TARGET)) == 1
    settings["idle_in_transaction_session_timeout"] = Setting(
        "idle_in_transaction_session_timeout", "60000", "ms", "role"
    )
    assert rules.timeout_findings(settings, TARGET) == []


def test_budget_against_needed() -> None:
    budget = ConnectionBudget(max_connections=100, reserved=3, role_limit=20, database_limit=None)
    assert rules.budget_findings(budget, 20, TARGET) == []
    [finding] = rules.budget_findings(budget, 50, TARGET)
    assert "at most 20 connections" in finding.message and "serve 50" in finding.message


def test_migrations_against_repository(tmp_path: Path) -> None:
    ledger = Ledger(table="schema_migrations", readable=True, versions=["1", "3"], dirty=["3"])
    files = RepoMigrations(tmp_path, {"1": "1_init.sql", "2": "2_more.sql"}, ["notes.sql"])
    messages = [f.message for f in rules.migration_findings(ledger, files)]
    assert messages == [
        "migration 3 is marked dirty (failed half-way)",
        "migration 2 is not applied",
        f"migration 3 is applied but not in {tmp_path}",
        "file name has no version number",
    ]
    empty = Ledger(table="schema_migrations", readable=True)
    assert [f.message for f in rules.migration_findings(empty, None)] == [
        "no migration has been applied"
    ]


def test_seed_tables() -> None:
    rows = {"public.users": 3, "public.posts": 0}
    findings = rules.seed_findings(rows, ["public.users", "public.posts", "public.tags"], "seed")
    assert [f.message for f in findings] == ["public.posts is empty", "public.tags does not exist"]


def test_db_load_problems_in_order() -> None:
    clean = DbLoadResult(workers=4, seconds=1.0, query="SELECT 1", connected=4, queries=40)
    assert rules.db_load_problems(clean, 4, 1.0) == []
    bad = DbLoadResult(workers=4, seconds=1.0, query="SELECT 1", connected=3, queries=2,
                       failed_queries=1, lock_waits_ours_max=2,
                       errors={"too many clients": 2, "timeout": 1})  # fmt: skip
    problems = rules.db_load_problems(bad, 4, 1.0)
    assert problems[0] == (
        "1 of 4 workers could not connect (connection exhaustion): "
        "2 x too many clients; 1 x timeout"
    )
    assert len(problems) == 4
