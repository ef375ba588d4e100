"""The environment commands golive runs against the demo stack (argv, no shell)::

    python -m golive.demo.ops --state RUN_DIR deploy v2
    python -m golive.demo.ops --state RUN_DIR rollback
    python -m golive.demo.ops --state RUN_DIR backup
    python -m golive.demo.ops --state RUN_DIR restore
    python -m golive.demo.ops --state RUN_DIR migrate
    python -m golive.demo.ops --state RUN_DIR failover
    python -m golive.demo.ops --state RUN_DIR data-loss
    python -m golive.demo.ops --state RUN_DIR status

Each prints one JSON object on stdout (progress goes to stderr) and exits 0 on success,
1 when the operation failed (a restore that does not verify, a failed smoke test or
migration), 2 on usage errors.

Deploy (good): start the new release, wait for its /health, switch the proxy, wait for
requests in flight on the old release to finish, stop it: no request fails. Deploy
(broken): stop the old release first, then start the new one and wait a fixed warm-up
time instead of polling its health: an outage, and a deploy slower than the demo's limit;
its post-deploy smoke test asks for a path the app does not serve, so the command fails
with the new release already live. Rollback (broken) reads the wrong field of the state
and redeploys the current release.

Failover: the active webapp process is killed (SIGKILL, a crashed instance) and the
front switch is pointed at another instance of the same release once the failure is
detected. Good: a warm standby was started (and found healthy) before the failure, so
the switch follows the detection at once. Broken: there is no standby; a replacement is
started cold after the failure, with the same fixed warm-up wait as its deploys: an
outage of seconds.

Data loss: the newest backup is restored into a drill database (the damaged copy);
every row of its public tables is deleted, then recovered from the backup
(``pg_restore --data-only``) and every table's row count compared with the backup's
manifest. Broken: the backup leaves out ``public.audit_log``, which cannot come back.
Then, on the live app database, the scenario's own loss: golive's marker tables
(``golive_drill_markers_*``, written by golive while the scenario runs) are backed up
(the recovery point, reported as ``recovery_point``), ``MARKER_LOSS_AFTER_S`` later
dropped (the failure), and restored. Broken: the recovery restores from an older backup
(the newest one in S3, made before golive's markers existed), so the table stays missing.

Migrate: every migration of the sample repository and its seed into a scratch database,
then the scratch database is dropped (what a release's migration step costs, timed by
golive as db.migration-time).

Backup: ``pg_dump -Fc`` of the app database inside an exported snapshot, with the exact
row counts of that snapshot in a manifest; both uploaded to the S3 backup bucket with
SSE (good) and kept locally. Restore: download the newest backup, check its checksum,
``pg_restore`` it into a fresh ``app_restored`` database (kept: golive compares it with
the source itself) and compare every table's row count with the manifest. The broken
variant's backup leaves out ``public.audit_log`` and is slower than the demo's limit;
its restore checks only the tables that came back, so it reports success (exit 0)
without that table.

Version: every release answers ``GET /version`` with ``{"version": release}`` (and an
``X-Release`` header); golive's rollback drill waits there for the previous release.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from golive.demo._launch import start_webapp
from golive.demo._proc import DemoError, ProcRecord, is_alive, stop, wait_for, wait_http
from golive.demo._state import load_state, locked, save_state

if TYPE_CHECKING:
    from golive.demo import postgres

__all__ = [
    "backup",
    "data_loss",
    "deploy",
    "failover",
    "main",
    "migrate",
    "restore",
    "rollback",
    "status",
]

MIGRATE_DB = "app_migrate_check"
LOSS_DB = "app_data_loss_drill"
MARKER_TABLES = "*.golive_drill_markers_*"  # golive's marker rows, any schema (pg_dump)
MARKER_LOSS_AFTER_S = 1.0  # from the recovery point to the failure: the data loss window
# The broken twin's fixed waits: longer than the demo environment's drill limits
# (0.2 min, golive.toml [environments.demo.thresholds]); the good twin polls instead.
BROKEN_WARMUP_S = 14.0
BROKEN_BACKUP_DELAY_S = 14.0
# The broken twin's post-deploy smoke test: a path the app does not serve (it has /health).
BROKEN_SMOKE_PATH = "/api/health"
BACKUP_PREFIX = "backups/"
_SCHEMAS = ["public", "auth", "supabase_migrations"]


def _say(line: str) -> None:
    print(f"[ops] {line}", file=sys.stderr, flush=True)


# --- deploy / rollback ------------------------------------------------------------------
def _switch(state: dict[str, Any], port: int) -> None:
    with httpx.Client(timeout=5.0) as client:
        resp = client.put(f"{state['proxy_admin_url']}/upstream", json={"port": port})
        resp.raise_for_status()


def _drain(state: dict[str, Any], port: int, timeout: float = 10.0) -> bool:
    """Wait until the proxy has no request in flight to ``port``."""
    with httpx.Client(timeout=2.0) as client:

        def idle() -> bool:
            body = client.get(f"{state['proxy_admin_url']}/upstream").json()
            return int(body["inflight"].get(str(port), 0)) == 0

        return wait_for(idle, timeout, 0.02)


def deploy(run_dir: Path, release: str, *, command: str = "deploy") -> dict[str, Any]:
    started = time.perf_counter()
    with locked(run_dir):
        state = load_state(run_dir)
        if state.get("status") != "up":
            raise DemoError(f"the demo stack in {run_dir} is not up")
        old = ProcRecord.from_json(state["processes"]["webapp"])
        previous = state["release"]
        broken = state["mode"] == "broken"
        if broken:
            # The defect: the old release goes away before the new one can answer.
            _say(f"stopping {old.name} (pid {old.pid})")
            stop(old)
        _say(f"starting {release}")
        new = start_webapp(run_dir, state, release)
        state["processes"]["webapp_next"] = new.to_json()  # so down finds it if we fail
        save_state(run_dir, state)
        if broken:
            _say(f"waiting {BROKEN_WARMUP_S} s for {release} to warm up")
            time.sleep(BROKEN_WARMUP_S)
        try:
            wait_http(
                f"http://127.0.0.1:{new.port}/health", timeout=30, proc=new,
                accept=lambda r: r.status_code == 200 and r.json().get("release") == release,
            )  # fmt: skip
        except DemoError:
            stop(new)
            del state["processes"]["webapp_next"]
            save_state(run_dir, state)
            raise
        _say(f"{release} healthy on port {new.port}; switching the proxy")
        _switch(state, int(new.port or 0))
        state["processes"]["webapp"] = new.to_json()
        del state["processes"]["webapp_next"]
        state["previous_release"], state["release"] = previous, release
        save_state(run_dir, state)
        if not broken:
            drained = _drain(state, int(old.port or 0))
            _say(f"old release drained: {drained}; stopping {old.name} (pid {old.pid})")
            stop(old)
        smoke = _smoke_test(state, BROKEN_SMOKE_PATH if broken else "/health")
        seconds = round(time.perf_counter() - started, 3)
        result = {
            "command": command,
            "ok": smoke["ok"],
            "release": release,
            "previous_release": previous,
            "strategy": "stop-then-start" if broken else "start-switch-drain-stop",
            "seconds": seconds,
            "smoke_test": smoke,
            "old": {"pid": old.pid, "port": old.port, "alive": is_alive(old)},
            "new": {"pid": new.pid, "port": new.port},
        }
        if not smoke["ok"]:
            result["error"] = f"smoke test failed: GET {smoke['path']} answered {smoke['status']}"
        state["deploys"].append(
            {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **result}
        )
        save_state(run_dir, state)
        return result


def _smoke_test(state: dict[str, Any], path: str, attempts: int = 3) -> dict[str, Any]:
    """GET ``path`` through the front once the new release is live; a transport error or
    a 5xx is tried again (up to ``attempts``), any other answer is final."""
    status: int | str = "not tried"
    with httpx.Client(timeout=5.0) as client:
        for attempt in range(attempts):
            if attempt:
                time.sleep(0.2)
            try:
                status = client.get(f"{state['base_url']}{path}").status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
                continue
            if status < 500:
                break
    return {"path": path, "status": status, "ok": status == 200}


def rollback(run_dir: Path) -> dict[str, Any]:
    """Deploy the previous release (v1 when there was none) the same way as a deploy.

    Broken: the script takes the release to return to from the wrong field (the current
    release), so the "rollback" redeploys what is live."""
    state = load_state(run_dir)
    if state["mode"] == "broken":
        target = state["release"]
    else:
        target = state.get("previous_release") or "v1"
    return deploy(run_dir, target, command="rollback")


def failover(run_dir: Path) -> dict[str, Any]:
    """Kill the active instance and fail over to another (see the module docstring)."""
    import signal

    started = time.perf_counter()
    with locked(run_dir):
        state = load_state(run_dir)
        if state.get("status") != "up":
            raise DemoError(f"the demo stack in {run_dir} is not up")
        release = state["release"]
        broken = state["mode"] == "broken"
        active = ProcRecord.from_json(state["processes"]["webapp"])
        standby: ProcRecord | None = None
        if not broken:
            _say(f"warm standby of {release}")
            standby = start_webapp(run_dir, state, release)
            state["processes"]["webapp_next"] = standby.to_json()
            save_state(run_dir, state)
            wait_http(
                f"http://127.0.0.1:{standby.port}/health", timeout=30, proc=standby,
                accept=lambda r: r.status_code == 200,
            )  # fmt: skip
        _say(f"killing the active instance {active.name} (pid {active.pid})")
        failed_at = time.perf_counter()
        stop(active, sig=signal.SIGKILL)

        def down() -> bool:
            try:
                httpx.get(f"http://127.0.0.1:{active.port}/health", timeout=0.5)
            except httpx.HTTPError:
                return True
            return False

        detected = wait_for(down, 10.0, 0.02)
        detected_s = round(time.perf_counter() - failed_at, 3)
        if standby is None:
            _say(f"no standby: starting {release} cold, waiting {BROKEN_WARMUP_S} s")
            standby = start_webapp(run_dir, state, release)
            state["processes"]["webapp_next"] = standby.to_json()
            save_state(run_dir, state)
            time.sleep(BROKEN_WARMUP_S)
            wait_http(
                f"http://127.0.0.1:{standby.port}/health", timeout=30, proc=standby,
                accept=lambda r: r.status_code == 200,
            )  # fmt: skip
        _switch(state, int(standby.port or 0))
        switched_s = round(time.perf_counter() - failed_at, 3)
        state["processes"]["webapp"] = standby.to_json()
        del state["processes"]["webapp_next"]
        save_state(run_dir, state)
        smoke = _smoke_test(state, "/health")
        return {
            "command": "failover",
            "ok": smoke["ok"] and detected,
            "release": release,
            "strategy": "cold-restart" if broken else "warm-standby",
            "failed": {"pid": active.pid, "port": active.port, "alive": is_alive(active)},
            "active": {"pid": standby.pid, "port": standby.port},
            "detected": detected,
            "detected_after_s": detected_s,
            "switched_after_s": switched_s,
            "smoke_test": smoke,
            "seconds": round(time.perf_counter() - started, 3),
        }


# --- backup / restore -------------------------------------------------------------------
def _cluster(state: dict[str, Any]) -> postgres.PgCluster:
    from golive.demo import postgres

    pg = state["postgres"]
    return postgres.PgCluster(
        root=Path(pg["root"]), port=int(pg["port"]), bin_dir=Path(pg["bin_dir"])
    )


def _pg_tool(cluster: postgres.PgCluster, tool: str, *args: str) -> list[str]:
    from golive.demo import postgres

    return [
        str(cluster.bin_dir / tool),
        "-h", str(cluster.socket_dir), "-p", str(cluster.port), "-U", postgres.SUPERUSER,
        *args,
    ]  # fmt: skip


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def backup(run_dir: Path) -> dict[str, Any]:
    import psycopg

    from golive.demo import aws, postgres

    started = time.perf_counter()
    state = load_state(run_dir)
    cluster = _cluster(state)
    broken = state["mode"] == "broken"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    local = run_dir / "backups" / f"app-{stamp}.dump"
    local.parent.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(cluster.superuser_conninfo()) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        # The dump and the counts read the same snapshot: the manifest is exact even while
        # the application keeps writing.
        (snapshot,) = conn.execute("SELECT pg_export_snapshot()").fetchone() or ("",)
        counts = postgres.table_row_counts(conn, _SCHEMAS)
        argv = _pg_tool(cluster, "pg_dump", "-Fc", "--snapshot", str(snapshot),
                        "-f", str(local), "-d", postgres.APP_DB)  # fmt: skip
        if broken:
            argv += ["-T", "public.audit_log"]  # the defect: one table never makes it
        out = subprocess.run(argv, capture_output=True, text=True, check=False)
        conn.rollback()
    if out.returncode != 0:
        raise DemoError(f"pg_dump failed: {out.stderr.strip()}")
    if broken:
        # Stands in for the broken twin's throttled upload: slower than the demo's limit.
        _say(f"uploading (throttled: {BROKEN_BACKUP_DELAY_S} s)")
        time.sleep(BROKEN_BACKUP_DELAY_S)
    checksum = _sha256(local)
    key = f"{BACKUP_PREFIX}app-{stamp}.dump"
    manifest = {
        "key": key,
        "created_at": stamp,
        "database": postgres.APP_DB,
        "format": "pg_dump custom",
        "bytes": local.stat().st_size,
        "sha256": checksum,
        "tables": counts,
    }
    local.with_suffix(".manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
    sse: dict[str, Any] = {} if broken else {"ServerSideEncryption": "AES256"}
    s3 = aws.client("s3", state["aws_endpoint_url"], state["aws_region"])
    try:
        with local.open("rb") as fh:
            s3.put_object(Bucket=aws.BUCKET, Key=key, Body=fh, **sse)
        s3.put_object(
            Bucket=aws.BUCKET,
            Key=key.removesuffix(".dump") + ".manifest.json",
            Body=json.dumps(manifest).encode(),
            ContentType="application/json",
            **sse,
        )
        head = s3.head_object(Bucket=aws.BUCKET, Key=key)
    finally:
        s3.close()
    return {
        "command": "backup",
        "ok": True,
        "bucket": aws.BUCKET,
        "key": key,
        "local": str(local),
        "bytes": manifest["bytes"],
        "sha256": checksum,
        "server_side_encryption": head.get("ServerSideEncryption"),
        "tables": counts,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _latest_backup(s3: Any) -> str:
    from golive.demo import aws

    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=aws.BUCKET, Prefix=BACKUP_PREFIX)
    dumps = [o for page in pages for o in page.get("Contents", []) if o["Key"].endswith(".dump")]
    if not dumps:
        raise DemoError(f"no backup in s3://{aws.BUCKET}/{BACKUP_PREFIX}")
    return str(max(dumps, key=lambda o: (o["LastModified"], o["Key"]))["Key"])


def _compare_counts(
    manifest: dict[str, Any], counts: dict[str, int], label: str, problems: list[str]
) -> dict[str, dict[str, int | None]]:
    """Each table's row count against the backup manifest; a mismatch is a problem."""
    tables: dict[str, dict[str, int | None]] = {}
    for table, expected in sorted(manifest["tables"].items()):
        got = counts.get(table)
        tables[table] = {"expected": int(expected), label: got}
        if got != expected:
            shown = "no table" if got is None else f"{got}"
            problems.append(f"{table}: expected {expected} rows, {label} {shown}")
    return tables


def _fetch_latest_backup(
    state: Mapping[str, Any], folder: Path, *, prefix: str
) -> tuple[str, Path, dict[str, Any]]:
    """Download the newest backup and its manifest: (S3 key, local dump, manifest)."""
    from golive.demo import aws

    s3 = aws.client("s3", state["aws_endpoint_url"], state["aws_region"])
    try:
        key = _latest_backup(s3)
        target = folder / f"{prefix}{Path(key).name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(aws.BUCKET, key, str(target))
        body = s3.get_object(Bucket=aws.BUCKET, Key=key.removesuffix(".dump") + ".manifest.json")
        manifest: dict[str, Any] = json.loads(body["Body"].read())
    finally:
        s3.close()
    return key, target, manifest


def restore(run_dir: Path) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    from golive.demo import postgres

    started = time.perf_counter()
    state = load_state(run_dir)
    cluster = _cluster(state)
    key, target, manifest = _fetch_latest_backup(state, run_dir / "restore", prefix="")
    problems: list[str] = []
    if _sha256(target) != manifest["sha256"]:
        problems.append("checksum of the downloaded backup differs from the manifest")
    restored_db = sql.Identifier(postgres.RESTORE_DB)
    with psycopg.connect(cluster.superuser_conninfo("postgres"), autocommit=True) as admin:
        # The restore target is kept (golive compares it with the source afterwards); each
        # restore starts from an empty database.
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(restored_db))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(restored_db))
        out = subprocess.run(
            _pg_tool(cluster, "pg_restore", "--exit-on-error", "--single-transaction",
                     "-d", postgres.RESTORE_DB, str(target)),
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if out.returncode != 0:
            problems.append(f"pg_restore failed: {out.stderr.strip()[:500]}")
        with psycopg.connect(cluster.superuser_conninfo(postgres.RESTORE_DB)) as conn:
            restored = postgres.table_row_counts(conn, _SCHEMAS)
    if state["mode"] == "broken":
        # The defect: the self-check only looks at the tables that came back, so a table
        # the backup lost goes unnoticed and the command reports success (exit 0).
        manifest = {**manifest, "tables": {t: n for t, n in manifest["tables"].items()
                                           if t in restored}}  # fmt: skip
    tables = _compare_counts(manifest, restored, "restored", problems)
    return {
        "command": "restore",
        "verified": not problems,
        "restored": True,
        "key": key,
        "database": postgres.RESTORE_DB,
        "tables": tables,
        "problems": problems,
        "seconds": round(time.perf_counter() - started, 3),
    }


def data_loss(run_dir: Path) -> dict[str, Any]:
    """The data-loss drill in a copy of the newest backup (see the module docstring)."""
    import psycopg
    from psycopg import sql

    from golive.demo import postgres

    started = time.perf_counter()
    state = load_state(run_dir)
    cluster = _cluster(state)
    key, dump, manifest = _fetch_latest_backup(state, run_dir / "restore", prefix="loss-")
    problems: list[str] = []
    drill = sql.Identifier(LOSS_DB)
    with psycopg.connect(cluster.superuser_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(drill))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(drill))
        try:
            out = subprocess.run(
                _pg_tool(cluster, "pg_restore", "--exit-on-error", "--single-transaction",
                         "-d", LOSS_DB, str(dump)),
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                raise DemoError(f"the drill copy could not be made: {out.stderr.strip()[:300]}")
            with psycopg.connect(cluster.superuser_conninfo(LOSS_DB), autocommit=True) as conn:
                before = postgres.table_row_counts(conn, ["public"])
                emptied = [t for t, n in before.items() if n]
                if emptied:
                    names = [sql.Identifier(*t.split(".", 1)) for t in emptied]
                    conn.execute(sql.SQL("TRUNCATE {} CASCADE").format(sql.SQL(", ").join(names)))
                after = postgres.table_row_counts(conn, ["public"])
            _say(f"deleted {sum(before.values()) - sum(after.values())} rows; recovering")
            recovery = time.perf_counter()
            out = subprocess.run(
                _pg_tool(cluster, "pg_restore", "--data-only", "--disable-triggers",
                         "--exit-on-error", "--single-transaction", "-n", "public",
                         "-d", LOSS_DB, str(dump)),
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                problems.append(f"pg_restore --data-only failed: {out.stderr.strip()[:500]}")
            recovery_s = round(time.perf_counter() - recovery, 3)
            with psycopg.connect(cluster.superuser_conninfo(LOSS_DB)) as conn:
                recovered = postgres.table_row_counts(conn, _SCHEMAS)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(drill))
    tables = _compare_counts(manifest, recovered, "recovered", problems)
    markers = _marker_loss(state, cluster, dump, run_dir / "restore")
    return {
        "command": "data-loss",
        "verified": not problems,
        "key": key,
        "backup_created_at": manifest.get("created_at"),
        **markers,
        "drill_database": LOSS_DB,
        "tables_emptied": emptied,
        "deleted_rows": sum(before.values()) - sum(after.values()),
        "recovery_seconds": recovery_s,
        "tables": tables,
        "problems": problems,
        "seconds": round(time.perf_counter() - started, 3),
    }


def _marker_loss(
    state: dict[str, Any], cluster: postgres.PgCluster, older: Path, folder: Path
) -> dict[str, Any]:
    """Back up golive's marker tables, drop them (the failure), restore them; broken: from
    ``older``, a backup made before they existed (see the module docstring)."""
    import psycopg
    from psycopg import sql

    from golive.demo import postgres

    with psycopg.connect(cluster.superuser_conninfo(), autocommit=True) as conn:
        found = conn.execute(
            "SELECT schemaname, tablename FROM pg_tables"
            " WHERE tablename LIKE 'golive\\_drill\\_markers\\_%'").fetchall()  # fmt: skip
    names = [f"{schema}.{table}" for schema, table in found]
    if not names:
        return {"marker_tables": []}
    dump = folder / "markers.dump"
    folder.mkdir(parents=True, exist_ok=True)
    point = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
    out = subprocess.run(_pg_tool(cluster, "pg_dump", "-Fc", "-t", MARKER_TABLES, "-f", str(dump),
                                  "-d", postgres.APP_DB), capture_output=True, text=True,
                         check=False)  # fmt: skip
    if out.returncode != 0:
        raise DemoError(f"pg_dump of the marker tables failed: {out.stderr.strip()[:300]}")
    time.sleep(MARKER_LOSS_AFTER_S)
    _say(f"dropping {', '.join(names)} (the failure)")
    with psycopg.connect(cluster.superuser_conninfo(), autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(
                sql.Identifier(*name.split(".", 1))))  # fmt: skip
    source = older if state["mode"] == "broken" else dump  # the defect: the wrong backup
    # pg_restore -t takes a bare table name; -n limits it to the schema
    selection = [a for n in names for a in ("-n", n.split(".", 1)[0], "-t", n.split(".", 1)[1])]
    out = subprocess.run(_pg_tool(cluster, "pg_restore", "-d", postgres.APP_DB, *selection,
                                  str(source)), capture_output=True, text=True,
                         check=False)  # fmt: skip
    with psycopg.connect(cluster.superuser_conninfo(), autocommit=True) as conn:
        back = [n for n in names if conn.execute("SELECT to_regclass(%s)", (n,))
                .fetchone() not in (None, (None,))]  # fmt: skip
    return {"marker_tables": names, "recovery_point": point,
            "marker_restore": "ok" if out.returncode == 0 else out.stderr.strip()[:300],
            "marker_tables_recovered": back}  # fmt: skip


def migrate(run_dir: Path) -> dict[str, Any]:
    """Every migration of the sample repository, then its seed, into a scratch database
    (platform schema first, as Supabase provides it); the scratch database is dropped
    afterwards. A failing migration or seed raises DemoError (exit 1)."""
    import psycopg
    from psycopg import sql

    from golive.demo import postgres

    started = time.perf_counter()
    state = load_state(run_dir)
    cluster = _cluster(state)
    files = postgres.repo_migrations(state)
    seed = postgres.repo_seed(state)
    scratch = sql.Identifier(MIGRATE_DB)
    with psycopg.connect(cluster.superuser_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(scratch))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(scratch))
        try:
            conninfo = cluster.superuser_conninfo(MIGRATE_DB)
            postgres.apply_platform(conninfo)
            _say(f"applying {len(files)} migrations into {MIGRATE_DB}")
            report = postgres.apply_migrations(conninfo, files)
            _say(f"loading {seed.name}")
            try:
                postgres.apply_seed(conninfo, seed)
            except psycopg.Error as exc:
                raise DemoError(f"seed {seed.name} failed: {str(exc).strip()[:300]}") from exc
            with psycopg.connect(conninfo) as conn:
                counts = postgres.table_row_counts(conn, ["public"])
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(scratch))
    return {
        "command": "migrate",
        "ok": True,
        "scratch_database": MIGRATE_DB,
        "applied": report.applied,
        "seed": seed.name,
        "tables": counts,
        "seconds": round(time.perf_counter() - started, 3),
    }


def status(run_dir: Path) -> dict[str, Any]:
    state = load_state(run_dir)
    return {
        "command": "status",
        "status": state.get("status"),
        "mode": state["mode"],
        "release": state["release"],
        "previous_release": state.get("previous_release"),
        "base_url": state["base_url"],
        "processes": {
            name: {
                "pid": rec["pid"],
                "port": rec.get("port"),
                "alive": is_alive(ProcRecord.from_json(rec)),
            }
            for name, rec in state["processes"].items()
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.ops")
    parser.add_argument("--state", type=Path, required=True, help="the stack's run directory")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("deploy").add_argument("release")
    for name in ("rollback", "backup", "restore", "migrate", "failover", "data-loss", "status"):
        sub.add_parser(name)
    args = parser.parse_args(argv)
    run_dir = args.state.resolve()
    try:
        if args.command == "deploy":
            result = deploy(run_dir, args.release)
        elif args.command == "rollback":
            result = rollback(run_dir)
        elif args.command == "backup":
            result = backup(run_dir)
        elif args.command == "restore":
            result = restore(run_dir)
        elif args.command == "migrate":
            result = migrate(run_dir)
        elif args.command == "failover":
            result = failover(run_dir)
        elif args.command == "data-loss":
            result = data_loss(run_dir)
        else:
            result = status(run_dir)
    except DemoError as exc:
        print(json.dumps({"command": args.command, "ok": False, "error": str(exc)}))
        print(f"golive demo ops: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    if result.get("error"):
        print(f"golive demo ops: {result['error']}", file=sys.stderr)
    return 0 if result.get("verified", True) and result.get("ok", True) else 1


if __name__ == "__main__":
    sys.exit(main())
