"""golive's request recorder, loaded *inside Locust* next to the locustfile (``-f a,b,this``).

Never imported by golive itself (Locust and gevent stay out of the pytest process).
Each Locust process that runs users writes its own file ``samples-<pid>.tsv`` in
``GOLIVE_LOAD_SAMPLES_DIR``, one line per request::

    <start ms since epoch>\t<METHOD name>\t<response us>\t<1 ok | 0 failed>\t<cache>\t<late>

where late is how long after its intended start the request was sent, us (open model:
the arrival's intended time comes in the request's context as ``golive_intended``, epoch
seconds; ``-`` in the closed model, which has no intended start), and cache is ``H``
(served from a cache: 304, ``X-Cache: HIT``-style header or ``Age`` > 0), ``M`` (a
cacheable response that was not a hit) or ``-`` (not cacheable).
golive reads the files afterwards and computes exact percentiles with HdrHistogram.

Distributed runs (``GOLIVE_LOAD_ROLE`` ``master`` or ``worker``, on Locust's own
master/worker protocol) use Locust's custom messages:

- ``golive_plan`` (master → each worker, before Locust's spawn message, so a worker has it
  when its scheduler starts): the plan as JSON and the worker's share, arrivals
  ``index::of`` of the one schedule (the shares partition it exactly).
- ``golive_hist`` (worker → master, once its arrivals are answered): its figures as a
  :class:`golive.facts.load.samples.Partial`, histograms in HdrHistogram's encoding, and
  the generator's account; the master writes each to ``partial-<index>.json`` for golive
  to merge. A refused target travels the same way (``refused``).

The master watches the workers it gave a share: one that stops sending heartbeats or
quits before reporting is written to ``dropouts.json`` with when (seconds since the
shares went out); golive then reports the run not verified.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import socket
import time
from pathlib import Path
from typing import IO, Any

import gevent
from locust import events
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from golive import __version__, _procs
from golive.facts.load.plan import LATE_MS, PLAN_VARIABLE
from golive.facts.load.samples import Partial

_DIR = os.environ.get("GOLIVE_LOAD_SAMPLES_DIR")
_ROLE = os.environ.get("GOLIVE_LOAD_ROLE", "")  # "", "master" or "worker"
PLAN_MESSAGE, HIST_MESSAGE = "golive_plan", "golive_hist"
_FLUSH_EVERY = 2000
_HIT_HEADERS = ("x-cache", "x-vercel-cache", "cf-cache-status", "x-cache-status")
_MAX_AGE = re.compile(r"(?:^|[,\s])(?:s-)?max-age\s*=\s*(\d+)")

_buffer: list[str] = []
_file: IO[str] | None = None


def _value(headers: Any, name: str) -> str:
    """A header's value or "" (asking first: a missing key raises, slowly, in
    geventhttpclient's Headers)."""
    return str(headers[name]) if name in headers else ""


def cache_code(status: int, headers: Any) -> str:
    """``H`` hit, ``M`` cacheable miss, ``-`` not cacheable, from one response's headers."""
    if status == 304:
        return "H"
    control = _value(headers, "cache-control").lower()
    reusable = "no-store" not in control and (
        "public" in control
        or "immutable" in control
        or any(int(m) > 0 for m in _MAX_AGE.findall(control))
    )
    hit = any(_value(headers, h).upper().startswith("HIT") for h in _HIT_HEADERS)
    age = _value(headers, "age").strip()
    hit = hit or (age.isdigit() and int(age) > 0)
    if hit:
        return "H"
    return "M" if reusable else "-"


def _flush(*_args: Any, **_kwargs: Any) -> None:
    global _file
    if not _buffer or _DIR is None:
        return
    if _file is None:
        _file = (Path(_DIR) / f"samples-{os.getpid()}.tsv").open("a", encoding="utf-8")
    _file.write("".join(_buffer))
    _file.flush()
    _buffer.clear()


def _on_request(
    request_type: str,
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    context: Any = None,
    **_kwargs: Any,
) -> None:
    if _DIR is None:
        return
    started = start_time if start_time is not None else time.time() - response_time / 1000
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None)
    cache = cache_code(status, headers) if headers is not None and exception is None else "-"
    endpoint = f"{request_type} {name}".replace("\t", " ").replace("\n", " ")
    intended = context.get("golive_intended") if isinstance(context, dict) else None
    late = str(max(0, round((started - intended) * 1e6))) if intended is not None else "-"
    _buffer.append(
        f"{int(started * 1000)}\t{endpoint}\t{round(response_time * 1000)}\t"
        f"{0 if exception else 1}\t{cache}\t{late}\n"
    )
    if len(_buffer) >= _FLUSH_EVERY:
        _flush()


class _Master:
    """The master's side: hands out the shares, collects the figures, notes dropouts."""

    def __init__(self, runner: MasterRunner) -> None:
        self.runner = runner
        self.assigned: dict[str, int] = {}  # client id -> share index
        self.reported: set[str] = set()
        self.dropped: dict[str, str] = {}
        self.started = 0.0
        self.heard: dict[str, float] = {}  # client id -> last heartbeat, monotonic
        runner.register_message(HIST_MESSAGE, self._on_hist)
        runner.environment.events.heartbeat_received.add_listener(self._on_heartbeat)  # type: ignore[no-untyped-call]

    def _on_heartbeat(self, client_id: str, timestamp: float, **_kwargs: Any) -> None:
        self.heard[str(client_id)] = time.monotonic()

    def users(self) -> int | None:
        """For the shape: how many scheduler users (one per worker), None when done."""
        if not self.assigned:
            clients = self.runner.clients
            ids = sorted(c.id for c in clients.ready + clients.spawning + clients.running)
            if not ids:
                return 0
            plan = os.environ.get(PLAN_VARIABLE, "")
            self.started = time.monotonic()
            for index, client_id in enumerate(ids):
                self.assigned[client_id] = index
                share = {"plan": plan, "index": index, "of": len(ids)}
                self.runner.send_message(PLAN_MESSAGE, share, client_id)
            gevent.spawn(self._watch)
        if not set(self.assigned) - self.reported - set(self.dropped):
            return None  # every worker reported or dropped out
        return len(self.assigned)

    def _on_hist(self, environment: Any, msg: Any, **_kwargs: Any) -> None:
        client_id = str(msg.node_id)
        if client_id not in self.assigned or client_id in self.reported or _DIR is None:
            return
        index = self.assigned[client_id]
        document = {**dict(msg.data), "worker": client_id, "index": index}
        path = Path(_DIR) / f"partial-{index}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        self.reported.add(client_id)

    def _watch(self) -> None:
        """Every half second: a worker with a share that went missing (no heartbeat for
        Locust's liveness interval) or quit before it reported has dropped out."""
        while True:
            gevent.sleep(0.5)
            for client_id, index in self.assigned.items():
                if client_id in self.reported or client_id in self.dropped:
                    continue
                client = self.runner.clients.get(client_id)
                if client is not None and client.state != STATE_MISSING:
                    continue
                how = "quit" if client is None else "stopped sending heartbeats"
                # when it was last heard of (its heartbeat, every second), else now
                at = max(self.heard.get(client_id, self.started), self.started) - self.started
                if client is None:
                    at = time.monotonic() - self.started
                self.dropped[client_id] = (
                    f"worker {index} ({client_id}) dropped out at {at:.1f} s of the run"
                    f" ({how}) before it sent its figures"
                )
                if _DIR is not None:
                    path = Path(_DIR) / "dropouts.json"
                    path.write_text(json.dumps(sorted(self.dropped.values())), encoding="utf-8")


def _report(runner: WorkerRunner, share: dict[str, Any], account: dict[str, Any]) -> None:
    """The worker's figures to the master: its own samples as an encoded Partial."""
    _flush()
    mine = [Path(_DIR) / f"samples-{os.getpid()}.tsv"] if _DIR else []
    partial = Partial.of_samples([p for p in mine if p.is_file()], late_ms=LATE_MS)
    data = {
        "partial": partial.encode(), "generator": account, "host": socket.gethostname(),
        "pid": os.getpid(), "share": [share["index"], share["of"]],
        "refused": account.get("refused"), "golive": __version__,
    }  # fmt: skip
    if _DIR:  # the worker keeps a copy of what it sent
        (Path(_DIR) / f"sent-{os.getpid()}.json").write_text(json.dumps(data), encoding="utf-8")
    runner.send_message(HIST_MESSAGE, data)


def _on_init(environment: Any, **_kwargs: Any) -> None:
    runner = environment.runner
    if _ROLE == "master" and isinstance(runner, MasterRunner):
        environment.golive_master = _Master(runner)
    elif _ROLE == "worker" and isinstance(runner, WorkerRunner):

        def on_plan(environment: Any, msg: Any, **_kw: Any) -> None:
            environment.golive_share = dict(msg.data)

        runner.register_message(PLAN_MESSAGE, on_plan)
        environment.golive_report = lambda share, account: _report(runner, share, account)


if _ROLE == "worker":  # `golive load-worker` killed outright: its Locust worker goes too
    _procs.die_with_parent()

# Locust's event hooks are untyped
events.init.add_listener(_on_init)  # type: ignore[no-untyped-call]
events.request.add_listener(_on_request)  # type: ignore[no-untyped-call]
events.test_stop.add_listener(_flush)  # type: ignore[no-untyped-call]
events.quitting.add_listener(_flush)  # type: ignore[no-untyped-call]
atexit.register(_flush)
