"""One generator process vs two distributed workers, the same plan, side by side:

    .venv/bin/python benchmarks/load_distributed.py [--rate 200] [--seconds 10] [--workers 2]

Against the self-test app (``selftests/load/app.py``, 5 ms per answer) on loopback: the
open model at ``--rate`` arrivals/s for ``--seconds`` of steady stage (1 s ramp, 1 s spike
at the same rate), once in one Locust process and once as ``golive load --master`` with
``--workers`` ``golive load-worker`` processes over TCP on 127.0.0.1. Prints intended and
achieved rate, latency and the busiest generator's CPU of each, and whether the master's
merged HdrHistogram equals the histogram of the union of the workers' samples (it must:
the merge is exact).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from hdrh.histogram import HdrHistogram

from golive.config import LoadEndpoint
from golive.facts.load import LoadPlan, LoadResult, run_load
from golive.facts.load.driver import Distributed, free_port
from golive.facts.load.samples import HIGHEST_US, LOWEST_US, read_samples

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILES = [ROOT / "loadtests" / "locustfile.py", ROOT / "loadtests" / "shapes.py"]
sys.path.insert(0, str(ROOT))

from selftests.load.conftest import start_app, stop_app  # noqa: E402


def _union(folders: list[Path]) -> HdrHistogram:
    histogram = HdrHistogram(LOWEST_US, HIGHEST_US, 3)
    paths = [p for f in folders for p in sorted((f / "samples").glob("samples-*.tsv"))]
    for sample in read_samples(paths):
        histogram.record_value(min(max(sample.corrected_us, LOWEST_US), HIGHEST_US))
    return histogram


def _line(label: str, result: LoadResult) -> str:
    lat, gen = result.latency, result.generator
    state = result.unverified_reason and f"NOT verified: {result.unverified_reason}"
    return (
        f"{label:22} intended {result.intended_rate or 0:7.1f}/s achieved"
        f" {result.achieved_rate or 0:7.1f}/s  requests {result.requests:6d}"
        f"  mean {lat.avg_ms if lat else float('nan'):7.2f} ms"
        f"  p99 {lat.p99_ms if lat else float('nan'):7.2f} ms"
        f"  busiest generator CPU {gen.cpu if gen and gen.cpu is not None else float('nan'):.2f}"
        f"  {state or 'verified'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    plan = LoadPlan(
        rate=args.rate, spike_rate=args.rate, ramp_s=1, steady_s=args.seconds, spike_s=1,
        endpoints=(LoadEndpoint(path="/api/projects", weight=3), LoadEndpoint(path="/health")),
    )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="golive-bench-") as name:
        tmp = Path(name)
        app, url = start_app("fast", tmp, "--delay-ms", "5")
        workers: list[subprocess.Popen[bytes]] = []
        try:
            one = run_load(plan, host=url, locustfiles=LOCUSTFILES, out_dir=tmp / "one")
            port = free_port()
            env = {k: v for k, v in os.environ.items() if not k.startswith("GOLIVE_LOAD_")}
            folders = [tmp / f"worker{i}" for i in range(args.workers)]
            for folder in folders:
                workers.append(subprocess.Popen(
                    [sys.executable, "-m", "golive", "load-worker", "--master",
                     f"127.0.0.1:{port}", "-o", str(folder)],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True,
                ))  # fmt: skip
            many = run_load(
                plan, host=url, locustfiles=LOCUSTFILES, out_dir=tmp / "master",
                distributed=Distributed(args.workers, "127.0.0.1", port, 60.0),
            )  # fmt: skip
            for worker in workers:
                worker.wait(timeout=60)
            merged = HdrHistogram.decode((many.histogram or "").encode("ascii"))
            union = _union(folders)
        finally:
            for worker in workers:
                if worker.poll() is None:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait()
            stop_app(app)
    print(f"plan: {args.rate:g}/s, {plan.total_s:g} s, against a 5 ms app on loopback")
    print(_line("one process", one))
    print(_line(f"{args.workers} workers (master)", many))
    exact = merged.equals(union) and merged.get_total_count() == union.get_total_count()
    print(
        f"merged histogram == union of the workers' samples: {exact}"
        f" ({merged.get_total_count()} vs {union.get_total_count()} requests;"
        f" p99 {merged.get_value_at_percentile(99)} vs {union.get_value_at_percentile(99)} us)"
    )
    sys.exit(0 if exact else 1)


if __name__ == "__main__":
    main()
