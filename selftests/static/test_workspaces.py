"""Monorepos: workspace discovery, and env templates and Dockerfiles judged per app.

Fixtures are written here, in the formats pnpm, npm/yarn, turbo, nx and template kits use;
each shape has a sound repository (no finding) and a defective twin (the finding, naming
the app)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from golive.facts.repo.workspaces import app_of, apps, match_glob
from golive.rules import docker, envfiles

from ._helpers import text_of, write

_NEXT_APP = "export const url = process.env.NEXT_PUBLIC_SUPABASE_URL\n"


def _package(root: Path, folder: str, name: str, scripts: dict[str, str] | None = None,
             **extra: object) -> None:
    body = {"name": name, "private": True, "scripts": scripts or {}, **extra}
    write(root, f"{folder}/package.json" if folder else "package.json", json.dumps(body))


def _pnpm_monorepo(root: Path, *, sound: bool) -> Path:
    """apps/web (own template) and apps/admin (the root's template); packages/ui reads
    nothing; the root's tooling reads a CI knob no template lists."""
    _package(root, "", "mono", {"build": "turbo run build"})
    write(root, "pnpm-workspace.yaml", "packages:\n  - 'apps/*'\n  - packages/*\n")
    write(root, ".env.example", "ADMIN_API_TOKEN=\n")
    write(root, "scripts/release.mjs", "const tag = process.env.RELEASE_CHANNEL\n")
    _package(root, "apps/web", "web", {"dev": "next dev", "test": "vitest run"})
    write(root, "apps/web/.env.example", "NEXT_PUBLIC_SUPABASE_URL=\nSTRIPE_SECRET_KEY=\n")
    write(root, "apps/web/src/lib/supabase.ts", _NEXT_APP)
    write(root, "apps/web/src/lib/pay.ts", "const k = process.env.STRIPE_SECRET_KEY\n")
    write(root, "apps/web/src/lib/pay.test.ts", "const t = process.env.STRIPE_TEST_CLOCK\n")
    _package(root, "apps/admin", "admin", {"dev": "vite"})
    write(root, "apps/admin/src/api.ts", "const t = import.meta.env.ADMIN_API_TOKEN\n"
                                         "const m = import.meta.env.MODE\n")
    if not sound:
        # reads a variable that apps/admin's template (the root's) does not list
        write(root, "apps/admin/src/flags.ts", "const f = import.meta.env.VITE_FLAGS_URL\n")
    _package(root, "packages/ui", "@mono/ui")
    write(root, "packages/ui/src/button.tsx", "export const Button = () => null\n")
    return root


def test_pnpm_workspace_apps_and_scripts(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    found = {a.name: a for a in apps(repo)}
    assert sorted(found) == ["apps/admin", "apps/web", "packages/ui"]
    assert found["apps/web"].scripts == {"dev": "next dev", "test": "vitest run"}
    assert found["apps/web"].kind == "workspace" and found["apps/web"].package == "web"
    assert app_of(repo, repo / "apps/web/src/lib/pay.ts") == found["apps/web"]
    assert app_of(repo, repo / "scripts/release.mjs") is None  # root tooling


def test_pnpm_workspace_sound_passes(tmp_path: Path) -> None:
    # root tooling's RELEASE_CHANNEL and apps/web's test variable are no app's contract;
    # apps/web's STRIPE_SECRET_KEY is in its own template, not the root's
    assert envfiles.env_template_findings(_pnpm_monorepo(tmp_path, sound=True)) == []


def test_pnpm_workspace_missing_variable_named_per_app(tmp_path: Path) -> None:
    findings = envfiles.env_template_findings(_pnpm_monorepo(tmp_path, sound=False))
    assert [str(f) for f in findings] == [
        "apps/admin/src/flags.ts:1: apps/admin: process.env.VITE_FLAGS_URL is used here "
        "but .env.example does not list it"
    ]


def test_app_template_is_its_own_not_another_apps(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    # the root's template does not list STRIPE_SECRET_KEY: only apps/web's own one counts
    envs = {e.app.name: e for e in envfiles.app_envs(repo)}
    assert envs["apps/web"].template is not None
    assert envs["apps/web"].template.name == "apps/web/.env.example"
    assert envs["apps/admin"].template is not None
    assert envs["apps/admin"].template.name == ".env.example"
    assert sorted(envs["apps/web"].usages) == ["NEXT_PUBLIC_SUPABASE_URL", "STRIPE_SECRET_KEY"]
    # the same read in another app is judged against that app's template
    other = _pnpm_monorepo(tmp_path / "other", sound=True)
    write(other, "apps/admin/src/pay.ts", "const k = process.env.STRIPE_SECRET_KEY\n")
    assert "apps/admin: process.env.STRIPE_SECRET_KEY" in text_of(
        envfiles.env_template_findings(other)
    )


def _npm_workspaces(root: Path, *, sound: bool) -> Path:
    """npm/yarn ``workspaces`` ({packages} form, a negated glob); no template at the root."""
    _package(root, "", "shop", workspaces={"packages": ["services/**", "!services/legacy"]})
    _package(root, "services/api", "api", {"start": "node server.js"})
    write(root, "services/api/.env.sample", "DATABASE_URL=\n")
    write(root, "services/api/server.js", "const db = process.env.DATABASE_URL\n")
    _package(root, "services/legacy", "legacy")
    write(root, "services/legacy/index.js", "process.env.LEGACY_ONLY\n")
    _package(root, "services/jobs/mailer", "mailer")
    if not sound:
        write(root, "services/jobs/mailer/send.ts", "const k = process.env.SMTP_PASSWORD\n")
    return root


def test_npm_workspaces_object_form_and_negation(tmp_path: Path) -> None:
    repo = _npm_workspaces(tmp_path, sound=True)
    assert [a.name for a in apps(repo)] == ["services/api", "services/jobs/mailer"]
    assert envfiles.env_template_findings(repo) == []


def test_npm_workspace_app_without_any_template(tmp_path: Path) -> None:
    messages = text_of(envfiles.env_template_findings(_npm_workspaces(tmp_path, sound=False)))
    assert (
        "services/jobs/mailer/send.ts:1: services/jobs/mailer: reads SMTP_PASSWORD but has no "
        "env template" in messages
    )
    assert "in services/jobs/mailer/ or the root" in messages


def _turbo_nx(root: Path, *, sound: bool) -> Path:
    """turbo.json without declared workspaces (apps/*, packages/*) and nx projects
    (project.json) elsewhere; a Supabase Edge Function reads what its runtime sets."""
    _package(root, "", "tn")
    write(root, "turbo.json", '{"tasks": {"build": {}}}')
    write(root, "nx.json", "{}")
    _package(root, "apps/site", "site", {"build": "next build"})
    write(root, "apps/site/.env.template", "NEXT_PUBLIC_SUPABASE_URL=\n")
    write(root, "apps/site/app/page.tsx", _NEXT_APP)
    write(root, "tools/worker/project.json", '{"name": "worker"}')
    write(root, "tools/worker/.env.example", "QUEUE_URL=\n")
    write(root, "tools/worker/main.ts", 'const q = Deno.env.get("QUEUE_URL")\n'
                                        'const s = Deno.env.get("SUPABASE_URL")\n')
    if not sound:
        write(root, "tools/worker/retry.ts", "const r = Deno.env.get('RETRY_LIMIT')\n")
    return root


def test_turbo_and_nx_projects(tmp_path: Path) -> None:
    repo = _turbo_nx(tmp_path, sound=True)
    assert [(a.name, a.kind) for a in apps(repo)] == [
        ("apps/site", "workspace"), ("tools/worker", "workspace")
    ]
    assert envfiles.env_template_findings(repo) == []


def test_turbo_nx_missing_variable(tmp_path: Path) -> None:
    messages = text_of(envfiles.env_template_findings(_turbo_nx(tmp_path, sound=False)))
    assert (
        "tools/worker/retry.ts:1: tools/worker: process.env.RETRY_LIMIT is used here but "
        "tools/worker/.env.example does not list it" in messages
    )
    assert "SUPABASE_URL" not in messages  # the Edge runtime sets it


def _template_kit(root: Path, *, sound: bool) -> Path:
    """A scaffolding tool: its own CLI at the root, a kit of templates under template/."""
    _package(root, "", "create-thing", bin={"create-thing": "cli.mjs"})
    write(root, "cli.mjs", "const dir = process.env.CREATE_THING_DIR\n")
    write(root, ".claude/hooks/guard.mjs", "process.env.CLAUDE_PROJECT_DIR\n")
    write(root, "template/base/env.example", "NEXT_PUBLIC_SUPABASE_URL=\nSERVICE_KEY=\n")
    write(root, "template/base/package.json.tmpl", '{"name": "{{NAME}}"}')
    write(root, "template/base/pnpm-workspace.yaml", "packages: ['apps/*']\n")
    write(root, "template/base/tools/gate.mjs", "process.env.GATE_STRICT\n")
    write(root, "template/stack/apps/web/package.json.tmpl", '{"name": "web"}')
    write(root, "template/stack/apps/web/lib/db.ts", _NEXT_APP +
          "export const k = process.env.SERVICE_KEY\n")
    if not sound:
        write(root, "template/stack/apps/web/lib/mail.ts", "process.env.MAIL_FROM\n")
    return root


def test_template_kit_judged_as_its_own_app(tmp_path: Path) -> None:
    repo = _template_kit(tmp_path, sound=True)
    assert [(a.name, a.kind) for a in apps(repo)] == [("template", "template kit")]
    # neither the installer's nor the kit's tooling variables are the kit's contract
    assert envfiles.env_template_findings(repo) == []


def test_template_kit_missing_variable(tmp_path: Path) -> None:
    findings = envfiles.env_template_findings(_template_kit(tmp_path, sound=False))
    assert [str(f) for f in findings] == [
        "template/stack/apps/web/lib/mail.ts:1: template: process.env.MAIL_FROM is used here "
        "but template/base/env.example does not list it"
    ]


def test_template_kit_never_asks_for_its_env_local_to_be_ignored(tmp_path: Path) -> None:
    repo = _template_kit(tmp_path, sound=True)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    assert "template/base/.env.local" not in text_of(envfiles.env_local_findings(repo))
    write(repo, ".gitignore", ".env*.local\n")
    assert envfiles.env_local_findings(repo) == []


def _single_app(root: Path, *, sound: bool) -> Path:
    _package(root, "", "app", {"dev": "next dev", "test": "jest"})
    write(root, ".env.example", "NEXT_PUBLIC_SUPABASE_URL=\n")
    write(root, "src/lib/db.ts", _NEXT_APP)
    write(root, "src/templates/welcome.tsx", "export const x = 1\n")  # not a kit
    if not sound:
        write(root, "src/lib/ai.ts", "process.env.OPENAI_API_KEY\n")
    return root


def test_single_app_unchanged(tmp_path: Path) -> None:
    sound = _single_app(tmp_path / "sound", sound=True)
    assert [(a.name, a.kind, a.scripts) for a in apps(sound)] == [
        (".", "root", {"dev": "next dev", "test": "jest"})
    ]
    assert envfiles.env_template_findings(sound) == []
    findings = envfiles.env_template_findings(_single_app(tmp_path / "bad", sound=False))
    assert [str(f) for f in findings] == [
        "src/lib/ai.ts:1: process.env.OPENAI_API_KEY is used here but .env.example does not "
        "list it"
    ]


def test_monorepo_without_any_template_is_not_found(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    for path in (".env.example", "apps/web/.env.example"):
        (repo / path).unlink()
    findings = envfiles.env_template_findings(repo)
    assert findings[0].message.startswith(f"not found: .env.template anywhere in {repo}")


def test_a_source_folder_named_env_is_read(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    _package(repo, "packages/env", "@mono/env")
    write(repo, "packages/env/src/index.ts", "process.env.ADMIN_API_TOKEN\n")
    write(repo, "packages/env/src/more.ts", "process.env.UNLISTED_FLAG\n")
    write(repo, "packages/ui/env/pyvenv.cfg", "home = /usr\n")
    write(repo, "packages/ui/env/lib/x.js", "process.env.INSIDE_A_VENV\n")
    assert "packages/env" in [a.name for a in apps(repo)]
    messages = text_of(envfiles.env_template_findings(repo))
    assert "packages/env: process.env.UNLISTED_FLAG" in messages
    assert "INSIDE_A_VENV" not in messages


@pytest.mark.parametrize(
    ("folder", "pattern", "matched"),
    [
        ("apps/web", "apps/*", True),
        ("apps/web/nested", "apps/*", False),
        ("packages/a/b", "packages/**", True),
        ("packages/a/b", "./packages/*/*", True),
        ("tools", "apps/*", False),
    ],
)
def test_workspace_globs_by_segment(folder: str, pattern: str, matched: bool) -> None:
    assert match_glob(folder, pattern) is matched


_DOCKERFILE = (
    "FROM node:22.11.0-slim AS build\nRUN echo build\n"
    "FROM node:22.11.0-slim\nUSER node\nCMD [\"node\", \"server.js\"]\n"
)


def test_dockerfiles_listed_per_app(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    write(repo, "apps/web/Dockerfile", _DOCKERFILE)
    write(repo, "apps/admin/Dockerfile", _DOCKERFILE)
    write(repo, "docker/tools.Dockerfile", _DOCKERFILE)
    assert docker.dockerfiles_by_app(repo) == {
        "(root)": ["docker/tools.Dockerfile"],
        "apps/admin": ["apps/admin/Dockerfile"],
        "apps/web": ["apps/web/Dockerfile"],
    }


def test_app_dockerfile_uses_the_root_build_context_ignore_file(tmp_path: Path) -> None:
    repo = _pnpm_monorepo(tmp_path, sound=True)
    path = write(repo, "apps/web/Dockerfile", _DOCKERFILE)
    assert "no .dockerignore" in text_of(docker._dockerfile_rules(path, "apps/web/Dockerfile",
                                                                   repo))
    write(repo, ".dockerignore", "node_modules\n")
    assert ".dockerignore does not exclude .env.local, .git" in text_of(
        docker._dockerfile_rules(path, "apps/web/Dockerfile", repo)
    )
    write(repo, ".dockerignore", "**/.env*\n.git\n")
    assert text_of(docker._dockerfile_rules(path, "apps/web/Dockerfile", repo)) == ""


def test_validation_schema_judged_against_its_apps_template(tmp_path: Path) -> None:
    for name, keys in (("sound", "STRIPE_SECRET_KEY"), ("bad", "STRIPE_SECRET_KEY, WEBHOOK_KEY")):
        repo = _pnpm_monorepo(tmp_path / name, sound=True)
        fields = "".join(f"  {k}: z.string(),\n" for k in keys.split(", "))
        write(repo, "apps/web/src/lib/env-validation.ts",
              f"import {{ z }} from 'zod'\nexport const env = z.object({{\n{fields}}})\n")
    # STRIPE_SECRET_KEY is in apps/web's own template, not the root's: no finding
    assert envfiles.env_template_findings(tmp_path / "sound") == []
    assert [str(f) for f in envfiles.env_template_findings(tmp_path / "bad")] == [
        "apps/web/src/lib/env-validation.ts:4: apps/web: WEBHOOK_KEY is validated here but "
        "apps/web/.env.example does not list it"
    ]
