"""Signals and crashes: `golive run` interrupted at several moments, by SIGINT or SIGTERM to
golive alone or to its whole process group, its pytest child or an xdist worker killed,
its deadline passed. Every time: exit 3, a results.json whose verdict is INCOMPLETE and
says why, the checks that completed kept, and nothing left running or listening (counted
by the test's own id in every process's environment)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from golive.demo.sample_repo import materialize
from selftests.robustness._runs import Started, start, static_ids, wait_until

QUICK, STANDING = static_ids(2)
SCANNERS = ("shellcheck", "hadolint", "zizmor", "check-jsonschema", "detect-secrets", "bandit")


def _suite(tmp_path: Path, mode: str) -> tuple[Path, dict[str, str]]:
    """A two-check suite: one quick check, one standing in for a long phase (a sleep, a
    server child in its own process group as Locust runs, or Locust itself)."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_checks.py").write_text(
        textwrap.dedent(f"""\
        import os, subprocess, sys, time
        from pathlib import Path
        import pytest
        from golive import _procs

        @pytest.mark.criterion({QUICK!r})
        def test_quick():
            pass

        @pytest.mark.criterion({STANDING!r})
        def test_standing_in_for_load(tmp_path):
            mode = os.environ["SELFTEST_MODE"]
            _procs.record_left_state("selftest: the target is left on v2")
            if mode == "server":
                _procs.popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "0"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            Path(os.environ["SELFTEST_READY"]).write_text(str(os.getpid()))
            if mode == "locust":
                from golive.facts.load import LoadPlan, run_load
                plan = LoadPlan(model="closed", users=2, spike_users=2, ramp_s=0, steady_s=90,
                                spike_s=0, processes=2, endpoints=({{"path": "/"}},))
                root = Path({str(Path(__file__).resolve().parents[2])!r})
                run_load(plan, host="http://127.0.0.1:9", out_dir=tmp_path / "load",
                         locustfiles=[root / "loadtests/locustfile.py",
                                      root / "loadtests/shapes.py"])
            time.sleep(120)
        """),
        encoding="utf-8",
    )
    env = {"SELFTEST_MODE": mode, "SELFTEST_READY": str(tmp_path / "ready")}
    return suite, env


def _run_suite(tmp_path: Path, mode: str, *args: str) -> Started:
    suite, env = _suite(tmp_path, mode)
    return start(
        tmp_path,
        [
            "run",
            "--profile",
            "ci",
            "--kind",
            "static",
            "--suite",
            str(suite),
            "--output",
            str(tmp_path / "out"),
            *args,
        ],
        env=env,
    )


def _ready(tmp_path: Path) -> bool:
    return (tmp_path / "ready").is_file()


@contextlib.contextmanager
def _running(tmp_path: Path, mode: str, *args: str, serving: bool = False) -> Iterator[Started]:
    """The suite started (with its check's server listening when ``serving``); whatever the
    test does, its processes are ended afterwards."""
    run = _run_suite(tmp_path, mode, *args)
    try:
        if serving:
            wait_until(lambda: _ready(tmp_path) and bool(run.watch_ports()), 60,
                       "the check's server listening", run)  # fmt: skip
        yield run
    finally:
        run.cleanup()


def _checked_incomplete(run: Started, code: int, reason: str) -> dict[str, object]:
    """Exit 3, INCOMPLETE with the reason, the completed check kept; nothing left over."""
    assert code == 3, run.text()[-3000:]
    data = run.results()
    assert data["verdict"] == "INCOMPLETE" and data["exit_code"] == 3
    assert data["interrupted"] is True
    interruption = data["interruption"]
    assert isinstance(interruption, dict) and reason in interruption["reason"], interruption
    if (run.folder / "ready").is_file():  # what the check left is said in every report
        assert interruption["left_state"] == ["selftest: the target is left on v2"]
        for report in ("summary.md", "readiness.html"):
            text = (run.output / report).read_text(encoding="utf-8")
            assert reason in text and "the target is left on v2" in text, report
    pids, ports = run.leftovers()
    assert pids == [], [psutil.Process(p).cmdline() for p in pids if psutil.pid_exists(p)]
    assert ports == []
    return data


def _status(data: dict[str, object], criterion: str) -> str:
    entries = data["criteria"]
    assert isinstance(entries, list)
    return str(next(e["status"] for e in entries if e["id"] == criterion))


@pytest.mark.parametrize(("sig", "group", "reason"), [
    (signal.SIGINT, False, "SIGINT to golive"),   # Ctrl-C to golive's pid alone
    (signal.SIGTERM, True, "SIGTERM to golive"),  # a CI timeout ends the job's group
    (signal.SIGTERM, False, "SIGTERM to golive"),
], ids=["SIGINT-to-golive", "SIGTERM-to-the-group", "SIGTERM-to-golive"])  # fmt: skip
def test_interrupt_during_a_long_check_with_a_child_server(
    tmp_path: Path, sig: int, group: bool, reason: str
):
    with _running(tmp_path, "server", serving=True) as run:
        run.signal(sig, group=group)
        code, seconds = run.wait(90)
        data = _checked_incomplete(run, code, reason)
        assert _status(data, QUICK) == "pass"  # what completed is kept
        assert _status(data, STANDING) == "not_verified"
        assert seconds < 30


def test_killed_pytest_child_gives_incomplete_written_by_golive(tmp_path: Path):
    """SIGKILL to pytest itself: golive writes the INCOMPLETE results from the journal of
    what the child reported, and ends the server group the check had started."""
    with _running(tmp_path, "server", serving=True) as run:
        os.kill(int((tmp_path / "ready").read_text()), signal.SIGKILL)
        code, seconds = run.wait(60)
        data = _checked_incomplete(run, code, "killed by SIGKILL")
        assert data["interruption"]["written_by"] == "golive"  # type: ignore[index]
        assert _status(data, QUICK) == "pass"
        assert (run.output / "readiness.html").is_file()  # every report, not only the JSON
        assert seconds < 30


def test_killed_xdist_worker_is_incomplete_in_bounded_time(tmp_path: Path):
    with _running(tmp_path, "sleep", "-n", "2") as run:
        wait_until(lambda: _ready(tmp_path), 90, "the long check running on a worker", run)
        os.kill(int((tmp_path / "ready").read_text()), signal.SIGKILL)
        code, seconds = run.wait(90)
        data = _checked_incomplete(run, code, "xdist worker")
        assert _status(data, QUICK) == "pass"
        assert seconds < 45  # never a hang


@pytest.mark.parametrize("given", ["flag", "config"])
def test_deadline_stops_the_run_and_says_so(tmp_path: Path, given: str):
    """A deadline of 0.1 min (6 s), on the command line or in golive.toml."""
    args = ["--deadline", "0.1"]
    if given == "config":
        (tmp_path / "golive.toml").write_text("deadline_minutes = 0.1\n", encoding="utf-8")
        args = ["--config", str(tmp_path / "golive.toml")]
    with _running(tmp_path, "server" if given == "flag" else "sleep", *args) as run:
        code, _seconds = run.wait(90)
        _checked_incomplete(run, code, "deadline of 0.1 min passed")


def test_sigterm_during_locust_load_leaves_no_locust(tmp_path: Path):
    """Locust runs in a session of its own: it must still not outlive the run."""
    with _running(tmp_path, "locust") as run:

        def locust_listening() -> bool:
            names = [
                " ".join(psutil.Process(p).cmdline()) for p in run.marked() if psutil.pid_exists(p)
            ]
            return sum("locust" in n for n in names) >= 2 and bool(run.watch_ports())

        wait_until(locust_listening, 90, "Locust and its workers running", run)
        run.signal(signal.SIGTERM, group=True)
        code, seconds = run.wait(90)
        _checked_incomplete(run, code, "SIGTERM to golive")
        assert seconds < 30


@pytest.fixture
def static_project(tmp_path: Path) -> dict[str, str]:
    materialize("good", tmp_path / "repo")
    (tmp_path / "golive.toml").write_text(
        'default_env = "x"\n[environments.x]\nrepo = "repo"\n', encoding="utf-8"
    )
    return {"GOLIVE_CACHE_DIR": str(tmp_path / "cache")}  # scanners really run


@pytest.mark.parametrize(
    ("sig", "group"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["SIGINT-to-the-group", "SIGTERM-to-golive"],
)
def test_interrupt_during_the_static_phase_with_scanners_running(
    tmp_path: Path, static_project: dict[str, str], sig: int, group: bool
):
    run = start(
        tmp_path,
        ["run", "--profile", "ci", "--kind", "static", "--output", "out"],
        env=static_project,
    )
    try:

        def scanning() -> bool:
            for pid in run.marked():
                try:
                    line = " ".join(psutil.Process(pid).cmdline())
                except psutil.Error:
                    continue
                if any(name in line for name in SCANNERS):
                    return True
            return False

        wait_until(scanning, 90, "a scanner running", run)
        run.signal(sig, group=group)
        code, seconds = run.wait(90)
        data = _checked_incomplete(run, code, f"{signal.Signals(sig).name} to golive")
        assert data["interruption"]["checks_run"] is not None  # type: ignore[index]
        assert seconds < 30
    finally:
        run.cleanup()


def test_a_results_json_of_this_run_is_never_overwritten(tmp_path: Path):
    """golive writes INCOMPLETE results only when its child wrote none for this run."""
    from golive.cli import run as run_module

    owner = run_module._Owner(tmp_path / "run", deadline_minutes=None)
    (tmp_path / "run").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    written = {"run_id": owner.run_id, "exit_code": 1, "verdict": "NO-GO"}
    from golive.judging.results import RunData

    sample = json.loads(
        RunData(
            run_id=owner.run_id,
            golive_version="0",
            profile="ci",
            env=None,
            lang="en",
            started_at="2026-01-01T00:00:00Z",
            finished_at="2026-01-01T00:00:01Z",  # type: ignore[arg-type]
            verdict="NO-GO",
            exit_code=1,
            counts={},
            criteria=[],  # type: ignore[arg-type]
        ).to_json()
    )
    assert {k: sample[k] for k in written} == written
    (out / "results.json").write_text(json.dumps(sample), encoding="utf-8")
    before = (out / "results.json").read_bytes()
    code = run_module._salvage(
        owner,
        -9,
        output=out,
        profile="ci",
        env=None,
        config=None,
        lang="en",
        kinds=(),
        note=None,
        allow_unverified=False,
    )
    assert code == 1 and (out / "results.json").read_bytes() == before


def test_a_scanner_timeout_ends_its_whole_process_tree(tmp_path: Path):
    """A tool's own children (a multiprocessing pool) go with it on timeout."""
    from golive import _procs

    pidfile = tmp_path / "grandchild"
    code = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    with pytest.raises(subprocess.TimeoutExpired):
        _procs.run([sys.executable, "-c", code], timeout=3, capture_output=True)
    grandchild = int(pidfile.read_text())
    try:
        status = psutil.Process(grandchild).status()
    except psutil.NoSuchProcess:
        status = "gone"
    assert status in ("gone", psutil.STATUS_ZOMBIE)


def test_sigterm_to_every_process_of_the_tree(tmp_path: Path):
    """A CI runner that signals each process of the job: golive and its pytest child both get
    SIGTERM (and golive forwards one more); the child still writes its own results."""
    with _running(tmp_path, "server", serving=True) as run:
        for pid in [run.proc.pid, *(p.pid for p in psutil.Process(run.proc.pid).children(True))]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        code, seconds = run.wait(90)
        data = _checked_incomplete(run, code, "SIGTERM")
        assert data["interruption"]["written_by"] == "pytest"  # type: ignore[index]
        assert _status(data, QUICK) == "pass"
        assert seconds < 30


def test_golive_killed_outright_still_leaves_incomplete_results_and_nothing_running(
    tmp_path: Path,
):
    """SIGKILL to golive (nothing it can handle): its pytest child is told by the kernel,
    writes INCOMPLETE results itself and ends the groups it started."""
    with _running(tmp_path, "server", serving=True) as run:
        child = int((tmp_path / "ready").read_text())
        run.signal(signal.SIGKILL, group=False)
        run.wait(30)
        wait_until(lambda: not _alive(child), 60, "the pytest child's end")
        data = run.results()
        assert data["verdict"] == "INCOMPLETE" and data["exit_code"] == 3
        assert "SIGTERM" in data["interruption"]["reason"]
        pids, ports = run.leftovers()
        assert pids == [] and ports == []


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
