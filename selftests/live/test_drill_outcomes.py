"""Drill outcomes golive measures itself, against a small app in this process (key
endpoints) and a throwaway PostgreSQL server (marker rows), with one-line Python commands
standing in for the team's scripts:

- zero downtime over the key endpoints: an API route that answers 500 during the deploy
  while /health stays green fails, naming the route; so does an old release answering
  again after the new one was seen;
- data loss / RPO: a scenario that backs up golive's marker table, drops it and restores
  it passes with the RPO measured; one that never restores it, and one that claims a
  newer recovery point than the backup it restored, fail;
- failover: a database left read-only for longer than the catalog's bound fails on the
  time until a write succeeds again; one that only drops connections passes.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psycopg
import pytest

from golive.catalog import load_catalog

from ._suite import (
    PLATFORM,
    ROOT,
    Results,
    clean_env,
    finish_suite,
    python_command,
    serving,
    suite_argv,
)
from .test_restore_compare import _dsn, pg  # noqa: F401  (the throwaway server fixture)

pytestmark = [pytest.mark.slow]

SCENARIOS = "tests/operations/test_scenarios.py"
FAILOVER_LIMIT_S = load_catalog().get("ops.failover-drill").threshold


class _App(BaseHTTPRequestHandler):
    """/health always 200; /api/items 500 while ``api-down`` exists; every answer names
    the release in the ``release`` file (X-Release and the JSON body)."""

    folder: Path

    def do_GET(self) -> None:
        release = (self.folder / "release").read_text()
        status = 500 if self.path == "/api/items" and (self.folder / "api-down").exists() else 200
        body = json.dumps({"status": "ok", "release": release}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("x-release", release)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def _app(folder: Path) -> Iterator[str]:
    """The app above on a free loopback port, serving from ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "release").write_text("v1")
    with serving(type("App", (_App,), {"folder": folder})) as url:
        yield url


_py = python_command


def _config(tmp: Path, base_url: str, commands: dict[str, str], *, database_url: str = "",
            extra: tuple[str, ...] = ()) -> Path:  # fmt: skip
    lines = ['default_env = "t"', "[environments.t]", f'base_url = "{base_url}"',
             "disruptive = true", "zero_downtime_tail_s = 0.5", *extra]  # fmt: skip
    if database_url:
        lines.append(f'database_url = "{database_url}"')
    lines.append("[environments.t.commands]")
    lines += [f"{name} = {json.dumps(cmd)}" for name, cmd in commands.items()]
    path = tmp / "golive.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- zero downtime over the key endpoints ----------------------------------------------
# deploy: v2 goes live; ``during`` runs while it does (the planted defect, if any)
DEPLOY = (
    "import pathlib, sys, time; d = pathlib.Path(sys.argv[1]); mode = sys.argv[2]\n"
    "if mode == 'api500': (d / 'api-down').write_text('x')\n"
    "(d / 'release').write_text('v2'); time.sleep(0.6)\n"
    "if mode == 'flip': (d / 'release').write_text('v1'); time.sleep(0.3);"
    " (d / 'release').write_text('v2')\n"
    "(d / 'api-down').unlink(missing_ok=True)"
)
ROLLBACK = "import pathlib, sys; (pathlib.Path(sys.argv[1]) / 'release').write_text('v1')"


ZERO_DOWNTIME = "platform.zero-downtime"


def test_key_endpoints_polled_over_the_whole_deploy_pass(outcomes: dict[str, Results]) -> None:
    run = outcomes[DEPLOY_RUN["good"]]
    assert run.status(ZERO_DOWNTIME) == "pass", run.explain(ZERO_DOWNTIME)
    polled = run.evidence(ZERO_DOWNTIME, "requests to key endpoints during deploys")
    endpoints = polled["endpoints"][0]
    assert set(endpoints) == {"/health", "/api/items"}, endpoints
    # ≥ 10 Hz per endpoint is the bar; a loaded test machine may deliver less than asked
    assert polled["poll_hz"] >= 10, polled
    assert min(e["rate_hz"] for e in endpoints.values()) >= 5, endpoints


def test_api_route_500_while_health_is_green_fails(outcomes: dict[str, Results]) -> None:
    run = outcomes[DEPLOY_RUN["api500"]]
    assert run.status(ZERO_DOWNTIME) == "fail", run.explain(ZERO_DOWNTIME)
    reason = run.by_id[ZERO_DOWNTIME]["reason"]
    assert "/api/items" in reason and "500" in reason, reason
    assert "/health:" not in reason, reason


def test_old_release_answering_after_the_new_one_fails(outcomes: dict[str, Results]) -> None:
    run = outcomes[DEPLOY_RUN["flip"]]
    assert run.status(ZERO_DOWNTIME) == "fail", run.explain(ZERO_DOWNTIME)
    reason = run.by_id[ZERO_DOWNTIME]["reason"]
    assert "answers from release v1 after a newer release" in reason, reason


# --- data loss / RPO -----------------------------------------------------------------------
# The scenario on golive's marker table (found by its prefix): copy it (the backup point),
# wait, drop it (the failure), put the copy back; ``mode`` plants a defect.
DATA_LOSS = (
    "import datetime as dt, json, sys, time, psycopg\n"
    "dsn, mode = sys.argv[1], sys.argv[2]\n"
    "c = psycopg.connect(dsn, autocommit=True)\n"
    "(t,) = c.execute(\"SELECT tablename FROM pg_tables WHERE tablename LIKE"
    " 'golive\\_drill\\_markers\\_%'\").fetchone()\n"
    "point = dt.datetime.now(dt.UTC)\n"
    "c.execute(f'CREATE TABLE backup_copy AS SELECT * FROM {t}')\n"
    "time.sleep(0.5)\n"
    "c.execute(f'DROP TABLE {t}')\n"
    "time.sleep(0.3)\n"
    "if mode != 'lost': c.execute(f'ALTER TABLE backup_copy RENAME TO {t}')\n"
    "else: c.execute('DROP TABLE backup_copy')\n"
    "if mode == 'newer': point += dt.timedelta(seconds=0.4)\n"
    "print(json.dumps({'recovery_point': point.isoformat(), 'problems': []}))"
)


@pytest.mark.parametrize(
    ("mode", "status", "words"),
    [
        pytest.param("good", "pass", "", id="restored"),
        pytest.param("lost", "fail", "marker table missing", id="never-restored"),
        pytest.param("newer", "fail", "written before the backup point", id="claims-newer-point"),
    ],
)
def test_markers_measure_the_data_loss(
    outcomes: dict[str, Results], pg: int, mode: str, status: str, words: str  # noqa: F811
) -> None:
    run = outcomes[LOSS_RUN[mode]]
    cid = "ops.scenario-data-loss"
    assert run.status(cid) == status, run.explain(cid)
    assert words in (run.by_id[cid]["reason"] or ""), run.explain(cid)
    facts = run.evidence(cid, "marker rows")
    assert facts["dropped"] is True and facts["written"] >= 15, facts
    if mode == "good":
        # the scenario drops the table 0.5 s after its copy (a loaded machine adds to that)
        assert facts["lost"] > 0 and 0.4 <= facts["rpo_s"] <= 3.0, facts
        assert run.by_id[cid]["measured"]["name"] == "RPO (markers)"
    db = f"outcome_{LOSS_RUN[mode].replace('-', '_')}"
    with psycopg.connect(_dsn(pg, db)) as conn:  # the scratch tables are gone
        left = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 'golive%'")
        assert left.fetchone() == (0,)


# --- failover: until a write succeeds again ----------------------------------------------
# Drops golive's connections (a failover does); ``hold`` seconds with the database read-only.
FAILOVER = (
    "import json, sys, time, psycopg\n"
    "dsn, hold = sys.argv[1], float(sys.argv[2])\n"
    "c = psycopg.connect(dsn, autocommit=True)\n"
    "db = c.info.dbname\n"
    "if hold: c.execute(f'ALTER DATABASE {db} SET default_transaction_read_only = on')\n"
    "c.execute(\"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE application_name = 'golive-markers' AND datname = current_database()\")\n"
    "time.sleep(hold)\n"
    "c.execute(f'ALTER DATABASE {db} RESET default_transaction_read_only')\n"
    "print(json.dumps({'detected': True}))"
)


@pytest.mark.parametrize("read_only", [False, True], ids=["connections-dropped", "read-only"])
def test_failover_is_timed_until_a_write_succeeds(
    outcomes: dict[str, Results], read_only: bool
) -> None:
    assert FAILOVER_LIMIT_S is not None
    run = outcomes[FAILOVER_RUN[read_only]]
    cid = "ops.failover-drill"
    writes = run.evidence(cid, "time until a write succeeds again")
    if read_only:
        assert run.status(cid) == "fail", run.explain(cid)
        assert "writes refused until" in run.by_id[cid]["reason"], run.explain(cid)
        assert writes["value"] > FAILOVER_LIMIT_S.value, writes
    else:
        assert run.status(cid) == "pass", run.explain(cid)
        assert writes["value"] <= FAILOVER_LIMIT_S.value, writes


# --- three runs at once -------------------------------------------------------------------
# each golive run judges one deploy mode, one data-loss mode and (maybe) one failover
CASES = {
    "pass": ("good", "good", False),
    "defects": ("api500", "lost", True),
    "more-defects": ("flip", "newer", None),
}
DEPLOY_RUN = {"good": "pass", "api500": "defects", "flip": "more-defects"}
LOSS_RUN = {"good": "pass", "lost": "defects", "newer": "more-defects"}
FAILOVER_RUN = {False: "pass", True: "defects"}
CHECKS = "zero_downtime or data_loss or keeps_service"


@pytest.fixture(scope="module")
def outcomes(
    tmp_path_factory: pytest.TempPathFactory, pg: int  # noqa: F811
) -> Iterator[dict[str, Results]]:
    """The three golive runs, started side by side, each with an app and a database of its
    own."""
    assert FAILOVER_LIMIT_S is not None and FAILOVER_LIMIT_S.unit == "s"
    root = tmp_path_factory.mktemp("outcomes")
    ok = _py("print('{}')")  # the backup drill runs before the data-loss scenario
    with ExitStack() as stack:
        runs: dict[str, tuple[Path, Path]] = {}
        for name, (deploy, loss, read_only) in CASES.items():
            folder = root / name
            url = stack.enter_context(_app(folder))
            db = f"outcome_{name.replace('-', '_')}"
            with psycopg.connect(_dsn(pg, "postgres"), autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {db}".encode())
                admin.execute(f"CREATE DATABASE {db}".encode())
            dsn = _dsn(pg, db)
            commands = {"deploy": _py(DEPLOY, str(folder), deploy),
                        "rollback": _py(ROLLBACK, str(folder)),
                        "backup": ok, "restore": ok,
                        "data_loss": _py(DATA_LOSS, dsn, loss)}  # fmt: skip
            if read_only is not None:
                hold = FAILOVER_LIMIT_S.value * 1.5 if read_only else 0.0
                commands["failover"] = _py(FAILOVER, dsn, str(hold))
            config = _config(folder, url, commands, database_url=dsn,
                             extra=('zero_downtime_paths = ["/api/items"]',))  # fmt: skip
            runs[name] = (config, folder / "out")
        procs = {name: subprocess.Popen(
                    suite_argv(config, out, PLATFORM, SCENARIOS, extra=("-k", CHECKS)), cwd=ROOT,
                    env=clean_env(), text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                 for name, (config, out) in runs.items()}  # fmt: skip
        try:
            yield {name: finish_suite(proc, runs[name][1]) for name, proc in procs.items()}
        finally:
            for proc in procs.values():
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate()
