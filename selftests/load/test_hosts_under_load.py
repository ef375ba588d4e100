"""perf.resource-usage end to end: the configured host sampled while the load phase runs.

The host is the machine the self-tests run on (``local://``; the ssh backend is proven in
selftests/live/test_hosts.py). The memory alert level is lowered to 1 % for the run, a
level any host is over, so the check must fail and name it; the samples prove that the
host was read during the load, not before or after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import SHORT_PLAN, run_suite, start_app, stop_app, write_config

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stack")]

HOSTS = """
[environments.x.hosts.runner]
backend = "local://"
cpu_sample_s = 0.5
[environments.x.thresholds]
"routine.alert-memory" = 1
"""


def test_host_usage_sampled_during_the_load_run(tmp_path: Path) -> None:
    app, url = start_app("fast", tmp_path)
    try:
        config = write_config(tmp_path, url, disruptive=True)
        config.write_text(config.read_text(encoding="utf-8") + HOSTS, encoding="utf-8")
        run = run_suite(tmp_path, config, "tests/performance/test_load.py",
                        "tests/performance/test_hosts.py", env=SHORT_PLAN)  # fmt: skip
    finally:
        stop_app(app)
    entry = run.criterion("perf.resource-usage")
    assert entry["status"] == "fail", (entry["reason"], run.output[-3000:])
    assert "host:runner: memory usage" in entry["reason"]
    assert "alert level ≤ 1 %" in entry["reason"]
    usage = next(item for check in entry["checks"] for item in check["evidence"]
                 if item["name"] == "host usage under load")  # fmt: skip
    memory = next(v for v in usage["facts"] if v["resource"] == "memory")
    cpu = next(v for v in usage["facts"] if v["resource"] == "cpu")
    assert memory["samples"] >= 3 and cpu["samples"] == memory["samples"], usage
    assert 0 <= cpu["mean"] <= cpu["value"] <= 100
    assert run.status("perf.error-rate") == "pass", run.output[-3000:]
