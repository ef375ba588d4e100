"""How much load can golive's generator apply? One run, side by side:

    .venv/bin/python benchmarks/load_throughput.py [--seconds 10] [--connections 32]

The generators share core 0, the targets get core 1 (``sched_setaffinity``), so each
generator has one core, as the issue asks:

- against Debian's nginx serving a small static file on loopback: ``wrk -t1`` (C code, the
  ceiling of one core), bare Locust ``FastHttpUser`` with no wait (``--connections``
  users), and golive's open model asked for the rate the bare FastHttpUser achieved;
- against a 5 ms app (``selftests/load/app.py --delay-ms 5``, uvicorn): ``wrk -t1`` and
  golive's open model asked for wrk's rate.

It prints each achieved rate and the ratios golive / FastHttpUser and golive / wrk, with
whether golive's generator held the rate (late arrivals, CPU). Needs ``nginx`` and ``wrk``
(Debian packages of those names).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from golive.config import LoadEndpoint
from golive.facts.load import LoadPlan, LoadResult, run_load

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILES = [ROOT / "loadtests" / "locustfile.py", ROOT / "loadtests" / "shapes.py"]
sys.path.insert(0, str(ROOT))

from selftests.load.conftest import start_app, stop_app  # noqa: E402

GENERATOR_CORE, TARGET_CORE = {0}, {1}  # nginx's worker: worker_cpu_affinity 10 (core 1)
BARE_LOCUSTFILE = """
from locust import FastHttpUser, constant, task

class Bare(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
"""
NGINX_CONF = """
worker_processes 1;
worker_cpu_affinity 10;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {tmp}/www;
    }}
}}
"""


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_nginx(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    tmp.chmod(0o755)  # nginx's workers run as nobody
    (tmp / "www").mkdir()
    (tmp / "www" / "index.html").write_text("<p>golive throughput target</p>\n" * 8)
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, port=port), encoding="utf-8")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    # its own process group: stopping it ends the workers with the master
    proc = subprocess.Popen(
        [nginx, "-c", str(conf), "-p", str(tmp)], stdin=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            httpx.get(url, timeout=1).raise_for_status()
            os.sched_setaffinity(proc.pid, TARGET_CORE)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.05)
    stop_nginx(proc)
    raise RuntimeError(f"nginx did not answer: {(tmp / 'nginx-error.log').read_text()}")


def stop_nginx(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wrk_rate(url: str, seconds: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", f"{url}/"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found:
        raise RuntimeError(f"wrk printed no rate:\n{out}")
    return float(found.group(1))


def bare_locust_rate(url: str, tmp: Path, seconds: float, users: int) -> float:
    locustfile = tmp / "bare_locustfile.py"
    locustfile.write_text(BARE_LOCUSTFILE, encoding="utf-8")
    prefix = tmp / "bare"
    subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users),
         "-r", str(users), "-t", f"{seconds:g}s", "--host", url, "--csv", str(prefix),
         "--only-summary", "--loglevel", "WARNING"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["Name"] == "Aggregated":
                # requests over the whole run (Locust's Requests/s includes user start-up)
                return float(row["Request Count"]) / seconds
    raise RuntimeError("no Aggregated row in Locust's stats")


def golive_rate(url: str, rate: float, tmp: Path, seconds: float) -> LoadResult:
    plan = LoadPlan(
        rate=rate, spike_rate=rate, ramp_s=0, steady_s=seconds, spike_s=0,
        endpoints=(LoadEndpoint(path="/"),), timeout_s=10,
    )  # fmt: skip
    return run_load(plan, host=url, locustfiles=LOCUSTFILES, out_dir=tmp / f"golive-{rate:.0f}")


def held(result: LoadResult) -> str:
    gen = result.generator
    cpu = f", generator cpu {gen.cpu:.0%}" if gen and gen.cpu is not None else ""
    late = f", late {gen.late} of {gen.sent}, worst {gen.max_late_ms:.0f} ms" if gen else ""
    state = "held" if result.unverified_reason is None else "NOT HELD"
    return f"{state}{late}{cpu}"


def cpu_ticks(pid: int) -> int:
    """A process's CPU time so far (all its threads), in clock ticks."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def cpu_ms_per_request(pid: int, ticks: int, requests: float) -> float:
    """The process's CPU time since ``ticks`` per request, ms."""
    return (cpu_ticks(pid) - ticks) / os.sysconf("SC_CLK_TCK") / requests * 1000


def highest_held(
    url: str, start: float, tmp: Path, seconds: float, target_pid: int | None = None
) -> tuple[float, float | None]:
    """The highest rate golive's generator holds, trying ``start`` and then 5 % less each
    time (at most ten runs); a rate it cannot hold does not count. Also the target's CPU
    per request (ms) in the held run, when its pid is given."""
    rate = start
    for _ in range(10):
        ticks = cpu_ticks(target_pid) if target_pid else 0
        result = golive_rate(url, rate, tmp, seconds)
        target_ms = None
        if target_pid and result.requests:
            target_ms = cpu_ms_per_request(target_pid, ticks, result.requests)
        per = ""
        if target_ms:  # the target's CPU over the run against the seconds of arrivals: above
            # 1 s per second, the app (one core) could not keep up, whatever the generator did
            needed = target_ms * result.requests / 1000
            per = (f", target {target_ms:.3f} ms CPU/request:"
                   f" {needed:.1f} s CPU for {seconds:g} s of arrivals")  # fmt: skip
        print(f"    asked {rate:7.0f}/s: completed {result.rps:7.0f}/s ({held(result)}{per})",
              flush=True)  # fmt: skip
        if result.unverified_reason is None:
            return rate, target_ms
        rate *= 0.95
    return 0.0, None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    os.sched_setaffinity(0, GENERATOR_CORE)  # this process and every generator it starts
    with tempfile.TemporaryDirectory(prefix="golive-throughput-") as name:
        tmp = Path(name)
        nginx, url = start_nginx(tmp)
        try:
            wrk = wrk_rate(url, args.seconds, args.connections)
            bare = bare_locust_rate(url, tmp, args.seconds, args.connections)
            print(
                f"nginx static: wrk -t1 -c{args.connections} {wrk:.0f} req/s, bare"
                f" FastHttpUser ({args.connections} users) {bare:.0f} req/s; golive:"
            )
            ours, _ = highest_held(url, bare, tmp, args.seconds)
        finally:
            stop_nginx(nginx)
        app_dir = tmp / "app"
        app_dir.mkdir()
        proc, app_url = start_app("shop", app_dir, "--delay-ms", "5")
        try:
            for thread in Path(f"/proc/{proc.pid}/task").iterdir():
                os.sched_setaffinity(int(thread.name), TARGET_CORE)
            ticks = cpu_ticks(proc.pid)
            wrk5 = wrk_rate(app_url, args.seconds, args.connections)
            wrk_ms = cpu_ms_per_request(proc.pid, ticks, wrk5 * args.seconds)
            print(f"5 ms app: wrk -t1 -c{args.connections} {wrk5:.0f} req/s"
                  f" (app {wrk_ms:.3f} ms CPU/request); golive:")  # fmt: skip
            ours5, golive_ms = highest_held(app_url, wrk5, tmp, args.seconds, proc.pid)
        finally:
            stop_app(proc)
        print(f"\nhighest rate golive's open model held ({args.seconds:g} s runs, one core):")
        print(f"  nginx static: {ours:.0f}/s = {ours / bare:.2f} x bare FastHttpUser,"
              f" {ours / wrk:.3f} x wrk")  # fmt: skip
        print(f"  5 ms app:     {ours5:.0f}/s = {ours5 / wrk5:.2f} x wrk")
        if golive_ms:
            # the app (one core) spends more CPU on a request that arrives alone than on
            # wrk's back-to-back ones: its own ceiling under evenly spaced arrivals
            ceiling = 1000 / golive_ms
            print(f"  the app's CPU per request: {wrk_ms:.3f} ms under wrk, {golive_ms:.3f} ms"
                  f" under golive's arrivals; its ceiling under those arrivals {ceiling:.0f}/s,"
                  f" golive held {ours5 / ceiling:.2f} x that")  # fmt: skip


if __name__ == "__main__":
    main()
