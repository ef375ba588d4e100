"""What the security checks know about the target: its auth API, roles, data and TLS.

Read from a YAML file, first found of: the path in ``GOLIVE_SECURITY_TARGETS``; the
environment's ``security_targets`` (once golive.toml has that field); ``security/
targets.yaml`` next to golive.toml. Without a file nothing about the application is
assumed: no identities, protected endpoints or data endpoints (the checks that need them
are not verified, never run against guessed paths); the embedded reference app writes its
own file (``golive.demo.stack``). Credentials are ``env:NAME`` references, never literals.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from golive._errors import ConfigError
from golive.config import resolve_secret
from golive.facts.live.probes.settings import ProbeSettings
from golive.judging.findings import FindingSeverity

__all__ = [
    "TARGETS_ENV",
    "AdvisoryExport",
    "DataEndpoint",
    "Endpoint",
    "Identity",
    "Login",
    "ObjectEndpoint",
    "SecurityTargets",
    "TlsTargets",
    "load_targets",
]

TARGETS_ENV = "GOLIVE_SECURITY_TARGETS"
_SECRET_REF = re.compile(r"^env:[A-Za-z_][A-Za-z0-9_]*$")

DEFAULT_SENSITIVE_PATHS = [
    "/.env",
    "/.env.local",
    "/.env.production",
    "/.git/config",
    "/.git/HEAD",
    "/.htpasswd",
    "/.aws/credentials",
    "/id_rsa",
    "/backup.sql",
    "/dump.sql",
    "/config.json",
    "/.DS_Store",
]
DEFAULT_DEBUG_PATHS = [
    "/debug",
    "/_debug",
    "/__debug__/",
    "/phpinfo.php",
    "/server-status",
    "/server-info",
    "/actuator",
    "/actuator/env",
    "/console",
    "/_profiler",
    "/elmah.axd",
    "/trace.axd",
]
DEFAULT_LISTING_PATHS = ["/static/", "/assets/", "/uploads/", "/files/", "/backup/"]
DEFAULT_ADMIN_PATHS = ["/admin", "/admin/", "/api/admin", "/api/internal", "/metrics"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Identity(_Strict):
    """A test identity the target knows: who it is and the role it should have."""

    username: str
    password: str
    role: str

    @field_validator("password")
    @classmethod
    def _by_reference(cls, value: str) -> str:
        if not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    def credentials(self) -> tuple[str, str] | None:
        """(username, password) resolved from the environment, or None when unset."""
        username, password = resolve_secret(self.username), resolve_secret(self.password)
        return (username, password) if username and password else None

    def missing(self) -> list[str]:
        return [v for v in (self.username, self.password) if not resolve_secret(v)]


class Login(_Strict):
    path: str = "/api/login"
    username_field: str = "email"
    password_field: str = "password"
    token_field: str = "access_token"


class Endpoint(_Strict):
    """A protected endpoint (GET) and the roles allowed to read it."""

    path: str
    roles: list[str] = Field(min_length=1)


class DataEndpoint(_Strict):
    """A list endpoint whose rows belong to users: a user sees own and public rows only."""

    path: str
    items: str | None = Field(default=None, description="key of the list; None: the body")
    owner_field: str = "owner_id"
    public_if: dict[str, Any] = Field(default_factory=dict)
    see_all_roles: list[str] = Field(default_factory=lambda: ["admin"])


class ObjectEndpoint(_Strict):
    """One object's URL and the identity that owns it: no other identity (but roles that
    may see everything) and no anonymous request may read it."""

    path: str
    owner: str = Field(description="the name of the identity (identities:) that owns it")
    see_all_roles: list[str] = Field(default_factory=lambda: ["admin"])


class TlsTargets(_Strict):
    endpoints: list[str] = Field(
        default_factory=list,
        description="host:port, https://host[:port] or postgres://host:port (STARTTLS)",
    )
    ca_file: str | None = None
    allow_self_signed: bool = False


class AdvisoryExport(_Strict):
    """An OSV export the team keeps: the unzipped ``all.zip`` of an ecosystem (or the zip)."""

    osv_export: str
    ecosystem: str | None = Field(default=None, description="default: the folder's name")
    date: str | None = Field(default=None, description="default: the newest record's")


class SecurityTargets(_Strict):
    login: Login = Field(default_factory=Login)
    identities: dict[str, Identity] = Field(default_factory=dict)
    subject_claim: str = "sub"
    role_claim: str = "role"
    jwt_secret: str | None = Field(
        default=None, description="env:NAME of the signing key: lets golive mint expired tokens"
    )
    protected: list[Endpoint] = Field(default_factory=list)
    pages: list[str] = Field(default_factory=lambda: ["/"])
    sensitive_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_SENSITIVE_PATHS))
    debug_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_DEBUG_PATHS))
    listing_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_LISTING_PATHS))
    admin_paths: list[str] = Field(default_factory=lambda: list(DEFAULT_ADMIN_PATHS))
    data_access: list[DataEndpoint] = Field(default_factory=list)
    objects: list[ObjectEndpoint] = Field(
        default_factory=list, description="objects and their owners: cross-identity access"
    )
    anon_role: str = "anon"
    api_roles: list[str] = Field(
        default_factory=lambda: ["anon", "authenticated"],
        description="database roles the data API switches into (Supabase: anon, authenticated)",
    )
    rls_schemas: list[str] = Field(default_factory=lambda: ["public"])
    anon_readable: dict[str, str] = Field(
        default_factory=dict,
        description="table → SQL condition every row the anonymous role sees must meet",
    )
    advisories: list[str | AdvisoryExport] = Field(
        default_factory=list,
        description="curated OSV JSON files or folders (cover the packages they name), or "
        "{osv_export: folder or all.zip} (covers its ecosystem)",
    )
    advisory_max_age_days: int | None = Field(
        default=None, ge=1, description="an OSV export older than this covers nothing"
    )
    dependency_fail_severity: FindingSeverity = "high"
    tls: TlsTargets = Field(default_factory=TlsTargets)
    probes: ProbeSettings = Field(
        default_factory=ProbeSettings, description="bounds and endpoints of the active probes"
    )
    # folder the file was read from: relative paths in it are relative to this folder
    base_dir: Path = Field(default=Path("."), exclude=True)

    @field_validator("jwt_secret")
    @classmethod
    def _secret_ref(cls, value: str | None) -> str | None:
        if value and not _SECRET_REF.match(value):
            raise ValueError("is a secret: write env:NAME and set NAME instead")
        return value

    def path(self, relative: str) -> Path:
        return (self.base_dir / relative).resolve()

    def roles(self) -> set[str]:
        return {i.role for i in self.identities.values()}


def _targets_file(config_dir: Path | None, configured: str | None) -> Path | None:
    explicit = os.environ.get(TARGETS_ENV)
    if explicit:
        return Path(explicit)
    if configured:
        return (config_dir or Path(".")) / configured
    if config_dir is not None and (config_dir / "security" / "targets.yaml").is_file():
        return config_dir / "security" / "targets.yaml"
    return None


@cache
def _load(path: Path | None) -> SecurityTargets:
    if path is None:
        return SecurityTargets()
    label = f"security targets ({path})"
    if not path.is_file():
        raise ConfigError([f"{label}: file not found"])
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError([f"{label}: not valid YAML: {exc}".replace("\n", " ")]) from exc
    if not isinstance(raw, dict):
        raise ConfigError([f"{label}: must be a mapping"])
    try:
        return SecurityTargets.model_validate({**raw, "base_dir": path.parent.resolve()})
    except ValidationError as exc:
        problems = [
            f"{label}: {'.'.join(str(p) for p in e['loc'])}: "
            + ("unknown field" if e["type"] == "extra_forbidden" else e["msg"])
            for e in exc.errors()
        ]
        raise ConfigError(problems) from exc


def load_targets(config_dir: Path | None = None, configured: str | None = None) -> SecurityTargets:
    """The security targets for this run (read once per file)."""
    path = _targets_file(config_dir, configured)
    return _load(path.resolve() if path else None)
