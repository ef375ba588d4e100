"""Users and tasks of the weekly load test: the key endpoints of the web application.

Users and tasks only. The load stages are the ``LoadTestShape`` in ``shapes.py``; the
SLO verdicts are computed by golive from the criterion catalog, never here.

Run by golive (``golive run --profile weekly``), or bare against a loopback target::

    locust -f loadtests/locustfile.py,loadtests/shapes.py --headless --host http://127.0.0.1:8000

The client side comes from golive's load plan (``golive.facts.load.LoadPlan``): handed
over by golive's load driver in ``GOLIVE_LOAD_PLAN``, or, in a bare run, taken from the
``GOLIVE_LOAD_*`` variables (all optional):

- ``GOLIVE_LOAD_LOGIN_EMAIL`` / ``GOLIVE_LOAD_LOGIN_PASSWORD``: a test account. Without
  them the users stay anonymous and ``/api/login`` and ``/api/me`` are not exercised.
- ``GOLIVE_LOAD_WAIT_MIN`` / ``GOLIVE_LOAD_WAIT_MAX``: think time between tasks, seconds.
- ``GOLIVE_LOAD_TIMEOUT``: connect and read timeout of one request, seconds; a request
  that times out is a failure.
"""

from __future__ import annotations

import os

from locust import HttpUser, between, task

from golive.facts.load.plan import received_plan

_PLAN = received_plan(os.environ)


class Visitor(HttpUser):
    """An anonymous visitor: loads the app's script, lists projects, checks health."""

    weight = 3
    wait_time = between(_PLAN.wait_min_s, max(_PLAN.wait_min_s, _PLAN.wait_max_s))
    connection_timeout = _PLAN.timeout_s
    network_timeout = _PLAN.timeout_s

    @task(4)
    def projects(self) -> None:
        self.client.get("/api/projects", name="/api/projects")

    @task(3)
    def static_asset(self) -> None:
        self.client.get("/static/app.js", name="/static/app.js")

    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="/health")


class Member(Visitor):
    """A signed-in user (one in four): logs in once, then also reads its own profile."""

    weight = 1

    def on_start(self) -> None:
        self.token: str | None = None
        if _PLAN.login is None:
            return
        email, password = _PLAN.login
        with self.client.post(
            "/api/login", json={"email": email, "password": password},
            name="/api/login", catch_response=True,
        ) as response:  # fmt: skip
            if not response.ok:
                return  # counted as a failure by Locust (status >= 400 or no answer)
            try:
                token = response.json().get("access_token")
            except (ValueError, AttributeError):
                token = None
            if token:
                self.token = str(token)
            else:
                response.failure("login answered without an access_token")

    @task(3)
    def me(self) -> None:
        if self.token is None:
            return
        self.client.get(
            "/api/me", name="/api/me", headers={"authorization": f"Bearer {self.token}"}
        )
