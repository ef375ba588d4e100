"""Two runs writing one output folder and one history at the same time (issue 13, item 6).

Real processes, not threads: each writer finishes runs through golive.finish.run.finish_run
as the plugin does; a reader meanwhile takes the same folder lock and checks that the four
outputs it sees belong to one run and that no JSON is torn. At the end no history entry is
lost: one per finished run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from golive.history.store import folders_locked, read_history

RUNS_PER_WRITER = 15
WRITERS = 2

_WRITER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from pathlib import Path

    from golive.catalog import load_catalog
    from golive.config import Config, Environment
    from golive.finish.run import finish_run
    from golive.judging.results import CheckResult, build_run_data, judge_criterion
    from golive.judging.verdict import Status

    out, writer, runs = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    catalog = load_catalog()
    entry = catalog.get("db.connect-time")
    for number in range(runs):
        result = judge_criterion(
            entry, entry.threshold,
            [CheckResult(nodeid="t::connect", status=Status.PASS, duration_s=0.1,
                         measured={"value": 1.0, "unit": "ms"})],
            waiver=None, attestation=None, today=datetime.now(UTC).date(),
            missing_reason="none")
        now = datetime.now(UTC)
        # one environment name per run: every output names it, so a mix is visible
        data = build_run_data(version="0", profile="ci", env=f"run-{writer}-{number}",
                              lang="en", started_at=now, finished_at=now,
                              criteria=[result], interrupted=False)
        finish_run(data, catalog=catalog, config=Config(history_dir=str(out / "history")),
                   environment=Environment(), output=out, notify="no")
""")

OUTPUTS = ("results.json", "junit.xml", "summary.md", "readiness.html")


def test_two_runs_into_one_folder_never_mix_nor_lose_history(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(out), str(w), str(RUNS_PER_WRITER)])
        for w in range(WRITERS)
    ]
    snapshots = mixed = 0
    deadline = time.monotonic() + 300
    while any(w.poll() is None for w in writers) and time.monotonic() < deadline:
        if (out / "readiness.html").exists():
            with folders_locked(out):
                results = json.loads((out / "results.json").read_text(encoding="utf-8"))
                env = str(results["env"])
                if not all(env in (out / n).read_text(encoding="utf-8") for n in OUTPUTS[1:]):
                    mixed += 1
            snapshots += 1
        time.sleep(0.01)
    codes = [w.wait(timeout=60) for w in writers]
    assert codes == [0] * WRITERS
    # the last run wrote all four files; a reader under the lock never saw a mix
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert all(results["env"] in (out / n).read_text(encoding="utf-8") for n in OUTPUTS[1:])
    assert mixed == 0, f"{mixed} of {snapshots} locked snapshots mixed two runs"
    # every run's entry is kept, none overwritten: one per run, each readable
    entries = [
        json.loads(p.read_text(encoding="utf-8")) for p in (out / "history").glob("*.json")
    ]
    envs = sorted(e["env"] for e in entries)
    expected = sorted(f"run-{w}-{n}" for w in range(WRITERS) for n in range(RUNS_PER_WRITER))
    assert envs == expected, f"history lost {len(expected) - len(envs)} entries"
    assert sum(len(read_history(out / "history", env).entries) for env in expected) == len(
        expected)
    # no temporary file left behind by either writer
    assert not [p.name for p in out.rglob("*.tmp")]
    print(f"\nconcurrent runs: {WRITERS * RUNS_PER_WRITER} runs by {WRITERS} writers, "
          f"{snapshots} locked snapshots, mixed 0, history entries lost 0")


def test_folder_lock_excludes_a_second_holder(tmp_path: Path) -> None:
    """The lock is real: a second process cannot take it while this one holds it."""
    probe = textwrap.dedent("""
        import fcntl, os, sys
        fd = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("held")
        else:
            print("free")
    """)

    def other() -> str:
        return subprocess.run([sys.executable, "-c", probe, str(tmp_path)], check=True,
                              capture_output=True, text=True, timeout=60).stdout.strip()

    with folders_locked(tmp_path):
        assert other() == "held"
    assert other() == "free"
