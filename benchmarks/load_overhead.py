"""golive's load phase vs the same Locust run bare, side by side in one run:

    .venv/bin/python benchmarks/load_overhead.py [--rounds 1] [--users 10] [--steady 8]

Target: the load self-tests' local app (``selftests/load/app.py --mode fast``) on a
kernel-chosen 127.0.0.1 port. The same plan (ramp 1 s, steady, spike 2 s) runs three ways:

- bare:    ``locust -f loadtests/locustfile.py,loadtests/shapes.py --headless --csv ...
  --csv-full-history --html ...`` as a hand-written job would run it;
- driver:  ``golive.facts.load.run_load`` (adds the per-request recorder, progress polling and
  the HdrHistogram summary);
- suite:   ``pytest tests/performance/test_load.py --golive-profile weekly`` (adds pytest
  start-up, the plugin, every load check and all four reports).

Wall time ratios are against bare; requests show whether recording costs throughput.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

from golive.facts.load import LoadPlan, locust_argv, run_load

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILES = [ROOT / "loadtests" / "locustfile.py", ROOT / "loadtests" / "shapes.py"]
sys.path.insert(0, str(ROOT))

from selftests.load.conftest import (  # noqa: E402
    APP_ENDPOINTS,
    EMAIL,
    PASSWORD,
    start_app,
    stop_app,
)

# the self-test app's scenario (golive.toml's endpoints), for the plan and the suite's config
ENDPOINTS = tomllib.loads(APP_ENDPOINTS)["environments"]["x"]["load"]["endpoints"]


def bare(plan: LoadPlan, url: str, folder: Path) -> tuple[float, int]:
    argv = locust_argv(
        plan, host=url, locustfiles=LOCUSTFILES, csv_prefix=folder / "locust",
        html=folder / "locust.html",
    )  # fmt: skip
    env = {**os.environ, **plan.to_locust_env()}
    started = time.perf_counter()
    with (folder / "locust.log").open("wb") as log:
        subprocess.run(argv, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                       check=True, timeout=plan.total_s + 60)  # fmt: skip
    wall = time.perf_counter() - started
    stats = (folder / "locust_stats.csv").read_text().splitlines()
    requests = int(stats[-1].split(",")[2])
    return wall, requests


def driver(plan: LoadPlan, url: str, folder: Path) -> tuple[float, int]:
    started = time.perf_counter()
    result = run_load(plan, host=url, locustfiles=LOCUSTFILES, out_dir=folder)
    return time.perf_counter() - started, result.requests


def suite(plan: LoadPlan, url: str, folder: Path) -> tuple[float, int]:
    config = folder / "golive.toml"
    sizes = plan.model_dump(
        exclude={"login", "processes", "timeout_s", "endpoints", "bearer_token", "login_path",
                 "token_field"}
    )  # fmt: skip
    table = "".join(f"{key} = {json.dumps(value)}\n" for key, value in sizes.items())
    config.write_text(
        f'[environments.x]\nbase_url = "{url}"\ndisruptive = true\n'
        f'[environments.x.load]\n{table}login_email = "{EMAIL}"\n'
        'login_password = "env:GOLIVE_BENCH_PASSWORD"\n' + APP_ENDPOINTS
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["GOLIVE_BENCH_PASSWORD"] = PASSWORD
    argv = [sys.executable, "-m", "pytest", "tests/performance/test_load.py", "-q",
            "-p", "no:cacheprovider", f"--basetemp={folder / 'tmp'}",
            f"--golive-config={config}", "--golive-profile=weekly",
            f"--golive-output={folder / 'out'}"]  # fmt: skip
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, check=False,
                   timeout=plan.total_s + 120)  # fmt: skip
    wall = time.perf_counter() - started
    results = json.loads((folder / "out" / "results.json").read_text())
    run = next(
        item for c in results["criteria"] if c["id"] == "perf.avg-response"
        for check in c["checks"] for item in check["evidence"] if item["name"] == "load run"
    )  # fmt: skip
    return wall, int(run["value"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--steady", type=float, default=8.0)
    args = parser.parse_args()
    plan = LoadPlan(
        users=args.users, spike_users=2 * args.users, ramp_s=1, steady_s=args.steady,
        spike_s=2, wait_min_s=0.05, wait_max_s=0.2, login=(EMAIL, PASSWORD),
        model="closed", endpoints=ENDPOINTS,
    )  # fmt: skip
    ways = {"bare": bare, "driver": driver, "suite": suite}
    walls: dict[str, list[float]] = {name: [] for name in ways}
    counts: dict[str, list[int]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as tmp:
        proc, url = start_app("fast", Path(tmp))
        try:
            for round_no in range(args.rounds):
                for name, way in ways.items():
                    folder = Path(tmp) / f"{name}-{round_no}"
                    folder.mkdir()
                    wall, requests = way(plan, url, folder)
                    walls[name].append(wall)
                    counts[name].append(requests)
        finally:
            stop_app(proc)
    base = statistics.median(walls["bare"])
    print(f"plan: {plan.users} users (spike {plan.spike_users}), {plan.total_s:g}s staged;"
          f" {args.rounds} round(s), medians")  # fmt: skip
    print(f"{'':8}{'wall s':>9}{'requests':>10}{'vs bare':>9}")
    for name in ways:
        wall = statistics.median(walls[name])
        print(f"{name:8}{wall:9.2f}{statistics.median(counts[name]):10.0f}{wall / base:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
