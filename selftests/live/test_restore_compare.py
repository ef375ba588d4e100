"""golive's own comparison of a source database with its restored copy
(golive.facts.live.dbcompare) and the restore drill judged on it, against a throwaway
PostgreSQL server (initdb in a temporary folder, trust on loopback): identical copies
match 100 %; each planted defect is a mismatch named in the reason; a restore command
that exits 0 and says it restored everything does not make a restore that lost a table
pass."""

from __future__ import annotations

import json
import os
import pwd
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from golive.demo._proc import free_port
from golive.demo.postgres import as_postgres_user, pg_bindir
from golive.facts.live import dbcompare

from ._suite import CICD, OPERATIONS, run_suite

pytestmark = [pytest.mark.slow]

SOURCE_SQL = """
CREATE SCHEMA app;
CREATE TABLE app.small (id int PRIMARY KEY, name text NOT NULL, price numeric(8, 2));
INSERT INTO app.small SELECT g, 'item ' || g, g * 1.5 FROM generate_series(1, 50) g;
CREATE TABLE app.big (id bigint PRIMARY KEY, body text);
INSERT INTO app.big SELECT g, md5(g::text) FROM generate_series(1, {big}) g;
CREATE TABLE app.composite (a int, b text, v jsonb, PRIMARY KEY (a, b));
INSERT INTO app.composite SELECT g % 7, 'k' || g, jsonb_build_object('g', g)
  FROM generate_series(1, 40) g;
CREATE TABLE public.audit_log (id serial PRIMARY KEY, at timestamptz DEFAULT now(), what text);
INSERT INTO public.audit_log (what) SELECT 'event ' || g FROM generate_series(1, 30) g;
"""
BIG_ROWS = dbcompare.SMALL_TABLE_ROWS + 2_000


@pytest.fixture(scope="module")
def pg() -> Iterator[int]:
    """A PostgreSQL server of its own on a free loopback port (trust: no secret). As root,
    the server runs as the postgres user, in a folder that user can reach."""
    root = Path(tempfile.mkdtemp(prefix="golive-pgcmp-"))
    data, bindir, port = root / "data", pg_bindir(), free_port()
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)

    def run(*argv: str) -> None:
        subprocess.run(as_postgres_user(list(argv)), check=True, capture_output=True, timeout=60)

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync",
        "-E", "UTF8", "--locale=C")  # fmt: skip
    opts = f"-k {root} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-w", "-l", str(root / "log"),
        "start")  # fmt: skip
    try:
        yield port
    finally:
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]
        subprocess.run(as_postgres_user(stop), check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


def _dsn(port: int, db: str) -> str:
    return f"postgresql://postgres@127.0.0.1:{port}/{db}?sslmode=disable"


def _admin(port: int) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(_dsn(port, "postgres"), autocommit=True)


@pytest.fixture(scope="module")
def source(pg: int) -> str:
    with _admin(pg) as admin:
        admin.execute("CREATE DATABASE src")
    with psycopg.connect(_dsn(pg, "src"), autocommit=True) as conn:
        conn.execute(SOURCE_SQL.format(big=BIG_ROWS).encode())
    return _dsn(pg, "src")


def _copy(pg: int, name: str, *damage: str) -> str:
    """A copy of the source (CREATE DATABASE … TEMPLATE), then ``damage`` run in it."""
    with _admin(pg) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE src')
    with psycopg.connect(_dsn(pg, name), autocommit=True) as conn:
        for statement in damage:
            conn.execute(statement.encode())
    return _dsn(pg, name)


def test_identical_copy_matches_completely(pg: int, source: str) -> None:
    result = dbcompare.compare_databases(source, _copy(pg, "same"))
    assert result.percent == 100.0, result.problems()
    methods = {t.name: t.method for t in result.tables}
    assert methods["app.small"] == "whole table"
    assert methods["app.big"] == f"sample of {dbcompare.SAMPLE_ROWS} rows"
    assert len(result.tables) == 4 and not result.mismatches
    assert "postgres@127.0.0.1" in result.facts()["source"]


@pytest.mark.parametrize(
    ("damage", "table", "reason"),
    [
        ("DROP TABLE public.audit_log", "public.audit_log", "table missing from the restored"),
        ("DELETE FROM app.small WHERE id = 17", "app.small", "50 rows in the source, 49 restored"),
        ("UPDATE app.small SET price = 0 WHERE id = 3", "app.small", "checksum of the whole table"),
        ("UPDATE app.composite SET v = '{}' WHERE b = 'k5'", "app.composite", "checksum"),
        ("ALTER TABLE app.small DROP COLUMN price", "app.small", "column(s) missing: price"),
        ("ALTER TABLE app.small ALTER COLUMN price TYPE numeric", "app.small",
         "column price: numeric(8,2) restored as numeric"),
    ],
    ids=["dropped-table", "lost-row", "changed-small", "changed-composite", "missing-column",
         "changed-type"],
)  # fmt: skip
def test_each_defect_is_a_named_mismatch(
    pg: int, source: str, damage: str, table: str, reason: str
) -> None:
    result = dbcompare.compare_databases(source, _copy(pg, "damaged", damage))
    assert result.percent is not None and result.percent < 100.0
    assert [t.name for t in result.mismatches] == [table]
    assert reason in "; ".join(result.mismatches[0].reasons)


def test_changed_sampled_row_of_a_large_table(pg: int, source: str) -> None:
    """A value changed in a row the sample covers (the sample is deterministic: ask the
    comparison which keys it reads, then damage one of them)."""
    with psycopg.connect(source) as conn:
        keys = dbcompare._sample_keys(conn, "app.big", ("id",))
    victim = keys[len(keys) // 2].strip("()")
    restored = _copy(pg, "damaged", f"UPDATE app.big SET body = 'x' WHERE id = {victim}")
    result = dbcompare.compare_databases(source, restored)
    assert [t.name for t in result.mismatches] == ["app.big"]
    assert f"1 sampled row(s) differ, e.g. key ({victim})" in result.mismatches[0].reasons


def test_table_written_during_the_drill_is_left_out(pg: int, source: str) -> None:
    restored = _copy(pg, "damaged", "DELETE FROM public.audit_log WHERE id > 20")
    result = dbcompare.compare_databases(source, restored, changed={"public.audit_log"})
    assert result.percent == 100.0 and not result.mismatches
    assert [t.name for t in result.changed] == ["public.audit_log"]
    # … but it still has to exist with the same columns
    restored = _copy(pg, "damaged", "ALTER TABLE public.audit_log DROP COLUMN what")
    result = dbcompare.compare_databases(source, restored, changed={"public.audit_log"})
    assert [t.name for t in result.mismatches] == ["public.audit_log"]


def test_rows_hidden_by_row_level_security_are_not_an_empty_match(pg: int, source: str) -> None:
    """Compared as a role that row-level security filters, a table whose rows it cannot
    see would "match" with 0 rows on both sides: it is named as not compared instead."""
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE reader LOGIN; EXCEPTION WHEN duplicate_object"
                     " THEN NULL; END $$")  # fmt: skip
        conn.execute("GRANT USAGE ON SCHEMA app TO reader")
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA app, public TO reader")
        conn.execute("ALTER TABLE app.small ENABLE ROW LEVEL SECURITY")
    try:
        copy = _copy(pg, "rls_copy")
        as_reader = dbcompare.compare_databases(
            source.replace("postgres@", "reader@"), copy.replace("postgres@", "reader@")
        )
    finally:
        with psycopg.connect(source, autocommit=True) as conn:
            conn.execute("ALTER TABLE app.small DISABLE ROW LEVEL SECURITY")
    hidden = {t.name: t for t in as_reader.changed}
    assert list(hidden) == ["app.small"] and hidden["app.small"].method == "not readable"
    assert "row-level security" in hidden["app.small"].reasons[0]
    assert as_reader.percent == 100.0 and len(as_reader.compared) == 3


def test_unreachable_restore_is_named_without_a_traceback(source: str) -> None:
    from golive.facts.live.postgres import DatabaseUnreachable

    with pytest.raises(DatabaseUnreachable, match=r"127\.0\.0\.1:1/nowhere"):
        dbcompare.compare_databases(source, "postgresql://u:hunter2@127.0.0.1:1/nowhere")


# --- the drill, judged through the checks ---------------------------------------------------
def _py(code: str, *args: str) -> str:
    return shlex.join([sys.executable, "-c", code, *args])


def _config(tmp: Path, source: str, restored: str | None, restore_code: str) -> Path:
    lines = [
        'default_env = "fake"', "[environments.fake]", "disruptive = true",
        f"database_url = {json.dumps(source)}",
    ]  # fmt: skip
    if restored:
        lines.append(f"restore_database_url = {json.dumps(restored)}")
    lines += [
        "[environments.fake.commands]",
        f"backup = {json.dumps(_py('print(1)'))}",
        f"restore = {json.dumps(restore_code)}",
    ]
    path = tmp / "golive.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


RESTORE_CHECKS = ("cicd.restore-success", "ops.data-recovery-drill", "ops.backup-restore-drill")
# A restore command that really restores (a fresh copy of the source, then the planted
# damage) and always says it restored everything.
RESTORE = (
    "import sys, psycopg; port, name, damage = sys.argv[1:4]\n"
    "url = f'postgresql://postgres@127.0.0.1:{port}/'\n"
    "with psycopg.connect(url + 'postgres', autocommit=True) as c:\n"
    "    c.execute(f'DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)')\n"
    "    c.execute(f'CREATE DATABASE \"{name}\" TEMPLATE src')\n"
    "if damage:\n"
    "    with psycopg.connect(url + name, autocommit=True) as c: c.execute(damage)\n"
    "print('{\"restored\": true}')"
)
CHECKS = ("-k", "restore or recover")


def _restore(pg: int, name: str, damage: str = "") -> str:
    return _py(RESTORE, str(pg), name, damage)


def test_restore_that_lost_a_table_fails_though_its_command_claims_success(
    tmp_path: Path, pg: int, source: str
) -> None:
    command = _restore(pg, "restored_bad", "DROP TABLE app.composite")
    config = _config(tmp_path, source, _dsn(pg, "restored_bad"), command)
    run = run_suite(config, tmp_path / "out", CICD, OPERATIONS, extra=CHECKS)
    for cid in RESTORE_CHECKS:
        assert run.status(cid) == "fail", run.explain(cid)
    assert "app.composite: table missing" in run.explain("ops.data-recovery-drill")
    assert "app.composite" in run.explain("ops.backup-restore-drill")
    assert run.evidence("cicd.restore-success", "golive's comparison")["value"] == 75.0


def test_complete_restore_passes(tmp_path: Path, pg: int, source: str) -> None:
    config = _config(tmp_path, source, _dsn(pg, "restored_good"), _restore(pg, "restored_good"))
    run = run_suite(config, tmp_path / "out", CICD, OPERATIONS, extra=CHECKS)
    for cid in RESTORE_CHECKS:
        assert run.status(cid) == "pass", run.explain(cid)
    assert run.evidence("cicd.restore-success", "golive's comparison")["value"] == 100.0


def test_restore_that_restored_nothing_fails_on_a_stale_copy(
    tmp_path: Path, pg: int, source: str
) -> None:
    """A complete copy left from before, and a restore command that does nothing but say
    it restored: the copy was not rewritten, so it proves nothing about this backup."""
    stale = _copy(pg, "restored_stale")
    run = run_suite(_config(tmp_path, source, stale, CLAIMS_SUCCESS), tmp_path / "out",
                    CICD, OPERATIONS, extra=CHECKS)  # fmt: skip
    for cid in RESTORE_CHECKS:
        assert run.status(cid) == "fail", run.explain(cid)
    assert "not rewritten by the restore" in run.explain("ops.data-recovery-drill")


def test_without_a_restore_database_golive_does_not_take_the_commands_word(
    tmp_path: Path, source: str
) -> None:
    run = run_suite(_config(tmp_path, source, None, CLAIMS_SUCCESS), tmp_path / "out",
                    CICD, OPERATIONS, extra=CHECKS)  # fmt: skip
    for cid in RESTORE_CHECKS:
        assert run.status(cid) == "not_verified", run.explain(cid)
        assert "restore_database_url" in run.explain(cid)


CLAIMS_SUCCESS = _py("import json; print(json.dumps({'restored': True}))")


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('restore_database_url = "postgresql://u:hunter2@127.0.0.1/x"', "restore_database_url"),
        ('version_url = "ftp://127.0.0.1/version"', "version_url"),
        ("version_header = 3", "version_header"),
    ],
)
def test_bad_settings_are_one_line_naming_the_field(tmp_path: Path, line: str, field: str) -> None:
    from golive._errors import ConfigError
    from golive.config import load_config

    path = tmp_path / "golive.toml"
    path.write_text(f"[environments.x]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert len(caught.value.problems) == 1, caught.value.problems
    assert caught.value.problems[0].startswith(f"golive.toml: environments.x.{field}: ")
    assert "hunter2" not in str(caught.value)
