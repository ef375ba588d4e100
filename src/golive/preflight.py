"""Preflight: every configured target of the chosen environment, checked before any check runs.

A field that cannot be right (a missing repo folder, an unset ``env:`` variable, a URL with
no host, a command whose program is not found) is a configuration error: every such
problem is reported at once, one line each naming the field, and the run exits 2. A target
that is configured correctly but does not answer is no configuration error: the checks
that need it end not verified (or fail, where being up is the criterion) at run time.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from golive.config import (
    Config,
    Environment,
    HostTarget,
    LoadSettings,
    is_secret_ref,
    resolve_secret,
)

__all__ = ["preflight"]

_WEB_SCHEMES = ("http", "https")
_DB_SCHEMES = ("postgres", "postgresql")
_URL_FIELDS = (
    "base_url",
    "aws_endpoint_url",
    "webhook_url",
    "github_api_url",
    "vercel_api_url",
    "datadog_api_url",
    "zap_api_url",
)
# the repository is read by every static check; exports and target files are optional
# sources whose absence the checks that read them report as not verified
_FOLDER_FIELDS = ("repo",)


def preflight(config: Config, env_name: str, environment: Environment) -> list[str]:
    """One line per problem of ``environments.<env_name>``; empty when all is well."""
    prefix = f"environments.{env_name}"
    return [f"{prefix}.{field}: {problem}" for field, problem in _problems(config, environment)]


def _problems(config: Config, env: Environment) -> Iterator[tuple[str, str]]:
    yield from _unset_references(env)
    for field in _FOLDER_FIELDS:
        value = getattr(env, field)
        if value:
            path = config.path(value)
            if not path.is_dir():
                yield field, f"folder not found: {path}"
            elif not os.access(path, os.R_OK | os.X_OK):
                yield field, f"folder not readable: {path}"
    for field in _URL_FIELDS:
        problem = _url_problem(resolve_secret(getattr(env, field)), _WEB_SCHEMES)
        if problem:
            yield field, problem
    problem = _dsn_problem(resolve_secret(env.database_url))
    if problem:
        yield "database_url", problem
    for field in ("openapi", "har"):
        value = getattr(env.load, field)
        if value and not config.path(value).is_file():
            yield f"load.{field}", f"file not found: {config.path(value)}"
    for name, text in env.commands.items():
        problem = _command_problem(shlex.split(text))
        if problem:
            yield f"commands.{name}", problem
    for name, target in env.hosts.items():
        for field, problem in _host_problems(config, target):
            yield f"hosts.{name}.{field}", problem


def _unset_references(env: Environment) -> Iterator[tuple[str, str]]:
    """Every ``env:NAME`` of the environment (and of its [load] table) must be set."""
    fields: list[tuple[str, object]] = [
        (name, getattr(env, name)) for name in Environment.model_fields if name != "load"
    ]
    fields += [(f"load.{name}", getattr(env.load, name)) for name in LoadSettings.model_fields]
    for field, value in fields:
        if isinstance(value, str) and is_secret_ref(value) and resolve_secret(value) is None:
            yield field, f"{value} is not set in the environment"


def _url_problem(value: str | None, schemes: tuple[str, ...]) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        return f"scheme must be {' or '.join(schemes)}, got {parts.scheme or 'none'!r}"
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if not parts.hostname:
        return "has no host"
    return None


def _dsn_problem(value: str | None) -> str | None:
    if not value:
        return None
    if "://" not in value and "=" in value:
        return None  # a libpq key=value connection string
    problem = _url_problem(value, _DB_SCHEMES)
    if problem == "has no host":
        return None  # postgresql:///db goes through the local socket
    return problem


def _command_problem(argv: list[str]) -> str | None:
    program = argv[0]
    if os.sep in program:
        path = Path(program)
        if not path.is_file():
            return f"program not found: {program}"
        if not os.access(path, os.X_OK):
            return f"program is not executable: {program}"
        return None
    if shutil.which(program) is None:
        return f"program not found on PATH: {program}"
    return None


# the program each testinfra backend runs on this machine
_HOST_PROGRAMS = {"ssh": "ssh", "docker": "docker", "kubectl": "kubectl"}


def _host_problems(config: Config, host: HostTarget) -> Iterator[tuple[str, str]]:
    """A host's files exist (the identity file private to its owner, or ssh refuses it);
    the program of its backend is on PATH."""
    program = _HOST_PROGRAMS.get(host.scheme)
    if program and shutil.which(program) is None:
        yield "backend", f"program not found on PATH: {program} (for {host.scheme}://)"
    for field in ("ssh_config", "ssh_identity_file"):
        value = getattr(host, field)
        if not value:
            continue
        path = config.path(os.path.expanduser(value))
        if not path.is_file():
            yield field, f"file not found: {path}"
        elif not os.access(path, os.R_OK):
            yield field, f"file not readable: {path}"
        elif field == "ssh_identity_file" and path.stat().st_mode & 0o077:
            mode = oct(path.stat().st_mode & 0o777)
            yield field, f"{path} is {mode}: ssh refuses a key others can read (chmod 600)"
