"""The resource-limits probe (Vercel function memory and duration, container limits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from golive.rules import limits

from ._helpers import text_of, write


def test_good_repo_passes(good_repo: Path) -> None:
    assert limits.resource_limit_findings(good_repo) == []
    functions = {f.file: (f.memory, f.max_duration) for f in
                 limits.vercel_function_limits(good_repo)}
    assert functions == {"src/app/api/cron/cleanup-sessions/route.ts": (1024, 30),
                         "src/app/api/health/route.ts": (1024, 30)}


def test_broken_repo_functions_and_containers(broken_repo: Path) -> None:
    found = text_of(limits.resource_limit_findings(broken_repo))
    assert "vercel.json:22: function src/app/api/health/route.ts runs with the platform's " \
           "default memory: no vercel.json functions pattern that matches it sets memory " \
           "(patterns: api/**/*.js)" in found
    assert "docker-compose.yml:53: service auth: no memory limit" in found


# --- edge cases -----------------------------------------------------------------------------

ROUTE = "export async function GET() { return new Response('ok'); }\n"


def test_nothing_to_judge_is_not_found(tmp_path: Path) -> None:
    (found,) = limits.resource_limit_findings(tmp_path)
    assert found.message.startswith("not found: neither vercel.json nor a compose file")


def test_route_export_sets_the_duration(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{\n  "functions": {\n    "app/**/route.ts": {"memory": 512}'
                                   "\n  }\n}\n")
    write(tmp_path, "app/api/a/route.ts", "export const maxDuration = 20;\n" + ROUTE)
    write(tmp_path, "app/api/b/route.ts", ROUTE)
    (found,) = limits.resource_limit_findings(tmp_path)
    assert (found.file, found.line) == ("vercel.json", 2)
    assert found.message.startswith("function app/api/b/route.ts runs with the platform's "
                                    "default maxDuration")


@pytest.mark.parametrize(("settings", "message"), [
    ('{"memory": 4096, "maxDuration": 30}', "memory 4096 is not a whole number of MB within "
                                            "128–3009"),
    ('{"memory": 1024, "maxDuration": 0}', "maxDuration 0 is not a whole number of s within "
                                           "1–900"),
])
def test_out_of_range_values(tmp_path: Path, settings: str, message: str) -> None:
    write(tmp_path, "vercel.json", '{"functions": {\n  "pages/api/*.{js,ts}": ' + settings
          + "\n}}\n")
    write(tmp_path, "pages/api/hello.ts", ROUTE)
    (found,) = limits.resource_limit_findings(tmp_path)
    assert (found.file, found.line) == ("vercel.json", 2)
    assert found.message == f"function pages/api/hello.ts: {message}"


def test_compose_only(tmp_path: Path) -> None:
    write(tmp_path, "docker-compose.yml",
          "services:\n  web:\n    image: nginx:1.27\n    deploy:\n      resources:\n"
          "        limits:\n          cpus: '0.5'\n          memory: 256m\n")
    assert limits.resource_limit_findings(tmp_path) == []


@pytest.mark.parametrize(("path", "is_function"), [
    ("src/app/api/x/route.ts", True), ("app/route.js", True), ("pages/api/a/b.ts", True),
    ("src/pages/api/c.js", True), ("api/cron.py", True), ("src/app/page.tsx", False),
    ("pages/api/_helpers.ts", False), ("src/app/api/x/route.test.ts", False),
])
def test_function_files(tmp_path: Path, path: str, is_function: bool) -> None:
    write(tmp_path, path, ROUTE)
    assert limits.function_files(tmp_path) == ([path] if is_function else [])


def test_what_the_limits_check_examined(good_repo: Path, tmp_path: Path) -> None:
    assert limits.containers_examined(good_repo) > 0
    # a vercel.json whose functions pattern matches nothing, and no compose file: nothing
    # was examined, so tests/performance/test_limits.py reports not_verified, never a pass
    write(tmp_path, "vercel.json",
          '{"functions": {"api/**/*.ts": {"memory": 1024, "maxDuration": 10}}}')
    write(tmp_path, "src/lib/util.ts", "export const x = 1;\n")
    assert limits.resource_limit_findings(tmp_path) == []
    assert limits.vercel_function_limits(tmp_path) == []
    assert limits.containers_examined(tmp_path) == 0


def test_monorepo_functions_are_read_beside_their_vercel_json(tmp_path: Path) -> None:
    write(tmp_path, "apps/web/vercel.json",
          '{"functions": {"app/api/**/route.ts": {"memory": 1024, "maxDuration": 10}}}')
    write(tmp_path, "apps/web/app/api/health/route.ts", ROUTE)
    assert limits.resource_limit_findings(tmp_path) == []
    functions = limits.vercel_function_limits(tmp_path)
    assert [(f.file, f.memory, f.max_duration) for f in functions] == [
        ("apps/web/app/api/health/route.ts", 1024, 10)]
    # the pattern is the app's: a route at the repository root is not one of its functions
    other = tmp_path / "other"
    write(other, "apps/web/vercel.json",
          '{"functions": {"app/api/**/route.ts": {"memory": 1024}}}')
    write(other, "apps/web/app/api/a/route.ts", ROUTE)
    (found,) = limits.resource_limit_findings(other)
    assert found.file == "apps/web/vercel.json"
    assert "function apps/web/app/api/a/route.ts runs with the platform's default maxDuration" \
        in found.message


def test_every_vercel_project_and_legacy_builds_are_examined(tmp_path: Path) -> None:
    # the root project deploys main.py through a legacy build: a function with default limits
    write(tmp_path, "vercel.json", '{"version": 2, "builds": [{"src": "main.py", '
                                   '"use": "@vercel/python"}, {"src": "public/**", '
                                   '"use": "@vercel/static"}]}')
    write(tmp_path, "main.py", "app = None\n")
    write(tmp_path, "public/index.html", "<p>hi</p>\n")
    write(tmp_path, "apps/web/vercel.json",
          '{"functions": {"app/**/route.ts": {"memory": 1024, "maxDuration": 10}}}')
    write(tmp_path, "apps/web/app/api/a/route.ts", ROUTE)
    files = {f.file: (f.memory, f.max_duration) for f in limits.vercel_function_limits(tmp_path)}
    assert files == {"main.py": (None, None), "apps/web/app/api/a/route.ts": (1024, 10)}
    found = text_of(limits.resource_limit_findings(tmp_path))
    assert "function main.py runs with the platform's default memory" in found
    assert "apps/web/app/api/a/route.ts" not in found


def test_legacy_builds_turn_the_api_folder_convention_off(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{"builds": [{"src": "main.py", "use": "@vercel/python"}]}')
    write(tmp_path, "main.py", "app = None\n")
    write(tmp_path, "api/schemas.py", "X = 1\n")  # a module main.py imports, not a function
    assert [f.file for f in limits.vercel_function_limits(tmp_path)] == ["main.py"]
