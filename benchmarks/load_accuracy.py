"""Does golive's load phase report the latency a stalling server really gives? One run:

    .venv/bin/python benchmarks/load_accuracy.py [--rates 20,50,100] [--steady 10]

Target: the load self-tests' app (``selftests/load/app.py --mode shop``) stalling S seconds
every P = 5 seconds (every request that arrives during a stall is answered when it ends).
Arrivals spread evenly over whole periods meet the stall at a uniform phase, so the true
figures follow from the schedule alone (plus the unstalled service time ``base``, measured
first): mean = S^2 / (2P) + base, p99 = S - 0.01 P + base (for S > 0.01 P).

For S = 1 s and S = 2 s it runs the open model at three arrival rates and the closed model
(10 users, think time 0.05-0.2 s) beside it, and prints reported / true for p99 and mean,
corrected (what golive judges) and uncorrected (from the actual send), and the verdict of
perf.avg-response (threshold from the catalog: the 2 s stall must fail it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

from golive.catalog import load_catalog
from golive.config import LoadEndpoint
from golive.facts.load import LoadPlan, LoadResult, run_load

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILES = [ROOT / "loadtests" / "locustfile.py", ROOT / "loadtests" / "shapes.py"]
sys.path.insert(0, str(ROOT))

from selftests.load.conftest import start_app, stop_app  # noqa: E402

PERIOD_S = 5.0
STALLS_S = (1.0, 2.0)
ENDPOINTS = (LoadEndpoint(path="/v1/catalog"),)


def base_ms(url: str) -> float:
    """Median unstalled service time: requests sent outside the stall windows."""
    times = []
    with httpx.Client() as client:
        deadline = time.monotonic() + PERIOD_S
        while time.monotonic() < deadline:
            start = time.perf_counter()
            client.get(f"{url}/v1/catalog")
            elapsed = time.perf_counter() - start
            if elapsed < 0.1:  # not caught in a stall
                times.append(elapsed * 1000)
            time.sleep(0.02)
    return statistics.median(times)


def run(plan: LoadPlan, url: str, folder: Path) -> LoadResult:
    return run_load(plan, host=url, locustfiles=LOCUSTFILES, out_dir=folder)


def row(label: str, result: LoadResult, true_p99: float, true_mean: float) -> str:
    corrected, raw = result.latency, result.uncorrected_latency
    assert corrected is not None and raw is not None
    threshold = load_catalog().get("perf.avg-response").threshold
    assert threshold is not None
    verdict = "pass" if threshold.met_by(corrected.avg_ms) else "FAIL"
    gen = result.generator
    late = f"late {gen.late}, cpu {gen.cpu:.0%}" if gen and gen.cpu is not None else ""
    held = "held" if result.unverified_reason is None else "NOT HELD"
    return (
        f"{label:<18} {result.requests:>6}"
        f" {corrected.p99_ms:>8.0f} {corrected.p99_ms / true_p99:>6.2f}"
        f" {corrected.avg_ms:>7.0f} {corrected.avg_ms / true_mean:>6.2f}"
        f" {raw.p99_ms:>8.0f} {raw.p99_ms / true_p99:>6.2f} {raw.avg_ms:>7.0f}"
        f" {raw.avg_ms / true_mean:>6.2f}  {verdict:<5} {held} {late}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", default="20,50,100", help="open-model arrivals per second")
    parser.add_argument("--steady", type=float, default=2 * PERIOD_S, help="seconds of load")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    threshold = load_catalog().get("perf.avg-response").threshold
    print(f"server stalls S s every {PERIOD_S:g} s; perf.avg-response requires {threshold}")
    print("ratios: reported / true (1.00 = exact; the issue's bound is 0.90-1.10)")
    with tempfile.TemporaryDirectory(prefix="golive-accuracy-") as tmp:
        for stall in STALLS_S:
            folder = Path(tmp) / f"stall-{stall:g}"
            folder.mkdir()
            proc, url = start_app(
                "shop", folder, "--stall-s", str(stall), "--period-s", str(PERIOD_S)
            )
            try:
                base = base_ms(url)
                true_mean = stall * stall / (2 * PERIOD_S) * 1000 + base
                true_p99 = (stall - 0.01 * PERIOD_S) * 1000 + base
                print(
                    f"\nstall {stall:g} s: true p99 {true_p99:.0f} ms, true mean"
                    f" {true_mean:.0f} ms (unstalled service {base:.1f} ms)"
                )
                print(
                    f"{'model':<18} {'reqs':>6} {'p99':>8} {'ratio':>6} {'mean':>7} {'ratio':>6}"
                    f" {'raw p99':>8} {'ratio':>6} {'raw mean':>7} {'ratio':>6}  SLO   generator"
                )
                for rate in rates:
                    plan = LoadPlan(
                        rate=rate, spike_rate=rate, ramp_s=0, steady_s=args.steady, spike_s=0,
                        endpoints=ENDPOINTS,
                    )  # fmt: skip
                    result = run(plan, url, folder / f"open-{rate:g}")
                    print(row(f"open {rate:g}/s", result, true_p99, true_mean), flush=True)
                closed = LoadPlan(
                    model="closed", users=10, spike_users=10, ramp_s=0, steady_s=args.steady,
                    spike_s=0, wait_min_s=0.05, wait_max_s=0.2, endpoints=ENDPOINTS,
                )  # fmt: skip
                result = run(closed, url, folder / "closed")
                print(row("closed 10 users", result, true_p99, true_mean), flush=True)
            finally:
                stop_app(proc)


if __name__ == "__main__":
    main()
