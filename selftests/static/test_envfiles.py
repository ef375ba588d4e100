"""The environment-variable and secret probes: pass on the good sample repo, the expected
finding on the broken one."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from golive import Finding, NotVerified
from golive.facts.scans import runner as scanners
from golive.rules import envfiles, secrets

from ._helpers import text_of, write


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", "-c", "commit.gpgsign=false",
         *args],
        cwd=repo, check=True, capture_output=True,
    )


PROBES: list[tuple[Callable[[Path], list[Finding]], list[str]]] = [
    (envfiles.env_template_findings, [
        "src/app/api/cron/cleanup-sessions/route.ts:7: process.env.CRON_SECRET is used here but "
        ".env.template does not list it",
        "src/lib/env-validation.ts:19: CRON_SECRET is validated here but .env.template does not "
        "list it",
    ]),
    (envfiles.env_validation_findings, [
        "an invalid environment does not stop startup",
        "NEXT_PUBLIC_DATADOG_APPLICATION_ID is not validated by src/lib/env-validation.ts",
    ]),
    (envfiles.env_vars_complete_findings, [
        "staging: SUPABASE_JWT_SECRET is not defined (.env.template:",
    ]),
    (envfiles.env_config_separation_findings, [
        "staging shares production's value of DATABASE_URL",
        "staging: DATABASE_URL references a production secret (@database-url-production)",
    ]),
    (envfiles.env_local_findings, [
        ".env.local: committed to git",
        ".env.local is not git-ignored",
    ]),
    (secrets.secret_scan_findings, [
        ".env.local:8: plain-text secret committed: Basic Auth Credentials",
        ".env.template:25: plain-text secret committed: Basic Auth Credentials",
    ]),
    (secrets.secret_reference_findings, [
        "production: SUPABASE_JWT_SECRET is written in plain text",
        ".env.template:25: DATABASE_URL has a value in the template",
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


def test_secret_values_never_repeated(broken_repo: Path) -> None:
    committed = (broken_repo / ".env.local").read_text(encoding="utf-8")
    values = [line.split("=", 1)[1].strip('"') for line in committed.splitlines()
              if "=" in line and not line.startswith("#")]
    shown = text_of(secrets.secret_scan_findings(broken_repo)
                      + secrets.secret_reference_findings(broken_repo))
    for value in values:
        if len(value) > 12:
            assert value not in shown


@pytest.mark.parametrize(
    ("probe", "name"),
    [
        (envfiles.env_template_findings, ".env.template"),
        (envfiles.env_validation_findings, "env-validation.ts"),
        (envfiles.env_vars_complete_findings, ".env.template"),
    ],
)
def test_missing_deliverable_names_what_was_searched(
    tmp_path: Path, probe: Callable[[Path], list[Finding]], name: str
) -> None:
    findings = probe(tmp_path)
    assert findings[0].message.startswith(f"not found: {name} anywhere in {tmp_path}")


def test_dotenv_parser() -> None:
    entries, problems = envfiles.parse_dotenv(
        "# comment\nA=1\nexport B='two words'\nC=\"x\" # note\nD=plain # inline\n"
        "this is wrong\nE=\"unterminated\n\n# @local-only\nF=\n"
    )
    values = {e.name: e.value for e in entries}
    assert values == {"A": "1", "B": "two words", "C": "x", "D": "plain",
                      "E": "unterminated", "F": ""}
    assert [e.name for e in entries if e.local_only] == ["F"]
    assert problems == [(6, "not a NAME=value line"), (7, "E: unterminated \" quote")]


def test_unparsable_template_line_reported(tmp_path: Path) -> None:
    write(tmp_path, ".env.template", "A=\nnot a variable line\nA=\n")
    messages = text_of(envfiles.env_template_findings(tmp_path))
    assert ".env.template:2: not a NAME=value line" in messages
    assert ".env.template:3: A listed twice (first on line 1)" in messages


def test_code_usages_read_all_forms_but_comments(tmp_path: Path) -> None:
    write(tmp_path, "src/a.ts", (
        "const a = process.env.ALPHA;\n"
        "const b = process.env['BRAVO'];\n"
        "const { CHARLIE, DELTA: d = 'x' } = process.env;\n"
        "// process.env.COMMENTED\n"
        "/* process.env.BLOCK */ const u = 'http://x' + process.env.ECHO;\n"
    ))
    write(tmp_path, "node_modules/lib/index.js", "process.env.VENDORED\n")
    write(tmp_path, ".next/server/chunk.js", "process.env.BUILT\n")
    uses = envfiles.code_env_usages(tmp_path)
    assert sorted(uses) == ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO"]
    assert uses["ECHO"] == [("src/a.ts", 5)]


def test_platform_variables_need_no_template_entry(tmp_path: Path) -> None:
    write(tmp_path, ".env.template", "APP_NAME=\n")
    write(tmp_path, "src/a.ts", "process.env.VERCEL_ENV; process.env.NODE_ENV; "
                                 "process.env.APP_NAME;\n")
    # env-validation.ts is absent: that is platform.env-validation-ts's finding, not this one's
    assert envfiles.env_template_findings(tmp_path) == []


def test_env_local_present_but_ignored_passes(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo)
    write(repo, ".env.local", "DATABASE_URL=\n")
    assert envfiles.env_local_findings(repo) == []


def test_env_local_tracked_despite_ignore_rule(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    write(tmp_path, ".gitignore", ".env*.local\n")
    write(tmp_path, "app/.env.production.local", "X=1\n")
    _git(tmp_path, "add", "-f", "app/.env.production.local", ".gitignore")
    messages = text_of(envfiles.env_local_findings(tmp_path))
    assert "app/.env.production.local: committed to git" in messages
    assert "not git-ignored" not in messages


def test_env_local_outside_git_not_verified(tmp_path: Path) -> None:
    with pytest.raises(NotVerified, match="not a git repository"):
        envfiles.env_local_findings(tmp_path)


def test_separation_detects_shared_value(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo, ignore=shutil.ignore_patterns(".git"))
    path = repo / "build-settings.json"
    settings = json.loads(path.read_text(encoding="utf-8"))
    production = settings["environments"]["production"]["env"]
    settings["environments"]["development"]["env"]["CRON_SECRET"] = production["CRON_SECRET"]
    path.write_text(json.dumps(settings, indent=2), encoding="utf-8")
    messages = text_of(envfiles.env_config_separation_findings(repo))
    assert "development shares production's value of CRON_SECRET" in messages


def test_sensitive_names() -> None:
    assert secrets.is_sensitive("SUPABASE_SERVICE_ROLE_KEY")
    assert secrets.is_sensitive("DATABASE_URL")
    assert secrets.is_sensitive("CRON_SECRET")
    assert not secrets.is_sensitive("NEXT_PUBLIC_SITE_URL")
    assert not secrets.is_sensitive("LOG_LEVEL")
    assert secrets.public_secret_name("NEXT_PUBLIC_SUPABASE_SERVICE_ROLE_KEY")
    assert not secrets.public_secret_name("NEXT_PUBLIC_SUPABASE_ANON_KEY")


def test_browser_exposed_credential(tmp_path: Path) -> None:
    write(tmp_path, ".env.template", "NEXT_PUBLIC_STRIPE_SECRET_KEY=\n")
    messages = text_of(secrets.secret_reference_findings(tmp_path))
    assert ".env.template:1: NEXT_PUBLIC_STRIPE_SECRET_KEY: NEXT_PUBLIC_ exposes" in messages


def test_secret_scan_without_detect_secrets_is_not_verified(
    good_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanners, "tool_path", lambda name: None)
    with pytest.raises(NotVerified, match="detect-secrets is not installed"):
        secrets.secret_scan_findings(good_repo)


def test_secret_scan_covers_untracked_committable_files(good_repo: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(good_repo, repo)
    write(repo, "config/db.yml", "url: postgres://admin:Zq7rVb2Lm9Xw4Tk8@db.internal:5432/app\n")
    messages = text_of(secrets.secret_scan_findings(repo))
    assert "config/db.yml:1: plain-text secret committed: Basic Auth Credentials" in messages
    assert "Zq7rVb2Lm9Xw4Tk8" not in messages


def test_ci_variables_and_tests_are_not_the_app_contract(tmp_path: Path) -> None:
    for repo in (tmp_path / "good", tmp_path / "bad"):
        write(repo, ".env.template", "APP_SECRET=\n")
        write(repo, "scripts/release.mjs", "log(process.env.GITHUB_SHA, process.env.RUNNER_OS)\n")
        write(repo, "tests/gates/build.test.mjs", "const t = process.env.EXPO_TOKEN\n")
        write(repo, "apps/web/e2e/auth.spec.ts", "const i = process.env.TEST_WORKER_INDEX\n")
        write(repo, "scripts/testing/smoke.js", "const u = process.env.SMOKE_TARGET_URL\n")
        write(repo, "apps/web/playwright.config.ts", "const u = process.env.PLAYWRIGHT_BASE_URL\n")
        write(repo, "src/lib/app.ts", "const s = process.env.APP_SECRET\n")
    write(tmp_path / "bad", "src/lib/pay.ts", "const k = process.env.STRIPE_SECRET_KEY\n")
    assert envfiles.env_template_findings(tmp_path / "good") == []
    assert text_of(envfiles.env_template_findings(tmp_path / "bad")).startswith(
        "src/lib/pay.ts:1: process.env.STRIPE_SECRET_KEY is used here"
    )
