"""Vercel project configuration: vercel.json, build-settings.json and deployment-config.ts.

``vercel.json`` is checked against golive's own typed model of the fields Vercel documents
(unknown top-level fields are refused, as Vercel refuses them at deploy time) plus
soundness rules: function globs and legacy ``builds[].src`` must match files, crons must
point at existing routes, ``npm run X`` must name a package.json script.

``build-settings.json`` is the team's per-environment build contract, validated with
golive's JSON Schema (``golive schema build-settings.json``). Vercel's project settings
alone (flat, or under ``settings`` as in ``.vercel/project.json``) are read too; nothing is
required that Vercel does not require, and checks that need environments are not_verified
for them. A file in neither shape is not_verified ("unrecognised format"). golive's shape
(see :class:`BuildSettings`)::

    {"framework": "nextjs", "installCommand": "npm ci", "buildCommand": "npm run build",
     "outputDirectory": ".next", "regions": ["hnd1"],
     "cache": {"enabled": true, "paths": [".next/cache"]},
     "environments": {
        "production": {"target": "production", "gitBranch": "main", "domain": "...",
                       "sourceMaps": false, "debug": false, "env": {"NAME": "@secret"}},
        "staging":    {"target": "preview", ...},
        "development": {"target": "development", ...}},
     "deployHooks": [{"name": "...", "environment": "production", "gitBranch": "main",
                      "url": "@vercel-deploy-hook-production"}],
     "webhooks": [{"events": ["deployment.succeeded", "deployment.error"], "url": "@..."}]}

``deployment-config.ts`` must export an object literal whose framework, regions and
commands equal vercel.json's, and whose environments equal build-settings.json's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from golive._errors import NotVerified
from golive.facts.repo.discover import SKIPPED_DIRS, find_deliverable, find_files, repo_files
from golive.facts.repo.jsonfile import json_line, load_json, validation_findings
from golive.facts.repo.packagejson import package_scripts
from golive.facts.repo.structured import relative
from golive.facts.repo.tsobject import Opaque, TsObject, TsParseError, exported_object, plain
from golive.judging.findings import Finding
from golive.rules.schemas import schema_errors, unrecognised

__all__ = [
    "BUILD_SETTINGS",
    "DEPLOYMENT_CONFIG",
    "SECRET_REFERENCE",
    "VERCEL_JSON",
    "BuildSettings",
    "EnvironmentBuild",
    "LoadedSettings",
    "VercelJson",
    "build_settings_findings",
    "build_settings_per_env_findings",
    "deploy_cache_findings",
    "deploy_hooks_findings",
    "deployment_config_findings",
    "env_separation_findings",
    "load_build_settings",
    "read_vercel_json",
    "route_exists",
    "settings_for_check",
    "vercel_json_findings",
]

VERCEL_JSON = "vercel.json"
BUILD_SETTINGS = "build-settings.json"
DEPLOYMENT_CONFIG = "deployment-config.ts"

# a value stored in the platform's encrypted secret store: "@secret-name"
SECRET_REFERENCE = re.compile(r"^@[a-z0-9][a-z0-9_-]*$")
_REGION = r"^[a-z]{3}\d$"
_TARGETS = ("production", "preview", "development")


def _not_found(repo: Path, *names: str) -> Finding:
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    return Finding(
        names[0], None, f"not found: {' or '.join(names)} anywhere in {repo} (skipping {skipped})"
    )


# --- vercel.json ------------------------------------------------------------------


class _Model(BaseModel):
    # strict: JSON types as Vercel's schema has them ("yes" is not a boolean)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


class _Header(_Model):
    key: str = Field(min_length=1)
    value: str


class _HeaderRule(_Model):
    source: str = Field(min_length=1)
    headers: list[_Header] = Field(min_length=1)
    has: list[dict[str, Any]] | None = None
    missing: list[dict[str, Any]] | None = None


class _Redirect(_Model):
    source: str = Field(min_length=1)
    destination: str = Field(min_length=1)
    permanent: bool | None = None
    statusCode: Literal[301, 302, 303, 307, 308] | None = None
    has: list[dict[str, Any]] | None = None
    missing: list[dict[str, Any]] | None = None


class _Rewrite(_Model):
    source: str = Field(min_length=1)
    destination: str = Field(min_length=1)
    has: list[dict[str, Any]] | None = None
    missing: list[dict[str, Any]] | None = None


class _Function(_Model):
    memory: int | None = Field(default=None, ge=128, le=10240)
    maxDuration: int | None = Field(default=None, ge=1, le=900)
    runtime: str | None = None
    includeFiles: str | None = None
    excludeFiles: str | None = None
    regions: list[str] | None = None
    supportsCancellation: bool | None = None
    experimentalTriggers: list[dict[str, Any]] | None = None


class _Cron(_Model):
    path: str = Field(pattern=r"^/")
    schedule: str = Field(min_length=9)


class _Git(_Model):
    deploymentEnabled: bool | dict[str, bool] | None = None


class _Github(_Model):
    enabled: bool | None = None
    autoAlias: bool | None = None
    autoJobCancelation: bool | None = None
    silent: bool | None = None


class _LegacyBuild(_Model):
    env: dict[str, str] | None = None


class VercelJson(_Model):
    """The vercel.json fields Vercel documents (legacy ones included, typed loosely)."""

    schema_: str | None = Field(default=None, alias="$schema")
    framework: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    buildCommand: str | None = None
    installCommand: str | None = None
    devCommand: str | None = None
    ignoreCommand: str | None = None
    outputDirectory: str | None = None
    regions: list[str] | None = Field(default=None, min_length=1)
    functionFailoverRegions: list[str] | None = None
    functions: dict[str, _Function] | None = None
    headers: list[_HeaderRule] | None = None
    redirects: list[_Redirect] | None = None
    rewrites: list[_Rewrite] | None = None
    cleanUrls: bool | None = None
    trailingSlash: bool | None = None
    crons: list[_Cron] | None = None
    git: _Git | None = None
    github: _Github | None = None
    images: dict[str, Any] | None = None
    public: bool | None = None
    bunVersion: str | None = None
    fluid: bool | None = None
    relatedProjects: list[str] | None = None
    # legacy (still accepted by Vercel)
    version: Literal[2] | None = None
    name: str | None = None
    alias: str | list[str] | None = None
    scope: str | None = None
    env: dict[str, str] | None = None
    build: _LegacyBuild | None = None
    routes: list[dict[str, Any]] | None = None
    builds: list[dict[str, Any]] | None = None


_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def _cron_problem(schedule: str) -> str | None:
    fields = schedule.split()
    if len(fields) != 5:
        return f"cron schedule {schedule!r} must have 5 fields, has {len(fields)}"
    for field_text, (low, high) in zip(fields, _CRON_RANGES, strict=True):
        if not _CRON_FIELD.match(field_text):
            return f"cron schedule {schedule!r}: invalid field {field_text!r}"
        for number in re.findall(r"(?<![/\d])\d+", field_text):
            if not low <= int(number) <= high:
                return f"cron schedule {schedule!r}: {number} outside {low}-{high}"
    return None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "{" and "}" in pattern[i:]:
            end = pattern.index("}", i)
            out.append(
                "(?:" + "|".join(re.escape(a) for a in pattern[i + 1 : end].split(",")) + ")"
            )
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def _repo_relative_files(repo: Path) -> list[str]:
    root = Path(repo).resolve()
    return [p.relative_to(root).as_posix() for p in repo_files(root)]


def route_exists(repo: Path, path: str) -> bool:
    """Whether a Next.js route (app or pages router, optional src/) serves ``path``."""
    segments = [s for s in path.split("?")[0].strip("/").split("/") if s]
    files = _repo_relative_files(repo)
    base = "/".join(segments)
    candidates = []
    for prefix in ("", "src/"):
        for router, tail in (
            ("app", "/route"),
            ("app", "/page"),
            ("pages", ""),
            ("pages", "/index"),
        ):
            stem = f"{prefix}{router}/{base}{tail}".replace("//", "/")
            candidates.append(stem)
    return any(f.rsplit(".", 1)[0] in candidates for f in files if "." in f)


def _script_problem(scripts: dict[str, str] | None, command: str | None) -> str | None:
    if scripts is None or not command:
        return None
    match = re.match(r"^(?:npm run|pnpm(?: run)?|yarn(?: run)?)\s+([\w:.-]+)", command.strip())
    if match and match.group(1) not in scripts and match.group(1) not in ("install", "ci"):
        return f"{command!r} runs script {match.group(1)!r}, which package.json does not define"
    return None


def _vercel_model(repo: Path, path: Path) -> tuple[VercelJson | None, list[Finding]]:
    """vercel.json validated; unknown top-level fields reported, the known ones still read."""
    data, findings = load_json(repo, path)
    if findings:
        return None, findings
    model, findings = validation_findings(repo, path, VercelJson, data)
    if model is None and isinstance(data, dict):
        known = {f.alias or n for n, f in VercelJson.model_fields.items()}
        model, _ = validation_findings(
            repo, path, VercelJson, {k: v for k, v in data.items() if k in known}
        )
    return (model if isinstance(model, VercelJson) else None), findings


def _routing_findings(model: VercelJson, name: str, text: str) -> list[Finding]:
    """Regions are region ids, rule sources are paths, legacy routes stand alone."""
    findings = [
        Finding(name, json_line(text, ["regions"]), f"{region!r} is not a Vercel region id")
        for region in (model.regions or []) + (model.functionFailoverRegions or [])
        if not re.match(_REGION, region)
    ]
    rules: Iterable[tuple[str, str]] = [
        *(("headers", r.source) for r in model.headers or []),
        *(("redirects", r.source) for r in model.redirects or []),
        *(("rewrites", r.source) for r in model.rewrites or []),
    ]
    findings += [
        Finding(name, json_line(text, [section]),
                f"{section} source {source!r} must start with '/'")
        for section, source in rules if not source.startswith("/")
    ]
    modern = (model.headers, model.redirects, model.rewrites, model.cleanUrls,
              model.trailingSlash)
    if model.routes is not None and any(x is not None for x in modern):
        findings.append(
            Finding(
                name,
                json_line(text, ["routes"]),
                "legacy 'routes' cannot be combined with "
                "headers/redirects/rewrites/cleanUrls/trailingSlash",
            )
        )
    return findings


def _targets_findings(repo: Path, model: VercelJson, name: str, text: str) -> list[Finding]:
    """Function patterns, cron paths and npm scripts point at things that exist."""
    findings = []
    files = _repo_relative_files(repo)
    for pattern in model.functions or {}:
        regex = _glob_regex(pattern)
        if not any(regex.match(f) for f in files):
            findings.append(
                Finding(
                    name,
                    json_line(text, ["functions", pattern]),
                    f"functions pattern {pattern!r} matches no file (the deploy fails)",
                )
            )
    findings += _builds_findings(model, name, text, files)
    for index, cron in enumerate(model.crons or []):
        problem = _cron_problem(cron.schedule)
        line = json_line(text, ["crons"]) if index == 0 else None
        if problem:
            findings.append(Finding(name, _line_of(text, cron.schedule) or line, problem))
        if not route_exists(repo, cron.path):
            findings.append(
                Finding(
                    name,
                    _line_of(text, cron.path) or line,
                    f"cron path {cron.path} has no route in the app",
                )
            )
    scripts = package_scripts(repo)
    for field_name in ("buildCommand", "installCommand", "devCommand"):
        problem = _script_problem(scripts, getattr(model, field_name))
        if problem:
            findings.append(
                Finding(name, json_line(text, [field_name]), f"{field_name}: {problem}")
            )
    return findings


def _builds_findings(
    model: VercelJson, name: str, text: str, files: list[str]
) -> list[Finding]:
    """Every legacy ``builds[].src`` (a glob, relative to the vercel.json's folder) matches
    a file: a source that matches nothing builds nothing, and its routes serve 404."""
    findings = []
    for index, build in enumerate(model.builds or []):
        source = build.get("src")
        if source is None:
            continue  # Vercel's schema requires only 'use'
        if not isinstance(source, str) or not source.strip("/"):
            findings.append(
                Finding(name, json_line(text, ["builds", index, "src"]),
                        f"builds[{index}].src {source!r} is not a file pattern")
            )
            continue
        regex = _glob_regex(source.lstrip("/"))
        if not any(regex.match(f) for f in files):
            findings.append(
                Finding(
                    name,
                    _line_of(text, source) or json_line(text, ["builds"]),
                    f"builds[{index}].src {source!r} matches no file beside {name} "
                    "(the build has nothing to build; its routes serve 404)",
                )
            )
    return findings


def vercel_json_findings(repo: Path) -> list[Finding]:
    """vercel.json exists, matches the documented fields and makes sense for its project;
    every vercel.json of a monorepo (one per app) is judged."""
    paths = sorted(find_files(repo, VERCEL_JSON), key=lambda p: (len(p.parts), str(p)))
    if not paths:
        return [_not_found(repo, VERCEL_JSON)]
    return [f for path in paths for f in _one_vercel_json_findings(repo, path)]


def _one_vercel_json_findings(repo: Path, path: Path) -> list[Finding]:
    model, findings = _vercel_model(repo, path)
    if model is None:
        return findings
    name = relative(repo, path)
    text = path.read_text(encoding="utf-8")
    # a vercel.json's patterns, cron routes and scripts are its project's: the folder it is
    # in (an app of a monorepo), not the repository root
    return findings + _routing_findings(model, name, text) + _targets_findings(
        path.parent, model, name, text
    )


def _line_of(text: str, needle: str) -> int | None:
    index = text.find(json.dumps(needle))
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def read_vercel_json(repo: Path) -> tuple[Path | None, dict[str, Any] | None]:
    path = find_deliverable(repo, VERCEL_JSON)
    if path is None:
        return None, None
    data, findings = load_json(repo, path)
    return path, data if isinstance(data, dict) and not findings else None


# --- build-settings.json ------------------------------------------------------------


class CacheSettings(_Model):
    enabled: bool
    paths: list[str] = Field(default_factory=list)
    invalidateOn: list[str] = Field(default_factory=list)


class EnvironmentBuild(_Model):
    target: Literal["production", "preview", "development"]
    gitBranch: str | None = None
    domain: str | None = None
    buildCommand: str | None = None
    installCommand: str | None = None
    sourceMaps: bool = False
    debug: bool = False
    cache: bool = True
    env: dict[str, str] = Field(default_factory=dict)


class DeployHook(_Model):
    name: str = Field(min_length=1)
    environment: str = Field(min_length=1)
    gitBranch: str = Field(min_length=1)
    url: str = Field(min_length=1)
    purpose: str | None = None


class Webhook(_Model):
    name: str | None = None
    events: list[str] = Field(min_length=1)
    url: str = Field(min_length=1)


class BuildSettings(_Model):
    """golive's shape, or Vercel's project settings (no environments): nothing is required
    that Vercel itself does not require (it detects the framework and the commands)."""

    comment: str | None = Field(default=None, alias="$comment")
    project: str | None = None
    framework: str | None = None
    nodeVersion: str | None = Field(default=None, pattern=r"^\d+(\.x|\.\d+\.\d+)?$")
    installCommand: str | None = None
    buildCommand: str | None = None
    devCommand: str | None = None
    outputDirectory: str | None = None
    rootDirectory: str | None = None
    commandForIgnoringBuildStep: str | None = None
    directoryListing: bool | None = None
    sourceFilesOutsideRootDirectory: bool | None = None
    regions: list[str] = Field(default_factory=list)
    cache: CacheSettings | None = None
    environments: dict[str, EnvironmentBuild] = Field(default_factory=dict)
    deployHooks: list[DeployHook] = Field(default_factory=list)
    webhooks: list[Webhook] = Field(default_factory=list)


GOLIVE_SHAPE = "golive build settings (environments)"
PROJECT_SHAPE = "Vercel project settings"
_SETTINGS_KEYS = ("environments", "framework", "buildCommand", "installCommand",
                  "outputDirectory", "settings")


@dataclass(frozen=True)
class LoadedSettings:
    path: Path
    name: str  # relative to the repo
    text: str
    model: BuildSettings
    shape: str = GOLIVE_SHAPE

    def require_environments(self, what: str) -> None:
        """Vercel's project settings name no environments: the check cannot say."""
        if self.shape == PROJECT_SHAPE:
            raise NotVerified(
                f"{self.name} is {PROJECT_SHAPE}, which declare no environments: {what} "
                "cannot be judged from it (golive schema build-settings.json shows the "
                "'environments' shape)")

    def line(self, *loc: str | int) -> int | None:
        return json_line(self.text, loc)


def load_build_settings(repo: Path) -> tuple[LoadedSettings | None, list[Finding]]:
    """build-settings.json validated against the model, or the findings saying why not."""
    path = find_deliverable(repo, BUILD_SETTINGS)
    if path is None:
        return None, [_not_found(repo, BUILD_SETTINGS)]
    data, findings = load_json(repo, path)
    if findings:
        return None, findings
    name = relative(repo, path)
    if not isinstance(data, dict) or not any(k in data for k in _SETTINGS_KEYS):
        raise NotVerified(unrecognised(name, (GOLIVE_SHAPE, PROJECT_SHAPE + " (flat or "
                                              "under 'settings', as .vercel/project.json)")))
    text = path.read_text(encoding="utf-8")
    problems = [
        Finding(name, json_line(text, [p for p in where if isinstance(p, str)]) or 1,
                f"{'.'.join(map(str, where)) or '(top level)'}: {message}")
        for where, message in schema_errors(BUILD_SETTINGS, data)
    ]
    if problems:
        return None, problems
    shape = GOLIVE_SHAPE if "environments" in data else PROJECT_SHAPE
    if "settings" in data:  # .vercel/project.json / the API's project: settings nested
        settings = data["settings"]
        data = {k: v for k, v in settings.items() if k in BuildSettings.model_fields}
    model, findings = validation_findings(repo, path, BuildSettings, data)
    if not isinstance(model, BuildSettings):
        return None, findings
    return LoadedSettings(path, name, text, model, shape), []


def settings_for_check(
    repo: Path, *, need_environments: bool = True, what: str = "this check"
) -> tuple[LoadedSettings | None, list[Finding]]:
    """build-settings.json for a check that reads it. A file in no shape golive reads, or
    (when ``need_environments``) Vercel project settings without environments, raise
    NotVerified: a check over zero environments would pass having examined nothing."""
    settings, findings = load_build_settings(repo)
    if settings is not None and need_environments:
        settings.require_environments(what)
    if settings is None and findings and not findings[0].message.startswith("not found"):
        findings = [
            *findings,
            Finding(
                findings[0].file,
                None,
                "build-settings.json is invalid (see platform.build-settings-json)",
            ),
        ]
    return settings, findings


_SHARED_FIELDS = ("framework", "installCommand", "buildCommand", "outputDirectory", "regions")


def build_settings_findings(repo: Path) -> list[Finding]:
    """build-settings.json exists, matches the model and agrees with vercel.json."""
    settings, findings = load_build_settings(repo)
    if settings is None:
        return findings
    model = settings.model
    for env_name, env in model.environments.items():
        command = env.buildCommand or model.buildCommand
        problem = _script_problem(package_scripts(repo), command)
        if problem:
            findings.append(
                Finding(settings.name, settings.line("environments", env_name), problem)
            )
    for region in model.regions:
        if not re.match(_REGION, region):
            findings.append(
                Finding(
                    settings.name, settings.line("regions"), f"{region!r} is not a Vercel region id"
                )
            )
    vercel_path, vercel = read_vercel_json(repo)
    if vercel_path is None or vercel is None:
        findings.append(
            Finding(
                settings.name,
                None,
                "cannot compare with vercel.json: it is missing or not valid JSON",
            )
        )
        return findings
    for field_name in _SHARED_FIELDS:
        ours = getattr(model, field_name)
        theirs = vercel.get(field_name)
        if theirs is not None and ours not in (None, []) and ours != theirs:
            findings.append(
                Finding(
                    settings.name,
                    settings.line(field_name),
                    f"{field_name} is {ours!r} here but {theirs!r} in "
                    f"{relative(repo, vercel_path)}",
                )
            )
    return findings


def _by_target(settings: BuildSettings) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {t: [] for t in _TARGETS}
    for env_name, env in settings.environments.items():
        found[env.target].append(env_name)
    return found


def env_separation_findings(repo: Path) -> list[Finding]:
    """Production, staging (preview) and development are separate environments."""
    settings, findings = settings_for_check(repo, what="environment separation")
    if settings is None:
        return findings
    model, name = settings.model, settings.name
    for target, names in _by_target(model).items():
        if not names:
            label = "staging (target preview)" if target == "preview" else target
            findings.append(Finding(name, settings.line("environments"), f"no {label} environment"))
        elif target == "production" and len(names) > 1:
            findings.append(
                Finding(
                    name,
                    settings.line("environments"),
                    f"more than one production environment: {', '.join(names)}",
                )
            )
    seen_branch: dict[str, str] = {}
    seen_domain: dict[str, str] = {}
    for env_name, env in model.environments.items():
        line = settings.line("environments", env_name)
        if env.target != "development" and not env.gitBranch:
            findings.append(Finding(name, line, f"{env_name}: no gitBranch deploys to it"))
        if env.gitBranch:
            findings += _shared_with(seen_branch, env.gitBranch, env_name, name, line,
                                     f"{env_name} deploys from branch {env.gitBranch!r}")
        if not env.domain:
            findings.append(Finding(name, line, f"{env_name}: no domain"))
        else:
            findings += _shared_with(seen_domain, env.domain, env_name, name, line,
                                     f"{env_name} serves domain {env.domain!r}")
    return findings


def _shared_with(seen: dict[str, str], value: str, env_name: str, file: str, line: int | None,
                 what: str) -> list[Finding]:
    """A finding when an earlier environment already took ``value``; remembers it."""
    earlier = seen.setdefault(value, env_name)
    if earlier == env_name:
        return []
    return [Finding(file, line, f"{what}, like {earlier}")]


_DEV_COMMAND = re.compile(r"\b(next dev|npm run dev|vite(?! build)|build:dev|--debug)\b")


def build_settings_per_env_findings(repo: Path) -> list[Finding]:
    """Every environment has build settings; production builds without debug or source maps."""
    settings, findings = settings_for_check(repo, what="per-environment build settings")
    if settings is None:
        return findings
    model, name = settings.model, settings.name
    scripts = package_scripts(settings.path.parent) or {}
    for env_name, env in model.environments.items():
        line = settings.line("environments", env_name)
        command = env.buildCommand or model.buildCommand
        if not command and not model.framework and "build" not in scripts:
            # Vercel builds with the framework preset or package.json's build script
            findings.append(Finding(name, line, f"{env_name}: no build command (none set, no "
                                    "framework preset, no package.json build script)"))
        if env.target != "production":
            continue
        if env.sourceMaps:
            findings.append(
                Finding(
                    name,
                    settings.line("environments", env_name, "sourceMaps"),
                    f"{env_name}: source maps enabled for production",
                )
            )
        if env.debug:
            findings.append(
                Finding(
                    name,
                    settings.line("environments", env_name, "debug"),
                    f"{env_name}: debug enabled for production",
                )
            )
        if command and _DEV_COMMAND.search(command):
            findings.append(
                Finding(name, line, f"{env_name}: build command {command!r} is a development build")
            )
        node_env = env.env.get("NODE_ENV")
        if node_env is not None and node_env != "production":
            findings.append(
                Finding(
                    name,
                    settings.line("environments", env_name, "env", "NODE_ENV"),
                    f"{env_name}: NODE_ENV is {node_env!r}",
                )
            )
    return findings


_CACHE_WIPE = re.compile(r"rm\s+-[a-zA-Z]*r[a-zA-Z]*\s+[^;&|]*\.next|--no-cache|--force\b")
_TRUE = ("1", "true", "yes")


def _cache_section_findings(settings: LoadedSettings) -> list[Finding]:
    model, name = settings.model, settings.name
    if model.cache is None and settings.shape == PROJECT_SHAPE:
        return []  # Vercel's project settings have no cache section: its cache is on
    if model.cache is None:
        return [
            Finding(name, None, "no cache section: the deployment build cache is not configured")
        ]
    findings = []
    if not model.cache.enabled:
        findings.append(Finding(name, settings.line("cache", "enabled"), "build cache disabled"))
    if model.framework == "nextjs" and not any(
        p.rstrip("/") == ".next/cache" for p in model.cache.paths
    ):
        findings.append(
            Finding(
                name,
                settings.line("cache", "paths"),
                "cache paths do not keep .next/cache (Next.js build cache)",
            )
        )
    return findings


def _env_cache_findings(settings: LoadedSettings) -> list[Finding]:
    model, name = settings.model, settings.name
    findings = []
    commands: list[tuple[str, str | None]] = [
        ("buildCommand", model.buildCommand),
        ("installCommand", model.installCommand),
    ]
    for env_name, env in model.environments.items():
        if env.target != "development" and not env.cache:
            findings.append(
                Finding(
                    name,
                    settings.line("environments", env_name, "cache"),
                    f"{env_name}: build cache disabled",
                )
            )
        if env.env.get("VERCEL_FORCE_NO_BUILD_CACHE", "").lower() in _TRUE:
            findings.append(
                Finding(
                    name,
                    settings.line("environments", env_name, "env", "VERCEL_FORCE_NO_BUILD_CACHE"),
                    f"{env_name}: VERCEL_FORCE_NO_BUILD_CACHE skips the build cache "
                    "on every deploy",
                )
            )
        commands += [
            (f"environments.{env_name}.buildCommand", env.buildCommand),
            (f"environments.{env_name}.installCommand", env.installCommand),
        ]
    findings += [
        Finding(name, None, f"{where} {command!r} throws the build cache away")
        for where, command in commands if command and _CACHE_WIPE.search(command)
    ]
    return findings


def _vercel_json_cache_findings(repo: Path) -> list[Finding]:
    vercel_path, vercel = read_vercel_json(repo)
    if vercel_path is None or vercel is None:
        return []
    shown = relative(repo, vercel_path)
    findings = []
    for key in ("buildCommand", "installCommand"):
        vercel_command = vercel.get(key)
        if isinstance(vercel_command, str) and _CACHE_WIPE.search(vercel_command):
            findings.append(
                Finding(shown, None, f"{key} {vercel_command!r} throws the build cache away")
            )
    legacy_env = {**(vercel.get("env") or {}), **((vercel.get("build") or {}).get("env") or {})}
    if str(legacy_env.get("VERCEL_FORCE_NO_BUILD_CACHE", "")).lower() in _TRUE:
        findings.append(Finding(shown, None, "VERCEL_FORCE_NO_BUILD_CACHE skips the build cache"))
    return findings


def deploy_cache_findings(repo: Path) -> list[Finding]:
    """The build cache is on, keeps the framework's cache folder, and nothing defeats it."""
    settings, findings = settings_for_check(repo, need_environments=False)
    if settings is None:
        return findings
    findings += _cache_section_findings(settings)
    findings += _env_cache_findings(settings)
    return findings + _vercel_json_cache_findings(repo)


_FAILURE_EVENTS = ("deployment.error", "deployment.canceled")
_SUCCESS_EVENTS = ("deployment.succeeded", "deployment.ready", "deployment.promoted")


def deploy_hooks_findings(repo: Path) -> list[Finding]:
    """Deploy hooks exist per deployed environment and deployment events notify someone.

    Hook and webhook URLs are credentials (anyone holding one can trigger a deploy or
    forge an event), so they must be secret references, never literal URLs.
    """
    settings, findings = settings_for_check(repo, what="deploy hooks per environment")
    if settings is None:
        return findings
    return findings + _deploy_hook_findings(settings) + _webhook_findings(settings)


def _deploy_hook_findings(settings: LoadedSettings) -> list[Finding]:
    model, name = settings.model, settings.name
    findings = []
    if not model.deployHooks:
        findings.append(Finding(name, None, "no deployHooks: no deploy hook is configured"))
    for hook in model.deployHooks:
        line = _line_of(settings.text, hook.name) or settings.line("deployHooks")
        env = model.environments.get(hook.environment)
        if env is None:
            findings.append(
                Finding(
                    name,
                    line,
                    f"deploy hook {hook.name!r}: unknown environment {hook.environment!r}",
                )
            )
        elif env.gitBranch != hook.gitBranch:
            findings.append(
                Finding(
                    name,
                    line,
                    f"deploy hook {hook.name!r} builds branch "
                    f"{hook.gitBranch!r}, but {hook.environment} deploys "
                    f"{env.gitBranch!r}",
                )
            )
        if not SECRET_REFERENCE.match(hook.url):
            findings.append(
                Finding(
                    name,
                    line,
                    f"deploy hook {hook.name!r}: url is written in plain "
                    "text; reference the secret store (@name)",
                )
            )
    production = [n for n, e in model.environments.items() if e.target == "production"]
    if model.deployHooks and not any(h.environment in production for h in model.deployHooks):
        findings.append(
            Finding(
                name, settings.line("deployHooks"), "no deploy hook for the production environment"
            )
        )
    return findings


def _webhook_findings(settings: LoadedSettings) -> list[Finding]:
    model, name = settings.model, settings.name
    findings = []
    events = {e for w in model.webhooks for e in w.events}
    if not events & set(_FAILURE_EVENTS):
        findings.append(
            Finding(
                name,
                settings.line("webhooks"),
                "no webhook on a failed deployment (deployment.error)",
            )
        )
    if not events & set(_SUCCESS_EVENTS):
        findings.append(
            Finding(
                name,
                settings.line("webhooks"),
                "no webhook on a successful deployment (deployment.succeeded)",
            )
        )
    for hook_ in model.webhooks:
        if not SECRET_REFERENCE.match(hook_.url):
            findings.append(
                Finding(
                    name,
                    _line_of(settings.text, hook_.url),
                    f"webhook {hook_.name or '?'}: url is written in plain text; "
                    "reference the secret store (@name)",
                )
            )
    return findings


# --- deployment-config.ts -----------------------------------------------------------


def _ts_str(value: object) -> str:
    return repr(value.text) if isinstance(value, Opaque) else repr(value)


def deployment_config_findings(repo: Path) -> list[Finding]:
    """deployment-config.ts exports a literal config agreeing with vercel.json and
    build-settings.json, with a health check path the app serves."""
    path = find_deliverable(repo, DEPLOYMENT_CONFIG)
    if path is None:
        return [_not_found(repo, DEPLOYMENT_CONFIG)]
    name = relative(repo, path)
    try:
        config = exported_object(path.read_text(encoding="utf-8"))
    except TsParseError as exc:
        return [Finding(name, exc.line, f"cannot read the exported object literal: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return [Finding(name, None, f"cannot read: {exc}")]
    if config is None:
        return [Finding(name, None, "exports no object literal (export const config = {...})")]
    findings = _vercel_agreement_findings(repo, name, config)
    findings += _health_check(repo, name, config)
    try:
        settings, problems = load_build_settings(repo)
    except NotVerified:
        return findings  # build-settings.json in no shape golive reads: nothing to compare
    if settings is None:
        findings.append(
            Finding(
                name,
                None,
                "cannot compare with build-settings.json: "
                + (problems[0].message if problems else "invalid"),
            )
        )
        return findings
    if settings.shape == PROJECT_SHAPE:
        return findings  # Vercel's project settings name no environments to compare
    return findings + _environments_agreement_findings(name, config, settings)


def _vercel_agreement_findings(repo: Path, name: str, config: TsObject) -> list[Finding]:
    """The fields deployment-config.ts shares with vercel.json have the same values."""
    vercel_path, vercel = read_vercel_json(repo)
    if vercel is None or vercel_path is None:
        return [Finding(name, None, "cannot compare with vercel.json: missing or invalid")]
    findings = []
    for field_name in _SHARED_FIELDS:
        ours = plain(config.get(field_name))
        if field_name not in config.entries:
            findings.append(Finding(name, config.line, f"no {field_name}"))
        elif field_name in vercel and ours != vercel[field_name]:
            findings.append(
                Finding(
                    name,
                    config.lines.get(field_name),
                    f"{field_name} is {_ts_str(ours)} here but {vercel[field_name]!r} in "
                    f"{relative(repo, vercel_path)}",
                )
            )
    return findings


def _environments_agreement_findings(
    name: str, config: TsObject, settings: LoadedSettings
) -> list[Finding]:
    """deployment-config.ts names the environments of build-settings.json, alike."""
    environments = config.get("environments")
    if not isinstance(environments, TsObject):
        return [Finding(name, config.line, "no environments object literal")]
    ours_names = set(environments.entries)
    theirs = settings.model.environments
    findings = [
        Finding(name, environments.line,
                f"environment {missing!r} of {settings.name} is missing here")
        for missing in sorted(set(theirs) - ours_names)
    ]
    findings += [
        Finding(name, environments.lines[extra], f"environment {extra!r} is not in {settings.name}")
        for extra in sorted(ours_names - set(theirs))
    ]
    for env_name in sorted(ours_names & set(theirs)):
        env_obj = environments.get(env_name)
        if not isinstance(env_obj, TsObject):
            continue
        expected = theirs[env_name]
        for ts_key, value in (
            ("vercelTarget", expected.target),
            ("gitBranch", expected.gitBranch),
            ("domain", expected.domain),
        ):
            actual = plain(env_obj.get(ts_key)) if ts_key in env_obj.entries else "<missing>"
            if actual != value:
                findings.append(
                    Finding(
                        name,
                        env_obj.lines.get(ts_key, env_obj.line),
                        f"{env_name}.{ts_key} is {_ts_str(actual)} here but {value!r} "
                        f"in {settings.name}",
                    )
                )
    return findings


def _health_check(repo: Path, name: str, config: TsObject) -> list[Finding]:
    health = config.get("healthCheck")
    health_path = health.get("path") if isinstance(health, TsObject) else None
    if not isinstance(health_path, str) or not health_path.startswith("/"):
        return [
            Finding(
                name,
                config.lines.get("healthCheck", config.line),
                "no healthCheck.path: deploys cannot be verified after release",
            )
        ]
    if not route_exists(repo, health_path):
        line = health.lines.get("path") if isinstance(health, TsObject) else None
        return [Finding(name, line, f"healthCheck.path {health_path} has no route in the app")]
    return []
