"""The load plan: how many users, how long, against what; bounded and loopback-guarded."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from golive._errors import GoliveError
from golive._net import is_loopback

__all__ = [
    "AUTHENTICATED_ENDPOINTS",
    "KEY_ENDPOINTS",
    "MAX_SECONDS",
    "MAX_USERS",
    "LoadError",
    "LoadPlan",
    "check_target",
    "is_loopback",
]

MAX_USERS = 1000  # concurrent users, any stage
MAX_SECONDS = 1800  # length of the staged run
# The requests loadtests/locustfile.py makes, as "METHOD name" (the recorder's keys).
KEY_ENDPOINTS = (
    "GET /health",
    "GET /api/projects",
    "GET /static/app.js",
    "POST /api/login",
    "GET /api/me",
)
AUTHENTICATED_ENDPOINTS = ("POST /api/login", "GET /api/me")


class LoadError(GoliveError):
    """The load phase could not run (bad plan, refused target, Locust crashed)."""


def check_target(url: str, *, allow_remote: bool) -> None:
    """Refuse anything but an http(s) URL, and a non-loopback host unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadError(f"load target {url!r} is not an http(s) URL")
    if not is_loopback(url) and not allow_remote:
        raise LoadError(
            f"load target {parts.hostname} is not loopback; load traffic goes elsewhere only "
            "to an environment marked disruptive = true"
        )


def _env_number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError:
        raise LoadError(f"{name}={raw!r} is not a number") from None
    if not math.isfinite(value):
        raise LoadError(f"{name}={raw!r} is not a finite number")
    return value


@dataclass(frozen=True)
class LoadPlan:
    """Stages (ramp → steady → spike) and the client side of the run, all bounded."""

    users: int = 20
    spike_users: int = 40
    ramp_s: float = 10.0
    steady_s: float = 40.0
    spike_s: float = 10.0
    processes: int = 0  # 0: one Locust process; N: N worker processes (--processes N)
    wait_min_s: float = 0.2
    wait_max_s: float = 1.0
    timeout_s: float = 10.0
    login: tuple[str, str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if not 1 <= self.users <= MAX_USERS:
            problems.append(f"users={self.users} outside 1..{MAX_USERS}")
        if not 1 <= self.spike_users <= MAX_USERS:
            problems.append(f"spike_users={self.spike_users} outside 1..{MAX_USERS}")
        for name in ("ramp_s", "steady_s", "spike_s", "wait_min_s", "wait_max_s"):
            if getattr(self, name) < 0:
                problems.append(f"{name} is negative")
        if self.steady_s <= 0:
            problems.append("steady_s must be positive")
        if self.total_s > MAX_SECONDS:
            problems.append(f"stages last {self.total_s:g}s, more than {MAX_SECONDS}s")
        if not 0 <= self.processes <= 64:
            problems.append(f"processes={self.processes} outside 0..64")
        if not 0 < self.timeout_s <= 120:
            problems.append(f"timeout_s={self.timeout_s} outside (0, 120]")
        if problems:
            raise LoadError("load plan: " + "; ".join(problems))

    @property
    def total_s(self) -> float:
        return self.ramp_s + self.steady_s + self.spike_s

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> LoadPlan:
        """The plan from ``GOLIVE_LOAD_*`` variables; unset ones keep the weekly defaults."""
        base = cls()
        users = int(_env_number(env, "GOLIVE_LOAD_USERS", base.users))
        email = env.get("GOLIVE_LOAD_LOGIN_EMAIL")
        password = env.get("GOLIVE_LOAD_LOGIN_PASSWORD")

        def number(name: str, attr: str) -> float:
            return _env_number(env, name, float(getattr(base, attr)))

        return cls(
            users=users,
            spike_users=int(_env_number(env, "GOLIVE_LOAD_SPIKE_USERS", 2 * users)),
            ramp_s=number("GOLIVE_LOAD_RAMP_S", "ramp_s"),
            steady_s=number("GOLIVE_LOAD_STEADY_S", "steady_s"),
            spike_s=number("GOLIVE_LOAD_SPIKE_S", "spike_s"),
            processes=int(number("GOLIVE_LOAD_PROCESSES", "processes")),
            wait_min_s=number("GOLIVE_LOAD_WAIT_MIN", "wait_min_s"),
            wait_max_s=number("GOLIVE_LOAD_WAIT_MAX", "wait_max_s"),
            timeout_s=number("GOLIVE_LOAD_TIMEOUT", "timeout_s"),
            login=(email, password) if email and password else None,
        )

    def to_env(self) -> dict[str, str]:
        """The variables loadtests/locustfile.py and shapes.py read."""
        env = {
            "GOLIVE_LOAD_USERS": str(self.users),
            "GOLIVE_LOAD_SPIKE_USERS": str(self.spike_users),
            "GOLIVE_LOAD_RAMP_S": f"{self.ramp_s:g}",
            "GOLIVE_LOAD_STEADY_S": f"{self.steady_s:g}",
            "GOLIVE_LOAD_SPIKE_S": f"{self.spike_s:g}",
            "GOLIVE_LOAD_MAX_USERS": str(MAX_USERS),
            "GOLIVE_LOAD_MAX_SECONDS": str(MAX_SECONDS),
            "GOLIVE_LOAD_WAIT_MIN": f"{self.wait_min_s:g}",
            "GOLIVE_LOAD_WAIT_MAX": f"{self.wait_max_s:g}",
            "GOLIVE_LOAD_TIMEOUT": f"{self.timeout_s:g}",
        }
        if self.login:
            env["GOLIVE_LOAD_LOGIN_EMAIL"], env["GOLIVE_LOAD_LOGIN_PASSWORD"] = self.login
        return env

    def describe(self) -> dict[str, object]:
        """The plan as evidence (no credentials)."""
        shown = asdict(self)
        shown["login"] = bool(self.login)
        shown["total_s"] = self.total_s
        return shown
