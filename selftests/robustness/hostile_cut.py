"""Loaded into a golive run by test_hostile_targets (``-- -p selftests.robustness.hostile_cut``):
after the run's first check it asks the test to stop the database and the AWS endpoint
(file ``cut`` in $HOSTILE_CUT_DIR), and goes on once they are gone (file ``stopped``)."""

from __future__ import annotations

import os
import time
from pathlib import Path

_cut = False


def pytest_runtest_logfinish(nodeid: str, location: object) -> None:
    global _cut
    folder = os.environ.get("HOSTILE_CUT_DIR")
    if _cut or not folder:
        return
    _cut = True
    Path(folder, "cut").write_text(nodeid, encoding="utf-8")
    deadline = time.monotonic() + 60
    while not Path(folder, "stopped").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
