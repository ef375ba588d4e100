"""The load plan: how many users, how long, against what; bounded and loopback-guarded."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal
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
    MAX_ENDPOINTS,
    MAX_RATE,
    MAX_SECONDS,
    MAX_USERS,
    LoadEndpoint,
    LoadProcesses,
    LoadRate,
    LoadSeconds,
    LoadSettings,
    LoadUsers,
    RequestTimeout,
    SteadySeconds,
    resolve_secret,
)
from golive.facts.load.scenario_import import ImportedScenario, ScenarioImportError, load_scenario

__all__ = [
    "CPU_SATURATED",
    "LATE_MS",
    "LATE_SHARE",
    "MAX_LATE_MS",
    "PLAN_VARIABLE",
    "POOL_CONNECTIONS",
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
        ("MAX_USERS", "max_users"),
        ("WAIT_MIN", "wait_min_s"),
        ("WAIT_MAX", "wait_max_s"),
        ("TIMEOUT", "timeout_s"),
        ("MODEL", "model"),
        ("RATE", "rate"),
        ("SPIKE_RATE", "spike_rate"),
    )
}
# Bounds on the generator itself (not SLOs): an open-model run with more than LATE_SHARE of
# its arrivals sent over LATE_MS after their intended time, or any over MAX_LATE_MS, or whose
# generator used CPU_SATURATED of a core, did not apply the intended load. Lateness only
# adds to the corrected figures (it can cost a pass, never make one); within these bounds it
# adds at most a few ms to the mean, so a busy shared machine does not void every run.
LATE_MS = 20.0
LATE_SHARE = 0.05
MAX_LATE_MS = 250.0
CPU_SATURATED = 0.9
# open model, default: connections in flight per generator, so arrivals never queue (the
# plan's max_users)
POOL_CONNECTIONS = MAX_USERS


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
    # the configured bound on users and spike_users (closed model) and on connections in
    # flight per generator (open model): [load] max_users, golive's MAX_USERS by default
    max_users: LoadUsers = MAX_USERS
    wait_min_s: LoadSeconds = 0.2
    wait_max_s: LoadSeconds = 1.0
    timeout_s: RequestTimeout = 10.0
    login: tuple[str, str] | None = Field(default=None, repr=False)
    model: Literal["open", "closed"] = "open"
    rate: LoadRate = 20.0  # open model: intended arrivals per second, steady stage
    spike_rate: LoadRate = 40.0
    endpoints: tuple[LoadEndpoint, ...] = ()
    login_path: str = "/api/login"
    token_field: str = "access_token"
    bearer_token: str | None = Field(default=None, repr=False)
    # what [load] openapi/har added and left out (evidence; the endpoints are in endpoints)
    imported: tuple[dict[str, Any], ...] = ()

    @model_validator(mode="wrap")
    @classmethod
    def _as_load_error(cls, data: Any, handler: ModelWrapValidatorHandler[LoadPlan]) -> LoadPlan:
        try:
            plan = handler(data)
        except ValidationError as exc:
            raise LoadError("load plan: " + "; ".join(_problem(e) for e in exc.errors())) from None
        over = [f"{k}={v}" for k, v in (("users", plan.users), ("spike_users", plan.spike_users))
                if v > plan.max_users]  # fmt: skip
        if over:
            raise LoadError(
                f"load plan: {', '.join(over)} above max_users={plan.max_users}"
                " (raise [load] max_users to allow more)"
            )
        if plan.total_s > MAX_SECONDS:
            raise LoadError(f"load plan: stages last {plan.total_s:g}s, more than {MAX_SECONDS}s")
        return plan

    @property
    def total_s(self) -> float:
        return self.ramp_s + self.steady_s + self.spike_s

    def to_locust_env(self) -> dict[str, str]:
        """The one variable loadtests/locustfile.py and shapes.py read the plan from."""
        return {PLAN_VARIABLE: self.model_dump_json()}

    def arrival_offsets(self) -> Iterator[float]:
        """Open model: seconds after the start at which arrivals are due, evenly spaced at
        the stage's rate; the ramp rises linearly from 0 to ``rate``."""
        ramp, steady, spike = self.ramp_s, self.steady_s, self.spike_s
        for k in range(1, int(self.rate * ramp / 2) + 1):  # rate t^2 / (2 ramp) by time t
            yield (2 * ramp * k / self.rate) ** 0.5
        # each stage's arrivals end on its last instant (the ramp's last is at ``ramp``)
        for k in range(1, int(self.rate * steady) + 1):
            yield ramp + k / self.rate
        for k in range(1, int(self.spike_rate * spike) + 1):
            yield ramp + steady + k / self.spike_rate

    def key_endpoints(self) -> tuple[str, ...]:
        """What the per-endpoint checks judge: the configured endpoints (``METHOD name``),
        and the login request when an endpoint signs in through it."""
        keys = [e.key for e in self.endpoints]
        if any(e.auth == "login" for e in self.endpoints):
            keys.insert(0, f"POST {self.login_path}")
        return tuple(dict.fromkeys(keys))

    def missing_credential(self, key: str) -> str | None:
        """Why ``key`` could not be exercised for lack of a credential, else None."""
        auths = {e.auth for e in self.endpoints if e.key == key}
        signs_in = key == f"POST {self.login_path}" or "login" in auths
        if signs_in and self.login is None and any(e.auth == "login" for e in self.endpoints):
            return "no test account: set [load] login_email and login_password"
        if "bearer" in auths and not self.bearer_token:
            return 'no bearer token: set [load] bearer_token = "env:NAME" and NAME'
        return None

    def describe(self) -> dict[str, object]:
        """The plan as evidence (no credentials: header values and tokens are left out)."""
        shown: dict[str, object] = self.model_dump(
            mode="json", exclude={"login", "bearer_token", "endpoints"}
        )
        shown["login"] = bool(self.login)
        shown["bearer_token"] = bool(self.bearer_token)
        shown["endpoints"] = [
            {"key": e.key, "path": e.path, "weight": e.weight, "auth": e.auth,
             "headers": sorted(e.headers), "expect_status": e.expect_status}
            for e in self.endpoints
        ]  # fmt: skip
        shown["total_s"] = self.total_s
        shown["imported"] = list(self.imported)
        return shown


def _problem(error: ErrorDetails) -> str:
    field = ".".join(str(part) for part in error["loc"])
    return f"{field}={error['input']!r}: {error['msg']}"


def configured_plan(
    settings: LoadSettings | None,
    env: Mapping[str, str],
    *,
    base_dir: Path | None = None,
    base_url: str | None = None,
) -> LoadPlan:
    """The plan of golive.toml's [load] table, overridden for one run by ``GOLIVE_LOAD_*``
    variables; unset sizes keep the weekly defaults, and the spike is twice the users.
    ``openapi``/``har`` files are read relative to ``base_dir`` (golive.toml's folder);
    a HAR's requests count only on ``base_url``'s origin."""
    values: dict[str, object] = {}
    if settings is not None:
        values = settings.model_dump(
            exclude={"login_email", "login_password", "bearer_token", "endpoints",
                     "openapi", "har", "import_methods"},
            exclude_none=True,
        )  # fmt: skip
        values["login"] = settings.login()
        values["bearer_token"] = resolve_secret(settings.bearer_token)
        endpoints = [_resolved(e) for e in settings.endpoints]
        imports = _imported(settings, base_dir or Path("."), base_url,
                            has_login=values["login"] is not None,
                            has_bearer=bool(values["bearer_token"]))  # fmt: skip
        for scenario in imports:
            endpoints += [e for e in scenario.endpoints if e.key not in {x.key for x in endpoints}]
        values["endpoints"] = tuple(endpoints[:MAX_ENDPOINTS])
        values["imported"] = tuple(scenario.describe() for scenario in imports)
    for name, key in _OVERRIDES.items():
        raw = env.get(name, "").strip()
        if raw:
            values[key] = raw
    email, password = env.get(f"{_PREFIX}LOGIN_EMAIL"), env.get(f"{_PREFIX}LOGIN_PASSWORD")
    if email and password:
        values["login"] = (email, password)
    if "spike_users" not in values:
        sized = LoadPlan.model_validate({**values, "spike_users": 1})
        values["spike_users"] = min(2 * sized.users, sized.max_users)
    if "spike_rate" not in values:
        values["spike_rate"] = min(2 * LoadPlan.model_validate(values).rate, MAX_RATE)
    return LoadPlan.model_validate(values)


def _imported(
    settings: LoadSettings,
    base_dir: Path,
    base_url: str | None,
    *,
    has_login: bool,
    has_bearer: bool,
) -> list[ImportedScenario]:
    """The scenarios of ``openapi`` and ``har``; a document that cannot be read is a
    :class:`LoadError` naming it (the load run then reports it, never a partial plan)."""
    found = []
    for kind in ("openapi", "har"):
        name = getattr(settings, kind)
        if not name:
            continue
        try:
            found.append(load_scenario(
                (base_dir / name).resolve(), kind, base_url=base_url,
                methods=settings.import_methods, login_path=settings.login_path,
                has_login=has_login, has_bearer=has_bearer,
            ))  # fmt: skip
        except ScenarioImportError as exc:
            raise LoadError(f"load.{kind}: {exc}") from None
    return found


def _resolved(endpoint: LoadEndpoint) -> LoadEndpoint:
    """The endpoint with ``env:NAME`` header values read from the environment."""
    headers = {k: resolve_secret(v) or "" for k, v in endpoint.headers.items()}
    return endpoint.model_copy(update={"headers": headers})


def override_variables(settings: LoadSettings) -> dict[str, str]:
    """The ``GOLIVE_LOAD_*`` variables that override the plan with ``settings``' sizes, for a
    caller that starts a run in another process (``golive demo``); read by
    :func:`configured_plan`."""
    sizes = settings.model_dump(exclude_none=True)
    return {
        name: sizes[key] if isinstance(sizes[key], str) else f"{sizes[key]:g}"
        for name, key in _OVERRIDES.items()
        if key in sizes
    }


def received_plan(env: Mapping[str, str]) -> LoadPlan:
    """In the Locust process: the plan golive's driver handed over or, in a bare
    ``locust -f loadtests/...`` run, the plan of the ``GOLIVE_LOAD_*`` variables."""
    handed = env.get(PLAN_VARIABLE)
    return LoadPlan.model_validate_json(handed) if handed else configured_plan(None, env)
