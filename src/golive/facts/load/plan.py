"""The load plan: how many users, how long, against what; bounded and loopback-guarded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from golive._errors import GoliveError
from golive._net import is_loopback
from golive.config import (
    MAX_SECONDS,
    LoadProcesses,
    LoadSeconds,
    LoadSettings,
    LoadUsers,
    RequestTimeout,
    SteadySeconds,
)

__all__ = [
    "AUTHENTICATED_ENDPOINTS",
    "KEY_ENDPOINTS",
    "PLAN_VARIABLE",
    "LoadError",
    "LoadPlan",
    "check_target",
    "configured_plan",
    "is_loopback",
    "override_variables",
    "received_plan",
]

PLAN_VARIABLE = "GOLIVE_LOAD_PLAN"  # the plan as JSON, for the Locust process
_PREFIX = "GOLIVE_LOAD_"
# GOLIVE_LOAD_<NAME> overrides one size of the plan for one run
_OVERRIDES = {
    f"{_PREFIX}{name}": key
    for name, key in (
        ("USERS", "users"),
        ("SPIKE_USERS", "spike_users"),
        ("RAMP_S", "ramp_s"),
        ("STEADY_S", "steady_s"),
        ("SPIKE_S", "spike_s"),
        ("PROCESSES", "processes"),
        ("WAIT_MIN", "wait_min_s"),
        ("WAIT_MAX", "wait_max_s"),
        ("TIMEOUT", "timeout_s"),
    )
}
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


class LoadPlan(BaseModel):
    """Stages (ramp → steady → spike) and the client side of the run, all bounded.

    The one description of a load run: built by :func:`configured_plan`, handed to the
    Locust process as JSON in one variable (:meth:`to_locust_env`), read back there by
    :func:`received_plan`. An invalid plan raises :class:`LoadError`.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    users: LoadUsers = 20
    spike_users: LoadUsers = 40
    ramp_s: LoadSeconds = 10.0
    steady_s: SteadySeconds = 40.0
    spike_s: LoadSeconds = 10.0
    processes: LoadProcesses = 0  # 0: one Locust process; N: N worker processes (--processes N)
    wait_min_s: LoadSeconds = 0.2
    wait_max_s: LoadSeconds = 1.0
    timeout_s: RequestTimeout = 10.0
    login: tuple[str, str] | None = Field(default=None, repr=False)

    @model_validator(mode="wrap")
    @classmethod
    def _as_load_error(cls, data: Any, handler: ModelWrapValidatorHandler[LoadPlan]) -> LoadPlan:
        try:
            plan = handler(data)
        except ValidationError as exc:
            raise LoadError("load plan: " + "; ".join(_problem(e) for e in exc.errors())) from None
        if plan.total_s > MAX_SECONDS:
            raise LoadError(f"load plan: stages last {plan.total_s:g}s, more than {MAX_SECONDS}s")
        return plan

    @property
    def total_s(self) -> float:
        return self.ramp_s + self.steady_s + self.spike_s

    def to_locust_env(self) -> dict[str, str]:
        """The one variable loadtests/locustfile.py and shapes.py read the plan from."""
        return {PLAN_VARIABLE: self.model_dump_json()}

    def describe(self) -> dict[str, object]:
        """The plan as evidence (no credentials)."""
        shown: dict[str, object] = self.model_dump(exclude={"login"})
        shown["login"] = bool(self.login)
        shown["total_s"] = self.total_s
        return shown


def _problem(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"])
    return f"{field}={error['input']!r}: {error['msg']}"


def configured_plan(settings: LoadSettings | None, env: Mapping[str, str]) -> LoadPlan:
    """The plan of golive.toml's [load] table, overridden for one run by ``GOLIVE_LOAD_*``
    variables; unset sizes keep the weekly defaults, and the spike is twice the users."""
    values: dict[str, object] = {}
    if settings is not None:
        values = settings.model_dump(exclude={"login_email", "login_password"}, exclude_none=True)
        values["login"] = settings.login()
    for name, key in _OVERRIDES.items():
        raw = env.get(name, "").strip()
        if raw:
            values[key] = raw
    email, password = env.get(f"{_PREFIX}LOGIN_EMAIL"), env.get(f"{_PREFIX}LOGIN_PASSWORD")
    if email and password:
        values["login"] = (email, password)
    if "spike_users" not in values:
        values["spike_users"] = 2 * LoadPlan.model_validate(values).users
    return LoadPlan.model_validate(values)


def override_variables(settings: LoadSettings) -> dict[str, str]:
    """The ``GOLIVE_LOAD_*`` variables that override the plan with ``settings``' sizes, for a
    caller that starts a run in another process (``golive demo``); read by
    :func:`configured_plan`."""
    sizes = settings.model_dump(exclude_none=True)
    return {name: f"{sizes[key]:g}" for name, key in _OVERRIDES.items() if key in sizes}


def received_plan(env: Mapping[str, str]) -> LoadPlan:
    """In the Locust process: the plan golive's driver handed over or, in a bare
    ``locust -f loadtests/...`` run, the plan of the ``GOLIVE_LOAD_*`` variables."""
    handed = env.get(PLAN_VARIABLE)
    return LoadPlan.model_validate_json(handed) if handed else configured_plan(None, env)
