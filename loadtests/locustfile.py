"""The load scenario: the endpoints the team lists in golive.toml, open or closed model.

Users and requests only. The stages are the ``LoadTestShape`` in ``shapes.py``; the SLO
verdicts are computed by golive from the criterion catalog, never here.

Run by golive (``golive load`` or ``golive run --profile weekly``), or bare against a
loopback target with the plan in ``GOLIVE_LOAD_PLAN`` (JSON of
``golive.facts.load.LoadPlan``)::

    locust -f loadtests/locustfile.py,loadtests/shapes.py --headless --host http://127.0.0.1:8000

The scenario comes from ``[environments.NAME.load]``: ``endpoints`` (method, path, weight,
headers, body, expect_status, auth), ``model`` and ``rate``.

- **open model** (default): one scheduler per generator process sends arrivals at the
  intended rate (ramp: rising to ``rate``, steady: ``rate``, spike: ``spike_rate``), one
  greenlet per arrival on a connection pool large enough that arrivals do not queue. Each
  request carries its intended start, so golive times it from there (a stalled server
  cannot hide behind requests that were never sent).
- **closed model**: ``users`` users, each sending its next request ``wait_min_s`` to
  ``wait_max_s`` after the previous answer (what most load tools do; labelled as such).
- **distributed** (open model, ``golive load --master`` and ``golive load-worker``): one
  scheduler per worker; the plan and the worker's share (every ``of``-th arrival of the
  one schedule, from ``index``) come from the master in a Locust message (golive's
  recorder), so workers need no configuration of their own.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

import gevent
from geventhttpclient.client import IDEMPOTENT_METHODS
from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
from geventhttpclient.response import HTTPConnectionClosed, HTTPSocketPoolResponse
from geventhttpclient.url import URL
from locust import between, task
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser, insecure_ssl_context_factory
from locust.exception import CatchResponseError

from golive.config import LoadEndpoint
from golive.facts.load.plan import LATE_MS, LoadError, LoadPlan, check_target, received_plan
from golive.facts.load.wire import WireRequest, wire_requests

_PLAN = received_plan(os.environ)
_SAMPLES = os.environ.get("GOLIVE_LOAD_SAMPLES_DIR")
_ROLE = os.environ.get("GOLIVE_LOAD_ROLE", "")  # "", "master" or "worker"
_ALLOW_REMOTE = os.environ.get("GOLIVE_LOAD_ALLOW_REMOTE") == "1"
_SHARE_WAIT_S = 30.0  # a worker's wait for the master's plan message


class _Scenario:
    """Sign-in and one request of the configured scenario, on a FastHttpSession."""

    client: FastHttpSession
    plan: LoadPlan = _PLAN

    def _sign_in(self) -> str | None:
        """The login flow's token when an endpoint needs it (and a test account is set)."""
        if self.plan.login is None or not any(e.auth == "login" for e in self.plan.endpoints):
            return None
        email, password = self.plan.login
        with self.client.post(
            self.plan.login_path, json={"email": email, "password": password},
            name=self.plan.login_path, catch_response=True,
        ) as response:  # fmt: skip
            if not 200 <= response.status_code < 300:
                response.failure(f"login answered {response.status_code}")
                return None
            try:
                token = response.json().get(self.plan.token_field)
            except (ValueError, AttributeError):
                token = None
            if not token:
                response.failure(f"login answered without {self.plan.token_field}")
                return None
            return str(token)

    def _usable(self, token: str | None) -> tuple[list[LoadEndpoint], list[int]]:
        """The endpoints this user can send (those lacking a credential are left out: the
        per-endpoint checks report them as not verified)."""
        usable = [
            e for e in self.plan.endpoints
            if (e.auth != "login" or token) and (e.auth != "bearer" or self.plan.bearer_token)
        ]  # fmt: skip
        return usable, [e.weight for e in usable]

    def _send(self, endpoint: LoadEndpoint, token: str | None, context: dict[str, Any]) -> None:
        headers = dict(endpoint.headers)
        bearer = token if endpoint.auth == "login" else self.plan.bearer_token
        if endpoint.auth != "none" and bearer:
            headers["authorization"] = f"Bearer {bearer}"
        body: dict[str, Any] = {}
        if isinstance(endpoint.body, str):
            body["data"] = endpoint.body
        elif endpoint.body is not None:
            body["json"] = endpoint.body
        with self.client.request(
            endpoint.method, endpoint.path, name=endpoint.name or endpoint.path,
            headers=headers, catch_response=True, context=context, **body,
        ) as response:  # fmt: skip
            if not endpoint.expect_status:
                return  # Locust's rule: a status >= 400 or no answer is a failure
            if response.status_code in endpoint.expect_status:
                response.success()
            else:
                response.failure(
                    f"status {response.status_code}, expected {endpoint.expect_status}"
                )


class _ArrivalPool:
    """geventhttpclient's pool, tuned for arrivals a few hundred microseconds apart.

    - the target is looked up once per run (as wrk does): geventhttpclient resolves for
      every new connection through gevent's thread pool, and a burst of new connections
      then delays the arrivals behind it;
    - a connection given back less than a second ago is taken again without asking the
      kernel whether the server closed it (a select per request; servers close idle
      connections after seconds, and a closed one is retried like geventhttpclient does).
    """

    _addresses: Any = None
    _FRESH_S = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._returned: dict[Any, float] = {}

    def _resolve(self) -> Any:
        if self._addresses is None:
            self._addresses = super()._resolve()  # type: ignore[misc]
        return self._addresses

    def return_socket(self, sock: Any) -> None:
        self._returned[sock] = time.monotonic()
        super().return_socket(sock)  # type: ignore[misc]

    def release_socket(self, sock: Any) -> None:
        self._returned.pop(sock, None)
        super().release_socket(sock)  # type: ignore[misc]

    def socket_for(self, method: str) -> Any:
        """A connection for one request. For a method that cannot be retried (POST, PATCH)
        a kept-alive connection is always asked first whether the server closed it."""
        while True:
            sock = self.get_socket()  # type: ignore[attr-defined]
            if method in IDEMPOTENT_METHODS or sock not in self._returned:
                return sock
            if super()._is_socket_alive(sock):  # type: ignore[misc]
                return sock
            self.release_socket(sock)

    def _is_socket_alive(self, sock: Any) -> bool:
        returned = self._returned.get(sock)
        if returned is not None and time.monotonic() - returned < self._FRESH_S:
            return True
        self._returned.pop(sock, None)
        return bool(super()._is_socket_alive(sock))  # type: ignore[misc]


class _Pool(_ArrivalPool, ConnectionPool):
    pass


class _TlsPool(_ArrivalPool, SSLConnectionPool):
    pass


class _HeaderIndex(dict[str, str]):
    """An answer's headers as the recorder reads them: lower-case names, repeated ones
    joined with commas (RFC 9110 5.3); cheaper than geventhttpclient's Headers, which
    keeps each original spelling and value."""

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        self[key] = f"{self[key]}, {value}" if key in self else value


class _Answer:
    """What golive's recorder reads of an answer (its status and headers)."""

    __slots__ = ("headers", "status_code")

    def __init__(self, status_code: int, headers: _HeaderIndex) -> None:
        self.status_code, self.headers = status_code, headers


def _exchange(pool: _ArrivalPool, request: WireRequest) -> tuple[_Answer, int]:
    """Send one prepared request and read the whole answer. A kept-alive connection the
    server closed meanwhile is retried once on a new one, idempotent methods only (RFC
    9110 9.2.2), as geventhttpclient's own client does."""
    retries = 1 if request.method in IDEMPOTENT_METHODS else 0
    while True:
        sock = pool.socket_for(request.method)
        try:
            sock.sendall(request.wire)
        except OSError:
            pool.release_socket(sock)
            if retries:
                retries -= 1
                continue
            raise
        try:  # the response gives the connection back (or closes it) itself
            response = HTTPSocketPoolResponse(
                sock, pool, method=request.method, headers_type=_HeaderIndex
            )
        except HTTPConnectionClosed:
            if retries:
                retries -= 1
                continue
            raise
        try:
            length = len(response.read())
        finally:
            response.release()
        return _Answer(response.status_code, response.info()), length


def _share(environment: Any) -> dict[str, Any]:
    """A worker's plan and share, as the master's message left them (waits for it)."""
    deadline = time.monotonic() + _SHARE_WAIT_S
    while not hasattr(environment, "golive_share"):
        if time.monotonic() > deadline:
            raise RuntimeError(f"no plan from the master within {_SHARE_WAIT_S:g}s")
        gevent.sleep(0.05)
    return dict(environment.golive_share)


if _PLAN.model == "open" or _ROLE == "worker":

    class OpenArrivals(FastHttpUser, _Scenario):
        """The open model's scheduler: sends each arrival at its intended time."""

        concurrency = _PLAN.max_users
        connection_timeout = _PLAN.timeout_s
        network_timeout = _PLAN.timeout_s
        # one scheduler; distributed, one per worker (the master's shape asks for as many)
        fixed_count = 0 if _ROLE else 1

        def __init__(self, environment: Any) -> None:
            self.share: dict[str, Any] = {"index": 0, "of": 1}
            if _ROLE == "worker":  # the master's plan, before the client is built from it
                self.share = _share(environment)
                self.plan = LoadPlan.model_validate_json(self.share["plan"])
                self.concurrency = self.plan.max_users
                self.connection_timeout = self.network_timeout = self.plan.timeout_s
            super().__init__(environment)

        def _refused(self) -> str | None:
            """A worker loads loopback targets only, unless started with --allow-remote."""
            if _ROLE != "worker":
                return None
            try:
                check_target(str(self.host), allow_remote=_ALLOW_REMOTE)
            except LoadError as exc:
                return f"worker refused the target: {exc} (start it with --allow-remote)"
            return None

        def _pool(self) -> _ArrivalPool:
            """The arrivals' kept-alive connections: up to max_users, so none queues."""
            url = URL(str(self.host))
            timeouts = {
                "size": self.plan.max_users, "network_timeout": self.plan.timeout_s,
                "connection_timeout": self.plan.timeout_s,
            }  # fmt: skip
            if url.scheme == "https":
                # FastHttpSession's TLS: unverified unless the user class says otherwise
                factory = insecure_ssl_context_factory if self.insecure else None
                return _TlsPool(
                    url.host, url.port, url.host, url.port, insecure=self.insecure,
                    ssl_context_factory=factory, **timeouts,
                )  # fmt: skip
            return _Pool(url.host, url.port, url.host, url.port, **timeouts)

        def _send_wire(self, pool: _ArrivalPool, request: WireRequest, intended: float) -> None:
            """One arrival: its prepared request on the pool, reported through Locust's
            request event (Locust's statistics and golive's recorder), timed like
            FastHttpSession does (until the whole body is read)."""
            started, clock = time.time(), time.perf_counter()
            answer, length, error = None, 0, None
            try:
                answer, length = _exchange(pool, request)
                reason = request.failure(answer.status_code)
                error = CatchResponseError(reason) if reason else None
            except Exception as exc:  # this arrival failed; the run goes on
                error = exc
            self.environment.events.request.fire(
                request_type=request.method, name=request.name, response=answer,
                response_time=(time.perf_counter() - clock) * 1000, response_length=length,
                exception=error, context={"golive_intended": intended}, start_time=started,
                url=request.uri,
            )  # fmt: skip

        def _schedule(self, requests: list[WireRequest], weights: list[int]) -> tuple[int, int]:
            """Send this generator's share of the arrivals at their intended times, one
            greenlet each (gevent's raw greenlets: the cheapest to start); returns how many
            were sent and how many found every connection busy (queued)."""
            pool = self._pool()
            rng = random.Random(1)  # noqa: S311 - the same mix on every run, not a secret
            cumulative, single = list(itertools.accumulate(weights)), len(requests) == 1
            flying: set[Any] = set()  # arrivals not answered yet

            def arrival(request: WireRequest, due: float) -> None:
                try:
                    self._send_wire(pool, request, due)
                finally:
                    flying.discard(gevent.getcurrent())

            index, of = int(self.share["index"]), int(self.share["of"])
            queued = intended = 0
            t0 = time.time()
            for number, offset in enumerate(self.plan.arrival_offsets()):
                if number % of != index:
                    continue  # another worker's arrival
                due = t0 + offset
                delay = due - time.time()
                if delay > 0:
                    gevent.sleep(delay)
                if len(flying) >= self.plan.max_users:
                    queued += 1  # this arrival will wait for a connection
                request = (
                    requests[0] if single else rng.choices(requests, cum_weights=cumulative)[0]
                )
                flying.add(gevent.spawn_raw(arrival, request, due))
                intended += 1
            deadline = time.monotonic() + self.plan.timeout_s + 1
            while flying and time.monotonic() < deadline:
                gevent.sleep(0.05)
            for leftover in list(flying):  # a hung target's
                gevent.kill(leftover)
            gevent.sleep(0.1)
            pool.close()
            return intended, queued

        @task
        def arrivals(self) -> None:
            if getattr(self.environment, "golive_scheduled", False):
                while True:  # a second scheduler in this process (never shares twice)
                    gevent.sleep(3600)
            self.environment.golive_scheduled = True
            refused = self._refused()
            token = None if refused else self._sign_in()
            usable, weights = self._usable(token) if not refused else ([], [])
            requests = wire_requests(
                usable, base_url=str(self.host), token=token, bearer=self.plan.bearer_token
            )
            cpu0, wall0 = resource.getrusage(resource.RUSAGE_SELF), time.monotonic()
            intended, queued = self._schedule(requests, weights) if requests else (0, 0)
            cpu1, wall = resource.getrusage(resource.RUSAGE_SELF), time.monotonic() - wall0
            cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            account: dict[str, Any] = {
                "intended_arrivals": intended, "queued": queued, "cpu_s": round(cpu_s, 3),
                "wall_s": round(wall, 3), "late_bound_ms": LATE_MS,
            }  # fmt: skip
            if refused:
                account["refused"] = refused
            if _SAMPLES:
                path = Path(_SAMPLES) / f"generator-{os.getpid()}.json"
                path.write_text(json.dumps(account), encoding="utf-8")
            if _ROLE == "worker":  # golive's recorder sends the figures to the master
                self.environment.golive_report(self.share, account)
            self.environment.golive_done = True  # read by the shape
            while True:  # idle until the shape ends the run
                gevent.sleep(3600)

else:

    class ClosedUsers(FastHttpUser, _Scenario):
        """The closed model: a user sends its next request after the previous answer and a
        think time (what most load tools do; a stalled server slows the users down)."""

        wait_time = between(_PLAN.wait_min_s, max(_PLAN.wait_min_s, _PLAN.wait_max_s))
        connection_timeout = _PLAN.timeout_s
        network_timeout = _PLAN.timeout_s

        def on_start(self) -> None:
            self.token = self._sign_in()
            self.usable, self.weights = self._usable(self.token)

        @task
        def one_request(self) -> None:
            if self.usable:
                endpoint = random.choices(self.usable, self.weights)[0]  # noqa: S311
                self._send(endpoint, self.token, {})
            else:
                gevent.sleep(1)
