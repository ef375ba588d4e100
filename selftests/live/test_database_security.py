"""The database judged from database_url alone (sec.pentest-data-access's database half,
db.ssl) against real PostgreSQL servers: one with Supabase's platform schema (API roles,
auth.users) where each class of the security advisor is planted in a database of its own,
and one plain PostgreSQL without the API roles (not verified, never a pass).

Planted here, unlike the broken twin (RLS switched off by hand on public.projects, a
member list of auth.users, a function without search_path): a table created without RLS
and granted to anon, a policy on a table whose RLS is off, a SECURITY DEFINER function
reading auth.users, an owner-rights view of auth.users under another name, a
``USING (true)`` policy for anon, sslmode=require."""

from __future__ import annotations

import itertools
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from golive.demo import postgres as demo_pg
from golive.demo._proc import free_port
from golive.facts.live import postgres
from golive.facts.live.security_targets import SecurityTargets
from golive.facts.load import db_mix
from golive.facts.load.db_mix import SCRATCH_PREFIX, ScratchRefused, mixed_load
from golive.rules import database as rules
from golive.rules.appsec.data_access import database_anon_access

from ._suite import run_suite

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pg-security")]

# A project schema the way a Supabase migration writes it: RLS on, a policy per role.
CLEAN = """
CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid, public boolean NOT NULL,
                           body text);
ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY notes_public ON public.notes FOR SELECT TO anon USING (public);
CREATE POLICY notes_own ON public.notes FOR ALL TO authenticated USING (owner = auth.uid());
GRANT SELECT ON public.notes TO anon;
GRANT SELECT, INSERT, UPDATE, DELETE ON public.notes TO authenticated;
INSERT INTO public.notes (owner, public, body)
  SELECT gen_random_uuid(), g % 2 = 0, 'note ' || g FROM generate_series(1, 6) g;
INSERT INTO auth.users (email) VALUES ('a@example.test'), ('b@example.test');
CREATE FUNCTION public.note_count() RETURNS bigint LANGUAGE sql STABLE
  SET search_path = '' AS $$ SELECT count(*) FROM public.notes $$;
"""
PLANTS = {
    "table-without-rls": (
        "CREATE TABLE public.invoices (id serial PRIMARY KEY, amount int);"
        " INSERT INTO public.invoices (amount) VALUES (10), (20), (30);"
        " GRANT SELECT ON public.invoices TO anon;"
    ),
    "policy-rls-off": (
        "CREATE TABLE public.drafts (id serial PRIMARY KEY, owner uuid);"
        " CREATE POLICY drafts_own ON public.drafts USING (owner = auth.uid());"
        " REVOKE ALL ON public.drafts FROM anon, authenticated;"
    ),
    "view-of-auth-users": (
        "CREATE VIEW public.contacts AS SELECT u.email FROM auth.users u;"
        " GRANT SELECT ON public.contacts TO anon;"
    ),
    "definer-function": (
        "CREATE FUNCTION public.email_taken(addr text) RETURNS boolean LANGUAGE sql"
        " SECURITY DEFINER SET search_path = '' STABLE"
        " AS $$ SELECT EXISTS (SELECT 1 FROM auth.users WHERE email = addr) $$;"
        " GRANT EXECUTE ON FUNCTION public.email_taken(text) TO anon;"
    ),
    "mutable-search-path": (
        "CREATE FUNCTION public.public_notes() RETURNS bigint LANGUAGE sql STABLE"
        " AS $$ SELECT count(*) FROM notes WHERE public $$;"
    ),
    "using-true": "CREATE POLICY notes_everything ON public.notes FOR SELECT TO anon USING (true);",
}
EXPECTED_RULE = {
    "table-without-rls": "data.rls-missing",
    "policy-rls-off": "data.policy-rls-off",
    "view-of-auth-users": "data.definer-view",
    "definer-function": "data.definer-function",
    "mutable-search-path": "data.search-path-mutable",
    "using-true": "data.anon-rows",
}
TARGETS = SecurityTargets(anon_readable={"public.notes": "public"})


@dataclass(frozen=True)
class Server:
    cluster: demo_pg.PgCluster
    app_password: str

    def superuser_dsn(self, db: str) -> str:
        return self.cluster.superuser_conninfo(db)

    def app_dsn(self, sslmode: str, **extra: str) -> str:
        params = {"sslmode": sslmode, **extra}
        return psycopg.conninfo.make_conninfo(
            host="127.0.0.1", port=self.cluster.port, user=demo_pg.APP_ROLE,
            dbname=demo_pg.APP_DB, password=self.app_password, **params,
        )  # fmt: skip


def _server(tmp: Path, *, platform: bool) -> Iterator[Server]:
    root = demo_pg.PgCluster.choose_root(tmp)
    cluster = demo_pg.PgCluster(root, free_port(), demo_pg.pg_bindir())
    password = secrets.token_urlsafe(16)
    cluster.create()
    rec = cluster.start()
    try:
        demo_pg.bootstrap(cluster, password)
        if platform:
            demo_pg.apply_platform(cluster.superuser_conninfo())
        yield Server(cluster, password)
    finally:
        cluster.stop(rec)
        cluster.remove()


@pytest.fixture(scope="module")
def supabase() -> Iterator[Server]:
    yield from _server(Path(tempfile.mkdtemp(prefix="golive-pgsec-")), platform=True)


@pytest.fixture(scope="module")
def plain() -> Iterator[Server]:
    yield from _server(Path(tempfile.mkdtemp(prefix="golive-pgplain-")), platform=False)


_NUMBERS = itertools.count()


def _database(server: Server, *scripts: str) -> str:
    """A fresh database with the platform schema, the clean project and ``scripts``."""
    name = f"case_{next(_NUMBERS)}"
    with psycopg.connect(server.superuser_dsn("postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    dsn = server.superuser_dsn(name)
    demo_pg.apply_platform(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for script in (CLEAN, *scripts):
            conn.execute(script.encode())
    return dsn


def test_clean_project_has_no_finding(supabase: Server) -> None:
    """RLS with policies, a function with its search_path fixed: checked, nothing found."""
    result = database_anon_access(_database(supabase), TARGETS)
    assert result.verified and not result.gaps, result
    assert result.findings == [], [f.message for f in result.findings]
    assert "public.notes as anon: 3 rows, 0 beyond the allowed" in result.checked
    assert any(c.startswith("function public.note_count()") for c in result.checked)


@pytest.mark.parametrize("case", sorted(PLANTS))
def test_each_planted_class_is_found(supabase: Server, case: str) -> None:
    result = database_anon_access(_database(supabase, PLANTS[case]), TARGETS)
    assert result.verified, result.reason
    rules_found = {f.rule for f in result.findings}
    assert EXPECTED_RULE[case] in rules_found, [f.message for f in result.findings]
    messages = " | ".join(f.message for f in result.findings)
    if case == "table-without-rls":
        assert "public.invoices has row-level security disabled although anon" in messages
        assert "reads 3 of 3 row(s) of public.invoices" in messages
    if case == "policy-rls-off":
        # not reachable by the API roles: the policy is the only finding
        assert rules_found == {"data.policy-rls-off"}, messages
    if case == "view-of-auth-users":
        assert "view public.contacts" in messages and "auth.users to anon" in messages
        assert "reads 2 of 2 row(s) of public.contacts" in messages
    if case == "definer-function":
        assert "public.email_taken(addr text) reads auth.users" in messages
    if case == "mutable-search-path":
        assert rules_found == {"data.search-path-mutable"}, messages
        assert "public.public_notes()" in messages
    if case == "using-true":
        assert "reads 3 of 6 row(s) of public.notes" in messages
        assert "USING (true): notes_everything" in messages


def test_plain_postgres_is_not_verified(plain: Server) -> None:
    """No anon/authenticated role: nothing can be judged as them, and nothing passes."""
    result = database_anon_access(plain.superuser_dsn(demo_pg.APP_DB), TARGETS)
    assert not result.verified
    assert "no API role (anon, authenticated)" in str(result.reason)
    unreachable = database_anon_access("postgresql://golive@127.0.0.1:9/none", TARGETS)
    assert not unreachable.verified and "cannot connect" in str(unreachable.reason)


@pytest.mark.parametrize(
    ("sslmode", "found"),
    [("require", "sslmode=require"), ("verify-ca", None), ("verify-full", None)],
)
def test_sslmode_must_verify_the_server(supabase: Server, sslmode: str, found: str | None) -> None:
    """require encrypts but verifies nothing: a finding naming it; verify-* with the CA."""
    extra = {} if sslmode == "require" else {"sslrootcert": str(supabase.cluster.cert_file)}
    dsn = supabase.app_dsn(sslmode, **extra)
    facts = postgres.tls_facts(dsn)
    assert facts.in_use and facts.plaintext.accepted is False
    messages = [f.message for f in rules.tls_findings(facts, postgres.describe(dsn))]
    assert [m for m in messages if found and found in m] if found else messages == [], messages


def _config(tmp_path: Path, dsn: str) -> Path:
    (tmp_path / "env").write_text(f"GOLIVE_SELFTEST_DSN={dsn}\n", encoding="utf-8")
    config = tmp_path / "golive.toml"
    config.write_text(
        'default_env = "db"\nenv_file = "env"\n\n[environments.db]\n'
        'database_url = "env:GOLIVE_SELFTEST_DSN"\n',
        encoding="utf-8",
    )
    return config


def test_dsn_alone_judges_data_access_and_tls(supabase: Server, tmp_path: Path) -> None:
    """Through the real plugin with only database_url (no base_url): the table granted to
    anon without RLS fails sec.pentest-data-access, sslmode=require fails db.ssl."""
    dsn = _database(supabase, PLANTS["table-without-rls"])
    config = _config(tmp_path, dsn)
    run = run_suite(config, tmp_path / "out", "tests/security/test_http.py",
                    extra=("-k", "test_data_access"))  # fmt: skip
    assert run.status("sec.pentest-data-access") == "fail", run.explain("sec.pentest-data-access")
    assert "public.invoices" in str(run.by_id["sec.pentest-data-access"]["reason"])
    (tmp_path / "tls").mkdir()
    tls_config = _config(tmp_path / "tls", supabase.app_dsn("require"))
    tls = run_suite(tls_config, tmp_path / "tls-out", "tests/database/test_live.py",
                    extra=("-k", "test_connections_use_tls"))  # fmt: skip
    assert tls.status("db.ssl") == "fail", tls.explain("db.ssl")
    assert "sslmode=require" in str(tls.by_id["db.ssl"]["reason"])
    assert supabase.app_password not in tls.text + tls.output


def test_dsn_alone_on_plain_postgres_is_not_verified(plain: Server, tmp_path: Path) -> None:
    config = _config(tmp_path, plain.superuser_dsn(demo_pg.APP_DB))
    run = run_suite(config, tmp_path / "out", "tests/security/test_http.py",
                    extra=("-k", "test_data_access"))  # fmt: skip
    entry = run.by_id["sec.pentest-data-access"]
    assert entry["status"] == "not_verified", run.explain("sec.pentest-data-access")
    assert "no API role" in str(entry["reason"])
    assert "Traceback" not in run.output, run.output[-3000:]


# --- perf.db-load: a load that waits on row locks ----------------------------------------


def _scratch_tables(server: Server) -> list[str]:
    with psycopg.connect(server.superuser_dsn(demo_pg.APP_DB)) as conn:
        rows = conn.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s", (f"{SCRATCH_PREFIX}%",)
        ).fetchall()
    return [str(r[0]) for r in rows]


def test_mixed_load_waits_on_row_locks_and_drops_its_table(supabase: Server) -> None:
    """Hot-row transactions make sessions queue: lock waits are seen in pg_locks or
    pg_stat_activity; every kind of statement ran; the scratch table is gone afterwards."""
    dsn = supabase.app_dsn("verify-full", sslrootcert=str(supabase.cluster.cert_file))
    result = mixed_load(dsn, 12, 3.0, "SELECT 1")
    assert result.connected == 12 and result.failed_queries == 0, result.errors
    assert set(result.statements) == {"read", "update", "insert"}, result.statements
    assert result.scratch_table.startswith(SCRATCH_PREFIX) and result.dropped
    assert result.waits_seen > 0 and max(result.ungranted_max, result.lock_waits_ours_max) > 0
    assert result.latency is not None and result.latency.p95_ms > 0
    assert _scratch_tables(supabase) == []


def test_lock_timeouts_under_the_mixed_load_are_problems(supabase: Server) -> None:
    """A role whose lock_timeout cancels any wait: the hot-row transactions fail."""
    with psycopg.connect(supabase.superuser_dsn("postgres"), autocommit=True) as conn:
        conn.execute("ALTER ROLE app SET lock_timeout = '1ms'")
    try:
        dsn = supabase.app_dsn("verify-full", sslrootcert=str(supabase.cluster.cert_file))
        result = mixed_load(dsn, 12, 3.0, "SELECT 1")
    finally:
        with psycopg.connect(supabase.superuser_dsn("postgres"), autocommit=True) as conn:
            conn.execute("ALTER ROLE app RESET lock_timeout")
    problems = rules.db_load_problems(result, 12, 3.0, writes=True)
    assert problems and "LockNotAvailable" in problems[0], (problems, result.errors)
    assert result.dropped and _scratch_tables(supabase) == []


def test_scratch_table_dropped_even_when_the_load_breaks(
    supabase: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_args: object) -> None:
        raise RuntimeError("load broke half-way")

    monkeypatch.setattr(db_mix, "_run", boom)
    dsn = supabase.app_dsn("verify-full", sslrootcert=str(supabase.cluster.cert_file))
    with pytest.raises(RuntimeError, match="half-way"):
        mixed_load(dsn, 2, 1.0, "SELECT 1")
    assert _scratch_tables(supabase) == []


def test_role_without_create_gets_no_scratch_table(plain: Server) -> None:
    """PostgreSQL 15 gives no CREATE on public: the load says so instead of writing."""
    with pytest.raises(ScratchRefused, match="cannot create the scratch table"):
        mixed_load(plain.app_dsn("require"), 2, 1.0, "SELECT 1")
