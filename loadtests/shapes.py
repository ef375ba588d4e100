"""The stages of the weekly load test: ramp, steady, spike, then stop.

Open model (the plan's default): one scheduler user whose arrivals follow the stages
(``LoadPlan.arrival_offsets``); the shape keeps it running until it has sent every
arrival and collected the answers (bounded by the request timeout), then stops the run.
Closed model: the users of each stage, below.

The sizes are golive's load plan (``golive.facts.load.LoadPlan``, bounded there): handed
over by golive's load driver in ``GOLIVE_LOAD_PLAN``, or, in a bare run, taken from the
``GOLIVE_LOAD_*`` variables (``GOLIVE_LOAD_USERS``, ``GOLIVE_LOAD_SPIKE_USERS``,
``GOLIVE_LOAD_RAMP_S``, ``GOLIVE_LOAD_STEADY_S``, ``GOLIVE_LOAD_SPIKE_S``; unset: 20 users,
a spike of twice the users, 10 s + 40 s + 10 s).

``--run-time`` (a common option this shape honours) stops the test earlier still.
"""

from __future__ import annotations

import os

from locust import LoadTestShape

from golive.facts.load.plan import received_plan


class RampSteadySpike(LoadTestShape):
    """Ramp to the steady users, hold them, spike to the spike users, then stop."""

    use_common_options = True  # honour --run-time as an outer bound

    def __init__(self) -> None:
        super().__init__()
        plan = received_plan(os.environ)
        self.users, self.spike_users = plan.users, plan.spike_users
        ramp, steady, spike = plan.ramp_s, plan.steady_s, plan.spike_s
        # (stage end in seconds since start, users, spawn rate per second)
        self.stages = [
            (ramp, self.users, self.users / ramp if ramp else float(self.users)),
            (ramp + steady, self.users, float(self.users)),
            (ramp + steady + spike, self.spike_users, float(self.spike_users)),
        ]
        self.limit = plan.total_s

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        options = self.runner.environment.parsed_options if self.runner else None
        run_time = getattr(options, "run_time", None)
        if elapsed >= self.limit or (run_time and elapsed >= run_time):
            return None
        for end, users, rate in self.stages:
            if elapsed < end:
                return users, rate
        return None


class OpenArrivalStages(LoadTestShape):
    """The open model: one scheduler user until it is done, bounded by the stages plus the
    request timeout (the answers of the last arrivals). On a distributed run's master, one
    scheduler per worker until every worker has sent its figures or dropped out (golive's
    recorder keeps that account)."""

    use_common_options = True

    def __init__(self) -> None:
        super().__init__()
        plan = received_plan(os.environ)
        self.limit = plan.total_s + plan.timeout_s + 5

    def tick(self) -> tuple[int, float] | None:
        environment = self.runner.environment if self.runner else None
        if self.get_run_time() >= self.limit:
            return None
        master = getattr(environment, "golive_master", None)
        if master is not None:
            users = master.users()
            return None if users is None else (users, float(max(users, 1)))
        if getattr(environment, "golive_done", False):
            return None
        return 1, 1.0


# Locust takes the one shape class a locustfile defines: keep the one of the plan's model.
if received_plan(os.environ).model == "open":
    del RampSteadySpike
else:
    del OpenArrivalStages
