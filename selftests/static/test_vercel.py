"""The Vercel probes: pass on the good sample repo, the expected finding on the broken one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.facts.repo.tsobject import Opaque, TsParseError, exported_object, plain
from golive.rules import vercel_config as vercel

from ._helpers import text_of, write

PROBES: list[tuple[Callable[[Path], list[Finding]], list[str]]] = [
    (vercel.vercel_json_findings, [
        "vercel.json:11: cleanUrl: unknown field",
        "functions pattern 'api/**/*.js' matches no file",
        "cron path /api/cron/cleanup has no route in the app",
    ]),
    (vercel.build_settings_findings, [
        "build-settings.json:6: installCommand is 'npm install' here but 'npm ci' in vercel.json",
    ]),
    (vercel.env_separation_findings, [
        "staging deploys from branch 'main', like production",
        "staging serves domain 'app.example.com', like production",
    ]),
    (vercel.build_settings_per_env_findings, [
        "production: source maps enabled for production",
        "production: debug enabled for production",
    ]),
    (vercel.deploy_cache_findings, [
        "build cache disabled",
        "cache paths do not keep .next/cache",
        "production: VERCEL_FORCE_NO_BUILD_CACHE skips the build cache",
    ]),
    (vercel.deploy_hooks_findings, [
        "deploy hook 'redeploy-production': url is written in plain text",
        "no webhook on a failed deployment (deployment.error)",
    ]),
    (vercel.deployment_config_findings, [
        "deployment-config.ts:34: regions is ['iad1'] here but ['hnd1'] in vercel.json",
        "healthCheck.path /api/healthz has no route in the app",
    ]),
]


@pytest.mark.parametrize("probe", [p for p, _ in PROBES], ids=lambda p: p.__name__)
def test_sound_on_good(good_repo: Path, probe: Callable[[Path], list[Finding]]) -> None:
    assert probe(good_repo) == []


@pytest.mark.parametrize(("probe", "expected"), PROBES, ids=[p.__name__ for p, _ in PROBES])
def test_defect_on_broken(
    broken_repo: Path, probe: Callable[[Path], list[Finding]], expected: list[str]
) -> None:
    messages = text_of(probe(broken_repo))
    for text in expected:
        assert text in messages


@pytest.mark.parametrize(
    ("probe", "name"),
    [
        (vercel.vercel_json_findings, "vercel.json"),
        (vercel.build_settings_findings, "build-settings.json"),
        (vercel.env_separation_findings, "build-settings.json"),
        (vercel.deploy_hooks_findings, "build-settings.json"),
        (vercel.deployment_config_findings, "deployment-config.ts"),
    ],
)
def test_missing_deliverable_names_what_was_searched(
    tmp_path: Path, probe: Callable[[Path], list[Finding]], name: str
) -> None:
    (findings,) = probe(tmp_path)
    assert findings.message.startswith(f"not found: {name} anywhere in {tmp_path}")
    assert "node_modules" in findings.message


def test_unparsable_vercel_json_reports_line(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{\n  "framework": "nextjs",\n  "regions": ["hnd1"\n}\n')
    (finding,) = vercel.vercel_json_findings(tmp_path)
    assert finding.file == "vercel.json"
    assert finding.line == 4
    assert "not valid JSON" in finding.message


def test_vercel_json_wrong_types_and_rules(tmp_path: Path) -> None:
    write(tmp_path, "package.json", json.dumps({"scripts": {"build": "next build"}}))
    write(tmp_path, "app/api/ok/route.ts", "export function GET() {}\n")
    write(tmp_path, "vercel.json", json.dumps({
        "regions": ["tokyo"],
        "buildCommand": "npm run compile",
        "functions": {"app/api/**/*.ts": {"maxDuration": 30}},
        "crons": [{"path": "/api/ok", "schedule": "0 25 * * *"}],
        "headers": [{"source": "api/(.*)", "headers": [{"key": "X", "value": "1"}]}],
    }, indent=2))
    messages = text_of(vercel.vercel_json_findings(tmp_path))
    assert "'tokyo' is not a Vercel region id" in messages
    assert "runs script 'compile', which package.json does not define" in messages
    assert "25 outside 0-23" in messages
    assert "headers source 'api/(.*)' must start with '/'" in messages
    assert "matches no file" not in messages  # app/api/**/*.ts matches app/api/ok/route.ts
    assert "has no route" not in messages


def test_vercel_json_type_error_located(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{\n  "cleanUrls": true,\n  "regions": "hnd1"\n}\n')
    (finding,) = vercel.vercel_json_findings(tmp_path)
    assert finding.line == 3
    assert finding.message.startswith("regions:")


def test_invalid_build_settings_blocks_dependent_probes(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo, ignore=shutil.ignore_patterns(".git"))
    settings = json.loads((repo / "build-settings.json").read_text(encoding="utf-8"))
    settings["environments"]["production"]["target"] = "prod"
    (repo / "build-settings.json").write_text(json.dumps(settings, indent=2), encoding="utf-8")
    messages = text_of(vercel.env_separation_findings(repo))
    assert "environments.production.target: 'prod' is not one of" in messages
    assert "see platform.build-settings-json" in messages


def test_deployment_config_without_export(tmp_path: Path) -> None:
    write(tmp_path, "deployment-config.ts", "const config = { regions: ['hnd1'] };\n")
    (finding,) = vercel.deployment_config_findings(tmp_path)
    assert "exports no object literal" in finding.message


def test_deployment_config_parse_error_has_line(tmp_path: Path) -> None:
    write(tmp_path, "deployment-config.ts",
           "export const deploymentConfig = {\n  regions: [\"hnd1\"\n  framework: 1,\n};\n")
    (finding,) = vercel.deployment_config_findings(tmp_path)
    assert finding.file == "deployment-config.ts"
    assert finding.line is not None and finding.line >= 3
    assert "cannot read the exported object literal" in finding.message


def test_ts_object_literal_reader() -> None:
    source = """
    // comment with { braces }
    export const config: Config<{ a: string }> = {
      name: 'acme', "quoted-key": `tpl`, n: 5_000, f: 1.5, on: true, off: null,
      list: ["a", 'b'] as const,
      nested: { deep: { x: -1 } },
      call: z.string().url(),
      fn: (x) => { return x + 1; },
      shorthand,
      ...rest,
      [computed]: 1,
      interp: `a${b}`,
      method() { return 1; },
    } satisfies Other;
    """
    obj = exported_object(source, "config")
    assert obj is not None
    values = plain(obj)
    assert isinstance(values, dict)
    assert values["name"] == "acme" and values["quoted-key"] == "tpl"
    assert values["n"] == 5000 and values["f"] == 1.5
    assert values["on"] is True and values["off"] is None
    assert values["list"] == ["a", "b"]
    assert values["nested"] == {"deep": {"x": -1}}
    assert values["call"] == Opaque("z.string().url()")
    assert isinstance(values["fn"], Opaque)
    assert values["shorthand"] == Opaque("shorthand")
    assert isinstance(values["interp"], Opaque)
    assert obj.lines["nested"] == 6
    assert exported_object(source, "other") is None


def test_ts_unterminated_object_raises_with_line() -> None:
    with pytest.raises(TsParseError) as caught:
        exported_object("export const c = {\n  a: 1,\n  b: {\n")
    assert caught.value.line >= 3


def test_route_exists_for_app_and_pages_router(tmp_path: Path) -> None:
    write(tmp_path, "src/app/api/health/route.ts", "")
    write(tmp_path, "pages/api/legacy.js", "")
    assert vercel.route_exists(tmp_path, "/api/health")
    assert vercel.route_exists(tmp_path, "/api/legacy")
    assert not vercel.route_exists(tmp_path, "/api/missing")


# --- vercel.json per Vercel's schema; build-settings.json as teams write it -------------------

ROUTE = "export async function GET() { return new Response('ok'); }\n"


def test_vercel_json_unknown_key_and_wrong_type(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{\n  "framework": "nextjs",\n  "regionz": ["hnd1"],\n'
                                   '  "cleanUrls": "yes"\n}\n')
    found = text_of(vercel.vercel_json_findings(tmp_path))
    assert "vercel.json:3: regionz: unknown field" in found
    assert "vercel.json:4: cleanUrls: Input should be a valid boolean" in found


def test_vercel_json_current_keys_accepted(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", json.dumps({
        "$schema": "https://openapi.vercel.sh/vercel.json", "framework": None,
        "bunVersion": "1.x", "fluid": True, "relatedProjects": ["prj_123"],
        "functions": {"api/*.ts": {"maxDuration": 10, "experimentalTriggers": [
            {"type": "queue/v1beta", "topic": "jobs", "consumer": "worker"}]}}}))
    write(tmp_path, "api/jobs.ts", ROUTE)
    assert vercel.vercel_json_findings(tmp_path) == []


def test_monorepo_function_patterns_are_relative_to_their_vercel_json(tmp_path: Path) -> None:
    write(tmp_path, "apps/web/vercel.json",
          '{"functions": {"app/api/**/*.ts": {"memory": 1024, "maxDuration": 10}}}')
    write(tmp_path, "apps/web/app/api/health/route.ts", ROUTE)
    assert vercel.vercel_json_findings(tmp_path) == []
    other = tmp_path / "other"
    write(other, "apps/web/vercel.json",
          '{"functions": {"app/api/**/*.ts": {"memory": 1024, "maxDuration": 10}}}')
    write(other, "app/api/health/route.ts", ROUTE)  # beside the root, not the app
    assert "functions pattern 'app/api/**/*.ts' matches no file" in text_of(
        vercel.vercel_json_findings(other))


def test_build_settings_as_vercel_project_settings(tmp_path: Path) -> None:
    # neither framework nor installCommand: Vercel does not demand them, nor does golive
    write(tmp_path, "vercel.json", '{"buildCommand": "next build"}')
    write(tmp_path, "build-settings.json",
          '{"buildCommand": "next build", "outputDirectory": ".next"}')
    assert vercel.build_settings_findings(tmp_path) == []
    assert vercel.deploy_cache_findings(tmp_path) == []
    for probe in (vercel.env_separation_findings, vercel.build_settings_per_env_findings,
                  vercel.deploy_hooks_findings, vercel.settings_for_check):
        # zero environments examined is never a pass, for golive's and other checks alike
        with pytest.raises(NotVerified, match="Vercel project settings, which declare no "
                                              "environments"):
            probe(tmp_path)


def test_build_settings_as_vercel_project_json(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{"framework": "nextjs"}')
    write(tmp_path, "build-settings.json", json.dumps(
        {"projectId": "prj_1", "orgId": "team_1",
         "settings": {"framework": "nextjs", "buildCommand": None, "nodeVersion": "20.x"}}))
    assert vercel.build_settings_findings(tmp_path) == []
    write(tmp_path, "build-settings.json", json.dumps(
        {"projectId": "prj_1", "settings": {"framework": "vite"}}))
    assert "framework is 'vite' here but 'nextjs' in vercel.json" in text_of(
        vercel.build_settings_findings(tmp_path))


def test_build_settings_wrong_type_is_a_finding(tmp_path: Path) -> None:
    write(tmp_path, "build-settings.json", '{\n  "framework": "nextjs",\n  "regions": "hnd1"\n}\n')
    found = text_of(vercel.build_settings_findings(tmp_path))
    assert "build-settings.json:3: regions: 'hnd1' is not of type 'array'" in found


def test_build_settings_in_no_known_shape_is_not_verified(tmp_path: Path) -> None:
    write(tmp_path, "build-settings.json", '{"steps": [{"run": "npm run build"}]}')
    with pytest.raises(NotVerified, match=r"^unrecognised format: build-settings.json "
                                          r"\(accepted: "):
        vercel.build_settings_findings(tmp_path)


def test_no_build_command_only_when_vercel_has_none_to_use(tmp_path: Path) -> None:
    settings = {"environments": {"production": {"target": "production", "gitBranch": "main",
                                                "domain": "a.example.com"}}}
    write(tmp_path / "a", "build-settings.json", json.dumps(settings))
    assert "production: no build command" in text_of(
        vercel.build_settings_per_env_findings(tmp_path / "a"))
    write(tmp_path / "b", "build-settings.json", json.dumps({**settings, "framework": "nextjs"}))
    assert vercel.build_settings_per_env_findings(tmp_path / "b") == []


def test_every_vercel_json_of_a_monorepo_is_judged(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{"framework": "nextjs"}')
    write(tmp_path, "apps/docs/vercel.json", '{\n  "cleanUrl": true\n}\n')
    (found,) = vercel.vercel_json_findings(tmp_path)
    assert str(found).startswith("apps/docs/vercel.json:2: cleanUrl: unknown field")


def test_legacy_build_sources_must_match_a_file(tmp_path: Path) -> None:
    # a Python API deployed with the legacy builds, as teams still write it
    legacy = {"version": 2,
              "builds": [{"src": "main.py", "use": "@vercel/python"},
                         {"src": "static/**", "use": "@vercel/static"}],
              "routes": [{"src": "/(.*)", "dest": "/main.py"}]}
    write(tmp_path, "vercel.json", json.dumps(legacy, indent=2))
    write(tmp_path, "main.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    write(tmp_path, "static/index.html", "<p>ok</p>\n")
    assert vercel.vercel_json_findings(tmp_path) == []
    # the entry point lives in apps/api, not beside the root vercel.json
    moved = tmp_path / "moved"
    write(moved, "vercel.json", json.dumps(legacy, indent=2))
    write(moved, "apps/api/main.py", "app = None\n")
    write(moved, "static/index.html", "<p>ok</p>\n")
    (found,) = vercel.vercel_json_findings(moved)
    assert str(found).startswith(
        "vercel.json:5: builds[0].src 'main.py' matches no file beside vercel.json")


def test_legacy_build_glob_resolved_from_its_own_folder(tmp_path: Path) -> None:
    write(tmp_path, "apps/api/vercel.json",
          '{"builds": [{"src": "api/*.py", "use": "@vercel/python"}]}')
    write(tmp_path, "apps/api/api/index.py", "app = None\n")
    assert vercel.vercel_json_findings(tmp_path) == []
    # a glob that matches nothing: this app's functions are TypeScript
    other = tmp_path / "other"
    write(other, "apps/api/vercel.json",
          '{"builds": [{"src": "api/*.py", "use": "@vercel/python"}]}')
    write(other, "apps/api/api/index.ts", ROUTE)
    write(other, "api/index.py", "app = None\n")  # beside the root, not the app
    (found,) = vercel.vercel_json_findings(other)
    assert str(found).startswith(
        "apps/api/vercel.json:1: builds[0].src 'api/*.py' matches no file beside "
        "apps/api/vercel.json")
    # an entry that is not an object is a type finding of the model
    write(tmp_path / "third", "vercel.json", '{"builds": ["api/index.ts"]}')
    assert "builds.0: Input should be a valid dictionary" in text_of(
        vercel.vercel_json_findings(tmp_path / "third"))
