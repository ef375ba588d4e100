"""An interrupted deploy drill puts the target back on the release it served before the
drill, and the run's records say so; a drill that cannot restore says what it left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from golive._procs import LEFT_STATE_FILE, RUN_DIR_ENV

# the drill under test, in a process of its own (it gets the signal, as a pytest child does):
# a target whose release is a file served at /version; deploy writes v2 then takes its time
DRILL = textwrap.dedent("""\
    import json, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from pathlib import Path
    from golive._procs import terminate_as_interrupt
    from golive.facts.live.commands import Scrubber
    from golive.facts.live.drills import VersionProbe, run_deploy_rollback

    state = Path(sys.argv[1])

    class Version(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"version": state.read_text().strip()}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Version)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    terminate_as_interrupt()
    py = sys.executable
    run_deploy_rollback(
        health_url=url + "/version",
        deploy=[py, "-c", f"import time; open({str(state)!r}, 'w').write('v2'); time.sleep(60)"],
        rollback=[py, "-c", sys.argv[2].replace("STATE", repr(str(state)))],
        deploy_timeout=120, rollback_timeout=30, scrub=Scrubber(),
        version=VersionProbe(url + "/version", field="version"),
    )
""")
ROLLS_BACK = "open(STATE, 'w').write('v1')"
BROKEN_ROLLBACK = "import sys; sys.exit(1)"


def _interrupted_drill(tmp_path: Path, rollback: str) -> tuple[str, list[str]]:
    state = tmp_path / "release"
    state.write_text("v1")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    script = tmp_path / "drill.py"
    script.write_text(DRILL, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(state), rollback],
        env={**os.environ, RUN_DIR_ENV: str(run_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while state.read_text() != "v2":  # the deploy is under way
            assert proc.poll() is None and time.monotonic() < deadline, proc.stdout
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Terminated: SIGTERM" in out, out  # the interrupt went on after the restore
    lines = [
        json.loads(line)["state"] for line in (run_dir / LEFT_STATE_FILE).read_text().splitlines()
    ]
    sleepers = [
        p
        for p in psutil.process_iter(["cmdline"])
        if "time.sleep(60)" in " ".join(p.info["cmdline"] or [])
        and str(state) in " ".join(p.info["cmdline"] or [])
    ]
    assert sleepers == []  # the deploy command's group was ended
    return state.read_text(), lines


def test_interrupted_deploy_is_rolled_back_and_recorded(tmp_path: Path):
    release, lines = _interrupted_drill(tmp_path, ROLLS_BACK)
    assert release == "v1"
    assert len(lines) == 1
    assert "interrupted during the deploy" in lines[0]
    assert "serves v1 again, as before the drill" in lines[0]


@pytest.mark.parametrize("rollback", [BROKEN_ROLLBACK])
def test_a_drill_that_cannot_restore_says_what_it_left(tmp_path: Path, rollback: str):
    release, lines = _interrupted_drill(tmp_path, rollback)
    assert release == "v2"
    assert len(lines) == 1 and "it is NOT restored" in lines[0] and "serves v2" in lines[0]
