"""The drills and their checks against a fake environment: a health server in this
process and one-line Python commands, so every fail path runs in a few seconds
(tight thresholds, a restore that does not verify, a missing command, a target that is
not disruptive) without the reference stack."""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from ._suite import (
    CICD,
    DATABASE,
    OPERATIONS,
    PLATFORM,
    ROUTINE,
    Results,
    python_command,
    run_suite,
    serving,
)

pytestmark = [pytest.mark.slow]

DEPLOY_CHECKS = ("platform.deploy-time", "platform.zero-downtime", "platform.rollback-success",
                 "cicd.rollback-time", "cicd.deploy-run")  # fmt: skip
BACKUP_CHECKS = ("cicd.backup-time", "routine.backup-success", "routine.restore-test")
# judged on golive's own comparison of restore_database_url with database_url
# (selftests/live/test_restore_compare.py): without one, not verified
COMPARED_RESTORE_CHECKS = ("cicd.restore-success", "ops.backup-restore-drill",
                           "ops.data-recovery-drill")  # fmt: skip
SECRET = "s3cr3t-Pa55word-for-the-scrubber"


class _Health(BaseHTTPRequestHandler):
    release_file: Path

    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "release": self.release_file.read_text()}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def fake_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A health endpoint answering with the release named in a file."""
    release = tmp_path_factory.mktemp("fake") / "release"
    release.write_text("v1")
    handler = type("Health", (_Health,), {"release_file": release})
    with serving(handler) as url:
        yield url, release


_py = python_command


def _config(tmp: Path, base_url: str, release: Path, *, restore_ok: bool = True,
            commands: bool = True, disruptive: bool = True, rollback_to: str = "v1",
            thresholds: dict[str, float] | None = None,
            command_s: float = 0.3) -> Path:  # fmt: skip
    write = (
        f"import pathlib, sys, time; time.sleep({command_s}); p = pathlib.Path(sys.argv[1]); "
        "p.write_text(sys.argv[2]); "
        "p.with_name('commands.log').open('a').write(sys.argv[2] + '\\n')"
    )
    # the secret reaches the command through the environment (env_file), never its argv
    script = tmp / "backup.py"  # prints the secret it got from the environment (env_file)
    script.write_text("import os, time\ntime.sleep(0.2)\n"
                      "print('uploaded with password=' + os.environ['DRILL_PASSWORD'])\n")
    restore = (
        "import json; print(json.dumps({'verified': True, 'problems': []}))"
        if restore_ok
        else "import json, sys; print(json.dumps({'verified': False, 'problems': "
        "['public.t: expected 2 rows, restored 0']})); sys.exit(1)"
    )
    (tmp / "drill.env").write_text(f"DRILL_PASSWORD={SECRET}\n", encoding="utf-8")
    lines = [
        'default_env = "fake"', 'env_file = "drill.env"', "[environments.fake]",
        f'base_url = "{base_url}"',
        f"disruptive = {str(disruptive).lower()}",
    ]  # fmt: skip
    if commands:
        lines += [
            "[environments.fake.commands]",
            f"deploy = {json.dumps(_py(write, str(release), 'v2'))}",
            f"rollback = {json.dumps(_py(write, str(release), rollback_to))}",
            f"backup = {json.dumps(shlex.join([sys.executable, str(script)]))}",
            f"restore = {json.dumps(_py(restore))}",
        ]
    if thresholds:
        lines.append("[environments.fake.thresholds]")
        lines += [f'"{cid}" = {value}' for cid, value in thresholds.items()]
    path = tmp / "golive.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(tmp: Path, config: Path, *modules: str, extra: tuple[str, ...] = ()) -> Results:
    return run_suite(config, tmp / "out", *modules, extra=extra)


def test_well_behaved_target_passes_every_drill(
    tmp_path: Path, fake_target: tuple[str, Path]
) -> None:
    url, release = fake_target
    run = _run(tmp_path, _config(tmp_path, url, release), PLATFORM, CICD, OPERATIONS, ROUTINE)
    for cid in DEPLOY_CHECKS + BACKUP_CHECKS:
        assert run.status(cid) == "pass", run.explain(cid)
    for cid in COMPARED_RESTORE_CHECKS:
        assert run.status(cid) == "not_verified", run.explain(cid)
        assert "no restore_database_url" in run.explain(cid)
    assert release.read_text() == "v1"  # rolled back at the end of the drill
    # timed until v1 answered again, from the command's start (it writes after 0.3 s)
    rollback = run.evidence("cicd.rollback-time", "drill cycles")["cycles"][0]["rollback"]
    watch = rollback["previous_release"]
    assert watch["wanted"] == "v1" and 0.3 <= watch["answered_after_s"] < 5
    assert watch["rate_hz"] >= 10
    assert SECRET not in run.text and "password=***" in run.text


def test_slow_commands_and_unverified_restores_fail(
    tmp_path: Path, fake_target: tuple[str, Path]
) -> None:
    url, release = fake_target
    # 0.12 s each: the commands sleep longer (0.3 s, 0.2 s) but finish (no timeout)
    tight = {"platform.deploy-time": 0.002, "cicd.rollback-time": 0.002,
             "cicd.backup-time": 0.002}  # fmt: skip
    config = _config(tmp_path, url, release, restore_ok=False, thresholds=tight)
    run = _run(tmp_path, config, PLATFORM, CICD, OPERATIONS, ROUTINE)
    for cid in ("platform.deploy-time", "cicd.rollback-time", "cicd.backup-time"):
        assert run.status(cid) == "fail", run.explain(cid)
        assert "required ≤" in run.by_id[cid]["reason"], run.explain(cid)
    for cid in ("routine.backup-success", "routine.restore-test"):
        assert run.status(cid) == "fail", run.explain(cid)
    assert "public.t: expected 2 rows" in run.by_id["routine.restore-test"]["reason"]
    release.write_text("v1")


def test_rollback_that_exits_0_without_the_previous_release_fails(
    tmp_path: Path, fake_target: tuple[str, Path]
) -> None:
    """The rollback command "succeeds" but redeploys the current release: v1 never answers
    again, so the rollback never completed, whatever its exit code."""
    url, release = fake_target
    limit = {"cicd.rollback-time": 0.05}  # 3 s; golive waits 1.5 × that for v1
    config = _config(tmp_path, url, release, rollback_to="v2", thresholds=limit)
    run = _run(tmp_path, config, PLATFORM, CICD)
    for cid in ("cicd.rollback-time", "platform.rollback-success"):
        assert run.status(cid) == "fail", run.explain(cid)
    reason = run.explain("cicd.rollback-time")
    assert "v1 never answered" in reason and "exited 0" in reason, reason
    cycle = run.evidence("cicd.rollback-time", "drill cycles")["cycles"][0]
    watch = cycle["rollback"]["previous_release"]
    assert watch["answered_after_s"] is None and watch["requests"] >= 10 * 4.5 * 0.8
    release.write_text("v1")


def test_missing_commands_are_not_verified_by_name(
    tmp_path: Path, fake_target: tuple[str, Path]
) -> None:
    url, release = fake_target
    run = _run(tmp_path, _config(tmp_path, url, release, commands=False), CICD, DATABASE)
    for cid, command in [("cicd.rollback-time", "deploy"), ("cicd.backup-time", "backup"),
                         ("db.migration-time", "migrate")]:  # fmt: skip
        assert run.status(cid) == "not_verified", run.explain(cid)
        assert f"`{command}` command" in run.by_id[cid]["reason"]


def test_drills_need_a_disruptive_target(tmp_path: Path, fake_target: tuple[str, Path]) -> None:
    url, release = fake_target
    run = _run(tmp_path, _config(tmp_path, url, release, disruptive=False), CICD)
    for cid in ("cicd.rollback-time", "cicd.deploy-run", "cicd.backup-time"):
        assert run.status(cid) == "not_verified", run.explain(cid)
        assert "disruptive" in run.by_id[cid]["reason"]
    assert release.read_text() == "v1"  # nothing ran


def test_xdist_workers_share_one_drill(tmp_path: Path, fake_target: tuple[str, Path]) -> None:
    """Checks of one drill spread over three workers still see a single deploy drill."""
    url, release = fake_target
    log = release.with_name("commands.log")
    log.unlink(missing_ok=True)
    config = _config(tmp_path, url, release)
    run = _run(tmp_path, config, PLATFORM, CICD, extra=("-n", "3", "--dist", "load"))
    for cid in DEPLOY_CHECKS:
        assert run.status(cid) == "pass", run.explain(cid)
    assert log.read_text().split() == ["v2", "v1", "v2", "v1"]


class _SlowHealth(_Health):
    """Healthy, but each answer takes 300 ms: one poller thread gets under 3.5 Hz."""

    def do_GET(self) -> None:
        time.sleep(0.3)
        super().do_GET()


def test_zero_downtime_polled_too_slowly_is_not_verified(tmp_path: Path) -> None:
    """No failed request, but polls 300 ms apart could miss a short outage: not a pass."""
    release = tmp_path / "release"
    release.write_text("v1")
    handler = type("SlowHealth", (_SlowHealth,), {"release_file": release})
    with serving(handler) as url:
        # deploys long enough for the minimum of 5 requests per endpoint at 3 Hz
        run = _run(tmp_path, _config(tmp_path, url, release, command_s=2.5), PLATFORM)
    assert run.status("platform.zero-downtime") == "not_verified", run.explain(
        "platform.zero-downtime"
    )
    assert "below 5 Hz" in run.by_id["platform.zero-downtime"]["reason"]
    assert run.status("platform.deploy-time") == "pass", run.explain("platform.deploy-time")
