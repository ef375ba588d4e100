"""Resource limits set explicitly: serverless function memory and duration, container CPU
and memory (plan Week 3 Day 4 スケーリング設定 → リソース制限の調整).

- **Functions** (:func:`function_limit_findings`), when the repository has a
  ``vercel.json``: every function — a Next.js route handler (``app/**/route.ts``,
  ``src/app/**/route.ts``), an API route (``pages/api/**``, ``src/pages/api/**``) or a file
  of the top-level ``api/`` folder — is matched by a ``functions`` pattern of vercel.json
  that sets ``memory``, and has a ``maxDuration`` from such a pattern or from the route's
  own ``export const maxDuration = N``. Values stay within what Vercel accepts: memory
  128–3009 MB, maxDuration 1–900 s.
- **Containers**: every compose service has a memory and a CPU limit
  (:func:`golive.rules.docker.docker_resources_findings`).

A repository with neither vercel.json nor a compose file has nothing to judge: that is a
"not found" finding naming both.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path

from golive._errors import NotVerified
from golive.facts.repo.compose import load_stack
from golive.facts.repo.discover import find_deliverable, find_files, repo_files
from golive.facts.repo.structured import Document, Located, line_of, load_structured, relative
from golive.judging.findings import Finding
from golive.rules.docker import docker_resources_findings

__all__ = [
    "MAX_DURATION_S",
    "MEMORY_MB",
    "FunctionLimits",
    "containers_examined",
    "function_files",
    "function_limit_findings",
    "function_limits",
    "resource_limit_findings",
    "vercel_function_limits",
    "vercel_projects",
]

MEMORY_MB = (128, 3009)
MAX_DURATION_S = (1, 900)

_SOURCE = r"\.(?:ts|tsx|js|jsx|mjs|cjs)$"
_FUNCTION_PATHS = (
    re.compile(r"^(?:src/)?app/(?:.*/)?route" + _SOURCE),
    re.compile(r"^(?:src/)?pages/api/.+" + _SOURCE),
    re.compile(r"^api/.+\.(?:ts|js|mjs|cjs|py|go|rb)$"),
)
_EXPORTED_DURATION = re.compile(r"^\s*export\s+const\s+maxDuration\s*(?::\s*\w+\s*)?=\s*(\d+)",
                                re.MULTILINE)


def function_files(repo: Path) -> list[str]:
    """The repository's serverless functions as Vercel builds them, relative paths."""
    root = Path(repo).resolve()
    found = []
    for path in repo_files(root):
        shown = path.relative_to(root).as_posix()
        name = path.name
        if name.startswith(("_", ".")) or ".test." in name or ".spec." in name:
            continue
        if any(p.match(shown) for p in _FUNCTION_PATHS):
            found.append(shown)
    return found


def _project_functions(root: Path, data: Located) -> list[str]:
    """The functions of the project ``root``: by Vercel's conventions, or — with legacy
    ``builds``, which turn the conventions off — what the builds name (a Next.js build
    still makes its routes functions)."""
    builds = data.get("builds")
    if not isinstance(builds, list):
        return function_files(root)
    found = _legacy_build_functions(root, data)
    if any(isinstance(b, dict) and "next" in str(b.get("use", "")) for b in builds):
        found += [f for f in function_files(root) if not _FUNCTION_PATHS[2].match(f)]
    return found


def _legacy_build_functions(root: Path, data: Located) -> list[str]:
    """Files a legacy ``builds`` entry turns into a function (``@vercel/python``,
    ``@vercel/node`` …; not static files, not a framework's package.json)."""
    builds = data.get("builds")
    found: list[str] = []
    for build in builds if isinstance(builds, list) else []:
        if not isinstance(build, dict) or not isinstance(build.get("src"), str):
            continue
        use = str(build.get("use", ""))
        if "static" in use or build["src"].endswith("package.json"):
            continue
        regex = _glob(build["src"].lstrip("/"))
        for path in repo_files(root):
            shown = path.relative_to(root).as_posix()
            if regex.match(shown) and shown not in found:
                found.append(shown)
    return found


def _glob(pattern: str) -> re.Pattern[str]:
    """A vercel.json ``functions`` glob as a regex (``**`` any folders, ``*`` one name)."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{":
            close = pattern.find("}", index)
            if close > index:
                options = pattern[index + 1:close].split(",")
                out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
                index = close + 1
                continue
            out.append(re.escape(char))
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("^" + "".join(out) + "$")


Where = tuple[str, int | None]  # the file and line a value was set on


@dataclass(frozen=True)
class FunctionLimits:
    file: str
    memory: object  # as written; None when nothing sets it
    memory_from: Where | None
    max_duration: object
    max_duration_from: Where | None


def function_limits(repo: Path, vercel: Document) -> list[FunctionLimits]:
    """What memory and maxDuration each function gets, and where each value comes from."""
    data = vercel.data if isinstance(vercel.data, Located) else Located()
    functions = data.get("functions")
    patterns = list(functions.items()) if isinstance(functions, dict) else []
    # patterns are relative to the project vercel.json belongs to (an app of a monorepo)
    root = vercel.path.parent
    prefix = relative(repo, root)
    prefix = "" if prefix in ("", ".") else prefix.rstrip("/") + "/"
    limits = []
    for file in _project_functions(root, data):
        memory: object = None
        duration: object = None
        memory_from: Where | None = None
        duration_from: Where | None = None
        for pattern, settings in patterns:
            if not isinstance(settings, dict) or not _glob(str(pattern).lstrip("/")).match(file):
                continue
            where = (vercel.shown, line_of(settings, None) or line_of(functions, str(pattern)))
            if memory is None and "memory" in settings:
                memory, memory_from = settings["memory"], where
            if duration is None and "maxDuration" in settings:
                duration, duration_from = settings["maxDuration"], where
        try:
            source = (root / file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            source = ""
        exported = _EXPORTED_DURATION.search(source)
        if exported:
            line = source.count("\n", 0, exported.start()) + 1
            duration, duration_from = int(exported.group(1)), (prefix + file, line)
        limits.append(FunctionLimits(prefix + file, memory, memory_from, duration,
                                     duration_from))
    return limits


def vercel_projects(repo: Path) -> list[Path]:
    """Every vercel.json of the repository: one per Vercel project (apps of a monorepo)."""
    return sorted(find_files(repo, "vercel.json"), key=lambda p: (len(p.parts), str(p)))


def vercel_function_limits(repo: Path) -> list[FunctionLimits]:
    """:func:`function_limits` of every readable vercel.json of the repository."""
    found = []
    for path in vercel_projects(repo):
        loaded = load_structured(repo, path)
        if isinstance(loaded, Document):
            found += function_limits(repo, loaded)
    return found


def _bounded(value: object, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and (
        bounds[0] <= value <= bounds[1]
    )


def function_limit_findings(repo: Path) -> list[Finding]:
    """Every function of every Vercel project has an explicit memory and maxDuration."""
    found = []
    for path in vercel_projects(repo):
        found += _project_limit_findings(repo, path)
    return found


def _project_limit_findings(repo: Path, path: Path) -> list[Finding]:
    """The functions beside one vercel.json."""
    vercel = load_structured(repo, path)
    if isinstance(vercel, Finding):
        return [vercel]
    data = vercel.data if isinstance(vercel.data, Located) else None
    functions_line = line_of(data, "functions") if data is not None else None
    patterns = ", ".join(map(str, data.get("functions") or {})) if data is not None and \
        isinstance(data.get("functions"), dict) else "none"
    found = []
    for limits in function_limits(repo, vercel):
        for name, value, source, bounds, unit in (
            ("memory", limits.memory, limits.memory_from, MEMORY_MB, "MB"),
            ("maxDuration", limits.max_duration, limits.max_duration_from, MAX_DURATION_S, "s"),
        ):
            if value is None:
                found.append(Finding(
                    vercel.shown, functions_line or 1,
                    f"function {limits.file} runs with the platform's default {name}: no "
                    f"vercel.json functions pattern that matches it sets {name} (patterns: "
                    f"{patterns})" + (" and the route exports no maxDuration"
                                      if name == "maxDuration" else ""),
                ))
            elif not _bounded(value, bounds):
                file, line = source or (vercel.shown, None)
                found.append(Finding(
                    file, line,
                    f"function {limits.file}: {name} {value!r} is not a whole number of {unit} "
                    f"within {bounds[0]}–{bounds[1]}",
                ))
    return found


def containers_examined(repo: Path) -> int:
    """How many compose services (base and override merged) the container limits read."""
    stack = load_stack(repo, Finding("docker-compose.yml", None, "not found"))
    return len(stack.merged_services()) if stack.base is not None else 0


def resource_limit_findings(repo: Path) -> list[Finding]:
    """Functions and containers have explicit limits (see the module's rules)."""
    root = Path(repo)
    vercel = find_deliverable(root, "vercel.json")
    compose = find_deliverable(root, "docker-compose.yml", "docker-compose.yaml",
                               "compose.yml", "compose.yaml")
    if vercel is None and compose is None:
        return [Finding("vercel.json", None,
                        "not found: neither vercel.json nor a compose file (docker-compose.yml, "
                        "compose.yml) anywhere in the repository, so no limit is set")]
    found = function_limit_findings(root)
    if compose is not None:
        # no service to examine: containers_examined() says 0 and the check reports it
        with contextlib.suppress(NotVerified):
            found += docker_resources_findings(root)
    return found
