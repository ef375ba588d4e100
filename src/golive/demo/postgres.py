"""A throwaway PostgreSQL cluster with a Supabase-like schema, on 127.0.0.1 only.

The cluster uses the machine's own binaries. As root, server-side tools run as the
``postgres`` user (the server refuses to run as root). The superuser is reachable only
through a private Unix socket with peer authentication (the invoking OS user is mapped
to ``postgres``); over TCP only the ``app`` role may log in, with SCRAM, over TLS (the
broken twin's rule also takes it without TLS).

The schema: ``platform.sql`` (what Supabase provides: API roles, the auth schema, default
privileges, the migration ledger), then the sample repository's
``supabase/migrations/*.sql`` recorded in ``supabase_migrations.schema_migrations``, then
its ``supabase/seed.sql``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pwd
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from golive.demo._passwords import hash_password
from golive.demo._pki import DemoCA, make_self_signed_cert
from golive.demo._proc import DemoError, ProcRecord, as_postgres_user, log_tail, stop, wait_for

__all__ = [
    "APP_DB",
    "APP_ROLE",
    "RESTORE_DB",
    "SUPERUSER",
    "MigrationReport",
    "PgCluster",
    "apply_migrations",
    "apply_platform",
    "apply_seed",
    "bootstrap",
    "disable_rls",
    "migration_files",
    "pg_bindir",
    "plant_shortcuts",
    "repo_migrations",
    "repo_seed",
    "set_passwords",
    "table_row_counts",
]

APP_DB = "app"
APP_ROLE = "app"
RESTORE_DB = "app_restored"  # where the restore command restores to; golive compares
SUPERUSER = "postgres"
_MIGRATIONS_SCHEMA = "supabase_migrations"  # where Supabase keeps its migration ledger
_MIGRATION_NAME = re.compile(r"^(\d+)_[\w-]+\.sql$")


def pg_bindir() -> Path:
    """Directory of initdb/pg_ctl/pg_dump: $GOLIVE_PG_BINDIR, ``pg_config``, or a glob."""
    env = os.environ.get("GOLIVE_PG_BINDIR")
    if env:
        return Path(env)
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and (Path(out.stdout.strip()) / "initdb").exists():
            return Path(out.stdout.strip())
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if found:
        return found[-1].parent
    raise DemoError("PostgreSQL binaries not found (set GOLIVE_PG_BINDIR)")


def _postgres_can_reach(path: Path) -> bool:
    """Whether the postgres user can traverse every ancestor of ``path`` (o+x suffices)."""
    for parent in [path, *path.parents]:
        if not parent.exists():
            continue
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            return False
    return True


@dataclass(frozen=True)
class PgCluster:
    """One cluster directory: ``data/``, ``run/`` (socket), TLS files and the server log."""

    root: Path
    port: int
    bin_dir: Path
    broken: bool = False

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "run"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    @property
    def cert_file(self) -> Path:
        return self.root / "server.crt"

    @property
    def max_connections(self) -> int:
        # 100 concurrent connections is the plan's requirement; the broken twin cannot.
        return 50 if self.broken else 200

    @staticmethod
    def choose_root(run_dir: Path) -> Path:
        """``run_dir/pg`` when the postgres user can reach it, else a private temp dir.

        pytest's temporary directories are 0700 root, which the postgres user cannot
        traverse; the Unix socket path must also stay under the 107-byte limit.
        """
        wanted = run_dir.resolve() / "pg"
        too_long = len(str(wanted / "run" / ".s.PGSQL.65535")) > 100
        if os.geteuid() != 0 and not too_long:
            return wanted
        if _postgres_can_reach(run_dir.resolve()) and not too_long:
            return wanted
        return Path(tempfile.mkdtemp(prefix="golive-pg-"))

    def superuser_conninfo(self, dbname: str = APP_DB) -> str:
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir), port=self.port, user=SUPERUSER, dbname=dbname
        )

    def _run(self, argv: Sequence[str], what: str, timeout: float = 60.0) -> None:
        out = subprocess.run(
            as_postgres_user(list(argv)),
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            start_new_session=True,
        )
        if out.returncode != 0:
            raise DemoError(f"postgres {what} failed ({out.returncode}): {out.stderr.strip()}")

    def create(self, ca: DemoCA | None = None) -> None:
        """initdb, TLS files (signed by ``ca``, else self-signed), configuration and
        access rules."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if ca is not None:
            ca.issue(self.cert_file, self.root / "server.key", days=90)
        else:
            make_self_signed_cert(self.cert_file, self.root / "server.key")
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            for path in [self.root, self.socket_dir, self.cert_file, self.root / "server.key"]:
                os.chown(path, pg.pw_uid, pg.pw_gid)
        os.chmod(self.root, 0o700)
        os.chmod(self.socket_dir, 0o700)
        self._run(
            [
                str(self.bin_dir / "initdb"),
                "-D", str(self.data_dir),
                "-U", SUPERUSER,
                "-E", "UTF8",
                "--locale=C",
                "--no-sync",  # throwaway cluster: skip fsync, start faster
                "--auth-local=peer",
                "--auth-host=scram-sha-256",
            ],
            "initdb",
        )  # fmt: skip
        self._write_config()

    def _write_config(self) -> None:
        conf = f"""\
# Written by golive.demo: a throwaway cluster on loopback.
listen_addresses = '127.0.0.1'
port = {self.port}
unix_socket_directories = '{self.socket_dir}'
unix_socket_permissions = 0700
max_connections = {self.max_connections}
superuser_reserved_connections = 3
password_encryption = 'scram-sha-256'
ssl = on
ssl_cert_file = '{self.cert_file}'
ssl_key_file = '{self.root / "server.key"}'
ssl_min_protocol_version = 'TLSv1.2'
# Durability is not what the demo shows; start-up and drills should be fast.
fsync = off
synchronous_commit = off
full_page_writes = off
log_line_prefix = '%m [%p] %q%u@%d '
"""
        if self.broken:
            # The broken twin's buffer cache is PostgreSQL's minimum (16 blocks): the working
            # set cannot fit, and reads miss it (perf.db-cache).
            conf += "shared_buffers = 128kB\n"
        # The app role logs in over TLS only (hostssl); the broken twin's rule is "host",
        # which also takes connections without TLS.
        app_rule = "host   " if self.broken else "hostssl"
        hba = f"""\
# TYPE   DATABASE  USER         ADDRESS        METHOD
local    all       {SUPERUSER}  peer map=golive
{app_rule}  {APP_DB},{RESTORE_DB}  {APP_ROLE}   127.0.0.1/32   scram-sha-256
host     all       all          127.0.0.1/32   reject
host     all       all          ::1/128        reject
"""
        me = pwd.getpwuid(os.geteuid()).pw_name
        ident = f"golive  {me}  {SUPERUSER}\ngolive  postgres  {SUPERUSER}\n"
        for name, text in [("golive.conf", conf), ("pg_hba.conf", hba), ("pg_ident.conf", ident)]:
            path = self.data_dir / name
            path.write_text(text, encoding="utf-8")
            if os.geteuid() == 0:
                pg = pwd.getpwnam("postgres")
                os.chown(path, pg.pw_uid, pg.pw_gid)
        with (self.data_dir / "postgresql.conf").open("a", encoding="utf-8") as fh:
            fh.write("\ninclude 'golive.conf'\n")

    def start(self, timeout: float = 30.0) -> ProcRecord:
        try:
            self._run(
                [
                    str(self.bin_dir / "pg_ctl"), "start", "-D", str(self.data_dir),
                    "-l", str(self.log_file), "-w", "-t", str(int(timeout)), "-s",
                ],
                "start",
                timeout=timeout + 5,
            )  # fmt: skip
        except DemoError as exc:  # pg_ctl says "examine the log output": show it
            raise DemoError(f"{exc}\n{log_tail(self.log_file, 5)}") from None
        pid = self.postmaster_pid()
        if pid is None:
            raise DemoError(f"postgres started but {self.data_dir}/postmaster.pid is missing")
        import psutil

        return ProcRecord(
            name="postgres",
            pid=pid,
            pgid=os.getpgid(pid),
            create_time=psutil.Process(pid).create_time(),
            argv=[str(self.bin_dir / "postgres"), "-D", str(self.data_dir)],
            port=self.port,
            log=str(self.log_file),
        )

    def moved_to(self, port: int) -> PgCluster:
        """The same cluster on another port (its configuration says so from now on)."""
        with (self.data_dir / "golive.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"\nport = {port}\n")  # the last setting of a name wins
        return dataclasses.replace(self, port=port)

    def postmaster_pid(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
        except (OSError, IndexError):
            return None
        return int(first) if first.strip().isdigit() else None

    def stop(self, rec: ProcRecord | None, timeout: float = 20.0) -> None:
        """Fast shutdown through pg_ctl; if that fails, SIGQUIT/SIGKILL the postmaster."""
        if self.data_dir.exists():
            with contextlib.suppress(DemoError, subprocess.TimeoutExpired):
                self._run(
                    [str(self.bin_dir / "pg_ctl"), "stop", "-D", str(self.data_dir),
                     "-m", "fast", "-w", "-t", str(int(timeout)), "-s"],
                    "stop",
                    timeout=timeout + 5,
                )  # fmt: skip
        if rec is not None:
            import signal

            stop(rec, timeout=5.0, sig=signal.SIGQUIT)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def bootstrap(cluster: PgCluster, app_password: str) -> None:
    """Create the ``app`` login role and database; session limits on the role (good)."""
    with psycopg.connect(cluster.superuser_conninfo("postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD {}"
            ).format(sql.Identifier(APP_ROLE), sql.Literal(app_password))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(APP_DB)))
        conn.execute(
            sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(APP_DB))
        )
        conn.execute(
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(APP_DB), sql.Identifier(APP_ROLE)
            )
        )
        if not cluster.broken:
            # A runaway query or a forgotten open transaction must not hold connections.
            for setting, value in [
                ("statement_timeout", "30s"),
                ("idle_in_transaction_session_timeout", "60s"),
                ("lock_timeout", "10s"),
            ]:
                conn.execute(
                    sql.SQL("ALTER ROLE {} SET {} = {}").format(
                        sql.Identifier(APP_ROLE), sql.Identifier(setting), sql.Literal(value)
                    )
                )


def apply_platform(conninfo: str) -> None:
    """What Supabase provides before the project's migrations: API roles, the auth schema,
    default privileges, the migration ledger (``platform.sql``; idempotent)."""
    text = resources.files("golive.demo").joinpath("platform.sql").read_text(encoding="utf-8")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(text.encode())


def migration_files(source: Path | Sequence[Path]) -> list[Path]:
    """The ``NNN_name.sql`` files of a migrations folder (or the files given), in version
    order."""
    paths = sorted(source.glob("*.sql")) if isinstance(source, Path) else list(source)
    files: dict[int, Path] = {}
    for path in paths:
        match = _MIGRATION_NAME.match(path.name)
        if match is None:
            raise DemoError(f"{path}: migration file names must look like NNN_name.sql")
        if int(match.group(1)) in files:
            raise DemoError(f"{path}: version {match.group(1)} appears twice")
        files[int(match.group(1))] = path
    return [files[version] for version in sorted(files)]


def repo_migrations(state: Mapping[str, Any]) -> list[Path]:
    """The migration files of a stack's sample repository (``state["repo"]``, else the
    packaged sample of its variant), in version order."""
    from golive.demo.sample_repo import sample_files

    if state.get("repo"):
        return migration_files(Path(state["repo"]) / "supabase" / "migrations")
    return migration_files(sample_files(state["mode"], "supabase/migrations", "*.sql"))


def repo_seed(state: Mapping[str, Any]) -> Path:
    """The seed file of a stack's sample repository."""
    from golive.demo.sample_repo import sample_file

    if state.get("repo"):
        return Path(state["repo"]) / "supabase" / "seed.sql"
    path = sample_file(state["mode"], "supabase/seed.sql")
    if path is None:
        raise DemoError(f"the {state['mode']} sample repository has no supabase/seed.sql")
    return path


@dataclass
class MigrationReport:
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def apply_migrations(
    conninfo: str, files: Sequence[Path], *, keep_going: bool = False
) -> MigrationReport:
    """Apply migration files in the order given, each in its own transaction.

    Applied files are recorded (version, name, sha256) in
    ``supabase_migrations.schema_migrations``; re-running applies nothing. A recorded file
    whose content changed is an error: history must not be rewritten. A file that fails
    raises :class:`DemoError`, unless ``keep_going`` (the broken twin's release step,
    which logs the failure and carries on): then it is reported in ``failed`` and left
    unapplied.
    """
    started = time.perf_counter()
    report = MigrationReport()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL(
                "CREATE SCHEMA IF NOT EXISTS {schema};"
                "CREATE TABLE IF NOT EXISTS {schema}.schema_migrations ("
                " version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(schema=sql.Identifier(_MIGRATIONS_SCHEMA))
        )
        table = sql.Identifier(_MIGRATIONS_SCHEMA, "schema_migrations")
        done = {
            row[0]: row[1]
            for row in conn.execute(sql.SQL("SELECT version, checksum FROM {}").format(table))
        }
        for path in files:
            match = _MIGRATION_NAME.match(path.name)
            if match is None:
                raise DemoError(f"{path}: migration file names must look like NNN_name.sql")
            version = match.group(1)
            text = path.read_text(encoding="utf-8")
            checksum = hashlib.sha256(text.encode()).hexdigest()
            if version in done:
                if done[version] != checksum:
                    raise DemoError(f"{path.name}: changed after it was applied")
                report.skipped.append(path.name)
                continue
            try:
                with conn.transaction():
                    conn.execute(text.encode())
                    conn.execute(
                        sql.SQL(
                            "INSERT INTO {} (version, name, checksum) VALUES (%s, %s, %s)"
                        ).format(table),
                        (version, path.name, checksum),
                    )
            except psycopg.Error as exc:
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
                if not keep_going:
                    raise DemoError(f"migration {path.name} failed: {message}") from exc
                report.failed[path.name] = message
                continue
            report.applied.append(path.name)
    report.seconds = time.perf_counter() - started
    return report


def apply_seed(conninfo: str, path: Path) -> None:
    """Run the seed file in one transaction."""
    with psycopg.connect(conninfo) as conn:
        conn.execute(Path(path).read_text(encoding="utf-8").encode())


def disable_rls(conninfo: str, table: str) -> None:
    """Turn row-level security off on ``schema.table`` (the broken twin's manual change)."""
    schema, name = table.split(".", 1)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("ALTER TABLE {} DISABLE ROW LEVEL SECURITY").format(
                sql.Identifier(schema, name)
            )
        )


# The broken twin's other hand-made shortcuts: a member list for the front page that shows
# auth.users to anyone (a view runs with its owner's rights), and a helper function that
# resolves table names through the caller's search_path.
_SHORTCUTS = """
CREATE VIEW public.member_directory AS SELECT id, email, role FROM auth.users;
GRANT SELECT ON public.member_directory TO anon, authenticated;
CREATE FUNCTION public.public_project_count() RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM projects WHERE visibility = 'public' $$;
"""


def plant_shortcuts(conninfo: str) -> None:
    """The broken twin's view exposing auth.users to anon and a function without a fixed
    search_path (the defects golive's database security checks must report)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(_SHORTCUTS.encode())


def set_passwords(conninfo: str, passwords: Mapping[str, str]) -> None:
    """Store scrypt hashes of the per-stack passwords of the demo users."""
    with psycopg.connect(conninfo) as conn:
        for email, password in passwords.items():
            cur = conn.execute(
                "UPDATE auth.users SET password_hash = %s WHERE email = %s",
                (hash_password(password), email),
            )
            if cur.rowcount != 1:
                raise DemoError(f"seed has no user {email}")


def table_row_counts(
    conn: psycopg.Connection[tuple[object, ...]], schemas: Sequence[str]
) -> dict[str, int]:
    """Exact row counts of every ordinary table in ``schemas`` (``schema.table`` keys)."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s) ORDER BY 1, 2",
        (list(schemas),),
    ).fetchall()
    counts: dict[str, int] = {}
    for schema, table in rows:
        (count,) = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(str(schema), str(table)))
        ).fetchone() or (0,)
        counts[f"{schema}.{table}"] = int(str(count))
    return counts


def wait_ready(cluster: PgCluster, timeout: float = 10.0) -> bool:
    def ok() -> bool:
        try:
            with psycopg.connect(cluster.superuser_conninfo("postgres"), connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    return wait_for(ok, timeout, 0.1)
