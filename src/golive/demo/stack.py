"""Start and stop the embedded reference stack.

``Stack().up(run_dir, broken=False, repo=None)`` starts, on free 127.0.0.1 ports:
PostgreSQL (the platform schema, then the sample repository's own migrations and seed),
``moto_server`` (populated), the webhook sink, webapp release ``v1`` and the front proxy
(HTTP, and HTTPS with a certificate from the stack's own CA). The broken twin also starts
a latency relay in front of its database (another region away, ``netdelay``).
It writes into ``run_dir``:

- ``state.json``  processes (pid, pgid, start time), ports, DSN pieces, mode; no secrets
- ``golive.toml`` the ``demo`` environment for golive (commands, demo-scale drill limits)
- ``security-targets.yaml`` what the security checks know: login, identities, TLS, CA
- ``tls/``        the stack's CA and the certificates it signed
- ``env``         ``GOLIVE_DEMO_DATABASE_URL=...``, the demo users' credentials and the
  signing key (0600)
- ``secrets.json`` what the ops commands need to start a webapp (0600)

``repo`` is the materialized sample repository golive.toml names; without it the
database gets the migrations and seed of the packaged sample of the variant.

``Stack().down(run_dir)`` stops exactly the processes recorded there, by process group,
and removes the cluster. Manual use::

    python -m golive.demo.stack up --run-dir DIR [--broken]
    python -m golive.demo.stack down --run-dir DIR
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from golive.demo import aws, postgres, records
from golive.demo._launch import DATABASE_URL_ENV, app_database_url, start_webapp
from golive.demo._passwords import new_secret
from golive.demo._pki import DemoCA, make_ca
from golive.demo._proc import (
    DemoError,
    ProcRecord,
    free_port,
    is_alive,
    log_tail,
    port_listening,
    reap_children,
    spawn,
    stop,
    wait_for,
    wait_http,
)
from golive.demo._state import (
    STATE_SCHEMA,
    load_secrets,
    load_state,
    locked,
    save_state,
    write_private,
)

__all__ = [
    "AWS_REGION",
    "DATABASE_URL_ENV",
    "HISTORY_DIR",
    "RESTORE_DATABASE_URL_ENV",
    "DownReport",
    "Stack",
    "StackInfo",
    "app_database_url",
    "main",
    "start_webapp",
]

AWS_REGION = "ap-northeast-1"
# One-way latency between the broken twin's application and its database (another
# region): a connect is about ten round trips, so about 20 x this plus the local cost.
FAR_DATABASE_DELAY_MS = 20
RESTORE_DATABASE_URL_ENV = "GOLIVE_DEMO_RESTORE_DATABASE_URL"
USER_EMAIL = "alice@example.com"
ADMIN_EMAIL = "admin@example.com"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class StackInfo:
    """Where a running stack is and how to reach it (no secrets)."""

    run_dir: Path
    mode: str
    release: str
    base_url: str
    config_path: Path
    env_path: Path
    state_path: Path
    database_url_env: str
    aws_endpoint_url: str
    aws_region: str
    webhook_url: str
    ports: dict[str, int]
    startup_seconds: float
    steps: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_state(cls, run_dir: Path, state: dict[str, Any]) -> StackInfo:
        return cls(
            run_dir=run_dir,
            mode=state["mode"],
            release=state["release"],
            base_url=state["base_url"],
            config_path=run_dir / "golive.toml",
            env_path=run_dir / "env",
            state_path=run_dir / "state.json",
            database_url_env=DATABASE_URL_ENV,
            aws_endpoint_url=state["aws_endpoint_url"],
            aws_region=state["aws_region"],
            webhook_url=state["webhook_url"],
            ports={k: int(v) for k, v in state["ports"].items()},
            startup_seconds=float(state.get("startup_seconds") or 0.0),
            steps={k: float(v) for k, v in state.get("steps", {}).items()},
        )


@dataclass
class DownReport:
    stopped: list[str] = field(default_factory=list)
    leftover_pids: list[int] = field(default_factory=list)
    leftover_ports: list[int] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not self.leftover_pids and not self.leftover_ports


def _python_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", *args]


def _toml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


TARGETS_FILE = "security-targets.yaml"
HISTORY_DIR = "history"  # in the run folder: the demo's runs never mix with a team's
# Demo-scale limits for the timed drills. The plan's limits (deploy and rollback within
# 5 minutes, a backup within 30) cannot be missed inside a test budget, so the demo
# environment, both variants alike, gets limits of seconds: the good twin's commands
# finish well inside them, the broken twin's take longer. Thresholds per environment are
# data (golive.toml), never code.
DEMO_THRESHOLDS = {
    "platform.deploy-time": 0.2,  # min: 12 s, several times what the good twin needs
    "cicd.rollback-time": 0.2,  # min
    "cicd.backup-time": 0.2,  # min
}


def render_targets(state: dict[str, Any]) -> str:
    """The security targets of the stack (golive.facts.live.security_targets): its login API, the
    identities (env: references to the env file), the signing key, and its TLS endpoints
    with the CA that signed their certificates."""
    lines = [
        f"# Generated by golive.demo.stack ({state['mode']} variant): what golive's security",
        "# checks know about the embedded reference app. Secrets are env: references to the",
        "# stack's env file.",
        "login: {path: /api/login, username_field: email, password_field: password,",
        "        token_field: access_token}",
        "identities:",
        "  user:  {username: env:GOLIVE_DEMO_USER_EMAIL,  password: env:GOLIVE_DEMO_USER_PASSWORD,"
        "  role: user}",
        "  admin: {username: env:GOLIVE_DEMO_ADMIN_EMAIL, password: env:GOLIVE_DEMO_ADMIN_PASSWORD,"
        " role: admin}",
        "jwt_secret: env:GOLIVE_DEMO_JWT_SECRET  # lets golive mint truly expired tokens",
        "protected:",
        "  - {path: /api/me, roles: [user, admin]}",
        "  - {path: /api/admin/users, roles: [admin]}",
        "data_access:",
        "  - {path: /api/projects, items: projects, owner_field: owner_id,",
        "     public_if: {visibility: public}, see_all_roles: [admin]}",
        "objects:  # the seed's 5th project: infra-runbooks, the admin's, private",
        "  - {path: /api/projects/5, owner: admin, see_all_roles: [admin]}",
        "anon_role: anon",
        "rls_schemas: [public]",
        "anon_readable:",
        "  public.projects: \"visibility = 'public'\"",
        "dependency_fail_severity: high  # advisories: the repo's security/advisories/*.json",
        "tls:",
        "  # the HTTPS front; the database (STARTTLS) comes from database_url",
        f"  endpoints: [{json.dumps(state['tls_base_url'])}]",
        f"  ca_file: {json.dumps(state['tls_ca_file'])}  # the stack's own CA",
        "  allow_self_signed: false",
        "",
    ]
    return "\n".join(lines)


# The load phase's scenario: the web application's key endpoints, as a team lists its own
# (golive judges each one under load; /api/me signs in with the stack's test user).
DEMO_LOAD_SCENARIO = (
    "[environments.demo.load]",
    'login_email = "env:GOLIVE_DEMO_USER_EMAIL"',
    'login_password = "env:GOLIVE_DEMO_USER_PASSWORD"',
    *(
        f"[[environments.demo.load.endpoints]]\npath = {_toml_str(path)}\nweight = {weight}"
        + ('\nauth = "login"' if auth else "")
        for path, weight, auth in (
            ("/api/projects", 4, False),
            ("/static/app.js", 3, False),
            ("/health", 1, False),
            ("/api/me", 3, True),
        )
    ),
    "",
)


def _host_table(state: dict[str, Any]) -> list[str]:
    """The host the stack runs on, read through testinfra (routine.service-status): its
    listening ports (the broken twin's retired webhook receiver among them) and PostgreSQL.
    It is the machine golive runs on, shared with golive itself, so its usage is recorded,
    not judged."""
    urls = [state.get(key) for key in ("base_url", "tls_base_url", "aws_endpoint_url",
                                       "webhook_url")]  # fmt: skip
    wanted = [urlsplit(url).port or 80 for url in urls if url]
    if state.get("ports", {}).get("postgres"):
        wanted.insert(2, state["ports"]["postgres"])
    return [
        "# the machine the stack runs on (and golive too: its usage is recorded, not judged)",
        "[environments.demo.hosts.stack]",
        'backend = "local://"',
        'processes = ["postgres"]',
        f"ports = {json.dumps(wanted)}  # the front (HTTP, HTTPS), PostgreSQL, AWS, webhook",
        "judge_usage = false",
        "cpu_sample_s = 1.0",
        "",
    ]


def render_config(run_dir: Path, state: dict[str, Any], repo: Path | None) -> str:
    def command(*args: str) -> str:
        return shlex.join(_python_argv("golive.demo.ops", "--state", str(run_dir), *args))

    lines = [
        "# Generated by golive.demo.stack for the embedded reference stack "
        f"({state['mode']} variant).",
        'default_env = "demo"',
        'env_file = "env"  # the stack\'s secrets, KEY=VALUE; never printed',
        *records.config_lines(run_dir),
        "# the demo's own history: its daily and weekly runs, then the final review",
        f'history_dir = "{HISTORY_DIR}"',
        "",
        "[environments.demo]",
        f"repo = {_toml_str(str(repo) if repo else '')}",
        f"base_url = {_toml_str(state['base_url'])}",
        f'database_url = "env:{DATABASE_URL_ENV}"',
        "# the restore drill's target: golive compares it with database_url itself",
        f'restore_database_url = "env:{RESTORE_DATABASE_URL_ENV}"',
        "# the release being served: the rollback drill waits for the previous one here",
        'version_url = "/version"',
        'version_field = "version"',
        f"aws_endpoint_url = {_toml_str(state['aws_endpoint_url'])}",
        f"aws_region = {_toml_str(state['aws_region'])}",
        f"webhook_url = {_toml_str(state['webhook_url'])}",
        'exports_dir = "exports"  # SaaS exports written by golive demo',
        f"security_targets = {_toml_str(TARGETS_FILE)}  # login, identities, TLS endpoints, CA",
        "disruptive = true",
        "production = false",
        "",
        "[environments.demo.commands]",
        f"deploy = {_toml_str(command('deploy', 'v2'))}",
        f"rollback = {_toml_str(command('rollback'))}",
        f"backup = {_toml_str(command('backup'))}",
        f"restore = {_toml_str(command('restore'))}",
        "# every migration and the seed into a scratch database, timed (db.migration-time)",
        f"migrate = {_toml_str(command('migrate'))}",
        "# kill the active app instance; the front switch fails over (ops.failover-drill)",
        f"failover = {_toml_str(command('failover'))}",
        "# rows deleted in a copy of the newest backup, recovered from it (ops.scenario-data-loss)",
        f"data_loss = {_toml_str(command('data-loss'))}",
        "",
        *_host_table(state),
        "# Demo scale, the same for both variants: the plan's limits (deploy and rollback",
        "# within 5 min, a backup within 30 min) cannot be missed inside a test budget, so the",
        "# demo's timed drills are held to seconds. The good twin's commands finish well",
        "# inside these; the broken twin's take longer.",
        "[environments.demo.thresholds]",
        *[f'"{cid}" = {value}  # min' for cid, value in DEMO_THRESHOLDS.items()],
        "",
        *DEMO_LOAD_SCENARIO,
        *records.signoff_tables(),
    ]
    return "\n".join(lines)


class Stack:
    """Starts and stops the reference stack; ``progress`` receives one line per step."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress: Progress = progress or (lambda _line: None)

    # --- up -------------------------------------------------------------------------
    def up(self, run_dir: Path, broken: bool = False, *, repo: Path | None = None) -> StackInfo:
        run_dir = Path(run_dir).resolve()
        run_dir.mkdir(parents=True, exist_ok=True)
        if (run_dir / "state.json").exists():
            old = load_state(run_dir)
            if any(is_alive(ProcRecord.from_json(r)) for r in old["processes"].values()):
                raise DemoError(f"a demo stack is running in {run_dir}; run down first")
        started = time.perf_counter()
        steps: dict[str, float] = {}
        state = self._initial_state(run_dir, broken, repo)
        save_state(run_dir, state)
        lock = threading.Lock()

        def record(rec: ProcRecord, key: str | None = None) -> ProcRecord:
            with lock:  # the aws thread and the main thread both record processes
                state["processes"][key or rec.name] = rec.to_json()
                save_state(run_dir, state)
            return rec

        def step(name: str, began: float) -> None:
            steps[name] = round(time.perf_counter() - began, 3)
            self.progress(f"{name}: {steps[name]:.2f}s")

        try:
            self._write_secrets(run_dir, state)
            ports = state["ports"]
            logs = run_dir / "logs"
            # Slow starters first; moto and the webhook sink load while PostgreSQL starts.
            moto_env = dict(os.environ, MOTO_EC2_LOAD_DEFAULT_AMIS="false")
            moto = record(
                spawn("moto", aws.moto_argv(ports["moto"]), log_path=logs / "moto.log",
                      env=moto_env, port=ports["moto"])
            )  # fmt: skip
            webhook = record(
                spawn(
                    "webhook",
                    _python_argv("golive.demo.webhook", "--port", str(ports["webhook"]),
                                 "--log", str(run_dir / "hooks.jsonl")),
                    log_path=logs / "webhook.log",
                    port=ports["webhook"],
                )
            )  # fmt: skip
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-aws") as pool:
                aws_job: Future[aws.AwsInventory] = pool.submit(self._aws, state, moto, step)
                # (leaving the with block waits for the aws thread, also on failure)
                tls = run_dir / "tls"
                ca = make_ca(tls / "ca.crt", tls / "ca.key")
                self._postgres(run_dir, state, broken, step, record, ca)
                t = time.perf_counter()
                # The HTTPS front's certificate; the broken twin's ran out yesterday.
                ca.issue(tls / "web.crt", tls / "web.key", days=90, expired=broken)
                if broken:
                    self._far_database(run_dir, state, record)
                webapp = record(start_webapp(run_dir, state, "v1"), "webapp")
                proxy = record(
                    spawn(
                        "proxy",
                        _python_argv("golive.demo.proxy", "--port", str(ports["proxy"]),
                                     "--admin-port", str(ports["proxy_admin"]),
                                     "--upstream", str(webapp.port),
                                     "--tls-port", str(ports["proxy_tls"]),
                                     "--certfile", str(tls / "web.crt"),
                                     "--keyfile", str(tls / "web.key")),
                        log_path=logs / "proxy.log",
                        port=ports["proxy"],
                    )
                )  # fmt: skip
                wait_http(
                    f"http://127.0.0.1:{webapp.port}/health", timeout=30, proc=webapp,
                    accept=lambda r: r.status_code == 200,
                )  # fmt: skip
                wait_http(
                    f"{state['base_url']}/health", timeout=15, proc=proxy,
                    accept=lambda r: r.status_code == 200,
                )  # fmt: skip
                step("webapp v1 + proxy", t)
                wait_http(f"http://127.0.0.1:{ports['webhook']}/health", timeout=15, proc=webhook)
            state["aws"] = aws_job.result().to_json()
            state["startup_seconds"] = round(time.perf_counter() - started, 3)
            state["steps"] = steps
            state["status"] = "up"
            save_state(run_dir, state)
            (run_dir / TARGETS_FILE).write_text(render_targets(state), "utf-8")
            (run_dir / "golive.toml").write_text(render_config(run_dir, state, repo), "utf-8")
            records.write_records(run_dir)
        except BaseException:
            self.progress("start-up failed; stopping what was started")
            with contextlib.suppress(DemoError):
                self.down(run_dir)
            raise
        self.progress(f"stack up in {state['startup_seconds']:.2f}s ({state['mode']})")
        return StackInfo.from_state(run_dir, state)

    def _initial_state(self, run_dir: Path, broken: bool, repo: Path | None) -> dict[str, Any]:
        names: tuple[str, ...] = (
            "postgres",
            "moto",
            "webhook",
            "proxy",
            "proxy_admin",
            "proxy_tls",
        )
        if broken:
            names += ("postgres_far",)
        ports = {name: free_port() for name in names}
        pg_root = postgres.PgCluster.choose_root(run_dir)
        sink = f"http://127.0.0.1:{ports['webhook']}"
        return {
            "schema": STATE_SCHEMA,
            "status": "starting",
            "mode": "broken" if broken else "good",
            "run_dir": str(run_dir),
            "python": sys.executable,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            # the sample repository whose migrations and seed the database gets (None: the
            # packaged sample of the variant, not materialized)
            "repo": str(Path(repo).resolve()) if repo else None,
            "release": "v1",
            "previous_release": None,
            "base_url": f"http://127.0.0.1:{ports['proxy']}",
            # The same front over HTTPS, its certificate signed by the stack's own CA
            # (broken: the certificate has expired).
            "tls_base_url": f"https://127.0.0.1:{ports['proxy_tls']}",
            "tls_ca_file": str(run_dir / "tls" / "ca.crt"),
            "proxy_admin_url": f"http://127.0.0.1:{ports['proxy_admin']}",
            "webhook_sink_url": sink,
            # The team's "Slack" webhook as golive.toml names it. Broken: the URL of a
            # receiver that was retired (nothing listens on port 1 of loopback), so neither
            # the daily notification nor a service check reaches anyone.
            "webhook_url": "http://127.0.0.1:1/hooks/slack" if broken else f"{sink}/hooks/slack",
            "aws_endpoint_url": f"http://127.0.0.1:{ports['moto']}",
            "aws_region": AWS_REGION,
            "ports": ports,
            "postgres": {
                "host": "127.0.0.1",
                "port": ports["postgres"],
                # where the application connects: the server itself; broken: through a
                # relay that adds cross-region latency (golive.demo.netdelay)
                "client_port": ports["postgres_far"] if broken else ports["postgres"],
                "far_delay_ms": FAR_DATABASE_DELAY_MS if broken else 0,
                "dbname": postgres.APP_DB,
                "user": postgres.APP_ROLE,
                # good: TLS required and the server verified against the stack's CA;
                # broken: "prefer", which falls back to no encryption without a word
                "sslmode": "prefer" if broken else "verify-full",
                "superuser": postgres.SUPERUSER,
                "root": str(pg_root),
                "data_dir": str(pg_root / "data"),
                "socket_dir": str(pg_root / "run"),
                "bin_dir": str(postgres.pg_bindir()),
                "ca_file": str(run_dir / "tls" / "ca.crt"),
                "max_connections": 50 if broken else 200,
            },
            "users": {"user": USER_EMAIL, "admin": ADMIN_EMAIL},
            "aws": {},
            "processes": {},
            "deploys": [],
        }

    def _write_secrets(self, run_dir: Path, state: dict[str, Any]) -> None:
        secrets = {
            "app_password": new_secret(),
            "jwt_secret": new_secret(32),
            "user_password": new_secret(),
            "admin_password": new_secret(),
        }
        write_private(run_dir / "secrets.json", json.dumps(secrets, indent=2) + "\n")
        env = {
            DATABASE_URL_ENV: app_database_url(state, secrets["app_password"]),
            # the database the restore command restores into (golive compares the two)
            RESTORE_DATABASE_URL_ENV: app_database_url(
                {**state, "postgres": {**state["postgres"], "dbname": postgres.RESTORE_DB}},
                secrets["app_password"],
            ),
            "GOLIVE_DEMO_USER_EMAIL": USER_EMAIL,
            "GOLIVE_DEMO_USER_PASSWORD": secrets["user_password"],
            "GOLIVE_DEMO_ADMIN_EMAIL": ADMIN_EMAIL,
            "GOLIVE_DEMO_ADMIN_PASSWORD": secrets["admin_password"],
            # the webapp's signing key, for the security checks' expired-token probe
            "GOLIVE_DEMO_JWT_SECRET": secrets["jwt_secret"],
            # moto accepts any credentials; these keep boto3 off any real ones.
            "AWS_ACCESS_KEY_ID": "golive-demo",
            "AWS_SECRET_ACCESS_KEY": "golive-demo",
        }
        write_private(run_dir / "env", "".join(f"{k}={v}\n" for k, v in env.items()))

    @staticmethod
    def _start_postgres(
        cluster: postgres.PgCluster, pg: dict[str, Any]
    ) -> tuple[postgres.PgCluster, ProcRecord]:
        """Start the cluster. Its port was chosen seconds ago; on a busy machine another
        process may have taken it since: then the cluster moves to a fresh one (twice at
        most) and the state follows."""
        for attempt in range(3):
            try:
                return cluster, cluster.start()
            except DemoError:
                if attempt == 2 or not port_listening(cluster.port):
                    raise
            port = free_port()
            if pg["client_port"] == pg["port"]:
                pg["client_port"] = port
            pg["port"] = port
            cluster = cluster.moved_to(port)
        raise AssertionError("unreachable")

    def _postgres(
        self,
        run_dir: Path,
        state: dict[str, Any],
        broken: bool,
        step: Callable[[str, float], None],
        record: Callable[[ProcRecord, str | None], ProcRecord],
        ca: DemoCA,
    ) -> None:
        pg = state["postgres"]
        cluster = postgres.PgCluster(
            root=Path(pg["root"]), port=int(pg["port"]), bin_dir=Path(pg["bin_dir"]), broken=broken
        )
        t = time.perf_counter()
        cluster.create(ca)
        step("postgres initdb", t)
        t = time.perf_counter()
        cluster, started = self._start_postgres(cluster, pg)
        record(started, "postgres")
        step("postgres start", t)
        t = time.perf_counter()
        secrets = load_secrets(run_dir)
        postgres.bootstrap(cluster, secrets["app_password"])
        conninfo = cluster.superuser_conninfo()
        postgres.apply_platform(conninfo)
        # The repository's own migrations and seed: what the database has is what the
        # repository says. The broken twin's release step logs a failing migration and
        # carries on, so that migration stays unapplied.
        files = postgres.repo_migrations(state)
        report = postgres.apply_migrations(conninfo, files, keep_going=broken)
        postgres.apply_seed(conninfo, postgres.repo_seed(state))
        if broken:
            # A "temporary" fix run by hand in psql, outside any migration, never reverted:
            # every project readable by anyone holding the anon role.
            postgres.disable_rls(conninfo, "public.projects")
            postgres.plant_shortcuts(conninfo)  # owner-rights view of auth.users, etc.
        postgres.set_passwords(
            conninfo,
            {USER_EMAIL: secrets["user_password"], ADMIN_EMAIL: secrets["admin_password"]},
        )
        state["migrations"] = report.applied
        state["migrations_failed"] = report.failed
        step(f"migrations ({len(report.applied)}) + seed", t)

    def _far_database(
        self,
        run_dir: Path,
        state: dict[str, Any],
        record: Callable[[ProcRecord, str | None], ProcRecord],
    ) -> None:
        """The broken twin's database is in another region than its application: a relay
        adds latency to every packet between them (connects take several round trips)."""
        pg = state["postgres"]
        port = int(pg["client_port"])
        relay = record(
            spawn(
                "postgres_far",
                _python_argv("golive.demo.netdelay", "--port", str(port),
                             "--upstream", str(pg["port"]),
                             "--delay-ms", str(pg["far_delay_ms"])),
                log_path=run_dir / "logs" / "netdelay.log",
                port=port,
            ),
            None,
        )  # fmt: skip
        if not wait_for(lambda: port_listening(port), 15.0):
            raise DemoError(f"the latency relay did not listen on {port}:\n{log_tail(relay.log)}")

    def _aws(
        self,
        state: dict[str, Any],
        moto: ProcRecord,
        step: Callable[[str, float], None],
    ) -> aws.AwsInventory:
        t = time.perf_counter()
        wait_http(f"{state['aws_endpoint_url']}/moto-api/", timeout=30, proc=moto)
        step("moto start", t)
        t = time.perf_counter()
        inventory = aws.populate(
            state["aws_endpoint_url"],
            state["aws_region"],
            broken=state["mode"] == "broken",
            sns_endpoint=f"{state['webhook_sink_url']}/hooks/sns",
        )
        step("moto populate", t)
        return inventory

    # --- down -----------------------------------------------------------------------
    def down(self, run_dir: Path) -> DownReport:
        """Stop every recorded process (front first, database last) and remove the cluster."""
        run_dir = Path(run_dir).resolve()
        started = time.perf_counter()
        report = DownReport()
        with locked(run_dir):
            state = load_state(run_dir)
            records = {k: ProcRecord.from_json(v) for k, v in state["processes"].items()}
            # Front first (no new traffic), the database last (the apps need it to drain).
            rank = {"proxy": 0, "webapp": 1, "webapp_next": 1, "webhook": 2, "postgres_far": 2,
                    "moto": 3}  # fmt: skip
            order = sorted(records, key=lambda key: rank.get(key, 9))
            pg = state["postgres"]
            cluster = postgres.PgCluster(
                root=Path(pg["root"]), port=int(pg["port"]), bin_dir=Path(pg["bin_dir"])
            )
            for key in order:
                rec = records[key]
                if key == "postgres":
                    cluster.stop(rec)
                elif key == "moto":
                    # moto takes seconds to exit once populated (interpreter teardown of
                    # its backends); it holds nothing durable, so SIGKILL after 1 s is fine.
                    stop(rec, timeout=1.0)
                else:
                    stop(rec)
                report.stopped.append(f"{key} (pid {rec.pid})")
                self.progress(f"stopped {key} (pid {rec.pid})")
            if "postgres" not in records and Path(pg["data_dir"]).exists():
                cluster.stop(None)  # started but not yet recorded
            cluster.remove()
            reap_children()
            report.leftover_pids = [r.pid for r in records.values() if is_alive(r)]
            ports = {int(p) for p in state["ports"].values()}
            ports |= {r.port for r in records.values() if r.port}
            report.leftover_ports = sorted(p for p in ports if port_listening(p))
            state["status"] = "down"
            state["stopped_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            save_state(run_dir, state)
        report.seconds = round(time.perf_counter() - started, 3)
        self.progress(f"stack down in {report.seconds:.2f}s")
        return report

    @staticmethod
    def info(run_dir: Path) -> StackInfo:
        run_dir = Path(run_dir).resolve()
        return StackInfo.from_state(run_dir, load_state(run_dir))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m golive.demo.stack")
    parser.add_argument("action", choices=["up", "down"])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--broken", action="store_true")
    parser.add_argument("--repo", type=Path, help="sample repository path for golive.toml")
    args = parser.parse_args(argv)

    def progress(line: str) -> None:
        print(f"[demo] {line}", file=sys.stderr, flush=True)

    stack = Stack(progress)
    try:
        if args.action == "up":
            info = stack.up(args.run_dir, broken=args.broken, repo=args.repo)
            print(f"base_url   {info.base_url}")
            print(f"config     {info.config_path}")
            print(f"env file   {info.env_path}  (export it: database URL and demo credentials)")
            print(f"start-up   {info.startup_seconds:.2f}s")
            return 0
        report = stack.down(args.run_dir)
        if not report.clean:
            print(f"left over: pids {report.leftover_pids} ports {report.leftover_ports}",
                  file=sys.stderr)  # fmt: skip
            return 1
        return 0
    except DemoError as exc:
        print(f"golive demo: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
