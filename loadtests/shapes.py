"""The stages of the weekly load test: ramp, steady, spike, then stop.

Sizes come from the environment (set by golive's load driver from its load plan) and
are bounded here as well, so a bare run can neither grow without limit nor run forever:

- ``GOLIVE_LOAD_USERS`` (20): concurrent users of the steady stage
- ``GOLIVE_LOAD_SPIKE_USERS`` (2 x users): concurrent users of the spike
- ``GOLIVE_LOAD_RAMP_S`` (10), ``GOLIVE_LOAD_STEADY_S`` (40), ``GOLIVE_LOAD_SPIKE_S`` (10)
- ``GOLIVE_LOAD_MAX_USERS`` (1000), ``GOLIVE_LOAD_MAX_SECONDS`` (1800): hard bounds

``--run-time`` (a common option this shape honours) stops the test earlier still.
"""

from __future__ import annotations

import os

from locust import LoadTestShape


def _number(name: str, default: float, low: float, high: float) -> float:
    return min(max(float(os.environ.get(name, default)), low), high)


class RampSteadySpike(LoadTestShape):
    """Ramp to the steady users, hold them, spike to the spike users, then stop."""

    use_common_options = True  # honour --run-time as an outer bound

    def __init__(self) -> None:
        super().__init__()
        top = int(_number("GOLIVE_LOAD_MAX_USERS", 1000, 1, 10_000))
        self.users = int(_number("GOLIVE_LOAD_USERS", 20, 1, top))
        self.spike_users = int(_number("GOLIVE_LOAD_SPIKE_USERS", 2 * self.users, 1, top))
        ramp = _number("GOLIVE_LOAD_RAMP_S", 10, 0, 3600)
        steady = _number("GOLIVE_LOAD_STEADY_S", 40, 0, 3600)
        spike = _number("GOLIVE_LOAD_SPIKE_S", 10, 0, 3600)
        limit = _number("GOLIVE_LOAD_MAX_SECONDS", 1800, 1, 86_400)
        # (stage end in seconds since start, users, spawn rate per second)
        self.stages = [
            (ramp, self.users, self.users / ramp if ramp else float(self.users)),
            (ramp + steady, self.users, float(self.users)),
            (ramp + steady + spike, self.spike_users, float(self.spike_users)),
        ]
        self.limit = min(limit, ramp + steady + spike)

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
