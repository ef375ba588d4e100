"""Environment variables: .env.template, env-validation.ts, per-environment values, .env.local.

The model:

- ``.env.template`` is the contract: every variable the code reads (``process.env.NAME``
  in .ts/.js sources) and every key of env-validation.ts's ``z.object({...})`` schemas is
  listed there. A variable whose comment block above it says ``@local-only`` is needed only
  by the local Docker stack and is not expected on the platform.
- Every other template variable is defined for every environment of build-settings.json
  (``environments.<name>.env``) or for all at once in vercel.json's legacy ``env``.
- Environment-specific values (credentials, URLs) are never shared between production and
  another environment, nor does a non-production environment reference a production secret.
- ``.env.local`` is git-ignored and no ``.env*.local`` file is tracked.

Per app (:mod:`golive.facts.repo.workspaces`): in a monorepo each workspace app's reads
(``process.env.X``, ``import.meta.env.X``, ``Deno.env.get("X")`` in its own sources, not
another app's, not tests, not hidden tool folders) are judged against the template in its
own folder, else the root's; a template kit (``template/**``) is judged as an app of its
own. The root of a monorepo is its apps' tooling and is not judged.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from golive._errors import NotVerified
from golive.facts.repo.discover import (
    PLAN_EQUIVALENTS,
    SKIPPED_DIRS,
    find_deliverable,
    repo_files,
)
from golive.facts.repo.git import is_ignored, tracked_files
from golive.facts.repo.structured import relative
from golive.facts.repo.tsobject import TsParseError, object_literals_after, strip_comments
from golive.facts.repo.workspaces import App, app_of, apps
from golive.judging.findings import Finding
from golive.rules.vercel_config import LoadedSettings, read_vercel_json, settings_for_check

__all__ = [
    "ENV_LOCAL",
    "ENV_TEMPLATE",
    "ENV_VALIDATION",
    "PLATFORM_VARIABLES",
    "TEMPLATE_NAMES",
    "AppEnv",
    "EnvEntry",
    "Template",
    "app_envs",
    "code_env_usages",
    "env_config_separation_findings",
    "env_local_findings",
    "env_template_findings",
    "env_validation_findings",
    "env_vars_complete_findings",
    "is_environment_specific",
    "parse_dotenv",
    "read_template",
    "validation_keys",
]

ENV_TEMPLATE = ".env.template"
ENV_LOCAL = ".env.local"
ENV_VALIDATION = "env-validation.ts"

# set by the platform or the runtime, never by the team
PLATFORM_VARIABLES = frozenset(
    {
        "NODE_ENV",
        "NEXT_RUNTIME",
        "CI",
        "PORT",
        "HOSTNAME",
        "TZ",
        "HOME",
        "PATH",
        "PWD",
        "NEXT_PHASE",
        "npm_package_version",
    }
)
# set by Vercel, or by the CI runner for the build and test steps (GitHub Actions)
_PLATFORM_PREFIXES = ("VERCEL_", "NEXT_PUBLIC_VERCEL_", "GITHUB_", "RUNNER_", "ACTIONS_")
_PLATFORM_EXACT = frozenset({"VERCEL", "GITHUB_ACTIONS"})

_SOURCE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
_BUILD_DIRS = frozenset({".next", "out", "dist", "build", "coverage", ".vercel", ".turbo"})
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def _not_found(repo: Path, name: str) -> Finding:
    skipped = ", ".join(sorted(SKIPPED_DIRS))
    return Finding(name, None, f"not found: {name} anywhere in {repo} (skipping {skipped})")


def is_platform_variable(name: str) -> bool:
    return (
        name in PLATFORM_VARIABLES or name in _PLATFORM_EXACT or name.startswith(_PLATFORM_PREFIXES)
    )


# --- .env files ---------------------------------------------------------------------


@dataclass(frozen=True)
class EnvEntry:
    name: str
    value: str
    line: int
    local_only: bool = False
    # ``#NAME=`` / ``# NAME=value``: listed as optional, documented but not required
    commented: bool = False


_ASSIGNMENT = re.compile(rf"^\s*(?:export\s+)?({_NAME})\s*=\s*(.*?)\s*$")
# a commented-out entry: an upper-case variable name right before '=' ('# see the docs',
# '# Note: a=b' or '# FORMAT: 0x…' are prose, not entries)
_COMMENTED = re.compile(r"^\s*#+\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=(?!=)(.*?)\s*$")


def _value(name: str, value: str, number: int, problems: list[tuple[int, str]]) -> str:
    if value[:1] in ("'", '"'):
        quote = value[0]
        end = value.find(quote, 1)
        if end < 0:
            problems.append((number, f"{name}: unterminated {quote} quote"))
            return value[1:]
        return value[1:end]
    if " #" in value:
        return value.split(" #", 1)[0].rstrip()
    return value


def parse_dotenv(text: str) -> tuple[list[EnvEntry], list[tuple[int, str]]]:
    """Entries and (line, problem) pairs of a dotenv file. A commented-out assignment of a
    well-formed name (``#SMTP_USER=``, ``# SMTP_PORT=587``) is an entry marked
    ``commented``: the usual way to list an optional variable."""
    entries: list[EnvEntry] = []
    problems: list[tuple[int, str]] = []
    comments: list[str] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped:
            comments = []
            continue
        if stripped.startswith("#"):
            commented = _COMMENTED.match(raw)
            if commented is None:
                comments.append(stripped)
                continue
            name, value = commented.groups()
            local = any("@local-only" in c for c in comments)
            entries.append(EnvEntry(name, _value(name, value, number, []), number, local,
                                    commented=True))
            continue
        match = _ASSIGNMENT.match(raw)
        if match is None:
            problems.append((number, "not a NAME=value line"))
            comments = []
            continue
        name, value = match.groups()
        local = any("@local-only" in c for c in comments)
        entries.append(EnvEntry(name, _value(name, value, number, problems), number, local))
        comments = []
    return entries, problems


@dataclass(frozen=True)
class Template:
    path: Path
    name: str
    entries: list[EnvEntry]
    # plain-text templates kept beside it (env-example.txt, vercel-env.example.txt)
    companions: tuple[Template, ...] = ()

    def names(self, *, platform_only: bool = False) -> dict[str, EnvEntry]:
        """Every variable the template documents (commented-out optional entries and its
        companions' included); ``platform_only``: those every environment must define (this
        template's active entries not marked @local-only)."""
        if platform_only:
            return {e.name: e for e in self.entries if not (e.local_only or e.commented)}
        listed: dict[str, EnvEntry] = {}
        for template in (self, *self.companions):
            for entry in sorted(template.entries, key=lambda e: e.commented):
                listed.setdefault(entry.name, entry)
        return listed

    @property
    def label(self) -> str:
        """The template's name, with its companions when it has any."""
        if not self.companions:
            return self.name
        return f"{self.name} (with {', '.join(c.name for c in self.companions)})"


# a plain-text env template: env.example.txt, env-example.txt, vercel-env.example.txt
_TEXT_TEMPLATE = re.compile(r"env.*[-._]example\.txt$", re.IGNORECASE)


def _text_templates(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file() and _TEXT_TEMPLATE.search(p.name))
    except OSError:
        return []


def _read_env_file(repo: Path, path: Path) -> tuple[Template | None, list[Finding]]:
    """One template file; a plain-text one is notes around its entries, so its other lines
    are not problems."""
    name = relative(repo, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Finding(name, None, f"cannot read: {exc}")]
    entries, problems = parse_dotenv(text)
    if _TEXT_TEMPLATE.search(path.name):
        problems = []
    return Template(path, name, entries), [Finding(name, line, p) for line, p in problems]


def _load_template(repo: Path, path: Path) -> tuple[Template | None, list[Finding]]:
    """The template at ``path`` with the plain-text templates beside it."""
    template, findings = _read_env_file(repo, path)
    if template is None:
        return None, findings
    companions = []
    for other in _text_templates(path.parent):
        if other != path:
            companion, _ = _read_env_file(repo, other)
            if companion is not None:
                companions.append(companion)
    return Template(template.path, template.name, template.entries, tuple(companions)), findings


def _shallowest_text_template(repo: Path) -> Path | None:
    hits = [p for p in repo_files(repo) if _TEXT_TEMPLATE.search(p.name)]
    return min(hits, key=lambda p: (len(p.parts), str(p))) if hits else None


def read_template(repo: Path) -> tuple[Template | None, list[Finding]]:
    """The repository's env template (the plan's name, then the names teams use, then a
    plain-text ``env.example.txt``), with the plain-text templates beside it."""
    path = find_deliverable(repo, ENV_TEMPLATE) or _shallowest_text_template(repo)
    if path is None:
        return None, [_not_found(repo, ENV_TEMPLATE)]
    return _load_template(repo, path)


# --- sources ------------------------------------------------------------------------

# Vite's own import.meta.env keys, and what Supabase's Edge runtime sets for every function
_VITE_BUILTIN = r"(?!(?:MODE|BASE_URL|PROD|DEV|SSR)\b)"
_EDGE_BUILTIN = (
    r"(?!(?:SUPABASE_URL|SUPABASE_ANON_KEY|SUPABASE_SERVICE_ROLE_KEY|SUPABASE_DB_URL|"
    r"SUPABASE_PUBLISHABLE_KEYS|SUPABASE_SECRET_KEYS|SB_REGION|SB_EXECUTION_ID|"
    r"DENO_DEPLOYMENT_ID)[\"'`])"
)
_USES = (
    re.compile(rf"\bprocess\.env\.({_NAME})"),
    re.compile(rf"\bprocess\.env\[\s*[\"'`]({_NAME})[\"'`]\s*\]"),
    re.compile(rf"\bimport\.meta\.env\.{_VITE_BUILTIN}({_NAME})"),
    re.compile(rf"\bDeno\.env\.get\(\s*[\"'`]{_EDGE_BUILTIN}({_NAME})[\"'`]\s*\)"),
)
_DESTRUCTURE = re.compile(r"\b(?:const|let|var)\s*\{([^}]*)\}\s*=\s*process\.env\b")


# tests and their runners' configs read what the test runner sets, not the app's contract
_TEST_DIRS = frozenset(
    {"tests", "test", "testing", "__tests__", "e2e", "__mocks__", "fixtures", "playwright",
     "cypress"}
)
_TEST_FILE = re.compile(
    r"\.(test|spec|e2e)\.[cm]?[jt]sx?$|^(playwright|vitest|jest|cypress)\.config\.[cm]?[jt]s$"
)


def _is_test_source(relative_parts: tuple[str, ...]) -> bool:
    return bool(
        _TEST_DIRS.intersection(relative_parts[:-1]) or _TEST_FILE.search(relative_parts[-1])
    )


def _is_tool_folder(relative_parts: tuple[str, ...]) -> bool:
    """Hidden folders (.claude, .github, .husky, .storybook …) hold tools' hooks and configs,
    which read what their tool sets, not the app's environment."""
    return any(part.startswith(".") for part in relative_parts[:-1])


def _sources(repo: Path, *, app_only: bool = False) -> list[Path]:
    root = Path(repo).resolve()
    return [
        p
        for p in repo_files(root)
        if p.name.endswith(_SOURCE_SUFFIXES)
        and not _BUILD_DIRS.intersection(p.relative_to(root).parts[:-1])
        and not (
            app_only
            and (_is_test_source(p.relative_to(root).parts)
                 or _is_tool_folder(p.relative_to(root).parts))
        )
    ]


def code_env_usages(repo: Path) -> dict[str, list[tuple[str, int]]]:
    """Every variable the app's .ts/.js sources read (``process.env``, ``import.meta.env``,
    ``Deno.env.get``), with where (file, line); tests, test-runner configs and hidden tool
    folders are not the app."""
    return _usages(repo, _sources(repo, app_only=True))


def _usages(repo: Path, paths: list[Path]) -> dict[str, list[tuple[str, int]]]:
    uses: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in paths:
        try:
            source = strip_comments(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            continue
        name = relative(repo, path)

        def line_of(offset: int, text: str = source) -> int:
            return text.count("\n", 0, offset) + 1

        for pattern in _USES:
            for match in pattern.finditer(source):
                uses[match.group(1)].append((name, line_of(match.start())))
        for match in _DESTRUCTURE.finditer(source):
            for part in match.group(1).split(","):
                key = part.split(":")[0].split("=")[0].strip().lstrip(".")
                if re.fullmatch(_NAME, key):
                    uses[key].append((name, line_of(match.start())))
    return dict(uses)


def validation_keys(repo: Path) -> tuple[Path | None, dict[str, int], list[Finding]]:
    """The keys of every ``z.object({...})`` schema in env-validation.ts, with lines."""
    path = find_deliverable(repo, ENV_VALIDATION)
    if path is None:
        return None, {}, [_not_found(repo, ENV_VALIDATION)]
    name = relative(repo, path)
    try:
        source = path.read_text(encoding="utf-8")
        keys: dict[str, int] = {}
        for schema in object_literals_after(source, "z.object"):
            for key, line in schema.lines.items():
                keys.setdefault(key, line)
    except TsParseError as exc:
        return path, {}, [Finding(name, exc.line, f"cannot read the schema: {exc}")]
    except (OSError, UnicodeDecodeError) as exc:
        return path, {}, [Finding(name, None, f"cannot read: {exc}")]
    return path, keys, []


# --- apps ---------------------------------------------------------------------------

# the plan's name first, then the names teams give it
TEMPLATE_NAMES = (ENV_TEMPLATE, *PLAN_EQUIVALENTS[ENV_TEMPLATE])
_PACKAGE_FILES = ("package.json", "package.json.tmpl")
_WORKSPACE_ROOTS = ("pnpm-workspace.yaml", "turbo.json", "nx.json", "lerna.json")


@dataclass(frozen=True)
class AppEnv:
    """One app's env contract: its template (own, else the root's) and what it reads."""

    app: App
    template: Template | None
    own_template: bool
    usages: dict[str, list[tuple[str, int]]]
    problems: list[Finding]

    def missing(self) -> dict[str, list[tuple[str, int]]]:
        listed = self.template.names() if self.template is not None else {}
        return {
            name: places
            for name, places in sorted(self.usages.items())
            if name not in listed and not is_platform_variable(name)
        }


def _template_in(folder: Path) -> Path | None:
    named = next((folder / n for n in TEMPLATE_NAMES if (folder / n).is_file()), None)
    return named or next(iter(_text_templates(folder)), None)


def _kit_template(kit: Path) -> Path | None:
    hits = [p for p in repo_files(kit) if p.name in TEMPLATE_NAMES]
    rank = {n: i for i, n in enumerate(TEMPLATE_NAMES)}
    return min(hits, key=lambda p: (len(p.parts), rank[p.name], str(p))) if hits else None


def _app_sources(root: Path, app: App, every: list[App], sources: list[Path]) -> list[Path]:
    """The app's own sources: in its folder, not in a deeper app's. In a template kit, only
    the packages it scaffolds (folders with a package.json or package.json.tmpl, but the
    scaffolded root's) when it has any: the rest is the scaffolded project's tooling."""
    own = [p for p in sources if app_of(root, p, every) == app]
    if app.kind != "template kit":
        return own
    kit_files = repo_files(app.path)
    # the scaffolded project's root manifest is its tooling's, not an app's
    roots = {p.parent for p in kit_files if p.name in (*TEMPLATE_NAMES, *_WORKSPACE_ROOTS)}
    packages = {
        p.parent for p in kit_files
        if p.name in _PACKAGE_FILES and p.parent != app.path and p.parent not in roots
    }
    if not packages:
        return own
    return [p for p in own if any(folder in p.parents for folder in packages)]


def app_envs(repo: Path) -> list[AppEnv]:
    """Every judged app of ``repo`` with its template and its reads. A repository without
    workspaces is one app (the root), whose template is found anywhere as before."""
    root = Path(repo).resolve()
    every = apps(root)
    sources = _sources(root, app_only=True)
    if [a.kind for a in every] == ["root"]:
        template, problems = read_template(root)
        return [AppEnv(every[0], template, True, code_env_usages(root), problems)]
    root_path = _template_in(root)
    shared, shared_problems = (
        _load_template(root, root_path) if root_path is not None else (None, [])
    )
    result = []
    for app in every:
        kit = app.kind == "template kit"
        path = _kit_template(app.path) if kit else _template_in(app.path)
        own = path is not None and path != root_path
        if own and path is not None:
            template, problems = _load_template(root, path)
        else:
            template, problems = shared, shared_problems
        usages = _usages(root, _app_sources(root, app, every, sources))
        result.append(AppEnv(app, template, own, usages, problems))
    return result


# --- criteria -----------------------------------------------------------------------


def _duplicates(template: Template) -> list[Finding]:
    seen: dict[str, int] = {}
    findings = []
    for entry in template.entries:
        if entry.commented:
            continue  # '#NAME=other' beside 'NAME=value' shows an alternative value
        if entry.name in seen:
            findings.append(
                Finding(
                    template.name,
                    entry.line,
                    f"{entry.name} listed twice (first on line {seen[entry.name]})",
                )
            )
        seen.setdefault(entry.name, entry.line)
    return findings


def env_template_findings(repo: Path) -> list[Finding]:
    """.env.template exists, parses, and lists every variable the code and schema use; in a
    monorepo, per app (its own template, else the root's; findings name the app)."""
    envs = app_envs(repo)
    single = len(envs) == 1 and envs[0].app.kind == "root"
    if single and envs[0].template is None:
        return envs[0].problems
    if not single and all(e.template is None for e in envs):
        return [_not_found(repo, ENV_TEMPLATE)]
    findings: list[Finding] = []
    judged: set[Path] = set()
    for env in envs:
        prefix = "" if single else f"{env.app.label}: "
        if env.template is None:
            missing = env.missing()
            if missing:
                first_file, first_line = next(iter(missing.values()))[0]
                findings.append(
                    Finding(
                        first_file,
                        first_line,
                        f"{prefix}reads {', '.join(missing)} but has no env template "
                        f"({', '.join(TEMPLATE_NAMES[:4])} …) in {env.app.name}/ or the root",
                    )
                )
            continue
        if env.template.path not in judged:
            judged.add(env.template.path)
            findings += env.problems + _duplicates(env.template)
        for variable, places in env.missing().items():
            file, line = places[0]
            more = f" (and {len(places) - 1} more places)" if len(places) > 1 else ""
            findings.append(
                Finding(
                    file,
                    line,
                    f"{prefix}process.env.{variable} is used here{more} "
                    f"but {env.template.label} does not list it",
                )
            )
    findings += _validation_template_findings(repo, envs, single)
    return findings


def _validation_template_findings(repo: Path, envs: list[AppEnv], single: bool) -> list[Finding]:
    """Keys env-validation.ts validates that the template of its app does not list."""
    path, keys, problems = validation_keys(repo)
    if path is None or problems:
        return []
    if single:
        env: AppEnv | None = envs[0]
    else:
        owner = app_of(repo, path, [e.app for e in envs])
        env = next((e for e in envs if e.app == owner), None)
    if env is None or env.template is None:
        return []
    listed = env.template.names()
    prefix = "" if single else f"{env.app.label}: "
    return [
        Finding(
            relative(repo, path),
            line,
            f"{prefix}{key} is validated here but {env.template.label} does not list it",
        )
        for key, line in sorted(keys.items())
        if key not in listed and not is_platform_variable(key)
    ]


_FAIL_FAST = re.compile(r"\bthrow\b|process\.exit\(")
_PARSE_CALL = re.compile(r"\.(?:safeParse|parse|parseAsync|safeParseAsync)\(")


def env_validation_findings(repo: Path) -> list[Finding]:
    """env-validation.ts validates every template variable, fails fast, and runs at startup."""
    path, keys, findings = validation_keys(repo)
    if path is None or findings:
        return findings
    name = relative(repo, path)
    source = strip_comments(path.read_text(encoding="utf-8"))
    if not keys:
        findings.append(Finding(name, None, "no z.object({...}) schema of variables found"))
    if not _PARSE_CALL.search(source):
        findings.append(Finding(name, None, "the schema is never applied (.parse/.safeParse)"))
    elif not _FAIL_FAST.search(source):
        findings.append(
            Finding(
                name,
                None,
                "an invalid environment does not stop startup "
                "(no throw or process.exit on a failed parse)",
            )
        )
    template, problems = read_template(repo)
    if template is None:
        findings += problems
    else:
        for variable, entry in sorted(template.names(platform_only=True).items()):
            if variable not in keys:
                findings.append(
                    Finding(template.name, entry.line, f"{variable} is not validated by {name}")
                )
    stem = path.name.rsplit(".", 1)[0]
    importer = re.compile(
        r"""(?:from|import|require)\s*\(?\s*["'][^"']*\b"""
        + re.escape(stem)
        + r"""(?:\.[jt]s)?["']"""
    )
    if not any(
        importer.search(strip_comments(p.read_text(encoding="utf-8", errors="replace")))
        for p in _sources(repo)
        if p.resolve() != path.resolve()
    ):
        findings.append(
            Finding(
                name,
                None,
                "nothing imports it: the validation never runs "
                "(import it from instrumentation.ts or next.config)",
            )
        )
    return findings


def _platform_env(
    repo: Path,
) -> tuple[LoadedSettings | None, dict[str, dict[str, str]], list[Finding]]:
    """Per environment of build-settings.json: variable -> value (vercel.json env merged)."""
    settings, findings = settings_for_check(repo)
    if settings is None:
        return None, {}, findings
    _, vercel = read_vercel_json(repo)
    shared: dict[str, str] = {}
    if vercel is not None:
        for block in (vercel.get("env"), (vercel.get("build") or {}).get("env")):
            if isinstance(block, dict):
                shared.update({str(k): str(v) for k, v in block.items()})
    envs = {name: {**shared, **env.env} for name, env in settings.model.environments.items()}
    return settings, envs, []


def env_vars_complete_findings(repo: Path) -> list[Finding]:
    """Every platform variable of .env.template is defined for every environment."""
    template, findings = read_template(repo)
    if template is None:
        return findings
    settings, envs, problems = _platform_env(repo)
    if settings is None:
        return findings + problems
    for env_name, values in envs.items():
        for variable, entry in template.names(platform_only=True).items():
            if variable not in values:
                findings.append(
                    Finding(
                        settings.name,
                        settings.line("environments", env_name),
                        f"{env_name}: {variable} is not defined ({template.name}:{entry.line})",
                    )
                )
    return findings


_SPECIFIC = re.compile(
    r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|KEY|CREDENTIAL|DSN|_URL$|_URI$|_HOST$|DATABASE)"
)
_ENV_ALIASES = {
    "production": ("production", "prod", "prd"),
    "preview": ("preview", "staging", "stg", "stage"),
    "development": ("development", "dev", "local"),
}


def is_environment_specific(name: str) -> bool:
    """Credentials and endpoints differ per environment; flags and labels may be shared."""
    return bool(_SPECIFIC.search(name.upper()))


def env_config_separation_findings(repo: Path) -> list[Finding]:
    """No environment shares production's credentials or endpoints, or references them."""
    settings, findings = settings_for_check(repo)
    if settings is None:
        return findings
    environments = settings.model.environments
    production = {n: e.env for n, e in environments.items() if e.target == "production"}
    for env_name, env in environments.items():
        line = settings.line("environments", env_name)
        if env.target == "production":
            continue
        own = set(_ENV_ALIASES[env.target])
        for variable, value in sorted(env.env.items()):
            if not is_environment_specific(variable) or not value:
                continue
            for prod_name, prod_env in production.items():
                if prod_env.get(variable) == value:
                    findings.append(
                        Finding(
                            settings.name,
                            line,
                            f"{env_name} shares {prod_name}'s value of {variable}",
                        )
                    )
            if value.startswith("@"):
                tokens = set(re.split(r"[-_.]", value[1:].lower()))
                if tokens & set(_ENV_ALIASES["production"]) and not tokens & own:
                    findings.append(
                        Finding(
                            settings.name,
                            line,
                            f"{env_name}: {variable} references a production secret ({value})",
                        )
                    )
    return findings


_LOCAL_FILE = re.compile(r"(^|/)\.env(\.[\w-]+)*\.local$")


def env_local_findings(repo: Path) -> list[Finding]:
    """No .env*.local file is tracked, and git ignores .env.local where the app lives."""
    tracked = tracked_files(repo)
    if tracked is None:
        raise NotVerified(f"{repo} is not a git repository: cannot tell what is committed")
    findings = [
        Finding(path, None, "committed to git: local environment files hold real credentials")
        for path in tracked
        if _LOCAL_FILE.search(path)
    ]
    folders = {""}
    # where a developer copies a template to .env.local: beside each app's own template (a
    # template kit's files are copied into other repositories, never filled in here)
    for env in app_envs(repo):
        if env.template is not None and env.own_template and env.app.kind != "template kit":
            parent = Path(env.template.name).parent.as_posix()
            folders.add("" if parent == "." else parent)
    for folder in sorted(folders):
        candidate = f"{folder}/{ENV_LOCAL}" if folder else ENV_LOCAL
        if not is_ignored(repo, candidate):
            findings.append(
                Finding(
                    ".gitignore",
                    None,
                    f"{candidate} is not git-ignored: a developer's real values would be committed",
                )
            )
    return findings
