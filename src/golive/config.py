"""golive.toml: environments, secret references, threshold overrides, waivers, attestations.

Every problem is collected and reported as one line naming the field path; the caller
turns a ConfigError into exit code 2.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import parse_qsl, urlsplit

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from golive._errors import ConfigError
from golive._files import Unreadable, load_yaml_bounded, read_text_bounded, yaml_problem
from golive.catalog import load_catalog

__all__ = [
    "HEADER_NAME",
    "HOST_SCHEMES",
    "MAX_CONFIG_BYTES",
    "MAX_DEADLINE_MINUTES",
    "MAX_ENDPOINTS",
    "MAX_PROCESSES",
    "MAX_RATE",
    "MAX_SECONDS",
    "MAX_TIMEOUT_S",
    "MAX_USERS",
    "USERS_CEILING",
    "Attestation",
    "Config",
    "Environment",
    "HostTarget",
    "LoadEndpoint",
    "LoadProcesses",
    "LoadRate",
    "LoadSeconds",
    "LoadSettings",
    "LoadUsers",
    "RequestTimeout",
    "SignoffApprovers",
    "SteadySeconds",
    "Waiver",
    "credential_problem",
    "is_secret_ref",
    "load_attestations",
    "load_config",
    "load_waivers",
    "resolve_secret",
    "threshold_problem",
]

_Record = TypeVar("_Record", bound="_CriterionRecord")
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_CONFIG_BYTES = 1 << 20  # golive.toml, env file, waivers, attestations: text a person writes
_SECRET_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    # strict: "yes" is not a boolean nor "150" a number; the file says what it means
    model_config = ConfigDict(extra="forbid", strict=True)


# a credential written into a URL or DSN: userinfo, a query parameter or a key=value pair
_SECRET_KEY = re.compile(
    r"^(password|passwd|pwd|pass|sslpassword|secret|token|access_?token|api_?key|apikey"
    r"|access_?key|secret_?key|auth|authorization|signature|sig)$",
    re.IGNORECASE,
)
_KV_SECRET = re.compile(r"(?:^|\s)(password|passwd|pwd|sslpassword)\s*=", re.IGNORECASE)
_ENV_SECRET = re.compile(r"^[A-Za-z_]*(PASSWORD|TOKEN|SECRET|API_?KEY)=.", re.IGNORECASE)
_FLAG_SECRET = re.compile(r"^--?(password|passwd|pwd|token|api-?key|secret)=.+", re.IGNORECASE)


def credential_problem(value: str, *, user_allowed: bool = False) -> str | None:
    """Why ``value`` (a URL, a DSN or a command word) holds a credential; None when it holds
    none. The value itself is never part of the answer: it may be the secret."""
    if _SECRET_REF.match(value):
        return None
    if _KV_SECRET.search(value) or _FLAG_SECRET.match(value):
        return "holds a literal password; write env:NAME and set NAME instead"
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value)
        query = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return "is not a valid URL"
    userinfo, at, _host = parts.netloc.rpartition("@")
    if at and ":" in userinfo:
        return "holds a literal password (user:password@); write env:NAME and set NAME instead"
    if at and not user_allowed:
        return "holds credentials (user@); write env:NAME and set NAME instead"
    if any(_SECRET_KEY.match(key.strip()) for key, _ in query):
        return "holds a credential in its query; write env:NAME and set NAME instead"
    return None


def _non_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _iso_date(value: object) -> object:
    # YAML gives a date for 2027-01-31 and a string when quoted; a time of day is not a date
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, str):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError("must be a date (YYYY-MM-DD)")
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("is not a valid date (YYYY-MM-DD)") from None
    return value


NonBlank = Annotated[str, AfterValidator(_non_blank)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


# Bounds of the load phase, declared once: the [load] table and golive.facts.load.LoadPlan
# (which also caps the stages' total at MAX_SECONDS) use these types.
MAX_USERS = 1000  # default bound on concurrent users, any stage ([load] max_users)
USERS_CEILING = 100_000  # what [load] max_users may raise that bound to
MAX_SECONDS = 1800  # length of the staged run
MAX_PROCESSES = 64  # Locust worker processes
MAX_TIMEOUT_S = 120  # one request
LoadUsers = Annotated[int, Field(ge=1, le=USERS_CEILING)]
LoadSeconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
SteadySeconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)]
LoadProcesses = Annotated[int, Field(ge=0, le=MAX_PROCESSES)]
RequestTimeout = Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S, allow_inf_nan=False)]
MAX_DEADLINE_MINUTES = 1440  # a whole run (`golive run --deadline`, deadline_minutes)
DeadlineMinutes = Annotated[float, Field(gt=0, le=MAX_DEADLINE_MINUTES, allow_inf_nan=False)]
MAX_RATE = 5000  # intended arrivals per second, any stage (open model)
MAX_ENDPOINTS = 100  # endpoints of one load scenario
LoadRate = Annotated[float, Field(gt=0, le=MAX_RATE, allow_inf_nan=False)]
_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 5.6.2 token


class LoadEndpoint(_Strict):
    """One request of the load scenario ([[environments.NAME.load.endpoints]]).

    ``body``: a string sent as is, or a table/array sent as JSON. Header values may be
    ``env:NAME``. ``auth``: ``login`` (the [load] login flow's token) or ``bearer``
    (``bearer_token``). ``expect_status``: the statuses that count as success (unset: < 400).
    """

    method: str = "GET"
    path: str
    name: str | None = None  # the name figures are kept under (default: the path)
    weight: int = Field(default=1, ge=1, le=1000)
    headers: dict[str, str] = Field(default_factory=dict, repr=False)  # may hold a token
    body: str | dict[str, Any] | list[Any] | None = None
    expect_status: list[Annotated[int, Field(ge=100, le=599)]] = Field(default_factory=list)
    auth: Literal["none", "login", "bearer"] = "none"

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        if value.upper() not in _HTTP_METHODS:
            raise ValueError(f"must be one of {', '.join(_HTTP_METHODS)}")
        return value.upper()

    @field_validator("headers")
    @classmethod
    def _sendable_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not an HTTP header name")
            if any(c in text for c in "\r\n\0"):
                raise ValueError(f"{name!r}: a value cannot hold a line break or NUL")
        return value

    @field_validator("path")
    @classmethod
    def _relative_path(cls, value: str) -> str:
        if not value.startswith("/") or value.startswith("//"):
            raise ValueError("must be a path on the target, starting with one /")
        return value

    @property
    def key(self) -> str:
        """``METHOD name``: how the recorder and the per-endpoint checks name it."""
        return f"{self.method} {self.name or self.path}"


class LoadSettings(_Strict):
    """The [load] table: sizes of the load phase (unset: golive's defaults), the test account.

    GOLIVE_LOAD_* variables override it for one run (golive.facts.load.plan.configured_plan).
    """

    users: LoadUsers | None = None
    spike_users: LoadUsers | None = None
    ramp_s: LoadSeconds | None = None
    steady_s: SteadySeconds | None = None
    spike_s: LoadSeconds | None = None
    processes: LoadProcesses | None = None
    # the bound on users (closed model) and connections in flight per generator (open
    # model); the plan refuses users or spike_users above it
    max_users: LoadUsers | None = None
    wait_min_s: LoadSeconds | None = None
    wait_max_s: LoadSeconds | None = None
    timeout_s: RequestTimeout | None = None
    login_email: str | None = None
    login_password: str | None = None
    # the scenario: open model (arrivals per second, latency from the intended start) or
    # closed model (users with think time)
    model: Literal["open", "closed"] | None = None
    rate: LoadRate | None = None  # intended arrivals per second in the steady stage
    spike_rate: LoadRate | None = None  # in the spike stage (default: twice the rate)
    endpoints: list[LoadEndpoint] = Field(default_factory=list, max_length=MAX_ENDPOINTS)
    login_path: str = "/api/login"  # POST {email, password}, answers {token_field: ...}
    token_field: str = "access_token"
    bearer_token: str | None = None  # env:NAME, for endpoints with auth = "bearer"
    # endpoints imported beside the listed ones (paths relative to golive.toml)
    openapi: str | None = Field(default=None, description="OpenAPI 3 / Swagger 2 document")
    har: str | None = Field(default=None, description="HAR recording of a browser session")
    import_methods: list[str] = Field(default_factory=lambda: ["GET", "HEAD"], max_length=7)

    @model_validator(mode="after")
    def _users_within_bound(self) -> LoadSettings:
        bound = self.max_users or MAX_USERS
        for field in ("users", "spike_users"):
            value = getattr(self, field)
            if value is not None and value > bound:
                raise ValueError(f"{field}: {value} is above max_users={bound}"
                                 " (raise max_users to allow more)")  # fmt: skip
        return self

    @field_validator("import_methods")
    @classmethod
    def _known_methods(cls, value: list[str]) -> list[str]:
        unknown = [m for m in value if m.upper() not in _HTTP_METHODS]
        if unknown:
            raise ValueError(f"{', '.join(unknown)} not among {', '.join(_HTTP_METHODS)}")
        return [m.upper() for m in value]

    @field_validator("login_password", "bearer_token")
    @classmethod
    def _password_by_reference(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    def login(self) -> tuple[str, str] | None:
        """The test account, its password resolved; None unless both are set."""
        email, password = resolve_secret(self.login_email), resolve_secret(self.login_password)
        return (email, password) if email and password else None


# --- hosts judged through testinfra ([environments.NAME.hosts.NAME]) ----------------------
HOST_SCHEMES = ("local", "ssh", "docker", "kubectl")
MAX_HOSTS = 50
# what a backend URL's query may carry (testinfra's own parameters); anything else, and
# above all a key or a password, is refused
_HOST_QUERY_KEYS: dict[str, frozenset[str]] = {
    "local": frozenset(),
    "ssh": frozenset(),
    "docker": frozenset(),
    "kubectl": frozenset({"namespace", "container", "kubeconfig", "context"}),
}
_HOST_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
_UNIT_NAME = re.compile(r"^[A-Za-z0-9@][A-Za-z0-9@._:+-]{0,127}$")
_KEY_LITERAL = re.compile(r"-----BEGIN|PRIVATE KEY|^(ssh-(rsa|ed25519|dss)|ecdsa-sha2)", re.I)
HostPort = Annotated[int, Field(ge=1, le=65535)]
UnitName = Annotated[str, Field(pattern=_UNIT_NAME.pattern)]


def _host_name(name: str) -> str:
    if not _HOST_NAME.match(name):
        raise ValueError(f"host name {name!r}: letters, digits, '.', '_' and '-' only")
    return name


class HostTarget(_Strict):
    """One host judged through testinfra ([environments.NAME.hosts.NAME]).

    ``backend``: ``local://`` (the machine golive runs on), ``ssh://[user@]host[:port]``,
    ``docker://[user@]container`` or ``kubectl://pod[?namespace=..&container=..]``. The
    ssh backend reads ``ssh_config`` and ``ssh_identity_file`` (paths, relative to
    golive.toml; never a key itself) and runs in batch mode: a host that asks for a
    password is not reachable. What must be so on the host: ``services`` running,
    ``processes`` present, ``ports`` listening (TCP, any address); its CPU and memory
    usage under the daily alert levels (routine.alert-cpu, routine.alert-memory), the
    file systems of ``disk_paths`` under ``max_disk_percent``.
    """

    backend: NonBlank
    ssh_config: str | None = Field(default=None, description="ssh_config file (a path)")
    ssh_identity_file: str | None = Field(
        default=None, description="private key file for ssh -i (a path, never the key)"
    )
    sudo: bool = Field(default=False, description="run the host's commands through sudo")
    services: list[UnitName] = Field(default_factory=list, max_length=100)
    processes: list[UnitName] = Field(default_factory=list, max_length=100)
    ports: list[HostPort] = Field(default_factory=list, max_length=100)
    disk_paths: list[NonBlank] = Field(default_factory=lambda: ["/"], max_length=20)
    max_disk_percent: float = Field(
        default=90.0, gt=0, lt=100, allow_inf_nan=False,
        description="disk usage alert level (golive's bar: the plan names none)",
    )  # fmt: skip
    cpu_sample_s: float = Field(default=2.0, ge=0.2, le=60, allow_inf_nan=False)
    judge_usage: bool = Field(
        default=True,
        description="false: CPU, memory and disk are recorded, not judged (a machine shared "
        "with other work, such as the runner itself)",
    )
    connect_timeout_s: int = Field(default=10, ge=1, le=120)

    @field_validator("backend")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        scheme, sep, rest = value.partition("://")
        if not sep or scheme not in HOST_SCHEMES:
            raise ValueError(
                f"must be a testinfra backend URL: {', '.join(s + '://' for s in HOST_SCHEMES)}"
            )
        problem = credential_problem(value, user_allowed=True)
        if problem:
            raise ValueError(problem)
        name, _, query = rest.partition("?")
        if scheme == "local" and name:
            raise ValueError("local:// names no host: it is the machine golive runs on")
        if scheme != "local" and not name.rpartition("@")[2]:
            raise ValueError(f"{scheme}:// must name the host, container or pod")
        if "/" in name or any(c.isspace() for c in name):
            raise ValueError("the host part holds no path and no space")
        allowed = _HOST_QUERY_KEYS[scheme]
        for key, _ in parse_qsl(query, keep_blank_values=True):
            if key not in allowed:
                hint = " (use the host's own field)" if key.startswith("ssh_") else ""
                raise ValueError(f"query parameter {key!r} is not allowed here{hint}")
        return value

    @field_validator("ssh_config", "ssh_identity_file")
    @classmethod
    def _a_path(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "\n" in value or _KEY_LITERAL.search(value.strip()):
            raise ValueError("must be the path of a file, never the key itself")
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    @model_validator(mode="after")
    def _ssh_only(self) -> HostTarget:
        if self.scheme != "ssh":
            for field in ("ssh_config", "ssh_identity_file"):
                if getattr(self, field) is not None:
                    raise ValueError(f"{field}: only for an ssh:// backend")
        return self

    @property
    def scheme(self) -> str:
        return self.backend.partition("://")[0]


class Environment(_Strict):
    """One target environment: where its parts are and what golive may do to them."""

    repo: str | None = None
    base_url: str | None = None
    # every HTTP request to the target or a receiver ends within this (connect to last byte)
    request_timeout_s: RequestTimeout = Field(
        default=10.0, description="overall deadline of one HTTP request, in seconds"
    )
    database_url: str | None = None
    restore_database_url: str | None = Field(
        default=None,
        description="where the restore command restores to; golive compares it with database_url",
    )
    version_url: str | None = Field(
        default=None,
        description="GET answers the release being served (a path on base_url or a URL);"
        " default: base_url/health",
    )
    version_field: str | None = Field(
        default=None, description="JSON field of version_url's answer naming the release"
    )
    version_header: str | None = Field(
        default=None, description="response header naming the release (instead of a field)"
    )
    zero_downtime_paths: list[str] = Field(
        default_factory=list, max_length=20,
        description="key endpoints (GET paths) polled during drills, beside /health and the"
        " load endpoints",
    )  # fmt: skip
    zero_downtime_tail_s: float = Field(
        default=5.0, ge=0, le=300, description="polling goes on this long after a drill"
    )
    log_canary_wait_s: float = Field(
        default=15.0, gt=0, le=300,
        description="how long a canary event golive writes to a quiet log group may take to"
        " come back",
    )  # fmt: skip
    aws_endpoint_url: str | None = None
    aws_region: str = "ap-northeast-1"
    webhook_url: str | None = Field(default=None, description="Slack-style incoming webhook")
    # third-party services, read through their APIs or through files exported from them
    exports_dir: str | None = Field(
        default=None, description="folder of exports: gh run list --json, Vercel, Datadog"
    )
    github_repository: str | None = None
    github_token: str | None = None
    github_api_url: str = "https://api.github.com"
    vercel_project: str | None = None
    vercel_token: str | None = None
    vercel_api_url: str = "https://api.vercel.com"
    datadog_api_key: str | None = None
    datadog_app_key: str | None = None
    datadog_api_url: str = "https://api.datadoghq.com"
    action_item_label: str = Field(
        default="action-item", description="GitHub label of the team's action items"
    )
    notice_label: str = Field(
        default="announcement", description="GitHub label of the team's stakeholder notices"
    )
    security_issue_label: str = Field(
        default="security", description="GitHub label of the security improvement plan's issues"
    )
    pagerduty_token: str | None = None
    pagerduty_api_url: str = "https://api.pagerduty.com"
    opsgenie_api_key: str | None = None
    opsgenie_api_url: str = "https://api.opsgenie.com"
    oncall_schedules: list[str] = Field(
        default_factory=list, description="PagerDuty or Opsgenie schedule ids on-call is read from"
    )
    cost_allocation_tag: str = Field(
        default="Project", description="AWS cost allocation tag that names a resource's owner"
    )
    security_targets: str | None = Field(
        default=None, description="YAML of logins, protected endpoints, TLS endpoints, CA file"
    )
    zap_api_url: str | None = Field(default=None, description="a running ZAP daemon's API")
    zap_api_key: str | None = None
    disruptive: bool = False
    production: bool = False
    commands: dict[str, str] = Field(default_factory=dict)
    thresholds: dict[str, float] = Field(default_factory=dict)
    load: LoadSettings = Field(default_factory=LoadSettings)
    hosts: dict[Annotated[str, AfterValidator(_host_name)], HostTarget] = Field(
        default_factory=dict, max_length=MAX_HOSTS,
        description="hosts judged through testinfra (services, ports, usage)",
    )  # fmt: skip

    @field_validator("zero_downtime_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        wrong = [p for p in value if not p.startswith("/") or p.startswith("//")]
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: a path on base_url starts with one /")
        return value

    @field_validator("*")
    @classmethod
    def _no_credential_in_urls(cls, value: Any, info: ValidationInfo) -> Any:
        # every *_url field (and any added later): a password there would reach the reports
        name = info.field_name or ""
        if isinstance(value, str) and value and (name.endswith("_url") or name == "repo"):
            # a database DSN may name its user (the password comes from env: or .pgpass)
            problem = credential_problem(value, user_allowed="database" in name)
            if problem:
                raise ValueError(problem)
        return value

    @field_validator(
        "github_token",
        "vercel_token",
        "datadog_api_key",
        "datadog_app_key",
        "zap_api_key",
        "pagerduty_token",
        "opsgenie_api_key",
    )
    @classmethod
    def _secret_by_reference(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    @field_validator("version_url")
    @classmethod
    def _path_or_http_url(cls, value: str | None) -> str | None:
        if value and not (value.startswith("/") or value.startswith(("http://", "https://"))):
            raise ValueError("must be a path on base_url (/version) or an http(s) URL")
        return value

    @field_validator("commands")
    @classmethod
    def _argv_strings(cls, commands: dict[str, str]) -> dict[str, str]:
        for name, text in commands.items():
            try:
                words = shlex.split(text)
                if not words:
                    raise ValueError(f"{name} is empty")
            except ValueError as exc:
                raise ValueError(f"{name}: not an argv string ({exc})") from exc
            for word in words:  # the argv is logged and reported: no secret in it
                problem = (
                    "holds a literal password; read it from the environment instead"
                    if _ENV_SECRET.match(word)
                    else credential_problem(word, user_allowed=True)
                )
                if problem:
                    raise ValueError(f"{name}: {problem}")
        return commands

    def argv(self, command: str) -> list[str] | None:
        text = self.commands.get(command)
        return shlex.split(text) if text else None


class SignoffApprovers(_Strict):
    """[[signoff]]: who may sign off one human-process criterion (beside the top-level
    ``approvers``, which is the default for every criterion)."""

    criterion: NonBlank
    approvers: list[NonBlank] = Field(min_length=1)


class Config(_Strict):
    default_env: str | None = None
    env_file: str | None = Field(
        default=None, description="KEY=VALUE file loaded into the environment (secrets)"
    )
    waivers: str | None = None
    attestations: str | None = None
    approvers: list[NonBlank] | None = Field(
        default=None, description="who may sign waivers and attestations (unset: anyone named)"
    )
    allowed_signers: str | None = Field(
        default=None, description="OpenSSH allowed-signers file: the approvers' signing keys"
    )
    signoff: list[SignoffApprovers] = Field(default_factory=list)
    history_dir: str | None = Field(
        default=None, description="where runs are kept for trends (default: <output>/history)"
    )
    deadline_minutes: DeadlineMinutes | None = Field(
        default=None, description="a run still going after this is stopped: INCOMPLETE, exit 3"
    )
    environments: dict[str, Environment] = Field(default_factory=dict)
    # where the file was read from; relative paths in it are relative to this folder
    base_dir: Path = Field(default=Path("."), exclude=True)

    def environment(self, name: str | None) -> tuple[str, Environment]:
        chosen = name or self.default_env
        if chosen is None:
            if len(self.environments) == 1:
                chosen = next(iter(self.environments))
            else:
                raise ConfigError(["default_env: not set and no --env given"])
        if chosen not in self.environments:
            known = ", ".join(sorted(self.environments)) or "none"
            raise ConfigError([f"environments.{chosen}: no such environment (known: {known})"])
        return chosen, self.environments[chosen]

    def path(self, relative: str) -> Path:
        return (self.base_dir / relative).resolve()

    def approvers_for(self, criterion: str) -> list[str] | None:
        """Who may sign off ``criterion``: its [[signoff]] entry, else ``approvers``; None
        lets anyone the allowed-signers file lists."""
        for entry in self.signoff:
            if entry.criterion == criterion:
                return list(entry.approvers)
        return list(self.approvers) if self.approvers is not None else None


class _CriterionRecord(_Strict):
    criterion: NonBlank

    def signer(self) -> str:
        raise NotImplementedError


class Waiver(_CriterionRecord):
    reason: NonBlank
    approver: NonBlank
    expires: IsoDate

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def signer(self) -> str:
        return self.approver


class Attestation(_CriterionRecord):
    """A signed record that a human-process criterion was done."""

    by: NonBlank
    date: IsoDate
    evidence: NonBlank
    expires: IsoDate

    @model_validator(mode="after")
    def _dated_sensibly(self) -> Attestation:
        # a sign-off dated later than today has not happened yet
        if self.date > dt.date.today():
            raise ValueError(f"date: {self.date} is in the future")
        if self.expires < self.date:
            raise ValueError(f"expires: {self.expires} is before the date {self.date}")
        return self

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def signer(self) -> str:
        return self.by


# the sensible values of a threshold by its unit: (lowest, highest, whole numbers only)
_UNIT_RANGES: dict[str, tuple[float, float, bool]] = {
    "%": (0, 100, False),
    "ms": (0, 86_400_000, False),
    "s": (0, 86_400, False),
    "min": (0, 1_440, False),
    "days": (0, 3_650, False),
    "findings": (0, 1_000_000, True),
    "alerts": (0, 1_000_000, True),
    "attempts": (0, 1_000_000, True),
    "connections": (0, 1_000_000, True),
}
_DURATION_UNITS = frozenset({"ms", "s", "min", "days"})


def threshold_problem(value: float, op: str, unit: str, default: float = 0) -> str | None:
    """Why ``value`` cannot override the threshold ``op default unit``; None when it can. Out
    of range or a bound no measurement can miss (coverage >= 0 %, errors <= 100 %) is
    refused: such a gate turns every failure into a pass."""
    if not math.isfinite(value):
        return f"{value} is not a finite number"
    low, high, whole = _UNIT_RANGES.get(unit, (0, math.inf, False))
    if unit == "%" and op in ("<=", "<") and default >= high:
        high = 10 * high  # a share of a budget may pass 100 %: not a natural maximum
    if not low <= value <= high:
        return f"{value:g} is outside {low:g}..{high:g} {unit}"
    if whole and not float(value).is_integer():
        return f"{value:g} is not a whole number of {unit}"
    if unit in _DURATION_UNITS and value <= 0:
        return f"{value:g} {unit} is no time at all"
    if op in (">=", ">") and value <= low:
        return f"{op} {value:g} {unit} can never fail"
    if op in ("<=", "<") and value >= high and unit == "%" and default < 100:
        return f"{op} {value:g} {unit} can never fail"
    return None


def _problems(exc: ValidationError, prefix: str = "") -> list[str]:
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"] if part != "__root__")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        message = message.removeprefix("Value error, ")
        # a check across fields names its field in the message ("date: ... in the future")
        lines.append(f"{prefix}{path}: {message}" if path else f"{prefix}{message}")
    return lines


def is_secret_ref(value: str) -> bool:
    """``env:NAME``: a value golive reads from the environment, never writes out."""
    return bool(_SECRET_REF.match(value))


def resolve_secret(value: str | None) -> str | None:
    """``env:NAME`` → the value of NAME (None when unset); anything else as written."""
    if value and _SECRET_REF.match(value):
        return os.environ.get(value.removeprefix("env:"))
    return value


def _read(path: Path, label: str) -> str:
    """The text of a file golive.toml names (or golive.toml itself), or one line saying why
    not: missing, not a regular file, too large, not UTF-8 (with the line)."""
    if not path.exists():
        raise ConfigError([f"{label}: file not found: {path}"])
    try:
        return read_text_bounded(path, MAX_CONFIG_BYTES)
    except Unreadable as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise ConfigError([f"{label}: {path.name}{where}: {exc}"]) from None


def _load_env_file(path: Path, label: str) -> None:
    for number, line in enumerate(_read(path, label).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            raise ConfigError([f"{label}: line {number} is not KEY=VALUE"])
        os.environ.setdefault(key.strip(), value.strip())  # the caller's own value wins


def load_config(path: Path | None) -> Config:
    """Read and check golive.toml; no file means an empty config (nothing to target)."""
    if path is None:
        return Config()
    label = path.name
    try:
        raw: dict[str, Any] = tomllib.loads(_read(path, label))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{label}: not valid TOML: {exc}"]) from exc
    try:
        config = Config.model_validate({**raw, "base_dir": path.parent.resolve()})
    except ValidationError as exc:
        raise ConfigError(_problems(exc, f"{label}: ")) from exc
    catalog = load_catalog()
    problems = [
        f"{label}: environments.{env}.thresholds.{cid}: unknown criterion id"
        for env, environment in config.environments.items()
        for cid in environment.thresholds
        if cid not in catalog
    ]
    problems += [
        f"{label}: environments.{env}.thresholds.{cid}: criterion has no threshold to override"
        for env, environment in config.environments.items()
        for cid in environment.thresholds
        if cid in catalog and catalog.get(cid).threshold is None
    ]
    problems += [
        f"{label}: environments.{env}.thresholds.{cid}: {problem}"
        for env, environment in config.environments.items()
        for cid, value in environment.thresholds.items()
        if cid in catalog
        and (threshold := catalog.get(cid).threshold) is not None
        and (problem := threshold_problem(value, threshold.op, threshold.unit, threshold.value))
    ]
    if config.default_env and config.default_env not in config.environments:
        problems.append(f"{label}: default_env: no environment named {config.default_env}")
    problems += _signoff_problems(config, label, catalog)
    if (
        config.history_dir
        and config.path(config.history_dir).exists()
        and not (config.path(config.history_dir).is_dir())
    ):
        problems.append(f"{label}: history_dir: not a folder: {config.path(config.history_dir)}")
    if problems:
        raise ConfigError(problems)
    if config.env_file:
        _load_env_file(config.path(config.env_file), f"{label}: env_file")
    return config


def _signoff_problems(config: Config, label: str, catalog: Any) -> list[str]:
    """[[signoff]] names each human-process criterion once; allowed_signers is a file."""
    problems, seen = [], set()
    for index, entry in enumerate(config.signoff):
        where = f"{label}: signoff.{index}.criterion"
        if entry.criterion not in catalog:
            problems.append(f"{where}: unknown criterion id {entry.criterion}")
        elif catalog.get(entry.criterion).automated:
            problems.append(f"{where}: {entry.criterion} is automated, not signed off")
        elif entry.criterion in seen:
            problems.append(f"{where}: {entry.criterion} listed twice")
        seen.add(entry.criterion)
    if config.allowed_signers and not config.path(config.allowed_signers).is_file():
        problems.append(
            f"{label}: allowed_signers: file not found: {config.path(config.allowed_signers)}"
        )
    return problems


def _load_records(
    path: Path, model: type[_Record], label: str, approvers: list[str] | None = None
) -> list[_Record]:
    text = _read(path, label)
    try:
        raw = load_yaml_bounded(text, _YAML_LOADER) or []
    except Unreadable as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise ConfigError([f"{label}{where}: {exc}"]) from None
    except yaml.YAMLError as exc:
        line, message = yaml_problem(exc)
        where = f" (line {line})" if line else ""
        raise ConfigError([f"{label}{where}: not valid YAML: {message}"]) from None
    if not isinstance(raw, list):
        raise ConfigError([f"{label}: must be a list of records"])
    records, problems = [], []
    catalog = load_catalog()
    for index, entry in enumerate(raw):
        try:
            record = model.model_validate(entry)
        except ValidationError as exc:
            problems += _problems(exc, f"{label}: [{index}].")
            continue
        criterion = record.criterion
        if criterion not in catalog:
            problems.append(f"{label}: [{index}].criterion: unknown criterion id {criterion}")
        if approvers is not None and record.signer().strip() not in approvers:
            field = "approver" if isinstance(record, Waiver) else "by"
            problems.append(f"{label}: [{index}].{field}: not in the configured approvers")
        records.append(record)
    if problems:
        raise ConfigError(problems)
    return records


def load_waivers(config: Config) -> list[Waiver]:
    if not config.waivers:
        return []
    label = f"waivers ({config.waivers})"
    return _load_records(config.path(config.waivers), Waiver, label, config.approvers)


def load_attestations(config: Config) -> list[Attestation]:
    if not config.attestations:
        return []
    path = config.path(config.attestations)
    if path.is_dir():
        return []  # a folder of signed records (golive.finish.signoff reads those)
    label = f"attestations ({config.attestations})"
    text = _read(path, label)
    if re.search(r"^schema:\s*golive\.attestation/", text, re.MULTILINE):
        return []  # one signed record, not the old list
    return _load_records(path, Attestation, label, config.approvers)
