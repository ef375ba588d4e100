"""The environment commands golive runs against the demo stack (argv, no shell)::

    python -m golive.demo.ops --state RUN_DIR deploy v2
    python -m golive.demo.ops --state RUN_DIR rollback
    python -m golive.demo.ops --state RUN_DIR backup
    python -m golive.demo.ops --state RUN_DIR restore
    python -m golive.demo.ops --state RUN_DIR status

Each prints one JSON object on stdout (progress goes to stderr) and exits 0 on success,
1 when the operation failed (a restore that does not verify), 2 on usage errors.

Deploy (good): start the new release, wait for its /health, switch the proxy, wait for
requests in flight on the old release to finish, stop it: no request fails. Deploy
(broken): stop the old release first, then start the new one: an outage.

Backup: ``pg_dump -Fc`` of the app database inside an exported snapshot, with the exact
row counts of that snapshot in a manifest; both uploaded to the S3 backup bucket with
SSE (good) and kept locally. Restore: download the newest backup, check its checksum,
``pg_restore`` it into a scratch database and compare every table's row count with the
manifest. The broken variant's backup leaves out ``public.audit_log``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from golive.demo._launch import start_webapp
from golive.demo._proc import DemoError, ProcRecord, is_alive, stop, wait_for, wait_http
from golive.demo._state import load_state, locked, save_state

if TYPE_CHECKING:
    from golive.demo import postgres

__all__ = ["backup", "deploy", "main", "restore", "rollback", "status"]

SCRATCH_DB = "app_restore_check"
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
        seconds = round(time.perf_counter() - started, 3)
        result = {
            "command": command,
            "release": release,
            "previous_release": previous,
            "strategy": "stop-then-start" if broken else "start-switch-drain-stop",
            "seconds": seconds,
            "old": {"pid": old.pid, "port": old.port, "alive": is_alive(old)},
            "new": {"pid": new.pid, "port": new.port},
        }
        state["deploys"].append(
            {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **result}
        )
        save_state(run_dir, state)
        return result


def rollback(run_dir: Path) -> dict[str, Any]:
    """Deploy the previous release (v1 when there was none) the same way as a deploy."""
    state = load_state(run_dir)
    target = state.get("previous_release") or "v1"
    return deploy(run_dir, target, command="rollback")


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


def restore(run_dir: Path) -> dict[str, Any]:
    import psycopg
    from psycopg import sql

    from golive.demo import aws, postgres

    started = time.perf_counter()
    state = load_state(run_dir)
    cluster = _cluster(state)
    s3 = aws.client("s3", state["aws_endpoint_url"], state["aws_region"])
    try:
        key = _latest_backup(s3)
        target = run_dir / "restore" / Path(key).name
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(aws.BUCKET, key, str(target))
        body = s3.get_object(Bucket=aws.BUCKET, Key=key.removesuffix(".dump") + ".manifest.json")
        manifest = json.loads(body["Body"].read())
    finally:
        s3.close()
    problems: list[str] = []
    if _sha256(target) != manifest["sha256"]:
        problems.append("checksum of the downloaded backup differs from the manifest")
    scratch = sql.Identifier(SCRATCH_DB)
    with psycopg.connect(cluster.superuser_conninfo("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(scratch))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(scratch))
        try:
            out = subprocess.run(
                _pg_tool(cluster, "pg_restore", "--exit-on-error", "--single-transaction",
                         "-d", SCRATCH_DB, str(target)),
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                problems.append(f"pg_restore failed: {out.stderr.strip()[:500]}")
            with psycopg.connect(cluster.superuser_conninfo(SCRATCH_DB)) as conn:
                restored = postgres.table_row_counts(conn, _SCHEMAS)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(scratch))
    tables: dict[str, dict[str, int | None]] = {}
    for table, expected in sorted(manifest["tables"].items()):
        got = restored.get(table)
        tables[table] = {"expected": int(expected), "restored": got}
        if got != expected:
            problems.append(
                f"{table}: expected {expected} rows, restored "
                + ("no table" if got is None else f"{got}")
            )
    return {
        "command": "restore",
        "verified": not problems,
        "key": key,
        "scratch_database": SCRATCH_DB,
        "tables": tables,
        "problems": problems,
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
    for name in ("rollback", "backup", "restore", "status"):
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
        else:
            result = status(run_dir)
    except DemoError as exc:
        print(json.dumps({"command": args.command, "ok": False, "error": str(exc)}))
        print(f"golive demo ops: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0 if result.get("verified", True) else 1


if __name__ == "__main__":
    sys.exit(main())
