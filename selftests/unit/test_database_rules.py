"""golive.rules.database: the running database's facts turned into findings."""

from __future__ import annotations

from pathlib import Path

from golive.facts.live.postgres import (
    ApiExposure,
    ConnectionBudget,
    ExposedFunction,
    ExposedView,
    Ledger,
    PlaintextAttempt,
    RlsTable,
    RoleRead,
    Setting,
    TlsFacts,
)
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


def test_db_load_waits_of_a_writing_load_are_judged_by_latency() -> None:
    """Hot-row UPDATEs wait on each other by design: no problem by itself; a failed
    statement (lock timeout, deadlock) still is."""
    waited = DbLoadResult(workers=4, seconds=1.0, query="SELECT 1", connected=4, queries=40,
                          lock_waits_ours_max=3)  # fmt: skip
    assert rules.db_load_problems(waited, 4, 1.0, writes=True) == []
    assert "waited on locks" in rules.db_load_problems(waited, 4, 1.0)[0]
    waited.failed_queries, waited.errors = 1, {"LockNotAvailable: canceling statement": 1}
    assert "LockNotAvailable" in rules.db_load_problems(waited, 4, 1.0, writes=True)[0]


def test_tls_sslmodes_that_verify_nothing() -> None:
    """require/allow/prefer/disable are findings naming the mode; verify-ca needs a root
    certificate; verify-full passes."""
    for mode in ("require", "prefer", "allow", "disable"):
        messages = [f.message for f in rules.tls_findings(_tls(dsn_sslmode=mode), TARGET)]
        assert len(messages) == 1 and f"sslmode={mode}" in messages[0], messages
    assert "verifies no certificate" in rules.tls_findings(_tls(dsn_sslmode="require"),
                                                           TARGET)[0].message  # fmt: skip
    bare_ca = rules.tls_findings(_tls(dsn_sslmode="verify-ca"), TARGET)
    assert [f.message for f in bare_ca] == [
        "the DSN has sslmode=verify-ca but names no root certificate (sslrootcert)"
    ]
    assert rules.tls_findings(_tls(dsn_sslmode="verify-ca", root_cert="/ca.pem"), TARGET) == []
    assert rules.tls_findings(_tls(dsn_sslmode="verify-full"), TARGET) == []


def _exposure(**changes: object) -> ApiExposure:
    exposure = ApiExposure(["public"], ["anon", "authenticated"], [])
    exposure.tables = [RlsTable("public.items", True, False, ("items_read",), ("anon",))]
    exposure.protected = ["auth.users", "public.items"]
    for name, value in changes.items():
        setattr(exposure, name, value)
    return exposure


def test_exposure_findings_per_advisor_class() -> None:
    assert rules.exposure_findings(_exposure()) == []
    off = RlsTable("public.items", False, False, ("items_read",), ("anon", "authenticated"))
    found = {f.rule: f for f in rules.exposure_findings(_exposure(tables=[off]))}
    assert set(found) == {"data.rls-missing", "data.policy-rls-off"}
    assert found["data.rls-missing"].severity == "critical"
    assert "anon, authenticated hold privileges" in found["data.rls-missing"].message
    unreachable = RlsTable("public.items", False, False, (), ())
    assert rules.exposure_findings(_exposure(tables=[unreachable])) == []
    view = ExposedView("public.people", "view", ("anon",), ("auth.users",))
    invoker_only = ExposedView("public.mine", "view", ("anon",), ())
    found_views = rules.exposure_findings(_exposure(views=[view, invoker_only]))
    assert [(f.rule, f.where, f.severity) for f in found_views] == [
        ("data.definer-view", "public.people", "critical")
    ]
    functions = [
        ExposedFunction("public.lookup(e text)", True, True, ("anon",),
                        "select 1 from auth . users where email = e"),
        ExposedFunction("public.count_items()", True, True, (), "select count(*) from items"),
        ExposedFunction("public.helper()", False, False, ("anon",), "select 1"),
        ExposedFunction("public.safe()", True, True, ("anon",), "select 1 from public.itemsx"),
    ]  # fmt: skip
    found_fn = rules.exposure_findings(_exposure(functions=functions))
    assert [(f.rule, f.where) for f in found_fn] == [
        ("data.definer-function", "public.lookup(e text)"),
        ("data.search-path-mutable", "public.helper()"),
    ]


def test_read_findings_name_why_rows_leak() -> None:
    open_policy = RlsTable("public.items", True, False, ("everyone",), ("anon",), ("everyone",))
    exposure = _exposure(tables=[open_policy])
    reads = [RoleRead("public.items", 5, 2), RoleRead("public.people", 3, 3),
             RoleRead("public.safe", 4, 0), RoleRead("public.denied", None, None, "denied")]
    found = rules.read_findings(reads, "anon", exposure, {"public.items": "shown"})
    assert [f.message for f in found] == [
        "role anon reads 2 of 5 row(s) of public.items beyond shown "
        "(policy USING (true): everyone)",
        "role anon reads 3 of 3 row(s) of public.people beyond none allowed "
        "(through the relation's own rights)",
    ]  # fmt: skip
