"""golive.toml: environments, secret references, threshold overrides, waivers, attestations.

Every problem is collected and reported as one line naming the field path; the caller
turns a ConfigError into exit code 2.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from golive._errors import ConfigError
from golive.catalog import load_catalog

__all__ = [
    "MAX_PROCESSES",
    "MAX_SECONDS",
    "MAX_TIMEOUT_S",
    "MAX_USERS",
    "Attestation",
    "Config",
    "Environment",
    "LoadProcesses",
    "LoadSeconds",
    "LoadSettings",
    "LoadUsers",
    "RequestTimeout",
    "SteadySeconds",
    "Waiver",
    "is_secret_ref",
    "load_attestations",
    "load_config",
    "load_waivers",
    "resolve_secret",
]

_Record = TypeVar("_Record", bound="_CriterionRecord")
_SECRET_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Bounds of the load phase, declared once: the [load] table and golive.facts.load.LoadPlan
# (which also caps the stages' total at MAX_SECONDS) use these types.
MAX_USERS = 1000  # concurrent users, any stage
MAX_SECONDS = 1800  # length of the staged run
MAX_PROCESSES = 64  # Locust worker processes
MAX_TIMEOUT_S = 120  # one request
LoadUsers = Annotated[int, Field(ge=1, le=MAX_USERS)]
LoadSeconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
SteadySeconds = Annotated[float, Field(gt=0, le=MAX_SECONDS, allow_inf_nan=False)]
LoadProcesses = Annotated[int, Field(ge=0, le=MAX_PROCESSES)]
RequestTimeout = Annotated[float, Field(gt=0, le=MAX_TIMEOUT_S, allow_inf_nan=False)]


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
    wait_min_s: LoadSeconds | None = None
    wait_max_s: LoadSeconds | None = None
    timeout_s: RequestTimeout | None = None
    login_email: str | None = None
    login_password: str | None = None

    @field_validator("login_password")
    @classmethod
    def _password_by_reference(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    def login(self) -> tuple[str, str] | None:
        """The test account, its password resolved; None unless both are set."""
        email, password = resolve_secret(self.login_email), resolve_secret(self.login_password)
        return (email, password) if email and password else None


class Environment(_Strict):
    """One target environment: where its parts are and what golive may do to them."""

    repo: str | None = None
    base_url: str | None = None
    database_url: str | None = None
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

    @field_validator("database_url")
    @classmethod
    def _no_literal_password(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value) and urlsplit(value).password:
            raise ValueError("holds a literal password; write env:NAME and set NAME instead")
        return value

    @field_validator(
        "github_token", "vercel_token", "datadog_api_key", "datadog_app_key", "zap_api_key"
    )
    @classmethod
    def _secret_by_reference(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    @field_validator("commands")
    @classmethod
    def _argv_strings(cls, commands: dict[str, str]) -> dict[str, str]:
        for name, text in commands.items():
            try:
                if not shlex.split(text):
                    raise ValueError(f"{name} is empty")
            except ValueError as exc:
                raise ValueError(f"{name}: not an argv string ({exc})") from exc
        return commands

    def argv(self, command: str) -> list[str] | None:
        text = self.commands.get(command)
        return shlex.split(text) if text else None


class Config(_Strict):
    default_env: str | None = None
    env_file: str | None = Field(
        default=None, description="KEY=VALUE file loaded into the environment (secrets)"
    )
    waivers: str | None = None
    attestations: str | None = None
    history_dir: str | None = Field(
        default=None, description="where runs are kept for trends (default: <output>/history)"
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


class _CriterionRecord(_Strict):
    criterion: str


class Waiver(_CriterionRecord):
    reason: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    expires: dt.date

    def expired(self, today: dt.date) -> bool:
        return self.expires < today


class Attestation(_CriterionRecord):
    """A signed record that a human-process criterion was done."""

    by: str = Field(min_length=1)
    date: dt.date
    evidence: str = Field(min_length=1)
    expires: dt.date

    def expired(self, today: dt.date) -> bool:
        return self.expires < today


def _problems(exc: ValidationError, prefix: str = "") -> list[str]:
    lines = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"] if part != "__root__")
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = "unknown field"
        message = message.removeprefix("Value error, ")
        lines.append(f"{prefix}{path}: {message}")
    return lines


def is_secret_ref(value: str) -> bool:
    """``env:NAME``: a value golive reads from the environment, never writes out."""
    return bool(_SECRET_REF.match(value))


def resolve_secret(value: str | None) -> str | None:
    """``env:NAME`` → the value of NAME (None when unset); anything else as written."""
    if value and _SECRET_REF.match(value):
        return os.environ.get(value.removeprefix("env:"))
    return value


def _load_env_file(path: Path, label: str) -> None:
    if not path.is_file():
        raise ConfigError([f"{label}: file not found: {path}"])
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
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
    if not path.is_file():
        raise ConfigError([f"{label}: file not found: {path}"])
    try:
        raw: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
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
    if config.default_env and config.default_env not in config.environments:
        problems.append(f"{label}: default_env: no environment named {config.default_env}")
    if problems:
        raise ConfigError(problems)
    if config.env_file:
        _load_env_file(config.path(config.env_file), f"{label}: env_file")
    return config


def _load_records(path: Path, model: type[_Record], label: str) -> list[_Record]:
    if not path.is_file():
        raise ConfigError([f"{label}: file not found: {path}"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise ConfigError([f"{label}: not valid YAML: {exc}".replace("\n", " ")]) from exc
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
        records.append(record)
    if problems:
        raise ConfigError(problems)
    return records


def load_waivers(config: Config) -> list[Waiver]:
    if not config.waivers:
        return []
    return _load_records(config.path(config.waivers), Waiver, f"waivers ({config.waivers})")


def load_attestations(config: Config) -> list[Attestation]:
    if not config.attestations:
        return []
    path = config.path(config.attestations)
    return _load_records(path, Attestation, f"attestations ({config.attestations})")
